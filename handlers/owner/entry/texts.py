"""Wording shared by the data-entry screens: channel names, limit warnings, cards."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _

from bot.formatting import channel_name, day, money, number
from handlers import labels
from handlers.ui import h
from services.marketing import ChannelView, SpendView
from services.plans import LimitStatus
from services.sales import CustomerView, LeadView, OrderView

KIND_ICONS = {"telegram": "✈️", "instagram": "📸", "facebook": "📘", "google_ads": "🔎",
              "website": "🌐", "tiktok": "🎵", "youtube": "▶️", "offline": "🏪", "other": "📍"}
NO_CHANNEL = "—"


def channel_title(kind: str, name: str) -> str:
    """``📸 Instagram`` or ``✈️ News (Telegram channel)`` when the name differs from the kind."""
    icon = KIND_ICONS.get(kind, "📍")
    kind_label = labels.channel_kind(kind)
    name = channel_name(name)
    if name.lower() in {kind_label.lower(), kind.replace("_", " ")}:
        return f"{icon} {h(name)}"
    return f"{icon} {h(name)} ({h(kind_label)})"


def limit_note(status: LimitStatus | None, locale: str) -> str | None:
    """The 80/90% warning of a plan limit, or None."""
    if status is None or status.warning is None:
        return None
    return _("⚠️ You have used {used} of {limit} ({percent}%) for “{resource}” on your plan. "
             "/plan shows the options.").format(
        used=number(status.used, locale), limit=number(status.limit, locale),
        percent=status.percent, resource=labels.resource(status.resource))


def created_note(channel: ChannelView) -> str:
    return _("➕ New channel added: {channel}.").format(
        channel=channel_title(channel.kind, channel.name))


def spend_line(index: int, entry: SpendView, locale: str) -> str:
    extra = []
    if entry.impressions is not None:
        extra.append(_("{count} impressions").format(count=number(entry.impressions, locale)))
    if entry.clicks is not None:
        extra.append(_("{count} clicks").format(count=number(entry.clicks, locale)))
    tail = f" · {', '.join(extra)}" if extra else ""
    return (f"{index}. {day(entry.day, locale)} · "
            f"{channel_title(entry.channel_kind, entry.channel_name)} · "
            f"<b>{money(entry.amount, locale)}</b>{tail}")


def lead_line(index: int, lead: LeadView, locale: str) -> str:
    phone = f" · {lead.phone}" if lead.phone else ""
    return (f"{index}. <b>{h(lead.name)}</b>{phone} · {labels.lead_status(lead.status)} · "
            f"{labels.lead_stage(lead.stage)}")


def lead_card(lead: LeadView, locale: str) -> str:
    utm = " / ".join(p or "—" for p in (lead.utm_source, lead.utm_medium, lead.utm_campaign))
    lines = [
        _("👤 <b>{name}</b>").format(name=h(lead.name)),
        _("Phone: {phone}").format(phone=lead.phone or NO_CHANNEL),
        _("Channel: {channel}").format(channel=h(lead.channel_name or NO_CHANNEL)),
        _("Stage: {stage}").format(stage=labels.lead_stage(lead.stage)),
        _("Status: {status}").format(status=labels.lead_status(lead.status)),
        _("Score: {score} of 100").format(score=lead.score),
        _("Arrived: {date}").format(date=day(lead.day, locale)),
    ]
    if any((lead.utm_source, lead.utm_medium, lead.utm_campaign)):
        lines.append(f"UTM: {h(utm)}")
    return "\n".join(lines)


def order_line(index: int, order: OrderView, locale: str) -> str:
    who = f" · {h(order.customer_name)}" if order.customer_name else ""
    status = "" if order.status == "paid" else f" · {labels.order_status(order.status)}"
    return (f"{index}. {day(order.day, locale)} · <b>{money(order.total, locale)}</b>"
            f"{who}{status}")


def order_card(order: OrderView, locale: str) -> str:
    lines = [
        _("🧾 <b>Order of {date}</b>").format(date=day(order.day, locale)),
        _("Total: {amount}").format(amount=money(order.total, locale)),
        _("Status: {status}").format(status=labels.order_status(order.status)),
        _("Channel: {channel}").format(channel=h(order.channel_name or NO_CHANNEL)),
    ]
    if order.customer_name:
        phone = f" · {order.customer_phone}" if order.customer_phone else ""
        lines.append(_("Customer: {name}").format(name=h(order.customer_name) + phone))
    for item in order.items:
        lines.append(f"• {h(item.name)} — {number(item.qty, locale)} × "
                     f"{money(item.price, locale)}")
    return "\n".join(lines)


def customer_line(index: int, customer: CustomerView, locale: str) -> str:
    phone = f" · {customer.phone}" if customer.phone else ""
    return _("{index}. <b>{name}</b>{phone} · orders: {orders} · {total}").format(
        index=index, name=h(customer.name), phone=phone,
        orders=number(customer.orders_count, locale), total=money(customer.total_spent, locale))
