"""Dream Buyer: the avatar list, the nine-question wizard, the card, edits, Power 4% and the
generated persona/ideas/hooks.

Every answer is written to the avatar as it is given; the draft in FSM data (persisted) keeps
the avatar and the step, so /dreambuyer resumes the same question after a restart.
"""

from __future__ import annotations

import asyncio

from aiogram import Bot, F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.chat_action import ChatActionSender
from aiogram.utils.i18n import gettext as _
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from bot.middlewares.permissions import BUSINESS
from handlers.drafts import DraftSlot
from handlers.errors import describe, describe_invalid
from handlers.limits import limit_warning
from handlers.owner.dream_buyer import keyboards, texts
from handlers.owner.dream_buyer.callbacks import DreamAction, DreamBuyerCB
from handlers.owner.dream_buyer.states import DreamBuyerSG
from handlers.ui import MenuCB, MenuItem, NavAction, NavCB, done_with, h
from services import dream_buyer, plans
from services.ai import AIGateway
from services.charts.avatar import AvatarSection, render_avatar
from services.db.models import Business
from services.dream_buyer import EDITABLE, FIELDS, WIZARD_STEPS, AvatarView
from services.errors import InvalidInput, LimitExceeded, NotFound
from services.plans import Resource
from services.teams import Permission, has_permission

router = Router(name="dream_buyer")
# Handlers that only apply inside the wizard: updates outside it skip them with one check.
steps = Router(name="dream_buyer.steps")
steps.message.filter(StateFilter(DreamBuyerSG))
steps.callback_query.filter(StateFilter(DreamBuyerSG))
router.include_router(steps)

DRAFT_KEY = "dream_buyer"
NOT_COMMAND = ~F.text.startswith("/")
EDIT = Permission.MANAGE_PROFILE
CLEAR = "-"


class DreamDraft(BaseModel):
    """Typed wizard state, stored in FSM data."""

    step: str | None = None
    avatar_id: int | None = None
    editing: bool = False  # changing one field from the card, not walking the wizard
    picks: list[str] = Field(default_factory=list)  # quick picks chosen on this step


DRAFT = DraftSlot(DRAFT_KEY, DreamDraft)


# --------------------------------------------------------------------------- screens


async def send_list(message: Message, session: AsyncSession, *, business: Business,
                    role: str | None) -> None:
    avatars = await dream_buyer.list_avatars(session, business_id=business.id)
    status = await plans.limit_status(session, business_id=business.id,
                                      resource=Resource.AVATARS, used=len(avatars))
    await message.answer(
        texts.list_text(business.name, avatars, used=status.used,
                        limit=None if status.unlimited else status.limit),
        reply_markup=keyboards.list_keyboard(avatars, can_edit=has_permission(role, EDIT)))


async def send_card(message: Message, bot: Bot, avatar: AvatarView, *, role: str | None,
                    photo: bool = True) -> None:
    """The card image (rendered in a worker thread), then the text card with its actions."""
    if photo:
        sections = [AvatarSection(title=texts.numbered_label(code),
                                  body=avatar.answers.get(code) or "") for code in FIELDS]
        async with ChatActionSender.upload_photo(bot=bot, chat_id=message.chat.id):
            png = await asyncio.to_thread(
                render_avatar, name=avatar.name, demographics=texts.demographics_line(avatar),
                sections=sections, completeness=avatar.completeness,
                completeness_label=_("{percent}% complete").format(percent=avatar.completeness),
                empty_text=_("Not answered yet"))
        await message.answer_photo(BufferedInputFile(png, filename="dream_buyer.png"),
                                   caption=texts.card_caption(avatar))
    await message.answer(texts.card_text(avatar),
                         reply_markup=keyboards.card_keyboard(
                             avatar, can_edit=has_permission(role, EDIT)))


async def ask(message: Message, state: FSMContext, draft: DreamDraft,
              avatar: AvatarView | None) -> None:
    """Move to ``draft.step`` and ask its question (the step is kept for resuming)."""
    step = draft.step or "name"
    await DRAFT.save(state, draft)
    await state.set_state(DreamBuyerSG.name if step == "name" else DreamBuyerSG.answer)
    await message.answer(
        texts.question_text(step, avatar, editing=draft.editing,
                            has_picks=step in keyboards.PICKS),
        reply_markup=keyboards.question_keyboard(step, draft.picks, editing=draft.editing))


