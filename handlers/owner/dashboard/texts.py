"""Words of the dashboard: parsing what owners type (4 languages) and formatting KPIs."""

from __future__ import annotations

import re
from datetime import date

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot.formatting import day, number
from bot.insight_texts import PRIORITY_ICON, render
from bot.kpi_texts import change_text, trend, value_text
from handlers import labels
from handlers.ui import h
from services.errors import InvalidInput
from services.insights import InsightView
from services.kpi import (
    ClvSource,
    Dashboard,
    KpiCard,
    KpiName,
    KpiResult,
    Period,
    PeriodKind,
)
from services.validation import parse_date

# What owners type after /kpi, in uz, uz_Cyrl, ru and en, plus the usual abbreviations.
KPI_ALIASES: dict[str, KpiName] = {}
for _name, _words in {
    KpiName.CAC: "cac cpa привлечение jalb_narxi жалб_нархи стоимость_привлечения",
    KpiName.AOV: "aov чек chek средний_чек o'rtacha_chek ўртача_чек avg_check",
    KpiName.CLV: "clv ltv cltv ценность_клиента mijoz_qiymati мижоз_қиймати lifetime",
    KpiName.LTV_CAC: "ltv:cac ltv/cac ltvcac ltv_cac clv:cac",
    KpiName.ROAS: "roas роас",
    KpiName.ROI: "roi рои окупаемость",
    KpiName.CHURN: "churn отток ketish кетиш",
    KpiName.LEAD_CONVERSION: "cr conversion конверсия konversiya lead_conversion",
    KpiName.ENGAGEMENT: "er engagement вовлеченность вовлечённость faollik фаоллик",
    KpiName.CPL: "cpl стоимость_лида lid_narxi лид_нархи",
    KpiName.REVENUE: "revenue выручка доход tushum тушум daromad даромад",
    KpiName.LEADS: "leads лиды заявки lidlar лидлар",
    KpiName.ORDERS: "orders заказы buyurtmalar буюртмалар sotuvlar сотувлар",
    KpiName.SPEND: "spend расходы затраты xarajat xarajatlar харажат харажатлар sarf сарф",
    KpiName.NEW_CUSTOMERS: ("customers new_customers клиенты новые_клиенты mijozlar "
                            "yangi_mijozlar мижозлар янги_мижозлар"),
}.items():
    for _word in _words.split():
        KPI_ALIASES[_word] = _name

PERIOD_ALIASES: dict[str, PeriodKind] = {}
for _kind, _words in {
    PeriodKind.TODAY: "today bugun бугун сегодня 1 1d",
    PeriodKind.DAYS_7: "7 7d week hafta ҳафта неделя 7д 7kun",
    PeriodKind.DAYS_30: "30 30d 30д 30kun",
    PeriodKind.DAYS_90: "90 90d 90д 90kun",
    PeriodKind.MONTH: "month oy ой месяц",
    PeriodKind.QUARTER: "quarter chorak чорак квартал",
    PeriodKind.YEAR: "year yil йил год",
}.items():
    for _word in _words.split():
        PERIOD_ALIASES[_word] = _kind

_APOSTROPHES = re.compile("[ʻ‘’`ʼ]")
_RANGE = re.compile(r"^(\S+)\s*(?:-|–|—|\.\.)\s*(\S+)$")
LISTED = (KpiName.CAC, KpiName.AOV, KpiName.CLV, KpiName.LTV_CAC, KpiName.ROAS, KpiName.ROI,
          KpiName.CHURN, KpiName.LEAD_CONVERSION, KpiName.ENGAGEMENT, KpiName.CPL)


def _norm(text: str) -> str:
    return _APOSTROPHES.sub("'", text.strip().lower())


def parse_kpi_name(raw: str) -> KpiName | None:
    """A KPI name or alias in any of the four languages (``None`` when unknown)."""
    text = _norm(raw).replace(" ", "_")
    return KPI_ALIASES.get(text)


