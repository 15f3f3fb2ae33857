"""Numbers, money and dates through babel, in the user's locale and time zone."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from aiogram.utils.i18n import gettext as _
from babel.dates import format_date, format_datetime, format_skeleton
from babel.numbers import format_decimal, format_percent

_BABEL_LOCALE = {"uz": "uz", "uz_Cyrl": "uz_Cyrl", "ru": "ru", "en": "en"}


def babel_locale(locale: str) -> str:
    return _BABEL_LOCALE.get(locale, "uz")


@lru_cache(maxsize=16_384)  # babel is slow and prices repeat: the chatbot formats many
def number(value: int | float, locale: str) -> str:
    """``1 250 000`` (uz, ru) or ``1,250,000`` (en)."""
    return format_decimal(value, locale=babel_locale(locale))


def money(amount: int, locale: str) -> str:
    """An amount in so'm with the localized unit: ``1 250 000 so'm``."""
    return _("{amount} so'm").format(amount=number(amount, locale))


def percent(value: float, locale: str) -> str:
    """``value`` is a fraction (0.25 → 25%)."""
    return format_percent(value, locale=babel_locale(locale))


def day(value: date, locale: str) -> str:
    """A date in the locale's medium form."""
    return format_date(value, format="medium", locale=babel_locale(locale))


def month(value: date | str, locale: str) -> str:
    """A calendar month (a date or ``YYYY-MM``): ``dekabr, 2026``, ``декабрь 2026 г.``."""
    if isinstance(value, str):
        value = date.fromisoformat(value + "-01")
    return format_skeleton("yMMMM", value, locale=babel_locale(locale))


def local_day(value: datetime, locale: str, timezone: str) -> str:
    """The calendar day of an aware datetime in the user's time zone."""
    return day(value.astimezone(ZoneInfo(timezone)).date(), locale)


def moment(value: datetime, locale: str, timezone: str) -> str:
    """An aware datetime shown in the user's time zone."""
    return format_datetime(
        value.astimezone(ZoneInfo(timezone)), format="medium", locale=babel_locale(locale)
    )


def channel_name(name: str) -> str:
    """A channel's name for the reader: the generic names a channel gets from its kind alone
    (``services.marketing.DEFAULT_NAMES``: Offline, Website, Other) are words, not brands, so
    they are shown in the reader's language."""
    generic = {"Offline": _("Offline"), "Website": _("Website"), "Other": _("Other")}
    return generic.get(name, name)


def progress_bar(percent_value: int, width: int = 10) -> str:
    """A text bar like ``▓▓▓▓░░░░░░``."""
    filled = max(0, min(width, round(percent_value * width / 100)))
    return "▓" * filled + "░" * (width - filled)
