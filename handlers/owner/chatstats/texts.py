"""Words of /chatstats and /conversation: the caption, the image's texts and the export's
headers, in the reader's language."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from aiogram.utils.i18n import gettext as _

from bot.formatting import day, moment, number, percent
from handlers import labels
from handlers.ui import h
from services.charts.dashboard import CardSpec
from services.charts.salesbot import ChatStatsImage, FunnelBar
from services.salesbot.export import COLUMNS, ConversationView, ExportLabels
from services.salesbot.stats import PERIODS, ChatStats

DEFAULT_DAYS = 30
SNIPPET = 160


def parse_args(raw: str | None) -> tuple[int, str | None] | None:
    """``[7|30|90] [@bot]`` in any order (no days: 30); anything else is None."""
    days, bot = DEFAULT_DAYS, None
    for word in (raw or "").split():
        if word.startswith("@") and len(word) > 1 and bot is None:
            bot = word[1:]
        elif word.isdigit() and int(word) in PERIODS:
            days = int(word)
        else:
            return None
    return days, bot


def usage_text() -> str:
    return _("Send <code>/chatstats</code> with 7, 30 or 90 days, for example "
             "<code>/chatstats 7</code>, and a bot's @username to see only that bot.")


def preparing_text() -> str:
    return _("⏳ Counting the chatbot's conversations…")


def _rate(value: float | None, locale: str) -> str:
    return "—" if value is None else percent(value, locale)


def messages_used(stats: ChatStats, locale: str) -> str:
    if stats.messages_limit < 0:
        return _("{used} (unlimited)").format(used=number(stats.messages_used, locale))
    return _("{used} of {limit}").format(used=number(stats.messages_used, locale),
                                         limit=number(stats.messages_limit, locale))


def period_text(stats: ChatStats, locale: str) -> str:
    tz = ZoneInfo(stats.timezone)
    first = stats.start.astimezone(tz).date()
    last = (stats.end - timedelta(microseconds=1)).astimezone(tz).date()
    return _("{start} – {end}").format(start=day(first, locale), end=day(last, locale))


def caption(stats: ChatStats, business_name: str, locale: str,
            bot_username: str | None = None) -> str:
    scope = h(business_name) + (f" · @{h(bot_username)}" if bot_username else "")
    return "\n".join([
        _("🤖 <b>Sales chatbot — last {days} days</b>").format(days=stats.days),
        scope + " · " + period_text(stats, locale), "",
        _("💬 Conversations started: {count} (active: {active})").format(
            count=number(stats.conversations, locale), active=number(stats.active, locale)),
        _("🎯 New leads: {count}").format(count=number(stats.new_leads, locale)),
        _("↩️ Response rate: {rate}").format(rate=_rate(stats.response_rate, locale)),
        _("🛒 Conversion to orders: {rate}").format(rate=_rate(stats.conversion_rate, locale)),
        _("🙋 Hand-off rate: {rate}").format(rate=_rate(stats.handoff_rate, locale)),
        _("✉️ Messages this month: {used}").format(used=messages_used(stats, locale)),
    ])


def image(stats: ChatStats, business_name: str, locale: str,
          bot_username: str | None = None) -> ChatStatsImage:
    def card(label: str, value: str) -> CardSpec:
        return CardSpec(label=label, value=value, change="", trend=None, tone=None)

    bars = [FunnelBar(label=labels.lead_stage(row.stage), reached=row.reached,
                      stopped=row.stopped,
                      note=_("{reached} · {stopped} stopped").format(
                          reached=number(row.reached, locale),
                          stopped=number(row.stopped, locale)))
            for row in stats.stages]
    return ChatStatsImage(
        title=_("Sales chatbot — last {days} days").format(days=stats.days),
        subtitle=business_name + (f" · @{bot_username}" if bot_username else "") + " · "
        + period_text(stats, locale),
        cards=[card(_("Conversations"), number(stats.conversations, locale)),
               card(_("New leads"), number(stats.new_leads, locale)),
               card(_("Response rate"), _rate(stats.response_rate, locale)),
               card(_("Conversion"), _rate(stats.conversion_rate, locale)),
               card(_("Hand-off rate"), _rate(stats.handoff_rate, locale)),
               card(_("Messages this month"), messages_used(stats, locale))],
        funnel_title=_("Funnel: how far conversations got, and where they stopped"),
        funnel=bars, reached_label=_("Reached the stage"), stopped_label=_("Stopped there"),
        empty_text=_("No conversations in this period yet."),
        footer=_("Conversations started in the period, by the stage they are at now."))


def author(code: str) -> str:
    return {"customer": _("Customer"), "bot": _("Bot"), "operator": _("Operator")}.get(
        code, code)


def export_labels() -> ExportLabels:
    headers = {"conversation": _("Conversation"), "customer": _("Customer"),
               "username": _("Username"), "stage": _("Stage"), "author": _("Author"),
               "text": _("Text"), "time": _("Time")}
    assert set(headers) == set(COLUMNS)

    def value(column: str, code: str) -> str:
        return labels.lead_stage(code) if column == "stage" else author(code)

    return ExportLabels(headers=headers, sheet=_("Messages"), value=value)


def export_filename(*, ext: str, days: int = 0, conversation_id: int = 0) -> str:
    if conversation_id:
        return _("Conversation {id}").format(id=conversation_id) + f".{ext}"
    return _("Chatbot messages, {days} days").format(days=days) + f".{ext}"


def export_caption(rows: int, conversations: int, locale: str) -> str:
    return _("{rows} messages from {conversations} conversations.").format(
        rows=number(rows, locale), conversations=number(conversations, locale))


def conversation_usage(recent: list[tuple[int, str, str]]) -> str:
    lines = [_("Send <code>/conversation</code> with a conversation number, for example "
               "<code>/conversation 12</code>.")]
    if recent:
        lines += ["", _("Recent conversations:")]
        lines += [f"#{cid} — {h(name) or '—'} ({labels.lead_stage(stage)})"
                  for cid, name, stage in recent]
    return "\n".join(lines)


def conversation_text(view: ConversationView, locale: str, timezone: str) -> str:
    who = h(view.customer) or "—"
    if view.username:
        who += f" (@{h(view.username)})"
    lines = [_("💬 <b>Conversation #{id}</b> — {customer}").format(id=view.id, customer=who),
             _("Stage: {stage} · messages: {count} · since {since}").format(
                 stage=labels.lead_stage(view.stage), count=number(view.messages, locale),
                 since=moment(view.created_at, locale, timezone))]
    if view.handoff != "none":
        lines.append(_("🙋 With an operator now."))
    if view.last:
        lines.append("")
    for who_code, text, at in view.last:
        snippet = text if len(text) <= SNIPPET else text[: SNIPPET - 1] + "…"
        when = at.astimezone(ZoneInfo(timezone)).strftime("%H:%M")
        lines.append(f"<i>{when}</i> <b>{author(who_code)}:</b> {h(snippet)}")
    return "\n".join(lines)
