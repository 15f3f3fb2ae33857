"""Support, admin side: the queue, a ticket, assign, reply, priority, status.

A reply goes to the user at once, in their language (an admin is acting, so no queue delay);
if Telegram refuses it (the user blocked the bot, a network error), it is queued in the outbox
for the sender to retry.
"""

from __future__ import annotations

import logging

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from bot.formatting import moment
from bot.middlewares.permissions import PUBLIC
from handlers.admin import keyboards
from handlers.admin.callbacks import AdminAction, AdminCB
from handlers.admin.states import AdminSG
from handlers.admin.texts import duration, priority, ticket_status
from handlers.drafts import DraftSlot
from handlers.errors import describe
from handlers.ui import NavAction, NavCB, h, nav_keyboard
from services import outbox
from services.admin import support
from services.db.models import User
from services.errors import DomainError
from services.users import DEFAULT_LANGUAGE

log = logging.getLogger(__name__)
router = Router(name="admin.tickets")
steps = Router(name="admin.tickets.steps")
steps.message.filter(StateFilter(AdminSG.reply))
steps.callback_query.filter(StateFilter(AdminSG.reply))
router.include_router(steps)


class ReplyDraft(BaseModel):
    ticket_id: int | None = None


DRAFT = DraftSlot("admin_reply", ReplyDraft)


def ticket_text(t: support.TicketView, locale: str, timezone: str) -> str:
    lines = [
        _("🛟 <b>Ticket #{id}</b>: {subject}").format(id=t.id, subject=h(t.subject)),
        _("From {name} (<code>{user_id}</code>) · {opened}").format(
            name=h(t.user_name), user_id=t.user_id, opened=moment(t.created_at, locale,
                                                                  timezone)),
        _("Status: {status} · priority: {priority}").format(
            status=ticket_status(t.status), priority=priority(t.priority)),
    ]
    if t.assignee_id is not None:
        lines.append(_("Assigned to <code>{admin}</code>").format(admin=t.assignee_id))
    if t.response_time is not None:
        lines.append(_("First response after {time}").format(
            time=duration(t.response_time, locale)))
    lines += ["", h(t.text)]
    for reply in t.replies:
        who = _("Support") if reply.from_admin else _("User")
        lines += ["", f"<b>{who}</b> · {moment(reply.created_at, locale, timezone)}",
                  h(reply.text)]
    return "\n".join(lines)


async def show_ticket(message: Message, session: AsyncSession, *, ticket_id: int, admin: User,
                      locale: str) -> None:
    t = await support.ticket(session, ticket_id=ticket_id)
    await message.answer(ticket_text(t, locale, admin.timezone),
                         reply_markup=keyboards.ticket_keyboard(t, admin_id=admin.id))


async def send_queue(message: Message, session: AsyncSession) -> None:
    tickets = await support.admin_tickets(session)
    if not tickets:
        await message.answer(_("🛟 No open tickets. 🎉"))
        return
    items = [(t.id, f"#{t.id} · {priority(t.priority)} · {t.subject}") for t in tickets]
    await message.answer(_("🛟 <b>Open tickets</b> ({count}), most urgent first.").format(
        count=len(tickets)), reply_markup=keyboards.list_keyboard(items, AdminAction.TICKET))


def _message(callback: CallbackQuery) -> Message:
    assert isinstance(callback.message, Message)
    return callback.message


@router.message(Command("tickets"), flags={"perm": PUBLIC})
async def cmd_tickets(message: Message, session: AsyncSession) -> None:
    await send_queue(message, session)


@router.callback_query(AdminCB.filter(F.action == AdminAction.TICKETS), flags={"perm": PUBLIC})
async def on_tickets(callback: CallbackQuery, session: AsyncSession) -> None:
    await callback.answer()
    await send_queue(_message(callback), session)


@router.callback_query(AdminCB.filter(F.action == AdminAction.TICKET), flags={"perm": PUBLIC})
async def on_ticket(callback: CallbackQuery, callback_data: AdminCB, session: AsyncSession,
                    user: User, locale: str) -> None:
    await callback.answer()
    await show_ticket(_message(callback), session, ticket_id=callback_data.id, admin=user,
                      locale=locale)


