"""/nurture: the sequence screen, a step's screen with its edits, preview and deletion, the
add-a-step questions and the on/off switch. Every callback re-reads the step through the
current business (callback data is never trusted)."""

from __future__ import annotations

import contextlib

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.errors import describe_invalid
from handlers.owner.nurture import keyboards, texts
from handlers.owner.nurture.callbacks import NurtureAction, NurtureCB
from handlers.owner.nurture.states import NurtureSG
from services.db.models import Business
from services.errors import InvalidInput
from services.salesbot import nurture
from services.teams import Permission

router = Router(name="nurture")
# Answers to the questions: one state check skips them for every other update.
steps = Router(name="nurture.steps")
steps.message.filter(StateFilter(NurtureSG))
router.include_router(steps)

EDIT = Permission.MANAGE_CHATBOT
NOT_COMMAND = ~F.text.startswith("/")


async def _screen(session: AsyncSession, business: Business,
                  locale: str) -> tuple[str, InlineKeyboardMarkup]:
    view = await nurture.get_sequence(session, business_id=business.id)
    rendered = await nurture.previews(session, business_id=business.id, language=locale)
    pending = await nurture.pending_count(session, business_id=business.id)
    return (texts.sequence_text(view, rendered=rendered, pending=pending, locale=locale),
            keyboards.sequence_keyboard(view))


async def _edit(callback: CallbackQuery, text: str, markup: InlineKeyboardMarkup) -> None:
    assert isinstance(callback.message, Message)
    with contextlib.suppress(TelegramBadRequest):  # "message is not modified"
        await callback.message.edit_text(text, reply_markup=markup)


@router.message(Command("nurture"), flags={"perm": EDIT})
async def cmd_nurture(message: Message, state: FSMContext, session: AsyncSession,
                      business: Business, locale: str) -> None:
    await state.clear()
    text, markup = await _screen(session, business, locale)
    await message.answer(text, reply_markup=markup)


@router.callback_query(NurtureCB.filter(F.action == NurtureAction.SHOW), flags={"perm": EDIT})
async def on_show(callback: CallbackQuery, state: FSMContext, session: AsyncSession,
                  business: Business, locale: str) -> None:
    await state.clear()
    await _edit(callback, *await _screen(session, business, locale))
    await callback.answer()


@router.callback_query(NurtureCB.filter(F.action.in_({NurtureAction.ON, NurtureAction.OFF})),
                       flags={"perm": EDIT})
async def on_switch(callback: CallbackQuery, callback_data: NurtureCB, session: AsyncSession,
                    business: Business, locale: str) -> None:
    enabled = await nurture.set_enabled(session, business_id=business.id,
                                        enabled=callback_data.action is NurtureAction.ON)
    await _edit(callback, *await _screen(session, business, locale))
    await callback.answer(_("Nurture sequence on.") if enabled else
                          _("Nurture sequence off: waiting messages were cancelled."))


async def _step_screen(session: AsyncSession, business: Business, step_id: int,
                       locale: str) -> tuple[str, InlineKeyboardMarkup]:
    step = await nurture.get_step(session, business_id=business.id, step_id=step_id)
    rendered = await nurture.preview(session, business_id=business.id, step_id=step.id,
                                     language=locale)
    return texts.step_text(step, rendered), keyboards.step_keyboard(step.id)


@router.callback_query(NurtureCB.filter(F.action == NurtureAction.STEP), flags={"perm": EDIT})
async def on_step(callback: CallbackQuery, callback_data: NurtureCB, state: FSMContext,
                  session: AsyncSession, business: Business, locale: str) -> None:
    await state.clear()
    await _edit(callback, *await _step_screen(session, business, callback_data.step_id,
                                              locale))
    await callback.answer()


@router.callback_query(NurtureCB.filter(F.action == NurtureAction.PREVIEW),
                       flags={"perm": EDIT})
async def on_preview(callback: CallbackQuery, callback_data: NurtureCB,
                     session: AsyncSession, business: Business, locale: str) -> None:
    rendered = await nurture.preview(session, business_id=business.id,
                                     step_id=callback_data.step_id, language=locale)
    await callback.answer()
    assert isinstance(callback.message, Message)
    await callback.message.answer(_("👁 A customer will get:"))
    await callback.message.answer(rendered)


@router.callback_query(NurtureCB.filter(F.action.in_({NurtureAction.TEXT,
                                                       NurtureAction.DELAY})),
                       flags={"perm": EDIT})