async def open_section(message: Message, state: FSMContext, session: AsyncSession, *,
                       business: Business, role: str | None) -> None:
    """The avatar list; an unfinished wizard is resumed at its question instead."""
    draft = await DRAFT.load(state)
    if draft.step in WIZARD_STEPS and not draft.editing and has_permission(role, EDIT):
        avatar = None
        try:
            if draft.avatar_id is not None:
                avatar = await dream_buyer.get_avatar(session, business_id=business.id,
                                                      avatar_id=draft.avatar_id)
        except NotFound:  # deleted meanwhile (or another business is current now)
            draft = DreamDraft()
        if draft.step is not None:
            draft.picks = []
            await message.answer(_("You have an unfinished Dream Buyer — let's continue where "
                                   "we stopped."))
            await ask(message, state, draft, avatar)
            return
    await DRAFT.finish(state)
    await send_list(message, session, business=business, role=role)


async def advance(message: Message, state: FSMContext, bot: Bot, avatar: AvatarView, *,
                  draft: DreamDraft, role: str | None) -> None:
    """After an answer (or a skip): the next question, or the card when done or editing."""
    step = draft.step or "name"
    if draft.editing:
        await DRAFT.finish(state)
        await message.answer(_("✅ Saved: {field}.").format(field=h(texts.field_label(step))))
        await send_card(message, bot, avatar, role=role)
        return
    index = WIZARD_STEPS.index(step) if step in WIZARD_STEPS else len(WIZARD_STEPS)
    if index + 1 >= len(WIZARD_STEPS):
        await DRAFT.finish(state)
        await message.answer(_("✅ <b>{name}</b> is saved — {percent}% complete.").format(
            name=h(avatar.name), percent=avatar.completeness))
        await send_card(message, bot, avatar, role=role)
        return
    await ask(message, state, DreamDraft(step=WIZARD_STEPS[index + 1], avatar_id=avatar.id),
              avatar)


async def _current(session: AsyncSession, state: FSMContext, message: Message,
                   business: Business) -> tuple[DreamDraft, AvatarView] | None:
    """The draft and its avatar; None (wizard left, user told) when the avatar is gone."""
    draft = await DRAFT.load(state)
    try:
        if draft.avatar_id is None or draft.step not in EDITABLE:
            raise NotFound(entity="dream_buyer", id=draft.avatar_id or 0)
        avatar = await dream_buyer.get_avatar(session, business_id=business.id,
                                              avatar_id=draft.avatar_id)
    except NotFound as exc:
        await DRAFT.finish(state)
        await message.answer(describe(exc))
        return None
    return draft, avatar


# --------------------------------------------------------------------------- entry points


@router.message(Command("dreambuyer"), flags={"perm": BUSINESS})
async def cmd_dreambuyer(message: Message, state: FSMContext, session: AsyncSession,
                         business: Business, role: str) -> None:
    await open_section(message, state, session, business=business, role=role)


@router.callback_query(MenuCB.filter(F.item == MenuItem.DREAM_BUYER), flags={"perm": BUSINESS})
@router.callback_query(DreamBuyerCB.filter(F.action == DreamAction.LIST),
                       flags={"perm": BUSINESS})
async def on_list(callback: CallbackQuery, state: FSMContext, session: AsyncSession,
                  business: Business, role: str) -> None:
    await callback.answer()
    assert isinstance(callback.message, Message)
    await open_section(callback.message, state, session, business=business, role=role)


@router.callback_query(DreamBuyerCB.filter(F.action == DreamAction.NEW), flags={"perm": EDIT})
async def on_new(callback: CallbackQuery, state: FSMContext, session: AsyncSession,
                 business: Business) -> None:
    await dream_buyer.ensure_room(session, business_id=business.id)  # the plan's limit
    await callback.answer()
    await DRAFT.finish(state)
    assert isinstance(callback.message, Message)
    await ask(callback.message, state, DreamDraft(step="name"), None)


@router.callback_query(DreamBuyerCB.filter(F.action == DreamAction.OPEN),
                       flags={"perm": BUSINESS})
async def on_open(callback: CallbackQuery, callback_data: DreamBuyerCB, bot: Bot,
                  state: FSMContext, session: AsyncSession, business: Business,
                  role: str) -> None:
    avatar = await dream_buyer.get_avatar(session, business_id=business.id,
                                          avatar_id=callback_data.avatar_id)
    await callback.answer()
    if (await DRAFT.load(state)).editing:
        await DRAFT.finish(state)
    assert isinstance(callback.message, Message)
    await send_card(callback.message, bot, avatar, role=role)