@router.callback_query(AdminCB.filter(F.action == AdminAction.ASSIGN), flags={"perm": PUBLIC})
async def on_assign(callback: CallbackQuery, callback_data: AdminCB, session: AsyncSession,
                    user: User, locale: str) -> None:
    await support.assign(session, admin_id=user.id, ticket_id=callback_data.id,
                         assignee_id=user.id)
    await callback.answer(_("Assigned to you."))
    await show_ticket(_message(callback), session, ticket_id=callback_data.id, admin=user,
                      locale=locale)


@router.callback_query(AdminCB.filter(F.action == AdminAction.PRIORITY),
                       flags={"perm": PUBLIC})
async def on_priority(callback: CallbackQuery, callback_data: AdminCB, session: AsyncSession,
                      user: User, locale: str) -> None:
    value = support.Priority(callback_data.value)
    await support.set_priority(session, admin_id=user.id, ticket_id=callback_data.id,
                               priority=value)
    await callback.answer(_("Priority: {priority}.").format(priority=priority(value)))
    await show_ticket(_message(callback), session, ticket_id=callback_data.id, admin=user,
                      locale=locale)


@router.callback_query(AdminCB.filter(F.action == AdminAction.STATUS), flags={"perm": PUBLIC})
async def on_status(callback: CallbackQuery, callback_data: AdminCB, session: AsyncSession,
                    user: User, locale: str) -> None:
    value = support.TicketStatus(callback_data.value)
    await support.set_status(session, admin_id=user.id, ticket_id=callback_data.id,
                             status=value)
    await callback.answer(_("Status: {status}.").format(status=ticket_status(value)))
    await show_ticket(_message(callback), session, ticket_id=callback_data.id, admin=user,
                      locale=locale)


@router.callback_query(AdminCB.filter(F.action == AdminAction.REPLY), flags={"perm": PUBLIC})
async def on_reply(callback: CallbackQuery, callback_data: AdminCB, state: FSMContext) -> None:
    await callback.answer()
    await DRAFT.save(state, ReplyDraft(ticket_id=callback_data.id))
    await state.set_state(AdminSG.reply)
    await _message(callback).answer(
        _("✍️ Type your reply to ticket #{id}; the user gets it in their chat.").format(
            id=callback_data.id),
        reply_markup=nav_keyboard(back=False))


def reply_notice(t: support.TicketView, text: str) -> str:
    return "\n".join([
        _("🛟 <b>Support replied</b> to your ticket #{id} “{subject}”:").format(
            id=t.id, subject=h(t.subject)), "", h(text), "",
        _("/support shows your tickets."),
    ])


async def deliver_reply(bot: Bot, i18n: I18n, session: AsyncSession,
                        t: support.TicketView, text: str) -> bool:
    """Send the reply to the user now; on failure queue it. True when sent directly."""
    with i18n.use_locale(t.user_language or DEFAULT_LANGUAGE):
        body = reply_notice(t, text)
    try:
        await bot.send_message(t.user_id, body)
        return True
    except TelegramAPIError as exc:
        log.info("support reply to %s queued: %s", t.user_id, exc)
        await outbox.enqueue(session, bot_id=bot.id, chat_id=t.user_id, kind="support",
                             payload=outbox.text_payload(body),
                             dedup_key=f"support:{t.id}:{len(t.replies)}")
        return False


@steps.message(StateFilter(AdminSG.reply), F.text, ~F.text.startswith("/"),
               flags={"perm": PUBLIC})
async def reply_entered(message: Message, state: FSMContext, session: AsyncSession,
                        user: User, locale: str, bot: Bot, i18n: I18n) -> None:
    draft = await DRAFT.load(state)
    await DRAFT.finish(state)
    if draft.ticket_id is None:
        return
    text = message.text or ""
    try:
        t = await support.admin_reply(session, admin_id=user.id, ticket_id=draft.ticket_id,
                                      text=text)
    except DomainError as exc:
        await message.answer(describe(exc))
        return
    sent = await deliver_reply(bot, i18n, session, t, text)
    await message.answer(_("✅ Reply sent.") if sent else
                         _("📨 The user can't be reached right now; the reply is queued."))
    await show_ticket(message, session, ticket_id=t.id, admin=user, locale=locale)


@steps.callback_query(NavCB.filter(F.action == NavAction.CANCEL), flags={"perm": PUBLIC})
async def on_cancel(callback: CallbackQuery, state: FSMContext) -> None:
    await callback.answer()
    await DRAFT.finish(state)
    await _message(callback).answer(_("Cancelled."))
