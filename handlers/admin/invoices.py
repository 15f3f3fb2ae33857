"""/invoices: the billing invoices with a status filter and pages; one invoice's lines and
a resend of its PDF to the account owner."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.billing_notices import cycle_label, invoice_pdf, plan_title, provider_label
from bot.formatting import moment, money
from bot.middlewares.permissions import PUBLIC
from handlers.admin.callbacks import InvoiceAdminAction, InvoiceAdminCB
from handlers.ui import h
from services import audit, outbox
from services.admin import accounts
from services.billing import invoices
from services.db.models import User
from services.users import DEFAULT_LANGUAGE, LANGUAGES

router = Router(name="admin.invoices")


def status_label(code: str) -> str:
    return {"paid": _("paid"), "pending": _("pending"), "failed": _("failed"),
            "refunded": _("refunded"), "draft": _("draft")}.get(code, code)


def _button(text: str, action: InvoiceAdminAction, *, id_: int = 0, status: str = "",
            page: int = 0) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=InvoiceAdminCB(
        action=action, id=id_, status=status, page=page).pack())


def list_text(page: accounts.InvoicePage, status: str, locale: str, timezone: str) -> str:
    title = (_("🧾 <b>Invoices</b> — {status}").format(status=status_label(status)) if status
             else _("🧾 <b>Invoices</b> — all"))
    lines = [title, _("Page {page} of {pages} · {count} in all").format(
        page=page.page + 1, pages=page.pages, count=page.total), ""]
    for row in page.rows:
        paid = moment(row.paid_at, locale, timezone) if row.paid_at else "—"
        lines.append(_("• {number} · {name} (<code>{id}</code>) · {plan} · {total} · {status} "
                       "· paid {paid}").format(
            number=h(row.number), name=h(row.user_name), id=row.user_id, plan=h(row.plan),
            total=money(row.total, locale), status=status_label(row.status), paid=paid))
    if not page.rows:
        lines.append(_("No invoices yet."))
    return "\n".join(lines)


def list_keyboard(page: accounts.InvoicePage, status: str) -> InlineKeyboardMarkup:
    b = InlineKeyboardBuilder()
    for row in page.rows:
        b.row(_button(f"🧾 {row.number}", InvoiceAdminAction.OPEN, id_=row.id))
    filters = [("", _("All"))] + [(s, status_label(s)) for s in accounts.INVOICE_STATUSES]
    b.row(*[_button(("• " if code == status else "") + label, InvoiceAdminAction.LIST,
                    status=code) for code, label in filters])
    nav = []
    if page.page > 0:
        nav.append(_button(_("⬅️ Newer"), InvoiceAdminAction.LIST, status=status,
                           page=page.page - 1))
    if page.page + 1 < page.pages:
        nav.append(_button(_("Older ➡️"), InvoiceAdminAction.LIST, status=status,
                           page=page.page + 1))
    if nav:
        b.row(*nav)
    return b.as_markup()


def line_text(line: accounts.InvoiceLine, invoice: invoices.InvoiceView, locale: str) -> str:
    if line.kind == "addon":
        name = _("+5 businesses × {count}").format(count=line.quantity)
    elif line.kind == "discount":
        name = _("Discount")
    else:
        name = _("{plan}, {cycle}").format(plan=h(invoice.plan_name),
                                          cycle=cycle_label(invoice.cycle))
    return f"• {name}: {money(line.amount, locale)}"


def invoice_text(invoice: invoices.InvoiceView, lines: list[accounts.InvoiceLine],
                 locale: str, timezone: str) -> str:
    out = [
        _("🧾 <b>Invoice {number}</b>").format(number=h(invoice.number)),
        _("Account: <code>{id}</code> · {plan}").format(id=invoice.user_id,
                                                         plan=h(plan_title(invoice))),
        _("Status: {status}").format(status=status_label(invoice.status)),
        _("Created {date}").format(date=moment(invoice.created_at, locale, timezone)),
    ]
    if invoice.paid_at is not None:
        out.append(_("Paid {date} via {provider}").format(
            date=moment(invoice.paid_at, locale, timezone),
            provider=provider_label(invoice.provider)))
    out += ["", *[line_text(line, invoice, locale) for line in lines],
            _("<b>Total: {total}</b>").format(total=money(invoice.total, locale))]
    return "\n".join(out)


async def _send_list(message: Message, session: AsyncSession, *, status: str, page: int,
                     user: User, locale: str) -> None:
    data = await accounts.list_invoices(session, status=status or None, page=page)
    await message.answer(list_text(data, status, locale, user.timezone),
                         reply_markup=list_keyboard(data, status))


def _message(callback: CallbackQuery) -> Message:
    assert isinstance(callback.message, Message)
    return callback.message


@router.message(Command("invoices"), flags={"perm": PUBLIC})
async def cmd_invoices(message: Message, command: CommandObject, session: AsyncSession,
                       user: User, locale: str) -> None:
    status = (command.args or "").strip().lower()
    if status not in accounts.INVOICE_STATUSES:
        status = ""
    await _send_list(message, session, status=status, page=0, user=user, locale=locale)


@router.callback_query(InvoiceAdminCB.filter(F.action == InvoiceAdminAction.LIST),
                       flags={"perm": PUBLIC})
async def on_list(callback: CallbackQuery, callback_data: InvoiceAdminCB,
                  session: AsyncSession, user: User, locale: str) -> None:
    await callback.answer()
    await _send_list(_message(callback), session, status=callback_data.status,
                     page=callback_data.page, user=user, locale=locale)


@router.callback_query(InvoiceAdminCB.filter(F.action == InvoiceAdminAction.OPEN),
                       flags={"perm": PUBLIC})
async def on_open(callback: CallbackQuery, callback_data: InvoiceAdminCB,
                  session: AsyncSession, user: User, locale: str) -> None:
    await callback.answer()
    invoice = await invoices.get_invoice(session, invoice_id=callback_data.id)
    lines = await accounts.invoice_lines(session, invoice_id=invoice.id)
    keyboard = InlineKeyboardMarkup(inline_keyboard=[
        [_button(_("📄 Resend the PDF to the owner"), InvoiceAdminAction.RESEND,
                 id_=invoice.id)],
        [_button(_("⬅️ All invoices"), InvoiceAdminAction.LIST)]])
    await _message(callback).answer(invoice_text(invoice, lines, locale, user.timezone),
                                    reply_markup=keyboard)


@router.callback_query(InvoiceAdminCB.filter(F.action == InvoiceAdminAction.RESEND),
                       flags={"perm": PUBLIC})
async def on_resend(callback: CallbackQuery, callback_data: InvoiceAdminCB,
                    session: AsyncSession, user: User, bot: Bot, i18n: I18n,
                    locale: str) -> None:
    invoice = await invoices.get_invoice(session, invoice_id=callback_data.id)
    owner = await session.get(User, invoice.user_id)
    owner_locale = (owner.language if owner is not None and owner.language in LANGUAGES
                    else DEFAULT_LANGUAGE) or DEFAULT_LANGUAGE
    timezone = owner.timezone if owner is not None else "Asia/Tashkent"
    with i18n.use_locale(owner_locale):
        pdf = invoice_pdf(invoice, locale=owner_locale, timezone=timezone)
        caption = _("Invoice {number}").format(number=invoice.number)
    # Pushed to the owner without them asking, so it goes through the outbox; one per press.
    await outbox.enqueue(session, bot_id=bot.id, chat_id=invoice.user_id, kind="receipt",
                         payload=outbox.document_payload(pdf, filename=f"{invoice.number}.pdf",
                                                         caption=caption),
                         business_id=invoice.business_id,
                         dedup_key=f"invoice-pdf-resend:{invoice.id}:{callback.id}")
    await audit.record(session, action="admin.invoice.resend", user_id=user.id,
                       target_user_id=invoice.user_id, invoice=invoice.number)
    await callback.answer(_("📄 The PDF is queued for the owner."))
    await _message(callback).answer_document(
        BufferedInputFile(pdf, f"{invoice.number}.pdf"),
        caption=_("A copy of invoice {number}, as sent to the owner.").format(
            number=h(invoice.number)))