@router.callback_query(DreamBuyerCB.filter(F.action == DreamAction.CONTINUE),
                       flags={"perm": EDIT})
async def on_continue(callback: CallbackQuery, callback_data: DreamBuyerCB, state: FSMContext,
                      session: AsyncSession, business: Business) -> None:
    avatar = await dream_buyer.get_avatar(session, business_id=business.id,
                                          avatar_id=callback_data.avatar_id)
    open_fields = [code for code in FIELDS if not avatar.answers.get(code)]
    if not open_fields:
        await callback.answer(_("All nine questions are answered."), show_alert=True)
        return
    await callback.answer()
    await DRAFT.finish(state)
    assert isinstance(callback.message, Message)
    await ask(callback.message, state, DreamDraft(step=open_fields[0], avatar_id=avatar.id),
              avatar)


@router.callback_query(DreamBuyerCB.filter(F.action == DreamAction.EDIT), flags={"perm": EDIT})
async def on_edit(callback: CallbackQuery, callback_data: DreamBuyerCB,
                  session: AsyncSession, business: Business) -> None:
    avatar = await dream_buyer.get_avatar(session, business_id=business.id,
                                          avatar_id=callback_data.avatar_id)
    await callback.answer()
    assert isinstance(callback.message, Message)
    await callback.message.answer(
        _("✏️ <b>{name}</b>: which answer do you want to change?").format(name=h(avatar.name)),
        reply_markup=keyboards.fields_keyboard(avatar.id))


@router.callback_query(DreamBuyerCB.filter(F.action == DreamAction.FIELD), flags={"perm": EDIT})
async def on_field(callback: CallbackQuery, callback_data: DreamBuyerCB, state: FSMContext,
                   session: AsyncSession, business: Business) -> None:
    if callback_data.value not in EDITABLE:  # callback data is never trusted
        await callback.answer(_("This button is out of date."), show_alert=True)
        return
    avatar = await dream_buyer.get_avatar(session, business_id=business.id,
                                          avatar_id=callback_data.avatar_id)
    await callback.answer()
    await DRAFT.finish(state)
    assert isinstance(callback.message, Message)
    await ask(callback.message, state,
              DreamDraft(step=callback_data.value, avatar_id=avatar.id, editing=True), avatar)


# --------------------------------------------------------------------------- the wizard


@steps.message(DreamBuyerSG.name, F.text, NOT_COMMAND, flags={"perm": EDIT})
async def name_entered(message: Message, bot: Bot, state: FSMContext, session: AsyncSession,
                       business: Business, role: str) -> None:
    draft = await DRAFT.load(state)
    warning = None
    try:
        if draft.avatar_id is None:
            avatar, status = await dream_buyer.create_avatar(
                session, business_id=business.id, name=message.text or "")
            warning = limit_warning(status)
        else:
            avatar = await dream_buyer.set_answer(
                session, business_id=business.id, avatar_id=draft.avatar_id, field="name",
                value=message.text or "")
    except InvalidInput as exc:
        await message.answer(describe_invalid(exc))
        return
    except (LimitExceeded, NotFound) as exc:  # filled up or deleted meanwhile: leave the step
        await DRAFT.finish(state)
        await message.answer(describe(exc))
        return
    if warning:
        await message.answer(warning)
    draft.avatar_id = avatar.id
    draft.step = "name"
    await advance(message, state, bot, avatar, draft=draft, role=role)


@steps.message(DreamBuyerSG.answer, F.text, NOT_COMMAND, flags={"perm": EDIT})
async def answer_entered(message: Message, bot: Bot, state: FSMContext, session: AsyncSession,
                         business: Business, role: str) -> None:
    current = await _current(session, state, message, business)
    if current is None:
        return
    draft, avatar = current
    text = (message.text or "").strip()
    picked = [texts.pick_label(code) for code in draft.picks]
    value = None if text == CLEAR else ", ".join([*picked, text])
    try:
        avatar = await dream_buyer.set_answer(session, business_id=business.id,
                                              avatar_id=avatar.id, field=draft.step or "",
                                              value=value)
    except InvalidInput as exc:
        await message.answer(describe_invalid(exc))
        return
    await advance(message, state, bot, avatar, draft=draft, role=role)


