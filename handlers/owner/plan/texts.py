"""Pure renderers of the plan screen (HTML)."""

from __future__ import annotations

from datetime import datetime

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot.formatting import local_day, money, number, percent
from handlers import labels
from services.billing.invoices import InvoiceView
from services.db.models import Plan
from services.plans import RETENTION_DAYS, UNLIMITED, LimitRow, Resource, SubscriptionView


def limit_value(resource: str, limit: int, locale: str) -> str:
    if limit == UNLIMITED:
        return _("custom") if resource == RETENTION_DAYS else _("unlimited")
    return number(limit, locale)


def limit_line(row: LimitRow, locale: str) -> str:
    name = labels.resource(row.resource)
    usage = row.usage
    if usage is None:
        return _("• {resource}: {limit}").format(
            resource=name, limit=limit_value(row.resource, row.limit, locale))
    if usage.unlimited:
        return _("• {resource}: {used} (unlimited)").format(
            resource=name, used=number(usage.used, locale))
    line = _("• {resource}: {used} of {limit}").format(
        resource=name, used=number(usage.used, locale), limit=number(usage.limit, locale))
    if usage.warning is not None:
        marker = "🔴" if usage.warning >= 90 else "⚠️"
        line += f" {marker} {percent(usage.percent / 100, locale)}"
    return line


def status_lines(sub: SubscriptionView, *, now: datetime, locale: str,
                 timezone: str) -> list[str]:
    lines = [_("Status: {status}").format(status=labels.subscription_status(sub.status))]
    days = sub.days_left(now) or 0
    left = ngettext("{days} day left", "{days} days left", days).format(days=days)
    if sub.status == "trialing" and sub.trial_ends_at is not None:
        lines.append(_("Trial until {date} — {left}").format(
            date=local_day(sub.trial_ends_at, locale, timezone), left=left))
    elif sub.status == "active" and sub.current_period_end is not None:
        lines.append(_("Paid until {date} — {left}").format(
            date=local_day(sub.current_period_end, locale, timezone), left=left))
    elif sub.status == "expired" and sub.trial_ends_at is not None:
        lines.append(_("Trial ended: {date}").format(
            date=local_day(sub.trial_ends_at, locale, timezone)))
    elif sub.status == "past_due" and sub.current_period_end is not None:
        lines.append(_("Paid period ended: {date}").format(
            date=local_day(sub.current_period_end, locale, timezone)))
    if not sub.writable:
        lines.append(_("🔒 The business is read-only: you can look at everything, but changes "
                       "wait until you upgrade. Nothing is deleted."))
    return lines


def price_line(plan: Plan, locale: str) -> str:
    if plan.price_monthly is None or plan.price_yearly is None:
        return _("Custom price, tailored to your company")
    saving = 1 - plan.price_yearly / (12 * plan.price_monthly)
    return _("{monthly}/month · {yearly}/year (save {saving})").format(
        monthly=money(plan.price_monthly, locale), yearly=money(plan.price_yearly, locale),
        saving=percent(round(saving, 2), locale))


def key_limits_line(plan: Plan, locale: str) -> str:
    def value(resource: Resource) -> str:
        return limit_value(resource, int(plan.limits.get(resource, UNLIMITED)), locale)

    return _("Businesses: {businesses} · team: {team} · leads/month: {leads} · "
             "chatbots: {chatbots}").format(
        businesses=value(Resource.BUSINESSES), team=value(Resource.TEAM_MEMBERS),
        leads=value(Resource.LEADS_PER_MONTH), chatbots=value(Resource.CHATBOTS))


def plan_text(*, sub: SubscriptionView, rows: list[LimitRow], catalogue: list[Plan],
              now: datetime, locale: str, timezone: str) -> str:
    lines = [_("💳 <b>Your plan: {plan}</b>").format(plan=sub.plan_name)]
    lines += status_lines(sub, now=now, locale=locale, timezone=timezone)
    lines += ["", _("<b>Limits of {plan}</b>").format(plan=sub.plan_name)]
    lines += [limit_line(row, locale) for row in rows]
    lines += ["", _("<b>Compare plans</b>")]
    for plan in catalogue:
        title = f"<b>{plan.name}</b>"
        if plan.code == sub.plan_code:
            title = _("✅ {plan} — your plan").format(plan=title)
        lines += [title, price_line(plan, locale), key_limits_line(plan, locale), ""]
    lines.append(_("Pay by Click, Payme or right here in Telegram; your data stays when you "
                   "change plans."))
    return "\n".join(lines)


def coupon_error(reason: str) -> str:
    return {
        "coupon_unknown": _("There is no such coupon. Check the code, or press “No coupon”."),
        "coupon_expired": _("This coupon has expired."),
        "coupon_used_up": _("This coupon has been used up."),
        "coupon_already_used": _("You have already used this coupon."),
        "coupon_total_zero": _("This coupon can't be used for this plan."),
    }.get(reason, _("This coupon can't be used."))


def choose_text() -> str:
    return _("Which plan would you like? Enterprise is priced individually: write to us in "
             "/support.")


def cycle_text(plan_title: str) -> str:
    return _("<b>{plan}</b>: pay monthly, or yearly and save 20%.").format(plan=plan_title)


def coupon_text() -> str:
    return _("Do you have a coupon code? Type it, or press “No coupon”.")


def no_payment_method_text() -> str:
    return _("Online payment is not switched on yet. Write to us in /support with the invoice "
             "number and we will send you the payment details.")


def summary_text(invoice: InvoiceView, *, plan_title: str, cycle: str, locale: str) -> str:
    lines = [_("🧾 <b>Invoice {number}</b>").format(number=invoice.number),
             _("{plan}, {cycle}").format(plan=plan_title, cycle=cycle)]
    if invoice.discount:
        lines.append(_("Price: {subtotal}").format(subtotal=money(invoice.subtotal, locale)))
        lines.append(_("Coupon discount: −{discount}").format(
            discount=money(invoice.discount, locale)))
    lines.append(_("<b>To pay: {total}</b>").format(total=money(invoice.total, locale)))
    lines.append(_("The paid period starts when your current one ends, so no days are "
                   "lost."))
    return "\n".join(lines)
