"""Localized template text for the sales bot's answers, outside any handler.

The answers are composed here, away from aiogram's per-update i18n context, so the templates
are marked with ``N_`` (extracted into the same ``messages`` catalogs as every other string)
and translated with an explicit language, the way jobs and webhooks do it (STYLE.md). A
caller that has its own translator (the bot's ``I18n.gettext``) may pass it instead.
"""

from __future__ import annotations

import gettext as _gettext
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from babel.numbers import format_decimal

Translate = Callable[[str, str], str]
"""``(msgid, language) -> text``."""

LOCALES_DIR = Path(__file__).resolve().parents[2] / "locales"
DOMAIN = "messages"
LANGUAGES = ("uz", "uz_Cyrl", "ru", "en")
DEFAULT_LANGUAGE = "uz"


def N_(message: str) -> str:
    """Mark a template for extraction; it is translated where it is used."""
    return message


def language_of(language: str | None) -> str:
    """One of our four languages (Telegram's ``uz``/``ru``/``en`` codes included)."""
    if language in LANGUAGES:
        return str(language)
    short = (language or "").split("-")[0].split("_")[0].lower()
    return short if short in LANGUAGES else DEFAULT_LANGUAGE


@lru_cache(maxsize=8)
def _catalog(language: str) -> _gettext.NullTranslations:
    return _gettext.translation(DOMAIN, localedir=LOCALES_DIR, languages=[language],
                                fallback=True)


def translate(message: str, language: str) -> str:
    """``message`` in ``language`` from the compiled catalogs (English when missing)."""
    return _catalog(language_of(language)).gettext(message)


def money(amount: int, language: str, t: Translate = translate) -> str:
    """``1 250 000 so'm`` in the language's number format."""
    return t("{amount} so'm", language).format(amount=_decimal(amount, language_of(language)))


@lru_cache(maxsize=16_384)  # babel is slow and the same prices are formatted again and again
def _decimal(amount: int, locale: str) -> str:
    return format_decimal(amount, locale=locale)