async def on_edit(callback: CallbackQuery, callback_data: NurtureCB, state: FSMContext,
                  session: AsyncSession, business: Business) -> None:
    step = await nurture.get_step(session, business_id=business.id,
                                  step_id=callback_data.step_id)
    is_text = callback_data.action is NurtureAction.TEXT
    await state.set_state(NurtureSG.text if is_text else NurtureSG.delay)
    await state.update_data(nurture_step=step.id)
    await callback.answer()
    assert isinstance(callback.message, Message)
    await callback.message.answer(texts.ask_text() if is_text else texts.ask_delay())


@router.callback_query(NurtureCB.filter(F.action == NurtureAction.DELETE), flags={"perm": EDIT})
async def on_delete(callback: CallbackQuery, callback_data: NurtureCB, session: AsyncSession,
                    business: Business) -> None:
    step = await nurture.get_step(session, business_id=business.id,
                                  step_id=callback_data.step_id)
    await _edit(callback, texts.confirm_delete(step), keyboards.confirm_delete_keyboard(step.id))
    await callback.answer()


@router.callback_query(NurtureCB.filter(F.action == NurtureAction.CONFIRM),
                       flags={"perm": EDIT})
async def on_confirm_delete(callback: CallbackQuery, callback_data: NurtureCB,
                            session: AsyncSession, business: Business, locale: str) -> None:
    await nurture.delete_step(session, business_id=business.id, step_id=callback_data.step_id)
    await _edit(callback, *await _screen(session, business, locale))
    await callback.answer(_("Step deleted."))


@router.callback_query(NurtureCB.filter(F.action == NurtureAction.ADD), flags={"perm": EDIT})
async def on_add(callback: CallbackQuery, state: FSMContext) -> None:
    await state.set_state(NurtureSG.new_delay)
    await callback.answer()
    assert isinstance(callback.message, Message)
    await callback.message.answer(texts.ask_delay())


def _parse_day(raw: str) -> int:
    text = raw.strip()
    if not text.isdigit():
        raise InvalidInput(field="delay_days", reason="range", min=1,
                           max=nurture.MAX_DELAY_DAYS)
    return int(text)


async def _saved(message: Message, session: AsyncSession, business: Business, state: FSMContext,
                 locale: str, note: str) -> None:
    await state.clear()
    text, markup = await _screen(session, business, locale)
    await message.answer(note)
    await message.answer(text, reply_markup=markup)


@steps.message(NurtureSG.text, F.text, NOT_COMMAND, flags={"perm": EDIT})
async def text_entered(message: Message, state: FSMContext, session: AsyncSession,
                       business: Business, locale: str) -> None:
    data = await state.get_data()
    try:
        await nurture.update_step(session, business_id=business.id,
                                  step_id=int(data.get("nurture_step", 0)),
                                  text=message.text or "")
    except InvalidInput as exc:
        await message.answer(describe_invalid(exc))
        return
    await _saved(message, session, business, state, locale, _("✅ Text saved."))


@steps.message(NurtureSG.delay, F.text, NOT_COMMAND, flags={"perm": EDIT})
async def delay_entered(message: Message, state: FSMContext, session: AsyncSession,
                        business: Business, locale: str) -> None:
    data = await state.get_data()
    try:
        await nurture.update_step(session, business_id=business.id,
                                  step_id=int(data.get("nurture_step", 0)),
                                  delay_days=_parse_day(message.text or ""))
    except InvalidInput as exc:
        await message.answer(describe_invalid(exc))
        return
    await _saved(message, session, business, state, locale, _("✅ Day saved."))


@steps.message(NurtureSG.new_delay, F.text, NOT_COMMAND, flags={"perm": EDIT})
async def new_delay_entered(message: Message, state: FSMContext) -> None:
    try:
        day = _parse_day(message.text or "")
        if day > nurture.MAX_DELAY_DAYS or day < 1:
            raise InvalidInput(field="delay_days", reason="range", min=1,
                               max=nurture.MAX_DELAY_DAYS)
    except InvalidInput as exc:
        await message.answer(describe_invalid(exc))
        return
    await state.update_data(nurture_day=day)
    await state.set_state(NurtureSG.new_text)
    await message.answer(texts.ask_text())


@steps.message(NurtureSG.new_text, F.text, NOT_COMMAND, flags={"perm": EDIT})
async def new_text_entered(message: Message, state: FSMContext, session: AsyncSession,
                           business: Business, locale: str) -> None:
    data = await state.get_data()
    try:
        await nurture.add_step(session, business_id=business.id,
                               delay_days=int(data.get("nurture_day", 1)),
                               text=message.text or "")
    except InvalidInput as exc:
        await message.answer(describe_invalid(exc))
        return
    await _saved(message, session, business, state, locale, _("✅ Step added."))


@steps.message(NOT_COMMAND, flags={"perm": EDIT})
async def answer_invalid(message: Message) -> None:
    await message.answer(_("Please send it as a text message, or /cancel."))
