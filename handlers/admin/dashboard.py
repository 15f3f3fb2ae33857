"""/admin: the platform dashboard image and numbers."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, Message
from aiogram.utils.i18n import gettext as _
from babel.dates import format_date
from sqlalchemy.ext.asyncio import AsyncSession

from bot.formatting import babel_locale, day, money, number
from bot.middlewares.permissions import PUBLIC
from handlers.admin.texts import duration
from handlers.ui import h
from services.admin import metrics, support
from services.charts.admin import render_dashboard

router = Router(name="admin.dashboard")


def _pct(value: float, locale: str) -> str:
    return number(round(value, 1), locale) + "%"


def _short_money(amount: int, locale: str) -> str:
    if amount >= 1_000_000:
        return _("{amount} mln").format(amount=number(round(amount / 1_000_000, 1), locale))
    if amount >= 1_000:
        return _("{amount} k").format(amount=number(round(amount / 1_000), locale))
    return number(amount, locale)


def dashboard_text(d: metrics.Dashboard, response: str, locale: str) -> str:
    lines = [
        _("📊 <b>Platform dashboard</b>"), "",
        _("👥 Users: {total} (new in 30 days: {new})").format(
            total=number(d.total_users, locale), new=number(d.new_users_30d, locale)),
        _("💳 Active subscriptions: {active} · trials: {trials}").format(
            active=number(d.active_subscriptions, locale), trials=number(d.trials, locale)),
        _("💰 MRR: {mrr} · ARR: {arr}").format(mrr=money(d.mrr, locale),
                                              arr=money(d.arr, locale)),
        _("👤 ARPU: {arpu} · churn: {churn} a month").format(
            arpu=money(round(d.arpu), locale), churn=_pct(d.churn, locale)),
        _("♾ LTV: {ltv}").format(ltv=money(round(d.ltv), locale) if d.ltv is not None
                                else _("— (no churn yet)")),
        _("📈 DAU / MAU: {dau} / {mau} ({ratio})").format(
            dau=number(d.dau, locale), mau=number(d.mau, locale),
            ratio=_pct(d.stickiness, locale)),
        _("🛟 Support, average first response: {time}").format(time=response), "",
        _("<b>Retention by signup week</b> (weeks 1 · 2 · 4 · 8 · 12)"),
    ]
    shown = [c for c in d.cohorts if c.size][-6:]
    for cohort in shown:
        cells = " · ".join("—" if v is None else _pct(v, locale)
                           for v in cohort.retained.values())
        lines.append(_("{week}: {size} users — {cells}").format(
            week=day(cohort.week, locale), size=number(cohort.size, locale), cells=cells))
    if not shown:
        lines.append(_("No signups in the last 12 weeks."))
    lines += ["", _("<b>Recent signups</b>")]
    for user in d.recent:
        handle = f" @{h(user.username)}" if user.username else ""
        lines.append(f"• {h(user.name)}{handle} · <code>{user.id}</code> · "
                     f"{day(user.created_at.date(), locale)}")
    lines += ["", _("/users, /businesses — search · /tickets — support · /invoices — billing "
                    "· /audit — activity log")]
    lines.append(_("/plans — prices and limits"))
    lines.append(_("/coupons — discount codes · /broadcast — message users · /platform — "
                   "maintenance, registration, trial length, AI key"))
    return "\n".join(lines)


@router.message(Command("admin"), flags={"perm": PUBLIC})
async def cmd_admin(message: Message, session: AsyncSession, locale: str) -> None:
    data = await metrics.dashboard(session)
    average = await support.average_response_time(session)
    months = [format_date(m, "LLL", locale=babel_locale(locale)) for m in data.revenue_months]
    image = render_dashboard(
        title=_("BiznesPilot platform"), revenue_title=_("Revenue, last 12 months"),
        month_labels=months, revenue=data.revenue,
        value_labels=[_short_money(v, locale) for v in data.revenue],
        plans_title=_("Plans"), plans=data.plans, empty_text=_("No live subscriptions"))
    await message.answer_photo(BufferedInputFile(image, "dashboard.png"),
                               caption=_("📊 Revenue and plan distribution"))
    await message.answer(
        dashboard_text(data, duration(average, locale) if average else "—", locale))