def parse_period(raw: str) -> tuple[PeriodKind, date | None, date | None] | None:
    """``7``, ``month``, ``oy``, ``квартал`` or a range ``01.11.2026-15.11.2026``."""
    text = _norm(raw)
    if not text:
        return PeriodKind.DAYS_30, None, None
    if text in PERIOD_ALIASES:
        return PERIOD_ALIASES[text], None, None
    match = _RANGE.match(text)
    if match:
        try:
            return (PeriodKind.CUSTOM, parse_date(match.group(1)), parse_date(match.group(2)))
        except InvalidInput:
            return None
    return None


def split_kpi_args(args: str) -> tuple[KpiName | None, str, str]:
    """``/kpi <name> [period]``: the KPI (two-word names allowed), the name as typed and the
    period text."""
    words = (args or "").split()
    for take in (2, 1):
        if len(words) >= take:
            name = parse_kpi_name(" ".join(words[:take]))
            if name is not None:
                return name, " ".join(words[:take]), " ".join(words[take:])
    return None, " ".join(words[:1]), " ".join(words[1:])


def card_line(emoji: str, card: KpiCard, locale: str) -> str:
    line = "{emoji} {label}: {value}".format(
        emoji=emoji, label=labels.kpi_name(card.name), value=value_text(card.name, card.value,
                                                                      locale))
    arrows = {"up": "▲", "down": "▼", "flat": "■", "new": "★"}
    change = change_text(card.change, locale)
    if change:
        line += f" ({arrows.get(trend(card.change) or '', '')} {change})"
    if card.band is not None:
        line += " · " + labels.kpi_band(card.band.value)
    return line


def period_line(period: Period, locale: str) -> str:
    label, start, end = labels.period(period.kind), day(period.start, locale), day(period.end,
                                                                                  locale)
    return f"{label} · {start}" if period.start == period.end else f"{label} · {start} – {end}"


def clv_note(source: ClvSource, margin_assumed: bool) -> str | None:
    if source is ClvSource.ASSUMPTIONS:
        note = _("CLV uses your assumptions: the order history is still short (under 90 days "
                 "or 20 customers).")
    elif source is ClvSource.DEFAULTS:
        note = _("CLV uses default assumptions (2 purchases a year, 2 years): the order "
                 "history is still short. Set yours in /assumptions.")
    else:
        note = _("CLV is computed from your own order history.")
    if margin_assumed:
        note += " " + _("Margin assumed 30% — set yours in /assumptions.")
    return note


CARD_EMOJI = {KpiName.REVENUE: "💰", KpiName.LEADS: "🧲", KpiName.CAC: "🎯", KpiName.ROI: "📈"}


CAPTION_LIMIT = 1024  # Telegram's photo caption, in characters after the HTML is parsed


def insights_lines(items: list[InsightView], locale: str) -> list[str]:
    """The dashboard's top open insights, one short line each."""
    if not items:
        return []
    lines = [_("🔔 <b>Top insights</b>")]
    lines += [f"{PRIORITY_ICON[i.priority]} {render(i, locale).title}" for i in items]
    lines.append(_("/insights — why and what to do."))
    return lines


def _visible_len(html: str) -> int:
    return len(re.sub(r"<[^>]+>", "", html))


def dashboard_caption(board: Dashboard, business_name: str, locale: str,
                      insights: list[InsightView] | None = None) -> str:
    """The short text under the dashboard image: cards, health, top insights; the insight
    lines are dropped one by one when the caption would pass Telegram's limit."""
    lines = [_("📊 <b>Dashboard</b> — {business}").format(business=h(business_name)),
             period_line(board.period, locale), ""]
    lines += [card_line(emoji, board.cards[name], locale) for name, emoji in CARD_EMOJI.items()]
    roas = board.cards[KpiName.ROAS]
    if roas.value is not None:
        lines.append(card_line("💸", roas, locale))
    if board.health.score is not None and board.health.band is not None:
        lines.append(_("❤️ Health score: {score}/100 — {band}").format(
            score=board.health.score, band=labels.health_band(board.health.band.value)))
    if board.chatbot.conversations:
        lines.append(ngettext("💬 Chatbot: {count} conversation, {handoffs} handed to a human",
                              "💬 Chatbot: {count} conversations, {handoffs} handed to a human",
                              board.chatbot.conversations).format(
            count=number(board.chatbot.conversations, locale),
            handoffs=number(board.chatbot.handoffs, locale)))
    note = clv_note(board.clv.source, board.clv.margin_assumed)
    if note and board.clv.source is not ClvSource.HISTORY:
        lines += ["", "<i>" + note + "</i>"]
    tail = ["", _("/kpi cac — one KPI in detail; /assumptions — margin and CLV inputs.")]
    top = list(insights or [])
    while True:
        extra = insights_lines(top, locale)
        text = "\n".join(lines + (["", *extra] if extra else []) + tail)
        if _visible_len(text) <= CAPTION_LIMIT or not top:
            return text
        top.pop()


