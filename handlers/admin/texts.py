"""Localized names for the admin codes, and shared formatting."""

from __future__ import annotations

from datetime import timedelta

from aiogram.utils.i18n import gettext as _

from bot.formatting import number


def status(code: str) -> str:
    return {"active": _("active"), "suspended": _("suspended"), "banned": _("banned")
            }.get(code, code)


def platform_role(code: str) -> str:
    return {"user": _("user"), "admin": _("admin"), "super_admin": _("super admin")
            }.get(code, code)


def subscription_status(code: str | None) -> str:
    return {"trialing": _("trial"), "active": _("active"), "past_due": _("past due"),
            "canceled": _("canceled"), "paused": _("paused"), "expired": _("expired"),
            None: _("no subscription")}.get(code, code or "")


def priority(code: str) -> str:
    return {"low": _("low"), "normal": _("normal"), "high": _("high"), "urgent": _("urgent")
            }.get(code, code)


def ticket_status(code: str) -> str:
    return {"open": _("open"), "in_progress": _("in progress"), "resolved": _("resolved"),
            "closed": _("closed")}.get(code, code)


def duration(value: timedelta, locale: str) -> str:
    """``2 h 05 min`` style: days, hours and minutes."""
    minutes = int(value.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return _("{days} d {hours} h").format(days=number(days, locale), hours=hours)
    if hours:
        return _("{hours} h {minutes} min").format(hours=hours, minutes=f"{mins:02d}")
    return _("{minutes} min").format(minutes=mins)
