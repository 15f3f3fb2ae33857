"""Catalogs are complete, compile, and money/dates come out in each locale's form."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot import formatting
from bot.i18n import make_i18n
from bot.i18n_tools import problems
from services.users import LANGUAGES


def test_catalogs_are_complete_and_current() -> None:
    assert problems() == []


@pytest.mark.parametrize(
    ("locale", "expected"),
    [("uz", "1\u00a0250\u00a0000 so'm"), ("ru", "1\u00a0250\u00a0000 сум"),
     ("uz_Cyrl", "1\u00a0250\u00a0000 сўм"), ("en", "1,250,000 so'm")],
)
def test_money_in_each_locale(locale: str, expected: str) -> None:
    i18n = make_i18n()
    with i18n.context(), i18n.use_locale(locale):
        assert formatting.money(1_250_000, locale) == expected


def test_dates_follow_locale_and_timezone() -> None:
    i18n = make_i18n()
    assert set(LANGUAGES) <= set(i18n.available_locales)
    with i18n.context():
        assert "2026" in formatting.day(date(2026, 11, 24), "ru")
        # 20:30 UTC is already the next day in Tashkent (UTC+5).
        shown = formatting.moment(datetime(2026, 11, 24, 20, 30, tzinfo=UTC), "en",
                                  "Asia/Tashkent")
        assert "Nov 25, 2026" in shown and "1:30" in shown