def empty_text(business_name: str) -> str:
    return "\n".join([
        _("📊 <b>Dashboard</b> — {business}").format(business=h(business_name)), "",
        _("No numbers yet. The dashboard fills in as you log them:"),
        _("• spend: <code>/spend instagram 500000</code>"),
        _("• leads: <code>/lead Aziza +998901234567</code>"),
        _("• orders: <code>/order 350000</code>"),
        _("or import a CSV/Excel file. Revenue, CAC, ROI and the funnel appear here right "
          "away."),
    ])


def kpi_caption(result: KpiResult, locale: str) -> str:
    card = result.card
    lines = [_("<b>{name}</b>").format(name=labels.kpi_name(card.name)),
             period_line(result.period, locale), "",
             _("Now: {value}").format(value=value_text(card.name, card.value, locale)),
             _("Before: {value}").format(value=value_text(card.name, card.previous, locale))]
    change = change_text(card.change, locale)
    if change:
        lines.append(_("Change: {change}").format(change=change))
    if card.band is not None:
        lines.append(_("Band: {band}").format(band=labels.kpi_band(card.band.value)))
    if card.name in (KpiName.CLV, KpiName.LTV_CAC, KpiName.CAC):
        note = clv_note(result.clv.source, result.clv.margin_assumed)
        if note:
            lines += ["", "<i>" + note + "</i>"]
    return "\n".join(lines)


def kpi_list_text(typed: str) -> str:
    lines = []
    if typed:
        lines += [_("I don't know the KPI “{name}”.").format(name=h(typed)), ""]
    lines.append(_("Send <code>/kpi name [period]</code>, for example <code>/kpi cac 90</code>. "
                   "KPIs:"))
    for name in LISTED:
        alias = next(a for a, n in KPI_ALIASES.items() if n is name)
        lines.append(f"• <code>{h(alias)}</code> — {h(labels.kpi_name(name))}")
    lines += ["", _("Periods: today, 7, 30, 90, month, quarter, year or 01.11.2026-15.11.2026.")]
    return "\n".join(lines)


def bad_period_text() -> str:
    return _("I didn't get the period. Use today, 7, 30, 90, month, quarter, year or a range "
             "like 01.11.2026-15.11.2026.")


def assumptions_text(values: dict[str, int | float | None], locale: str) -> str:
    def show(name: str, value: int | float | None) -> str:
        if value is None:
            return _("not set")
        if name == "gross_margin_pct":
            return number(value, locale) + "%"
        if name == "lifespan_years":
            return _("{n} years").format(n=number(value, locale))
        if name == "repeat_window_days":
            return _("{n} days").format(n=number(value, locale))
        return number(value, locale)

    lines = [_("⚙️ <b>CLV assumptions</b>"), "",
             _("Used for CLV and CAC bands while your order history is short (under 90 days "
               "or 20 customers). The margin is always yours."), ""]
    lines += [f"• {labels.assumption(name)}: <b>{show(name, value)}</b>"
              for name, value in values.items()]
    return "\n".join(lines)


def ask_value_text(name: str) -> str:
    return {
        "gross_margin_pct": _("Type your gross margin in %, 1–100. <i>Example: 35</i>"),
        "purchases_per_year": _("How many times a year does a customer buy? "
                                "<i>Example: 4 or 1.5</i>"),
        "lifespan_years": _("For how many years does a customer keep buying? "
                            "<i>Example: 3</i>"),
        "repeat_window_days": _("After how many days without a purchase is a customer lost? "
                                "7–730. <i>Example: 60</i>"),
    }.get(name, "")
