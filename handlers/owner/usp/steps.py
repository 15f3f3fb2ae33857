"""USP generator: /usp (or the menu) → three proposals and a pitch → pick one or type one."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from aiogram import Bot, F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.chat_action import ChatActionSender
from aiogram.utils.i18n import gettext as _
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.drafts import DraftSlot
from handlers.errors import describe_invalid
from handlers.owner.usp import keyboards, texts
from handlers.owner.usp.callbacks import UspAction, UspCB
from handlers.owner.usp.states import UspSG
from handlers.streaming import fallback_note
from handlers.ui import MenuCB, MenuItem, NavCB, done_with, h
from services.ai import AIGateway, AIReply, AIRequest, Turn, context, prompts, usp
from services.db.models import Business, User
from services.errors import InvalidInput
from services.teams import Permission

router = Router(name="usp")
steps = Router(name="usp.steps")
steps.message.filter(StateFilter(UspSG))
steps.callback_query.filter(StateFilter(UspSG))
router.include_router(steps)

EDIT = Permission.MANAGE_PROFILE
NOT_COMMAND = ~F.text.startswith("/")


class UspDraft(BaseModel):
    usps: list[str] = []
    pitch: str = ""


DRAFT = DraftSlot("usp", UspDraft)


def proposals_text(business: Business, proposal: usp.UspProposal, reply: AIReply) -> str:
    lines = [_("💡 <b>USP ideas for {business}</b>").format(business=h(business.name)), ""]
    lines += [f"{index}. {h(text)}" for index, text in enumerate(proposal.usps, 1)]
    lines += ["", _("🎤 <b>Elevator pitch</b>"), h(proposal.pitch), "",
              _("Pick one to save it as your USP (the pitch is saved with it), or type your "
                "own.")]
    if reply.is_fallback:
        lines += ["", f"<i>{h(fallback_note(reply))}</i>"]
    return "\n".join(lines)


async def propose(message: Message, state: FSMContext, session: AsyncSession, *, bot: Bot,
                  ai: AIGateway, user: User, business: Business, locale: str) -> None:
    """Ask the model for proposals (templates when it cannot) and show them."""
    today = datetime.now(ZoneInfo(user.timezone or "Asia/Tashkent")).date()
    basis = await usp.usp_basis(session, business_id=business.id, today=today)
    fallback = texts.template_proposal(basis)
    request = AIRequest(business_id=business.id, feature="usp", locale=locale,
                        instructions=prompts.USP_INSTRUCTIONS,
                        turns=[Turn("user", "Propose the three USPs and the elevator pitch.")],
                        facts=await context.business_facts(session, business.id),
                        max_tokens=800)
    async with ChatActionSender.typing(bot=bot, chat_id=message.chat.id):
        reply = await ai.complete(session, request, fallback=lambda: usp.to_json(fallback))
    proposal = usp.parse_proposal(reply.text)
    if proposal is None:  # the model's reply was not the JSON asked for
        proposal = fallback
        reply = AIReply(text=usp.to_json(fallback), source="fallback", reason="error")
    await DRAFT.save(state, UspDraft(usps=proposal.usps, pitch=proposal.pitch))
    await state.set_state(UspSG.choosing)
    await message.answer(proposals_text(business, proposal, reply),
                         reply_markup=keyboards.proposals_keyboard(len(proposal.usps)))


@router.message(Command("usp"), flags={"perm": EDIT})
async def cmd_usp(message: Message, state: FSMContext, session: AsyncSession, bot: Bot,
                  ai: AIGateway, user: User, business: Business, locale: str) -> None:
    await propose(message, state, session, bot=bot, ai=ai, user=user, business=business,
                  locale=locale)


@router.callback_query(MenuCB.filter(F.item == MenuItem.USP), flags={"perm": EDIT})
async def on_usp(callback: CallbackQuery, state: FSMContext, session: AsyncSession, bot: Bot,
                 ai: AIGateway, user: User, business: Business, locale: str) -> None:
    await callback.answer()
    assert isinstance(callback.message, Message)
    await propose(callback.message, state, session, bot=bot, ai=ai, user=user,
                  business=business, locale=locale)


@steps.callback_query(UspSG.choosing, UspCB.filter(F.action == UspAction.AGAIN),
                      flags={"perm": EDIT})
async def on_again(callback: CallbackQuery, state: FSMContext, session: AsyncSession, bot: Bot,
                   ai: AIGateway, user: User, business: Business, locale: str) -> None:
    await done_with(callback, _("New ideas"))
    assert isinstance(callback.message, Message)
    await propose(callback.message, state, session, bot=bot, ai=ai, user=user,
                  business=business, locale=locale)


@steps.callback_query(UspSG.choosing, UspCB.filter(F.action == UspAction.PICK),
                      flags={"perm": EDIT})
async def on_pick(callback: CallbackQuery, callback_data: UspCB, state: FSMContext,
                  session: AsyncSession, business: Business) -> None:
    draft = await DRAFT.load(state)
    if not 0 <= callback_data.index < len(draft.usps):  # callback data is never trusted
        await callback.answer(_("This button is out of date."), show_alert=True)
        return
    chosen = draft.usps[callback_data.index]
    await usp.save_usp(session, business_id=business.id, usp=chosen, pitch=draft.pitch or None)
    await DRAFT.finish(state)
    await done_with(callback, _("USP {number} chosen").format(number=callback_data.index + 1))
    assert isinstance(callback.message, Message)
    await callback.message.answer(saved_text(chosen, draft.pitch or None))


def saved_text(chosen: str, pitch: str | None) -> str:
    lines = [_("✅ Saved to your profile."), "", _("<b>USP:</b> {usp}").format(usp=h(chosen))]
    if pitch:
        lines.append(_("<b>Elevator pitch:</b> {pitch}").format(pitch=h(pitch)))
    lines += ["", _("/profile shows it, /usp makes new ideas.")]
    return "\n".join(lines)


@steps.callback_query(UspSG.choosing, UspCB.filter(F.action == UspAction.OWN),
                      flags={"perm": EDIT})
async def on_own(callback: CallbackQuery, state: FSMContext) -> None:
    await done_with(callback, _("Write my own"))
    await state.set_state(UspSG.writing)
    assert isinstance(callback.message, Message)
    await callback.message.answer(
        _("✏️ Type your USP in one or two sentences: who it is for, what result, why you."),
        reply_markup=keyboards.writing_keyboard())


@steps.message(F.text, NOT_COMMAND, flags={"perm": EDIT})  # typed while choosing, too
async def own_entered(message: Message, state: FSMContext, session: AsyncSession,
                      business: Business) -> None:
    try:
        saved = await usp.save_usp(session, business_id=business.id, usp=message.text or "")
    except InvalidInput as exc:
        await message.answer(describe_invalid(exc))
        return
    await DRAFT.finish(state)
    await message.answer(saved_text(saved.usp or "", None))


@steps.message(NOT_COMMAND, flags={"perm": EDIT})
async def own_invalid(message: Message) -> None:
    await message.answer(_("Please type it as text."))


@steps.callback_query(NavCB.filter(), flags={"perm": EDIT})
async def on_nav(callback: CallbackQuery, state: FSMContext) -> None:
    await done_with(callback, _("Cancelled"))
    await DRAFT.finish(state)
    assert isinstance(callback.message, Message)
    await callback.message.answer(_("Cancelled. /menu opens the main menu."))
