"""The few texts the sync writes into AmoCRM itself (the deal note when a BiznesPilot record
is deleted), in the language of the owner who connected the account.

They are composed outside any handler, so they are marked with ``N_`` (extracted into the
``messages`` catalogs) and translated with an explicit language (STYLE.md).
"""

from __future__ import annotations

import gettext as _gettext
from functools import lru_cache
from pathlib import Path

LOCALES_DIR = Path(__file__).resolve().parents[2] / "locales"
LANGUAGES = ("uz", "uz_Cyrl", "ru", "en")


def N_(message: str) -> str:
    return message


@lru_cache(maxsize=8)
def _catalog(language: str) -> _gettext.NullTranslations:
    return _gettext.translation("messages", localedir=LOCALES_DIR, languages=[language],
                                fallback=True)


def translate(message: str, language: str | None) -> str:
    return _catalog(language if language in LANGUAGES else "uz").gettext(message)


CLOSED_LEAD = N_("BiznesPilot: lead #{id} was deleted in BiznesPilot, so this deal is "
                 "closed as lost. Nothing was deleted in AmoCRM.")
CLOSED_ORDER = N_("BiznesPilot: order #{id} was deleted in BiznesPilot, so this deal is "
                  "closed as lost. Nothing was deleted in AmoCRM.")


def closed_note(entity: str, local_id: int, language: str | None) -> str:
    """The note left on a deal closed because its BiznesPilot record was deleted."""
    return translate(CLOSED_ORDER if entity == "order" else CLOSED_LEAD,
                     language).format(id=local_id)
