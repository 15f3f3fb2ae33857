"""The owner's so'm rate as typed, and the conversion of ad spend micros (no database)."""

from __future__ import annotations

import pytest

from services.errors import InvalidInput
from services.integrations.currency import is_foreign, normalize_code, parse_rate, to_som


@pytest.mark.parametrize(("raw", "milli"), [
    ("12850", 12_850_000), ("12 850", 12_850_000), ("12\xa0850,5", 12_850_500),
    ("12,850", 12_850_000), ("12,850.50", 12_850_500), ("12.850,25", 12_850_250),
    ("12850.1234", 12_850_123)])
def test_usd_rates_as_people_type_them(raw: str, milli: int) -> None:
    assert parse_rate(raw, "USD") == milli


@pytest.mark.parametrize(("raw", "currency", "reason"), [
    ("12,85", "USD", "range"),  # a decimal comma: 12.85 so'm for a dollar is a typo
    ("128500", "USD", "range"), ("0", "XYZ", "range"), ("abc", "USD", "format"),
    ("-12850", "USD", "format"), ("", "EUR", "format"), ("1e4", "USD", "format")])
def test_implausible_or_unreadable_rates_are_refused(raw: str, currency: str,
                                                    reason: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_rate(raw, currency)
    assert caught.value.reason == reason


def test_rub_and_kzt_rates_keep_their_decimals() -> None:
    assert parse_rate("25,4", "KZT") == 25_400 and parse_rate("139.75", "RUB") == 139_750


def test_spend_micros_to_som() -> None:
    assert to_som(12_500_000, "USD", 12_850_000) == 160_625  # $12.50 at 12 850
    assert to_som(1_000_001, "USD", 12_850_500) == 12_851  # rounded half up, in integers
    assert to_som(12_500_000, "USD", None) is None  # no rate: never booked as so'm
    assert to_s(50_000_500_000) == 50_001 and to_s(49_999_400_000) == 49_999


def to_s(micros: int) -> int | None:
    return to_som(micros, "UZS", None)


def test_currency_codes() -> None:
    assert normalize_code("usd") == "USD" and normalize_code("") is None
    assert normalize_code("US DOLLAR") is None
    assert is_foreign("USD") and not is_foreign("UZS") and not is_foreign(None)
