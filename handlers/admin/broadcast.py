"""Admin broadcast: compose (text or photo, up to 3 link buttons) → preview → segment with the
recipient count → confirm → queued in the outbox; a progress message is edited as it goes.

The draft lives in FSM data (survives a restart); progress is read back from the outbox rows
by :class:`BroadcastProgress`, a ticker of the outbox sender, so it resumes after a restart.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Mapping
from enum import StrEnum

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.formatting import number
from bot.middlewares.permissions import PUBLIC
from bot.outbox import send_payload
from handlers.drafts import DraftSlot
from handlers.errors import describe_invalid
from services import broadcast
from services.errors import InvalidInput

log = logging.getLogger(__name__)
router = Router(name="admin.broadcast")
steps = Router(name="admin.broadcast.steps")
FLAGS = {"perm": PUBLIC}  # the admin gate is the router filter (handlers.admin)


class BroadcastSG(StatesGroup):
    compose = State()
    buttons = State()
    segment = State()
    confirm = State()


steps.message.filter(StateFilter(BroadcastSG))
steps.callback_query.filter(StateFilter(BroadcastSG))


class BcAction(StrEnum):
    SKIP = "skip"
    CANCEL = "cancel"
    SEGMENT = "seg"  # value: "<kind>.<value>"
    SEND = "send"
    BACK = "back"


class BroadcastCB(CallbackData, prefix="bca1"):
    action: BcAction
    value: str = ""


class BroadcastDraft(BaseModel):
    text: str | None = None
    photo: str | None = None
    buttons: list[tuple[str, str]] = []
    segment_kind: str = "all"
    segment_value: str = ""


DRAFT = DraftSlot("broadcast", BroadcastDraft)


def _button(b: InlineKeyboardBuilder, text: str, action: BcAction, value: str = "") -> None:
    b.button(text=text, callback_data=BroadcastCB(action=action, value=value))


def cancel_keyboard(*, skip: bool = False) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    if skip:
        _button(b, _("⏭ Skip"), BcAction.SKIP)
    _button(b, _("✖️ Cancel"), BcAction.CANCEL)
    return b.as_markup()


def segment_keyboard(plans: list[str]) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    _button(b, _("👥 Everyone"), BcAction.SEGMENT, "all.")
    for code in plans:
        _button(b, _("Plan: {plan}").format(plan=code), BcAction.SEGMENT, f"plan.{code}")
    for lang in broadcast.LANGUAGES:
        _button(b, _("Language: {language}").format(language=lang), BcAction.SEGMENT,
                f"language.{lang}")
    for days in broadcast.INACTIVE_DAYS:
        _button(b, _("Inactive {days}+ days").format(days=days), BcAction.SEGMENT,
                f"inactive.{days}")
    _button(b, _("✖️ Cancel"), BcAction.CANCEL)
    b.adjust(1, 2, 2, 3, 1)
    return b.as_markup()


def confirm_keyboard() -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    _button(b, _("✅ Send"), BcAction.SEND)
    _button(b, _("⬅️ Change segment"), BcAction.BACK)
    _button(b, _("✖️ Cancel"), BcAction.CANCEL)
    b.adjust(1, 2)
    return b.as_markup()


def _payload(draft: BroadcastDraft) -> dict[str, object]:
    return broadcast.build_payload(text=draft.text, photo_file_id=draft.photo,
                                   buttons=draft.buttons)


def progress_text(p: broadcast.Progress, locale: str) -> str:
    """The admin's progress (or final) message, in the current locale."""
    head = (_("✅ <b>Broadcast #{id} finished</b>") if p.done
            else _("📣 <b>Broadcast #{id} is being delivered…</b>")).format(id=p.id)
    lines = [head,
             _("Delivered: {n}").format(n=number(p.sent, locale)),
             _("Blocked the bot: {n}").format(n=number(p.blocked, locale)),
             _("Failed: {n}").format(n=number(p.failed, locale))]
    if not p.done:
        lines.append(_("Remaining: {n} of {total}").format(
            n=number(p.remaining, locale), total=number(p.total, locale)))
    return "\n".join(lines)


@router.message(Command("broadcast"), flags=FLAGS)
async def cmd_broadcast(message: Message, state: FSMContext) -> None:
    await DRAFT.save(state, BroadcastDraft())
    await state.set_state(BroadcastSG.compose)
    await message.answer(_("📣 <b>New broadcast.</b> Send the message: a text, or a photo with "
                           "a caption."), reply_markup=cancel_keyboard())


@steps.message(BroadcastSG.compose, F.photo | F.text, ~F.text.startswith("/"), flags=FLAGS)
async def compose_entered(message: Message, state: FSMContext) -> None:
    draft = await DRAFT.load(state)
    if message.photo:
        draft.photo, draft.text = message.photo[-1].file_id, message.html_text or None
    else:
        draft.photo, draft.text = None, message.html_text
    await DRAFT.save(state, draft)
    await state.set_state(BroadcastSG.buttons)
    await message.answer(_("Add up to 3 link buttons, one per line: <code>Title - "
                           "https://link</code>. Or skip."),
                         reply_markup=cancel_keyboard(skip=True))


