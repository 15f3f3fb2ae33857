from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.admin.callbacks import AdminAction, AdminCB, SupportAction, SupportCB
from handlers.admin.texts import priority, ticket_status
from handlers.ui import nav_buttons, with_home
from services.admin.accounts import BusinessCard, PlatformRole, UserCard
from services.admin.support import Priority, TicketStatus, TicketView

SUSPEND_DAYS = (1, 7, 30)
TRIAL_DAYS = (7, 14)
LABEL_LIMIT = 40


def _short(text: str) -> str:
    return text if len(text) <= LABEL_LIMIT else text[: LABEL_LIMIT - 1] + "…"


def _button(text: str, action: AdminAction, id_: int = 0, value: str = ""
            ) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=AdminCB(action=action, id=id_,
                                                                 value=value).pack())


def list_keyboard(items: list[tuple[int, str]], action: AdminAction) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    for id_, label in items:
        b.row(_button(_short(label), action, id_))
    return b.as_markup()


def user_keyboard(card: UserCard, *, super_admin: bool) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    if card.status == "active":
        b.row(_button(_("⏸ Suspend"), AdminAction.SUSPEND, card.id),
              _button(_("⛔ Ban"), AdminAction.BAN, card.id))
    else:
        b.row(_button(_("✅ Unban"), AdminAction.UNBAN, card.id))
    if super_admin and card.platform_role != PlatformRole.SUPER_ADMIN:
        if card.platform_role == PlatformRole.ADMIN:
            b.row(_button(_("👤 Make a regular user"), AdminAction.ROLE, card.id,
                          PlatformRole.USER))
        else:
            b.row(_button(_("🛡 Make an admin"), AdminAction.ROLE, card.id,
                          PlatformRole.ADMIN))
    for business_id, name, _role in card.businesses[:5]:
        b.row(_button("🏢 " + _short(name), AdminAction.BUSINESS, business_id))
    return b.as_markup()


def suspend_keyboard(user_id: int) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    for days in SUSPEND_DAYS:
        b.add(_button(_("{days} d").format(days=days), AdminAction.SUSPEND_DAYS, user_id,
                      str(days)))
    b.row(*nav_buttons(back=False))
    return b.as_markup()


def business_keyboard(card: BusinessCard) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    if card.flagged:
        b.row(_button(_("🏳 Clear the flag"), AdminAction.UNFLAG, card.id))
    else:
        b.row(_button(_("🚩 Flag"), AdminAction.FLAG, card.id))
    b.row(_button(_("💳 Change plan"), AdminAction.PLAN, card.id))
    if card.subscription_status == "trialing":
        b.row(*[_button(_("⏳ Trial +{days} d").format(days=days), AdminAction.TRIAL, card.id,
                        str(days)) for days in TRIAL_DAYS])
    if card.subscription_status in {"active", "past_due"}:
        b.row(_button(_("⏸ Pause the subscription"), AdminAction.PAUSE, card.id))
    elif card.subscription_status == "paused":
        b.row(_button(_("▶️ Resume the subscription"), AdminAction.RESUME, card.id))
    b.row(_button(_("👤 Owner"), AdminAction.USER, card.owner_id))
    return b.as_markup()


def plans_keyboard(business_id: int, plans: list[tuple[str, str]], current: str | None
                   ) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    for code, name in plans:
        mark = "✓ " if code == current else ""
        b.add(_button(mark + name, AdminAction.SET_PLAN, business_id, code))
    b.adjust(2)
    return b.as_markup()


def ticket_keyboard(ticket: TicketView, *, admin_id: int) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    if ticket.status != TicketStatus.CLOSED:
        b.row(_button(_("✍️ Reply"), AdminAction.REPLY, ticket.id))
        if ticket.assignee_id != admin_id:
            b.row(_button(_("🙋 Assign to me"), AdminAction.ASSIGN, ticket.id))
    b.row(*[_button(("• " if p == ticket.priority else "") + priority(p), AdminAction.PRIORITY,
                    ticket.id, p) for p in Priority])
    b.row(*[_button(("• " if s == ticket.status else "") + ticket_status(s),
                    AdminAction.STATUS, ticket.id, s) for s in TicketStatus])
    b.row(_button(_("⬅️ All tickets"), AdminAction.TICKETS))
    return b.as_markup()


def support_keyboard(tickets: list[TicketView]) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    b.row(InlineKeyboardButton(text=_("✉️ New ticket"),
                               callback_data=SupportCB(action=SupportAction.NEW).pack()))
    for t in tickets[:10]:
        b.row(InlineKeyboardButton(
            text=f"#{t.id} · {_short(t.subject)} · {ticket_status(t.status)}",
            callback_data=SupportCB(action=SupportAction.OPEN, id=t.id).pack()))
    return with_home(b)  # the support screen had no way back


def user_ticket_keyboard(ticket: TicketView) -> InlineKeyboardMarkup | None:
    if ticket.status == TicketStatus.CLOSED:
        return None
    return InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(
        text=_("✅ Close the ticket"),
        callback_data=SupportCB(action=SupportAction.CLOSE, id=ticket.id).pack())]])
