"""Reports in words and pictures, in the recipient's language: the caption and text, the
image, the PDF and the workbook's headers. Shared by /report and the scheduler's jobs (which
enter a locale explicitly), so it lives in ``bot`` rather than ``handlers``."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __

from bot import formatting
from bot.formatting import babel_locale, day, money, number
from bot.kpi_texts import change_text, change_tone, trend, value_text
from services.charts.dashboard import Bar, CardSpec
from services.charts.report import ReportImage, render_report
from services.kpi import KpiCard, KpiName
from services.reports import ReportData, ReportKind
from services.reports.exports import PdfTable, ReportPdf, Sheet, WorkbookLabels

CAPTION_LIMIT = 1024
EMOJI = {KpiName.REVENUE: "💰", KpiName.LEADS: "🧲", KpiName.ORDERS: "🛒", KpiName.CAC: "🎯",
         KpiName.ROAS: "💸", KpiName.ROI: "📈"}
ARROWS = {"up": "▲", "down": "▼", "flat": "■", "new": "★"}


def kind_title(kind: ReportKind) -> str:
    return {ReportKind.DAILY: _("Daily brief"), ReportKind.WEEKLY: _("Weekly report"),
            ReportKind.MONTHLY: _("Monthly report"),
            ReportKind.QUARTERLY: _("Quarterly review")}[kind]


def compared_with(kind: ReportKind) -> str:
    return {ReportKind.DAILY: _("vs the day before"), ReportKind.WEEKLY: _("vs the week before"),
            ReportKind.MONTHLY: _("vs the month before"),
            ReportKind.QUARTERLY: _("vs the quarter before")}[kind]


def kpi_label(name: KpiName) -> str:
    # the same msgids as handlers/labels.py, so the catalog holds one translation each
    return {KpiName.REVENUE: _("Revenue"), KpiName.LEADS: _("Leads"),
            KpiName.ORDERS: _("Orders"), KpiName.CAC: "CAC", KpiName.ROAS: _("ROAS"),
            KpiName.ROI: _("Marketing ROI")}.get(name, name.value)


def period_text(data: ReportData, locale: str) -> str:
    w = data.window
    start, end = day(w.start, locale), day(w.end, locale)
    span = start if w.start == w.end else f"{start} – {end}"
    return f"{span} · {compared_with(data.kind)}"


def card_line(card: KpiCard, locale: str) -> str:
    line = "{emoji} {label}: {value}".format(emoji=EMOJI.get(card.name, "•"),
                                            label=kpi_label(card.name),
                                            value=value_text(card.name, card.value, locale))
    change = change_text(card.change, locale)
    if change:
        line += f" ({ARROWS.get(trend(card.change) or '', '')} {change})"
    return line


def _h(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def channel_name(name: str | None) -> str:
    return formatting.channel_name(name) if name else _("Not attributed")


def report_text(data: ReportData, locale: str) -> str:
    """The report's summary (HTML): cards, top channel, goals, week to date."""
    lines = [f"📊 <b>{kind_title(data.kind)}</b> — {_h(data.business_name)}",
             period_text(data, locale), ""]
    if not data.has_data:
        lines.append(_("No numbers yet for this period. Log spend, leads and orders with "
                       "/spend, /lead and /order and the report fills in."))
        return "\n".join(lines)
    lines += [card_line(data.cards[name], locale) for name in data.cards]
    top = data.top_channel
    if top is not None:
        lines += ["", _("🏆 Top channel: {channel} — {revenue}, {leads} leads").format(
            channel=_h(channel_name(top.name)), revenue=money(top.revenue, locale),
            leads=number(top.leads, locale))]
    if data.week_to_date is not None and data.week_start is not None:
        wtd = data.week_to_date
        lines += ["", _("📅 Week to date (since {day}): revenue {revenue} ({change}), "
                        "leads {leads}, orders {orders}").format(
            day=day(data.week_start, locale),
            revenue=value_text(KpiName.REVENUE, wtd[KpiName.REVENUE].value, locale),
            change=change_text(wtd[KpiName.REVENUE].change, locale) or "—",
            leads=value_text(KpiName.LEADS, wtd[KpiName.LEADS].value, locale),
            orders=value_text(KpiName.ORDERS, wtd[KpiName.ORDERS].value, locale))]
    open_goals = [g for g in data.goals if g.reached_at is None][:3]
    if open_goals:
        lines += ["", _("🎯 Goals:")]
        lines += [_("• {title}: {percent}%").format(title=_h(g.title), percent=g.percent)
                  for g in open_goals]
    return "\n".join(lines)


def caption_and_text(data: ReportData, locale: str) -> tuple[str, str | None]:
    """The photo caption and, when the summary is longer than a caption, the text after it."""
    text = report_text(data, locale)
    if len(text) <= CAPTION_LIMIT:
        return text, None
    head = f"📊 <b>{kind_title(data.kind)}</b> — {_h(data.business_name)}\n"
    head += period_text(data, locale)
    return head, text


def report_image(data: ReportData, locale: str) -> ReportImage:
    """The image spec of a report, every text localized."""
    cards = [CardSpec(label=kpi_label(c.name), value=value_text(c.name, c.value, locale),
                      change=change_text(c.change, locale), trend=trend(c.change),
                      tone=change_tone(c.name, c.change)) for c in data.cards.values()]
    channels = [Bar(channel_name(c.name), c.revenue, money(c.revenue, locale))
                for c in data.channels[:5]]
    goals = [Bar(g.title[:40], g.percent, f"{g.percent}%") for g in data.goals[:4]]
    return ReportImage(
        title=f"{kind_title(data.kind)} — {data.business_name}",
        subtitle=period_text(data, locale), cards=cards,
        days=[d.day.strftime("%d.%m") for d in data.series],
        revenue=[d.revenue for d in data.series], spend=[d.spend for d in data.series],
        series_title=_("Revenue vs spend"), revenue_label=_("Revenue"),
        spend_label=_("Spend"), channels_title=_("Revenue by channel"), channels=channels,
        goals_title=_("Goals"), goals=goals, empty_text=_("No data yet"),
        footer=_("BiznesPilot · /report — the PDF and Excel exports"),
        locale=babel_locale(locale))


