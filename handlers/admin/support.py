"""/support for every user: open a ticket (subject, then text), see them, close one."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from bot.formatting import moment
from bot.middlewares.permissions import PUBLIC
from handlers.admin import keyboards
from handlers.admin.callbacks import SupportAction, SupportCB
from handlers.admin.states import SupportSG
from handlers.admin.texts import ticket_status
from handlers.drafts import DraftSlot
from handlers.errors import describe_invalid
from handlers.ui import NavAction, NavCB, h, nav_keyboard
from services.admin import support
from services.db.models import Business, User
from services.errors import InvalidInput

router = Router(name="support")
steps = Router(name="support.steps")
steps.message.filter(StateFilter(SupportSG))
steps.callback_query.filter(StateFilter(SupportSG))
router.include_router(steps)
NOT_COMMAND = ~F.text.startswith("/")


class TicketDraft(BaseModel):
    subject: str | None = None


DRAFT = DraftSlot("support", TicketDraft)


def ticket_text(t: support.TicketView, locale: str, timezone: str) -> str:
    lines = [_("🛟 <b>Ticket #{id}</b>: {subject}").format(id=t.id, subject=h(t.subject)),
             _("Status: {status} · opened {opened}").format(
                 status=ticket_status(t.status), opened=moment(t.created_at, locale, timezone)),
             "", h(t.text)]
    for reply in t.replies:
        who = _("Support") if reply.from_admin else _("You")
        lines += ["", f"<b>{who}</b> · {moment(reply.created_at, locale, timezone)}",
                  h(reply.text)]
    return "\n".join(lines)


def _message(callback: CallbackQuery) -> Message:
    assert isinstance(callback.message, Message)
    return callback.message


async def send_list(message: Message, session: AsyncSession, user: User) -> None:
    tickets = await support.user_tickets(session, user_id=user.id)
    text = _("🛟 <b>Support</b>\n\nWrite to the BiznesPilot team: a question, a problem, an "
             "idea. We answer here, in this chat.")
    if tickets:
        text += "\n\n" + _("Your tickets are below.")
    await message.answer(text, reply_markup=keyboards.support_keyboard(tickets))


@router.message(Command("support"), flags={"perm": PUBLIC})
async def cmd_support(message: Message, session: AsyncSession, user: User) -> None:
    await send_list(message, session, user)


@router.callback_query(SupportCB.filter(F.action == SupportAction.NEW), flags={"perm": PUBLIC})
async def on_new(callback: CallbackQuery, state: FSMContext) -> None:
    await callback.answer()
    await DRAFT.save(state, TicketDraft())
    await state.set_state(SupportSG.subject)
    await _message(callback).answer(_("✉️ <b>New ticket — step 1 of 2.</b> In a few words, "
                                      "what is it about?"),
                                    reply_markup=nav_keyboard(back=False))


@steps.message(SupportSG.subject, F.text, NOT_COMMAND, flags={"perm": PUBLIC})
async def subject_entered(message: Message, state: FSMContext) -> None:
    subject = (message.text or "").strip()
    if len(subject) > support.SUBJECT_MAX:
        await message.answer(describe_invalid(InvalidInput(field="subject", reason="too_long",
                                                           max=support.SUBJECT_MAX)))
        return
    await DRAFT.save(state, TicketDraft(subject=subject))
    await state.set_state(SupportSG.text)
    await message.answer(_("<b>Step 2 of 2.</b> Describe it: what happened, what you "
                           "expected."), reply_markup=nav_keyboard(back=False))


@steps.message(SupportSG.text, F.text, NOT_COMMAND, flags={"perm": PUBLIC})
async def text_entered(message: Message, state: FSMContext, session: AsyncSession, user: User,
                       business: Business | None, locale: str) -> None:
    draft = await DRAFT.load(state)
    try:
        t = await support.open_ticket(session, user_id=user.id,
                                      business_id=business.id if business else None,
                                      subject=draft.subject or "", text=message.text or "")
    except InvalidInput as exc:
        await message.answer(describe_invalid(exc))
        return
    await DRAFT.finish(state)
    await message.answer(_("✅ Ticket #{id} is open. We will answer in this chat.").format(
        id=t.id))
    await message.answer(ticket_text(t, locale, user.timezone),
                         reply_markup=keyboards.user_ticket_keyboard(t))


@steps.callback_query(NavCB.filter(F.action == NavAction.CANCEL), flags={"perm": PUBLIC})
async def on_cancel(callback: CallbackQuery, state: FSMContext) -> None:
    await callback.answer()
    await DRAFT.finish(state)
    await _message(callback).answer(_("Cancelled. /support opens support again."))


@router.callback_query(SupportCB.filter(F.action == SupportAction.OPEN), flags={"perm": PUBLIC})
async def on_open(callback: CallbackQuery, callback_data: SupportCB, session: AsyncSession,
                  user: User, locale: str) -> None:
    await callback.answer()
    t = await support.user_ticket(session, user_id=user.id, ticket_id=callback_data.id)
    await _message(callback).answer(ticket_text(t, locale, user.timezone),
                                    reply_markup=keyboards.user_ticket_keyboard(t))


@router.callback_query(SupportCB.filter(F.action == SupportAction.CLOSE),
                       flags={"perm": PUBLIC})
async def on_close(callback: CallbackQuery, callback_data: SupportCB, session: AsyncSession,
                   user: User) -> None:
    t = await support.close_by_user(session, user_id=user.id, ticket_id=callback_data.id)
    await callback.answer()
    await _message(callback).answer(_("✅ Ticket #{id} is closed. Thank you!").format(id=t.id))
