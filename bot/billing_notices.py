"""Billing messages the platform pushes without being asked — receipts with the invoice PDF,
trial reminders — rendered in the owner's language and queued in the outbox.

They live in ``bot`` (not ``handlers``) because the payment webhooks and the scheduler send
them too; outside a handler there is no gettext context, so each enters one explicitly.
"""

from __future__ import annotations

from typing import Any

from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.formatting import local_day, money
from services import outbox
from services.billing.invoices import InvoiceView
from services.billing.subscriptions import TrialReminder
from services.db.models import User
from services.documents.pdf import OnePager, Section, render_one_pager
from services.users import DEFAULT_LANGUAGE, LANGUAGES


def owner_bot_id(app: Any) -> int:
    """The owner bot's id: the running bot's, else the digits before ``:`` in BOT_TOKEN."""
    bot = app.extras.get("owner_bot")
    if bot is not None:
        return int(bot.id)
    token = app.settings.bot_token
    return int(token.get_secret_value().split(":", 1)[0]) if token is not None else 0


def cycle_label(cycle: str) -> str:
    return {"monthly": _("monthly"), "yearly": _("yearly")}.get(cycle, cycle)


def provider_label(provider: str | None) -> str:
    return {"payme": "Payme", "click": "Click", "telegram": _("Telegram payment")}.get(
        provider or "", provider or "")


def plan_title(invoice: InvoiceView) -> str:
    if invoice.addons:
        return _("{plan} + {count} × 5 businesses").format(plan=invoice.plan_name,
                                                            count=invoice.addons)
    return invoice.plan_name


def receipt_text(invoice: InvoiceView, *, locale: str, timezone: str) -> str:
    """The payment confirmation (HTML)."""
    lines = [_("✅ <b>Payment received — thank you!</b>"),
             _("Invoice {number}: {plan}, {cycle}").format(
                 number=invoice.number, plan=plan_title(invoice),
                 cycle=cycle_label(invoice.cycle))]
    if invoice.discount:
        lines.append(_("Price {subtotal}, discount {discount}").format(
            subtotal=money(invoice.subtotal, locale), discount=money(invoice.discount, locale)))
    lines.append(_("Paid: {total} via {provider}").format(
        total=money(invoice.total, locale), provider=provider_label(invoice.provider)))
    if invoice.period_end is not None:
        lines.append(_("Your plan is active until {date}.").format(
            date=local_day(invoice.period_end, locale, timezone)))
    return "\n".join(lines)


def invoice_pdf(invoice: InvoiceView, *, locale: str, timezone: str) -> bytes:
    """The invoice as a one-page PDF."""
    status = {"paid": _("Paid"), "pending": _("Awaiting payment"), "refunded": _("Refunded"),
              "failed": _("Failed")}.get(invoice.status, invoice.status)
    highlights = [
        (_("Invoice"), invoice.number),
        (_("Date"), local_day(invoice.paid_at or invoice.created_at, locale, timezone)),
        (_("Status"), status),
        (_("Plan"), plan_title(invoice)),
        (_("Billing cycle"), cycle_label(invoice.cycle)),
        (_("Subtotal"), money(invoice.subtotal, locale)),
        (_("Discount"), money(invoice.discount, locale)),
        (_("Total"), money(invoice.total, locale)),
    ]
    lines = []
    if invoice.provider:
        lines.append(_("Paid via {provider}").format(provider=provider_label(invoice.provider)))
    if invoice.period_start is not None and invoice.period_end is not None:
        lines.append(_("Service period: {start} — {end}").format(
            start=local_day(invoice.period_start, locale, timezone),
            end=local_day(invoice.period_end, locale, timezone)))
    page = OnePager(title=_("BiznesPilot invoice {number}").format(number=invoice.number),
                    subtitle=_("Subscription to BiznesPilot"), highlights=highlights,
                    sections=[Section(heading=_("Payment"), lines=lines)] if lines else [],
                    footer=_("Amounts in Uzbek so'm. Thank you for choosing BiznesPilot."))
    return render_one_pager(page)


def _locale(user: User | None) -> str:
    if user is not None and user.language in LANGUAGES:
        return str(user.language)
    return DEFAULT_LANGUAGE


async def queue_receipt(session: AsyncSession, *, i18n: I18n, bot_id: int,
                        invoice: InvoiceView, include_text: bool = True) -> None:
    """Queue the receipt and the invoice PDF for the account owner (once per invoice);
    ``include_text=False`` when the confirmation was already the reply in the chat."""
    user = await session.get(User, invoice.user_id)
    locale = _locale(user)
    timezone = user.timezone if user is not None else "Asia/Tashkent"
    with i18n.context(), i18n.use_locale(locale):
        text = receipt_text(invoice, locale=locale, timezone=timezone)
        pdf = invoice_pdf(invoice, locale=locale, timezone=timezone)
        caption = _("Invoice {number}").format(number=invoice.number)
    if include_text:
        await outbox.enqueue(session, bot_id=bot_id, chat_id=invoice.user_id, kind="receipt",
                             payload=outbox.text_payload(text),
                             business_id=invoice.business_id,
                             dedup_key=f"receipt:{invoice.id}")
    await outbox.enqueue(session, bot_id=bot_id, chat_id=invoice.user_id, kind="receipt",
                         payload=outbox.document_payload(
                             pdf, filename=f"{invoice.number}.pdf", caption=caption),
                         business_id=invoice.business_id, dedup_key=f"invoice-pdf:{invoice.id}")


def reminder_text(reminder: TrialReminder, *, locale: str) -> str:
    from aiogram.utils.i18n import ngettext

    return "\n".join([
        ngettext("⏳ Your {plan} trial ends in {days} day, on {date}.",
                 "⏳ Your {plan} trial ends in {days} days, on {date}.",
                 reminder.days_left).format(
            plan=reminder.plan_name, days=reminder.days_left,
            date=local_day(reminder.trial_ends_at, locale, reminder.timezone)),
        _("After that the business becomes read-only until you choose a plan. Nothing is "
          "deleted. Open /plan to pay by Click, Payme or right here in Telegram."),
    ])


async def queue_trial_reminder(session: AsyncSession, *, i18n: I18n, bot_id: int,
                               reminder: TrialReminder) -> bool:
    """Queue one trial reminder; False when it was queued before."""
    locale = reminder.language if reminder.language in LANGUAGES else DEFAULT_LANGUAGE
    assert locale is not None
    with i18n.context(), i18n.use_locale(locale):
        text = reminder_text(reminder, locale=locale)
    queued = await outbox.enqueue(session, bot_id=bot_id, chat_id=reminder.user_id,
                                  kind="reminder", payload=outbox.text_payload(text),
                                  dedup_key=reminder.dedup_key)
    return queued is not None