def report_png(data: ReportData, locale: str) -> bytes:
    return render_report(report_image(data, locale))


def report_pdf(data: ReportData, locale: str, png: bytes | None) -> ReportPdf:
    """The PDF document: the image, the KPI table, channels and goals."""
    kpis = PdfTable(_("Key figures"), [_("KPI"), _("This period"), _("Before"), _("Change")],
                    [[kpi_label(c.name), value_text(c.name, c.value, locale),
                      value_text(c.name, c.previous, locale),
                      change_text(c.change, locale) or "—"] for c in data.cards.values()])
    tables = [kpis]
    if data.channels:
        tables.append(PdfTable(
            _("Channels"), [_("Channel"), _("Spend"), _("Leads"), _("Orders"), _("Revenue"),
                            _("ROI")],
            [[channel_name(c.name), money(c.spend, locale), number(c.leads, locale),
              number(c.orders, locale), money(c.revenue, locale),
              value_text(KpiName.ROI, c.roi, locale)] for c in data.channels]))
    if data.goals:
        tables.append(PdfTable(_("Goals"), [_("Goal"), _("Progress"), _("Target")],
                               [[g.title, f"{g.percent}%", number(g.target, locale)]
                                for g in data.goals]))
    return ReportPdf(title=f"{kind_title(data.kind)} — {data.business_name}",
                     subtitle=period_text(data, locale), image_png=png, tables=tables,
                     footer=_("Amounts in Uzbek so'm. Made by BiznesPilot."))


SHEETS = {Sheet.LEADS: __("Leads"), Sheet.CUSTOMERS: __("Customers"),
          Sheet.ORDERS: __("Orders"), Sheet.SPEND: __("Spend"),
          Sheet.DAILY: __("Daily KPIs")}


def coded_value(column: str, code: str) -> str:
    """A lead's stage, a lead's or order's status, or a record's source, in words."""
    words = {
        "stage": {"awareness": _("Awareness"), "interest": _("Interest"),
                  "consideration": _("Consideration"), "intent": _("Intent"),
                  "purchase": _("Purchase"), "post_purchase": _("Post-purchase")},
        "status": {"new": _("New"), "contacted": _("Contacted"), "qualified": _("Qualified"),
                   "won": _("Won"), "lost": _("Lost"), "paid": _("Paid"),
                   "cancelled": _("Cancelled"), "refunded": _("Refunded")},
        "source": {"chat": _("chat"), "import": _("import"), "chatbot": _("chatbot"),
                   "api": _("API")},
    }
    return words.get(column, {}).get(code, code)


def workbook_labels() -> WorkbookLabels:
    """Sheet titles, headers and coded values in the current locale."""
    headers = {
        "day": _("Date"), "name": _("Name"), "phone": _("Phone"), "email": _("E-mail"),
        "channel": _("Channel"), "stage": _("Stage"), "status": _("Status"),
        "score": _("Score"), "source": _("Source"), "first_order": _("First order"),
        "last_order": _("Last order"), "orders": _("Orders"),
        "total_spent": _("Total spent, so'm"), "customer": _("Customer"),
        "total": _("Total, so'm"), "amount": _("Amount, so'm"),
        "impressions": _("Impressions"), "clicks": _("Clicks"), "note": _("Note"),
        "spend": _("Spend, so'm"), "leads": _("Leads"), "won_leads": _("Won leads"),
        "revenue": _("Revenue, so'm"), "new_customers": _("New customers"),
    }
    return WorkbookLabels({sheet: str(title) for sheet, title in SHEETS.items()}, headers,
                          coded_value)


def workbook_filename(business_name: str) -> str:
    """``<business> data.xlsx`` in the user's language."""
    safe = "".join(ch for ch in business_name if ch.isalnum() or ch in " -_")[:40].strip()
    return _("{business} data.xlsx").format(business=safe or "BiznesPilot")


def filename(kind: ReportKind, data: ReportData, ext: str) -> str:
    """A localized file name such as ``Weekly report 2026-W48.pdf``."""
    return f"{kind_title(kind)} {data.window.key}.{ext}"


class ReportAction(StrEnum):
    PDF = "pdf"
    XLSX = "xlsx"
    OPT_IN = "on"
    OPT_OUT = "off"
    SHOW = "show"  # build the report of ``kind`` now (the 🗓 Reports menu)
    SETTINGS = "set"
    CHECKIN_ON = "con"  # the weekly strategy check-in push
    CHECKIN_OFF = "coff"


class ReportCB(CallbackData, prefix="rp1"):
    """Buttons under a report; defined here because scheduled reports carry them too."""

    action: ReportAction
    kind: ReportKind = ReportKind.WEEKLY


def report_keyboard(kind: ReportKind) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[
        InlineKeyboardButton(text=_("📄 PDF"),
                             callback_data=ReportCB(action=ReportAction.PDF, kind=kind).pack()),
        InlineKeyboardButton(text=_("📊 Excel"),
                             callback_data=ReportCB(action=ReportAction.XLSX,
                                                    kind=kind).pack())]])
