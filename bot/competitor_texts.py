"""Competitor intelligence in words: alerts with their buttons, activity lines, SWOT, the
weekly report's caption and chart labels, in the reader's language.

Shared by /competitors (handlers) and the sync job (bot): the job renders inside
``i18n.use_locale``. The callback data lives here because ``bot`` may not import handlers.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from html import escape
from typing import Any

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot.formatting import day, moment, money, number
from services.charts.competitors import WeeklyLabels
from services.competitors import ActivityKind, ActivityView, ChannelState
from services.competitors.report import WeeklyData
from services.competitors.swot import QUADRANTS, RulePoint
from services.competitors.sync import Alert


class CompetitorAction(StrEnum):
    LIST = "list"
    OPEN = "open"
    ADD = "add"
    EDIT = "edit"
    FIELD = "field"  # choose a field to edit (value: the field)
    CLEAR = "clear"  # clear an optional field
    REMOVE = "rm"
    REMOVE_YES = "rmy"
    SWOT = "swot"
    SWOT_AI = "swai"  # draft it again
    SWOT_EDIT = "swed"  # value: the quadrant
    OVERALL = "all"
    REPORT = "rep"
    OWN = "own"  # set the own channel
    NOTE = "note"  # activity: add a note
    ASK = "ask"  # activity: ask the AI how to answer
    SKIP = "skip"  # wizard: skip an optional step
    REFRESH = "sync"  # read the channels now


class CompetitorCB(CallbackData, prefix="cp1"):
    action: CompetitorAction
    competitor_id: int = 0
    activity_id: int = 0
    value: str = ""


CAPTION_MAX = 1024
PRIORITY_ICON = {"high": "🟠", "medium": "🟡", "low": "🟢"}


def h(text: object) -> str:
    return escape(str(text), quote=False)


def _pct(value: Any, locale: str) -> str:
    return number(round(abs(float(value)), 1), locale) + "%"


def kind_label(kind: ActivityKind) -> str:
    return {ActivityKind.PROMOTION: _("Promotion"), ActivityKind.PRICE_CHANGE: _("Price change"),
            ActivityKind.NEW_PRODUCT: _("New product"), ActivityKind.VIRAL: _("Viral post"),
            ActivityKind.FOLLOWER_SURGE: _("Follower surge")}[kind]


def activity_line(kind: ActivityKind, detail: dict[str, Any], locale: str) -> str:
    """One line saying what happened (no competitor name)."""
    excerpt = h(detail.get("excerpt", ""))
    if kind is ActivityKind.PROMOTION:
        return _("🏷 Promotion: “{excerpt}”").format(excerpt=excerpt)
    if kind is ActivityKind.NEW_PRODUCT:
        return _("🆕 New product: “{excerpt}”").format(excerpt=excerpt)
    if kind is ActivityKind.PRICE_CHANGE:
        text = (_("📈 {item}: {old} → {new} (+{pct})") if int(detail["new"]) > int(detail["old"])
                else _("📉 {item}: {old} → {new} (−{pct})"))
        return text.format(item=h(detail.get("item", "")), old=money(int(detail["old"]), locale),
                           new=money(int(detail["new"]), locale),
                           pct=_pct(detail["pct"], locale))
    if kind is ActivityKind.VIRAL:
        return _("🔥 Viral post: {views} views, {factor}× their usual — “{excerpt}”").format(
            views=number(int(detail.get("views", 0)), locale),
            factor=number(round(int(detail.get("views", 0)) / max(1, int(
                detail.get("median", 1))), 1), locale), excerpt=excerpt)
    return _("👥 Subscribers +{pct} in a week: {before} → {now}").format(
        pct=_pct(detail["pct"], locale), before=number(int(detail["before"]), locale),
        now=number(int(detail["now"]), locale))


def alert_text(alert: Alert, locale: str, *, base_url: str = "https://t.me") -> str:
    priority = {"high": _("High — within 24 hours"),
                "medium": _("Medium — within 48 hours")}.get(alert.priority, "")
    lines = [_("🕵️ <b>{name}</b> — {kind}").format(name=h(alert.competitor_name),
                                                   kind=kind_label(alert.kind)),
             f"{PRIORITY_ICON.get(alert.priority, '')} {priority}".strip(), "",
             activity_line(alert.kind, alert.detail, locale)]
    post_id = alert.detail.get("post_id")
    username = alert.detail.get("username")
    if username and alert.detail.get("platform") == "instagram":
        lines.append(f"https://www.instagram.com/{h(username)}/")
    elif post_id and username:
        lines.append(f"{base_url.rstrip('/')}/{h(username)}/{int(post_id)}")
    lines += ["", _("How will you answer? Add a note, or ask the AI for a response plan.")]
    return "\n".join(lines)


def alert_keyboard(activity_id: int, competitor_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[
        [InlineKeyboardButton(text=_("📝 Add a note"), callback_data=CompetitorCB(
            action=CompetitorAction.NOTE, activity_id=activity_id).pack()),
         InlineKeyboardButton(text=_("🤖 How to answer?"), callback_data=CompetitorCB(
             action=CompetitorAction.ASK, activity_id=activity_id).pack())],
        [InlineKeyboardButton(text=_("🕵️ Open the competitor"), callback_data=CompetitorCB(
            action=CompetitorAction.OPEN, competitor_id=competitor_id).pack())]])


def sync_state(state: ChannelState | None, locale: str, timezone: str, *,
               instagram: bool = False) -> str:
    """"@name · 12 300 subscribers", or "not synced since …" when the last read failed."""
    if state is None:
        return ""
    parts = [f"@{h(state.username)}"]
    if state.subscribers is not None:
        count = number(state.subscribers, locale)
        parts.append(ngettext("{count} follower", "{count} followers", state.subscribers
                              ).format(count=count) if instagram else
                     ngettext("{count} subscriber", "{count} subscribers", state.subscribers
                              ).format(count=count))
    text = " · ".join(parts)
    if state.last_error is not None:
        if state.last_success_at is not None:
            text += "\n" + _("⚠️ Not synced since {moment}").format(
                moment=moment(state.last_success_at, locale, timezone))
        else:
            text += "\n" + _("⚠️ Not synced yet: {reason}").format(
                reason=instagram_error(state.last_error) if instagram
                else sync_error(state.last_error))
    elif state.last_success_at is None:
        text += "\n" + _("⏳ The first reading comes within the hour.")
    return text


def sync_error(code: str) -> str:
    return {"not_found": _("no public channel by this name"),
            "rate_limited": _("Telegram asked us to slow down"),
            "circuit_open": _("t.me is not answering; retrying later"),
            }.get(code, _("t.me did not answer"))


def instagram_error(code: str) -> str:
    return {"no_instagram": _("connect your own Instagram business account in /integrations: "
                              "competitors are read through it"),
            "auth_expired": _("your Instagram connection expired; reconnect it in "
                              "/integrations"),
            "bad_response": _("no Instagram business or creator account by this name"),
            "rate_limited": _("Instagram asked us to slow down"),
            }.get(code, _("Instagram did not answer"))


def activity_item(item: ActivityView, locale: str, timezone: str) -> str:
    line = activity_line(item.kind, item.detail, locale)
    when = moment(item.detected_at, locale, timezone)
    note = "\n   " + _("📝 {note}").format(note=h(item.note)) if item.note else ""
    return f"• {line} <i>({when})</i>{note}"


# ------------------------------------------------------------------------------- SWOT


def quadrant_label(quadrant: str) -> str:
    return {"strengths": _("💪 Strengths"), "weaknesses": _("🩹 Weaknesses"),
            "opportunities": _("🚀 Opportunities"), "threats": _("⚠️ Threats")}[quadrant]


def rule_point(point: RulePoint, locale: str) -> str:
    p = point.params
    n = {k: number(v, locale) if isinstance(v, int | float) else v for k, v in p.items()}
    return {
        "bigger_audience": _("Bigger Telegram audience: {theirs} subscribers against your "
                             "{ours}"),
        "smaller_audience": _("Smaller Telegram audience: {theirs} subscribers against your "
                              "{ours}"),
        "audience": _("An audience of {theirs} Telegram subscribers"),
        "posts_often": _("Posts often: {per_week} posts a week"),
        "posts_rarely": _("Posts rarely: {per_week} posts a week"),
        "out_post": _("Post more regularly than they do and win the feed"),
        "viral_content": _("Content that spreads: {count} viral posts in 30 days"),
        "discounting": _("Competes on discounts: {count} promotions in 30 days"),
        "compete_on_value": _("Answer with value (bonuses, guarantee), not a deeper discount"),
        "promotion_running": _("A promotion ran in the last 30 days"),
        "they_raised_prices": _("They raised prices {count} time(s): room to win "
                                "price-sensitive buyers"),
        "they_cut_prices": _("They cut prices {count} time(s)"),
        "new_products": _("New products launched: {count} in 30 days"),
        "open_prices": _("Publishes prices openly ({count} items)"),
        "hidden_prices": _("No prices in their posts: buyers must ask"),
        "no_website": _("No website on record"),
        "watch_and_differ": _("Stand out where they are silent: your guarantee and reviews"),
        "quiet_now": _("No aggressive moves seen in 30 days"),
    }.get(point.code, point.code).format(**n)


def rule_swot(points: list[RulePoint], locale: str) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {q: [] for q in QUADRANTS}
    for point in points:
        result[point.quadrant].append(rule_point(point, locale))
    return result


def swot_text(title: str, swot: dict[str, list[str]] | None, source: str | None) -> str:
    lines = [_("🧭 <b>SWOT — {name}</b>").format(name=h(title))]
    if not swot:
        lines += ["", _("No SWOT yet.")]
        return "\n".join(lines)
    for quadrant in QUADRANTS:
        lines += ["", f"<b>{quadrant_label(quadrant)}</b>"]
        lines += [f"• {h(p)}" for p in swot.get(quadrant, [])] or ["—"]
    lines.append("")
    lines.append({"ai": _("<i>Drafted by the AI from the numbers; edit any part.</i>"),
                  "rules": _("<i>Drafted by the rules from the numbers (AI is off); edit any "
                             "part.</i>"),
                  "owner": _("<i>Edited by you.</i>")}.get(source or "", ""))
    return "\n".join(lines).rstrip()


# ------------------------------------------------------------------------------- weekly


def weekly_labels(data: WeeklyData, locale: str, business: str) -> WeeklyLabels:
    weeks = len(data.channels[0].posts_per_week) if data.channels else 4
    return WeeklyLabels(
        title=_("Competitors — {business}").format(business=business),
        subtitle=_("{start} – {end}").format(start=day(data.week_start, locale),
                                             end=day(data.week_end, locale)),
        subscribers=_("Telegram subscribers: change since the first reading"),
        posts=_("Posts per week"),
        promotions=_("Promotions per week"),
        weeks=[_("−{n} wk").format(n=weeks - 1 - i) if i < weeks - 1 else _("this wk")
               for i in range(weeks)],
        own=_("Your channel"),
        empty=_("No channel readings yet: the first come within the hour."))


def weekly_caption(data: WeeklyData, locale: str, business: str, own: str) -> str:
    lines = [_("🕵️ <b>Competitors this week</b> — {business}").format(business=h(business))]
    for channel in data.channels:
        name = own if channel.own else channel.name
        values = [v for v in channel.subscribers if v is not None]
        now = number(values[-1], locale) if values else "—"
        change = channel.change_pct
        trend = "" if change is None else f" ({'+' if change >= 0 else '−'}{_pct(change, locale)})"
        lines.append(_("• {name}: {subscribers} subscribers{trend}, {posts} posts, {promos} "
                       "promotions this week").format(
            name=h(name), subscribers=now, trend=trend,
            posts=number(channel.posts_per_week[-1] if channel.posts_per_week else 0, locale),
            promos=number(channel.promotions_per_week[-1] if channel.promotions_per_week
                          else 0, locale)))
    if data.top_posts:
        lines += ["", _("<b>Top posts</b>")]
        for post in data.top_posts:
            lines.append(_("{views} views · {channel}: {excerpt}").format(
                views=number(post.views, locale), channel=h(post.channel),
                excerpt=h(post.excerpt[:60])))
    # a photo caption holds 1,024 characters: drop whole lines (never cut inside a tag)
    while len("\n".join(lines)) > CAPTION_MAX and len(lines) > 1:
        lines.pop()
    return "\n".join(lines)


def now_label(value: datetime, locale: str, timezone: str) -> str:
    return moment(value, locale, timezone)
