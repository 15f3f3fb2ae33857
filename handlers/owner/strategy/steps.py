"""/strategy: this month's plan (model or rules), regenerate, edit a section by typing,
check in against it. /diagnostics: the 0–100 score, the money lost and the action plan."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.chat_action import ChatActionSender
from aiogram.utils.i18n import gettext as _
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from bot.checkin_texts import checkin_text  # the weekly push words it too
from handlers.drafts import DraftSlot
from handlers.errors import describe_invalid
from handlers.owner.strategy import keyboards, texts
from handlers.owner.strategy.callbacks import StrategyAction, StrategyCB
from handlers.owner.strategy.states import StrategySG
from handlers.streaming import fallback_note
from handlers.ui import NavCB, done_with
from services import diagnostics, strategy
from services.ai import AIGateway, AIRequest, Turn, context
from services.db.models import Business
from services.errors import InvalidInput
from services.strategy import SECTIONS, StrategyView
from services.teams import Permission, has_permission

router = Router(name="strategy")
steps = Router(name="strategy.steps")
steps.message.filter(StateFilter(StrategySG))
steps.callback_query.filter(StateFilter(StrategySG))
router.include_router(steps)

EDIT = Permission.GENERATE_REPORTS
VIEW = Permission.VIEW_ANALYTICS
NOT_COMMAND = ~F.text.startswith("/")

DIAGNOSTICS_INSTRUCTIONS = (
    "Rewrite the action plan of this business diagnosis for the owner: four short lines "
    "(today, this week, next week, this month), each one concrete step naming the command "
    "given for it in the facts. Plain text, no markdown, in the user's language.")


class EditDraft(BaseModel):
    section: str = ""


DRAFT = DraftSlot("strategy", EditDraft)


async def generate(session: AsyncSession, *, ai: AIGateway, business: Business, locale: str
                   ) -> StrategyView:
    """The model's plan (JSON), else the rule plan; saved for this month."""
    basis = await strategy.gather_basis(session, business_id=business.id)
    rules = strategy.rule_plan(basis)
    request = AIRequest(business_id=business.id, feature="strategy", locale=locale,
                        instructions=strategy.INSTRUCTIONS,
                        turns=[Turn("user", "Write this month's strategy as JSON.")],
                        facts=await context.business_facts(session, business.id) + "\n"
                        + strategy.facts_of(basis, rules), max_tokens=1500)
    reply = await ai.complete(session, request, fallback=lambda: strategy.to_json(rules))
    plan = None if reply.is_fallback else strategy.parse_plan(reply.text)
    month = await strategy.current_month(session, business_id=business.id)
    return await strategy.save_plan(session, business_id=business.id, month=month,
                                    plan=plan or rules, source="ai" if plan else "rules")


async def show(message: Message, view: StrategyView, *, business: Business, role: str | None,
               locale: str) -> None:
    await message.answer(texts.strategy_text(business.name, view, locale),
                         reply_markup=keyboards.strategy_keyboard(
                             can_edit=has_permission(role, EDIT)))


@router.message(Command("strategy"), flags={"perm": VIEW})
async def cmd_strategy(message: Message, session: AsyncSession, bot: Bot, ai: AIGateway,
                       business: Business, role: str, locale: str) -> None:
    month = await strategy.current_month(session, business_id=business.id)
    view = await strategy.get_strategy(session, business_id=business.id, month=month)
    if view is None:
        if not has_permission(role, EDIT):
            await message.answer(_("No strategy for this month yet. The owner or a manager "
                                   "can make one with /strategy."))
            return
        async with ChatActionSender.typing(bot=bot, chat_id=message.chat.id):
            view = await generate(session, ai=ai, business=business, locale=locale)
    await show(message, view, business=business, role=role, locale=locale)


@router.callback_query(StrategyCB.filter(F.action == StrategyAction.REGENERATE),
                       flags={"perm": EDIT})
async def on_regenerate(callback: CallbackQuery, session: AsyncSession, bot: Bot,
                        ai: AIGateway, business: Business, role: str, locale: str) -> None:
    await done_with(callback, _("Regenerating"))
    assert isinstance(callback.message, Message)
    async with ChatActionSender.typing(bot=bot, chat_id=callback.message.chat.id):
        view = await generate(session, ai=ai, business=business, locale=locale)
    await show(callback.message, view, business=business, role=role, locale=locale)


@router.callback_query(StrategyCB.filter(F.action == StrategyAction.EDIT), flags={"perm": EDIT})
async def on_edit(callback: CallbackQuery, callback_data: StrategyCB,
                  state: FSMContext) -> None:
    if callback_data.section not in SECTIONS:  # callback data is never trusted
        await callback.answer(_("This button is out of date."), show_alert=True)
        return
    await callback.answer()
    await DRAFT.save(state, EditDraft(section=callback_data.section))
    await state.set_state(StrategySG.editing)
    assert isinstance(callback.message, Message)
    await callback.message.answer(
        _("✏️ Type the new <b>{section}</b>, one item per line.").format(
            section=texts.section_title(callback_data.section)),
        reply_markup=keyboards.editing_keyboard())


@steps.message(StrategySG.editing, F.text, NOT_COMMAND, flags={"perm": EDIT})
async def section_entered(message: Message, state: FSMContext, session: AsyncSession,
                          business: Business, role: str, locale: str) -> None:
    section = (await DRAFT.load(state)).section
    month = await strategy.current_month(session, business_id=business.id)
    try:
        view = await strategy.edit_section(session, business_id=business.id, month=month,
                                           section=section, raw=message.text or "")
    except InvalidInput as exc:
        await message.answer(describe_invalid(exc))
        return
    await DRAFT.finish(state)
    await message.answer(_("✅ Saved."))
    await show(message, view, business=business, role=role, locale=locale)


@steps.message(NOT_COMMAND, flags={"perm": EDIT})
async def section_invalid(message: Message) -> None:
    await message.answer(_("Please type it as text."))


@steps.callback_query(NavCB.filter(), flags={"perm": VIEW})
async def on_nav(callback: CallbackQuery, state: FSMContext) -> None:
    await done_with(callback, _("Cancelled"))
    await DRAFT.finish(state)


@router.callback_query(StrategyCB.filter(F.action == StrategyAction.CHECK_IN),
                       flags={"perm": VIEW})
async def on_check_in(callback: CallbackQuery, session: AsyncSession, business: Business,
                      locale: str) -> None:
    await callback.answer()
    month = await strategy.current_month(session, business_id=business.id)
    result = await strategy.check_in(session, business_id=business.id, month=month)
    assert isinstance(callback.message, Message)
    await callback.message.answer(checkin_text(result, locale))


@router.message(Command("diagnostics"), flags={"perm": VIEW})
async def cmd_diagnostics(message: Message, session: AsyncSession, bot: Bot, ai: AIGateway,
                          business: Business, locale: str) -> None:
    diagnosis = await diagnostics.diagnose(session, business_id=business.id)
    rule_text = texts.plan_rule_text(diagnosis)
    request = AIRequest(business_id=business.id, feature="diagnostics", locale=locale,
                        instructions=DIAGNOSTICS_INSTRUCTIONS,
                        turns=[Turn("user", "Write my action plan.")],
                        facts=diagnosis.to_json(), max_tokens=600)
    async with ChatActionSender.typing(bot=bot, chat_id=message.chat.id):
        reply = await ai.complete(session, request, fallback=lambda: rule_text)
    note = fallback_note(reply) if reply.is_fallback else None
    await message.answer(texts.diagnosis_text(business.name, diagnosis, locale,
                                              plan=reply.text, note=note))
