"""Pure renderers of the settings screens."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from aiogram.utils.i18n import gettext as _

from bot.formatting import moment
from handlers import labels
from handlers.ui import h


def city(zone: str) -> str:
    """The user's word for a common zone's city; other zones keep their IANA name."""
    return {
        "Asia/Tashkent": _("Tashkent"), "Asia/Samarkand": _("Samarkand"),
        "Asia/Almaty": _("Almaty"), "Europe/Moscow": _("Moscow"),
        "Europe/Istanbul": _("Istanbul"), "Asia/Dubai": _("Dubai"), "UTC": "UTC",
    }.get(zone, zone)


def utc_offset(zone: str, now: datetime) -> str:
    """``UTC+5``, ``UTC+5:30``, ``UTC−3`` or ``UTC`` at the moment ``now``."""
    offset = now.astimezone(ZoneInfo(zone)).utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    if minutes == 0:
        return "UTC"
    sign = "+" if minutes > 0 else "−"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def zone_label(zone: str, now: datetime) -> str:
    """A readable zone: ``Tashkent (UTC+5)``; fixed offsets (``Etc/GMT-5``) as ``UTC+5``."""
    offset = utc_offset(zone, now)
    if zone == "UTC" or zone.startswith("Etc/"):
        return offset
    return f"{h(city(zone))} ({offset})"


def settings_text(*, language: str, timezone: str, now: datetime) -> str:
    return "\n".join([
        _("⚙️ <b>Settings</b>"),
        "",
        _("🌐 Language: {language}").format(language=labels.LANGUAGE_NAMES.get(language,
                                                                             language)),
        _("🕒 Time zone: {zone}").format(zone=zone_label(timezone, now)),
        _("Your local time: {time}").format(time=moment(now, language, timezone)),
    ])


def language_prompt() -> str:
    return _("🌐 Choose the language of the bot:")


def timezone_prompt(*, timezone: str, now: datetime) -> str:
    return "\n".join([
        _("🕒 <b>Time zone</b> — now {zone}").format(zone=zone_label(timezone, now)),
        "",
        _("Choose a city below, or type a time zone name (Asia/Tashkent) or an offset from "
          "UTC (+5)."),
    ])


def timezone_saved(*, timezone: str, now: datetime) -> str:
    return _("✅ Time zone saved: {zone}.").format(zone=zone_label(timezone, now))