@steps.callback_query(DreamBuyerSG.answer, DreamBuyerCB.filter(F.action == DreamAction.PICK),
                      flags={"perm": EDIT})
async def on_pick(callback: CallbackQuery, callback_data: DreamBuyerCB, bot: Bot,
                  state: FSMContext, session: AsyncSession, business: Business,
                  role: str) -> None:
    message = callback.message
    assert isinstance(message, Message)
    current = await _current(session, state, message, business)
    if current is None:
        await callback.answer()
        return
    draft, avatar = current
    step, code = draft.step or "", callback_data.value
    if code not in keyboards.PICKS.get(step, ()):  # a button of another question
        await callback.answer(_("This button is out of date."), show_alert=True)
        return
    if step in keyboards.SINGLE_PICK:
        label = texts.pick_label(code)
        avatar = await dream_buyer.set_answer(session, business_id=business.id,
                                              avatar_id=avatar.id, field=step, value=label)
        await done_with(callback, label)
        await advance(message, state, bot, avatar, draft=draft, role=role)
        return
    draft.picks = ([c for c in draft.picks if c != code] if code in draft.picks
                   else [*draft.picks, code])
    await DRAFT.save(state, draft)
    joined = ", ".join(texts.pick_label(c) for c in draft.picks) or None
    await dream_buyer.set_answer(session, business_id=business.id, avatar_id=avatar.id,
                                 field=step, value=joined)  # saved as it is given
    await callback.answer()
    await message.edit_reply_markup(reply_markup=keyboards.question_keyboard(
        step, draft.picks, editing=draft.editing))


@steps.callback_query(DreamBuyerSG.answer, DreamBuyerCB.filter(F.action == DreamAction.NEXT),
                      flags={"perm": EDIT})
async def on_next(callback: CallbackQuery, bot: Bot, state: FSMContext, session: AsyncSession,
                  business: Business, role: str) -> None:
    message = callback.message
    assert isinstance(message, Message)
    current = await _current(session, state, message, business)
    if current is None:
        await callback.answer()
        return
    draft, avatar = current
    await done_with(callback, ", ".join(texts.pick_label(c) for c in draft.picks))
    await advance(message, state, bot, avatar, draft=draft, role=role)


@steps.callback_query(NavCB.filter(), flags={"perm": BUSINESS})
async def on_nav(callback: CallbackQuery, callback_data: NavCB, bot: Bot, state: FSMContext,
                 session: AsyncSession, business: Business, role: str) -> None:
    await callback.answer()
    message = callback.message
    if not isinstance(message, Message):
        return
    await message.edit_reply_markup(reply_markup=None)
    draft = await DRAFT.load(state)
    step = draft.step or "name"
    avatar = None
    if draft.avatar_id is not None:
        try:
            avatar = await dream_buyer.get_avatar(session, business_id=business.id,
                                                  avatar_id=draft.avatar_id)
        except NotFound:
            avatar = None
    movable = avatar is not None and not draft.editing and step in WIZARD_STEPS[1:]
    if callback_data.action == NavAction.BACK and movable and avatar is not None:
        previous = WIZARD_STEPS[WIZARD_STEPS.index(step) - 1]
        await ask(message, state, DreamDraft(step=previous, avatar_id=avatar.id), avatar)
    elif callback_data.action == NavAction.SKIP and movable and avatar is not None:
        await advance(message, state, bot, avatar, draft=draft, role=role)
    else:
        await DRAFT.finish(state)
        if draft.editing and avatar is not None:
            await message.answer(_("Cancelled."))
            await send_card(message, bot, avatar, role=role, photo=False)
            return
        await message.answer(_("Cancelled. The answers you gave are saved.") if avatar
                             else _("Cancelled."))
        await send_list(message, session, business=business, role=role)


@steps.message(NOT_COMMAND, flags={"perm": BUSINESS})
async def step_invalid(message: Message) -> None:
    await message.answer(_("Please type it as text."))


# --------------------------------------------------------------------------- generation