@steps.message(BroadcastSG.buttons, F.text, ~F.text.startswith("/"), flags=FLAGS)
async def buttons_entered(message: Message, state: FSMContext, bot: Bot,
                          session: AsyncSession) -> None:
    try:
        buttons = broadcast.parse_buttons(message.text or "")
    except InvalidInput as exc:
        await message.answer(describe_invalid(exc), reply_markup=cancel_keyboard(skip=True))
        return
    draft = await DRAFT.load(state)
    draft.buttons = buttons
    await DRAFT.save(state, draft)
    await _preview(message, state, bot, session, draft)


@steps.callback_query(BroadcastSG.buttons, BroadcastCB.filter(F.action == BcAction.SKIP),
                      flags=FLAGS)
async def on_skip_buttons(query: CallbackQuery, state: FSMContext, bot: Bot,
                          session: AsyncSession) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await _preview(query.message, state, bot, session, await DRAFT.load(state))


async def _preview(message: Message, state: FSMContext, bot: Bot, session: AsyncSession,
                   draft: BroadcastDraft) -> None:
    await message.answer(_("👀 Preview — recipients will see exactly this:"))
    await send_payload(bot, message.chat.id, _payload(draft))
    await state.set_state(BroadcastSG.segment)
    await message.answer(_("Who gets it?"),
                         reply_markup=segment_keyboard(await broadcast.plan_codes(session)))


@steps.callback_query(BroadcastSG.segment, BroadcastCB.filter(F.action == BcAction.SEGMENT),
                      flags=FLAGS)
async def on_segment(query: CallbackQuery, callback_data: BroadcastCB, state: FSMContext,
                     session: AsyncSession, locale: str) -> None:
    kind, _sep, value = callback_data.value.partition(".")
    segment = broadcast.Segment(kind, value)
    count = await broadcast.count_recipients(session, segment=segment)
    draft = await DRAFT.load(state)
    draft.segment_kind, draft.segment_value = kind, value
    await DRAFT.save(state, draft)
    await state.set_state(BroadcastSG.confirm)
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.answer(
            _("Recipients: <b>{count}</b>. Send the broadcast now?").format(
                count=number(count, locale)), reply_markup=confirm_keyboard())


@steps.callback_query(BroadcastSG.confirm, BroadcastCB.filter(F.action == BcAction.BACK),
                      flags=FLAGS)
async def on_change_segment(query: CallbackQuery, state: FSMContext,
                            session: AsyncSession) -> None:
    await state.set_state(BroadcastSG.segment)
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.answer(
            _("Who gets it?"), reply_markup=segment_keyboard(await broadcast.plan_codes(session)))


@steps.callback_query(BroadcastSG.confirm, BroadcastCB.filter(F.action == BcAction.SEND),
                      flags=FLAGS)
async def on_send(query: CallbackQuery, state: FSMContext, bot: Bot, session: AsyncSession,
                  locale: str) -> None:
    draft = await DRAFT.load(state)
    progress = await broadcast.start(
        session, author_id=query.from_user.id, bot_id=bot.id, locale=locale,
        payload=_payload(draft), segment=broadcast.Segment(draft.segment_kind,
                                                           draft.segment_value))
    await DRAFT.finish(state)
    await query.answer()
    if isinstance(query.message, Message):
        sent = await query.message.answer(progress_text(progress, locale))
        await broadcast.set_progress_message(session, broadcast_id=progress.id,
                                             chat_id=sent.chat.id, message_id=sent.message_id)


@steps.callback_query(BroadcastCB.filter(F.action == BcAction.CANCEL), flags=FLAGS)
async def on_cancel(query: CallbackQuery, state: FSMContext) -> None:
    await DRAFT.finish(state)
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.answer(_("Broadcast cancelled."))


router.include_router(steps)


class BroadcastProgress:
    """An outbox-sender ticker: edits each running broadcast's progress message when its
    counts change (the sender calls it every few seconds), and writes the final counts."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], bots: Mapping[int, Bot],
                 i18n: I18n) -> None:
        self.sessionmaker = sessionmaker
        self.bots = bots
        self.i18n = i18n
        self._shown: dict[int, str] = {}
        self.last_tick = 0.0

    async def __call__(self) -> None:
        self.last_tick = time.monotonic()
        async with self.sessionmaker.begin() as session:
            items = await broadcast.active(session)
        for p in items:
            if p.progress_chat_id is None or p.progress_message_id is None:
                continue
            with self.i18n.context(), self.i18n.use_locale(p.locale):
                text = progress_text(p, p.locale)
            if self._shown.get(p.id) == text:
                continue
            bot = self.bots.get(p.bot_id)
            if bot is None:
                continue
            with contextlib.suppress(TelegramBadRequest):  # not modified / deleted
                await bot.edit_message_text(text=text, chat_id=p.progress_chat_id,
                                            message_id=p.progress_message_id)
            self._shown[p.id] = text
            if p.done:
                self._shown.pop(p.id, None)
