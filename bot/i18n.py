"""gettext set-up: catalogs under ``locales/``, compiled to ``.mo`` when stale, and the locale
middleware that picks the user's language."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiogram.types import TelegramObject
from aiogram.utils.i18n import I18n, I18nMiddleware
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from services.db.models import User
from services.users import DEFAULT_LANGUAGE, LANGUAGES, guess_language

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"


def N_(message: str) -> str:
    """Mark a string for extraction without translating it here (translated at use)."""
    return message


def compile_catalogs(locales_dir: Path = LOCALES_DIR) -> list[Path]:
    """Build ``messages.mo`` from each ``messages.po`` that is newer; returns what was built."""
    built = []
    for po_path in sorted(locales_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as fh:
            catalog = read_po(fh, locale=po_path.parent.parent.name)
        with mo_path.open("wb") as fh:
            write_mo(fh, catalog, use_fuzzy=False)
        built.append(mo_path)
    return built


def make_i18n(locales_dir: Path = LOCALES_DIR) -> I18n:
    """Compile what is stale, then load every catalog."""
    compile_catalogs(locales_dir)
    return I18n(path=locales_dir, default_locale=DEFAULT_LANGUAGE, domain=DOMAIN)


class UserLocaleMiddleware(I18nMiddleware):
    """The user's chosen language; before they choose, a guess from Telegram's language_code."""

    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        user: User | None = data.get("user")
        if user is not None and user.language in LANGUAGES:
            locale = user.language
        else:
            tg_user = data.get("event_from_user")
            locale = guess_language(getattr(tg_user, "language_code", None))
        data["locale"] = locale
        return locale