async def generate(message: Message, bot: Bot, session: AsyncSession, ai: AIGateway, *,
                   business: Business, avatar: AvatarView, locale: str) -> None:
    """Ask the model for persona, ideas and hooks (offline rules when it can't); store them
    and replace the status message with the result."""
    await bot.send_chat_action(message.chat.id, "typing")
    status = await message.answer(_("⏳ Writing a persona, content ideas and ad hooks for "
                                    "{name}…").format(name=h(avatar.name)))
    offline = texts.render_fallback(dream_buyer.fallback_plan(avatar))
    offline_json = offline.to_json()
    request = dream_buyer.generation_request(
        avatar, business_id=business.id, locale=locale, business_name=business.name,
        industry=business.sub_industry or business.industry or "")
    async with ChatActionSender.typing(bot=bot, chat_id=message.chat.id, initial_sleep=4):
        reply = await ai.complete(session, request, fallback=lambda: offline_json)
    generation = None if reply.is_fallback else dream_buyer.parse_generation(reply.text)
    source = "ai"
    if generation is None:  # no model, or an answer we could not read
        generation, source = offline, "fallback"
    avatar = await dream_buyer.save_generation(session, business_id=business.id,
                                               avatar_id=avatar.id, generation=generation,
                                               source=source)
    await status.edit_text(texts.generated_text(avatar),
                           reply_markup=keyboards.generated_keyboard(avatar.id, can_edit=True))


@router.callback_query(DreamBuyerCB.filter(F.action == DreamAction.IDEAS),
                       flags={"perm": BUSINESS})
async def on_ideas(callback: CallbackQuery, callback_data: DreamBuyerCB, bot: Bot,
                   session: AsyncSession, ai: AIGateway, business: Business, role: str,
                   locale: str) -> None:
    avatar = await dream_buyer.get_avatar(session, business_id=business.id,
                                          avatar_id=callback_data.avatar_id)
    can_edit = has_permission(role, EDIT)
    assert isinstance(callback.message, Message)
    if avatar.generated:
        await callback.answer()
        await callback.message.answer(texts.generated_text(avatar),
                                      reply_markup=keyboards.generated_keyboard(
                                          avatar.id, can_edit=can_edit))
        return
    if not can_edit:
        await callback.answer(_("Nothing has been generated for this avatar yet."),
                              show_alert=True)
        return
    await plans.require_writable(session, business_id=business.id)  # generating writes
    await callback.answer()
    await generate(callback.message, bot, session, ai, business=business, avatar=avatar,
                   locale=locale)


@router.callback_query(DreamBuyerCB.filter(F.action == DreamAction.REGENERATE),
                       flags={"perm": EDIT})
async def on_regenerate(callback: CallbackQuery, callback_data: DreamBuyerCB, bot: Bot,
                        session: AsyncSession, ai: AIGateway, business: Business,
                        locale: str) -> None:
    avatar = await dream_buyer.get_avatar(session, business_id=business.id,
                                          avatar_id=callback_data.avatar_id)
    await callback.answer()
    assert isinstance(callback.message, Message)
    await generate(callback.message, bot, session, ai, business=business, avatar=avatar,
                   locale=locale)


# --------------------------------------------------------------------------- deletion


@router.callback_query(DreamBuyerCB.filter(F.action == DreamAction.DELETE), flags={"perm": EDIT})
async def on_delete(callback: CallbackQuery, callback_data: DreamBuyerCB,
                    session: AsyncSession, business: Business) -> None:
    avatar = await dream_buyer.get_avatar(session, business_id=business.id,
                                          avatar_id=callback_data.avatar_id)
    await callback.answer()
    assert isinstance(callback.message, Message)
    await callback.message.answer(
        _("Delete the Dream Buyer <b>{name}</b> and all its answers? This can't be undone."
          ).format(name=h(avatar.name)),
        reply_markup=keyboards.delete_keyboard(avatar.id))


@router.callback_query(DreamBuyerCB.filter(F.action == DreamAction.CONFIRM),
                       flags={"perm": EDIT})
async def on_delete_confirmed(callback: CallbackQuery, callback_data: DreamBuyerCB,
                              state: FSMContext, session: AsyncSession, business: Business,
                              role: str) -> None:
    await dream_buyer.delete_avatar(session, business_id=business.id,
                                    avatar_id=callback_data.avatar_id)
    if (await DRAFT.load(state)).avatar_id == callback_data.avatar_id:
        await DRAFT.finish(state)
    await done_with(callback, _("Deleted"))
    assert isinstance(callback.message, Message)
    await send_list(callback.message, session, business=business, role=role)


@router.callback_query(DreamBuyerCB.filter(F.action == DreamAction.KEEP),
                       flags={"perm": BUSINESS})
async def on_delete_declined(callback: CallbackQuery) -> None:
    await done_with(callback, _("Kept"))
