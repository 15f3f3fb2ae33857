"""Input parsing: every field type and its machine-readable failure reason."""

from __future__ import annotations

from datetime import date

import pytest

from services.errors import InvalidInput
from services.validation import (
    clean_text,
    parse_amount,
    parse_date,
    parse_email,
    parse_int,
    parse_phone,
    parse_timezone,
    parse_url,
)


def _reason(call, *args, **kwargs) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput) as info:
        call(*args, **kwargs)
    return info.value.reason


def test_clean_text_trims_and_checks_length() -> None:
    assert clean_text("  Chilonzor   Coffee ", field="name", max_len=120) == "Chilonzor Coffee"
    assert clean_text(" line one\nline two ", field="d", max_len=100) == "line one\nline two"
    assert _reason(clean_text, "   ", field="name", max_len=10) == "empty"
    with pytest.raises(InvalidInput) as info:
        clean_text("x" * 11, field="name", max_len=10)
    assert (info.value.field, info.value.reason, info.value.params["max"]) == (
        "name", "too_long", 10)


@pytest.mark.parametrize(("raw", "expected"), [
    ("+998 90 123 45 67", "+998901234567"),
    ("998901234567", "+998901234567"),
    ("90 123-45-67", "+998901234567"),
    ("(90) 123 45 67", "+998901234567"),
])
def test_phone_numbers_are_normalised(raw: str, expected: str) -> None:
    assert parse_phone(raw) == expected


@pytest.mark.parametrize("raw", ["12345", "+7 912 345 67 89", "call me", "+998 90 123 45 6x",
                                 "+998 90 123 45 678"])
def test_bad_phone_numbers(raw: str) -> None:
    assert _reason(parse_phone, raw) == "phone"


def test_email() -> None:
    assert parse_email(" Info@Example.UZ ") == "Info@example.uz"
    for raw in ("info@", "info example.uz", "@example.uz", "a@b", "a" * 250 + "@example.uz"):
        assert _reason(parse_email, raw) == "email"


def test_url() -> None:
    assert parse_url("example.uz") == "https://example.uz"
    assert parse_url("http://shop.example.uz/path") == "http://shop.example.uz/path"
    assert parse_url("https://кафе.uz") == "https://кафе.uz"
    for raw in ("ftp://example.uz", "not a site", "https://localhost", "javascript:alert(1)"):
        assert _reason(parse_url, raw) == "url"


@pytest.mark.parametrize("raw", ["24.11.2026", "24/11/2026", "2026-11-24", "24-11-2026",
                                 " 24.11.2026 "])
def test_date_formats(raw: str) -> None:
    assert parse_date(raw) == date(2026, 11, 24)


@pytest.mark.parametrize("raw", ["31.02.2026", "tomorrow", "11/24/2026", "2026.11.24", ""])
def test_bad_dates(raw: str) -> None:
    assert _reason(parse_date, raw) == "date"


@pytest.mark.parametrize(("raw", "expected"), [
    ("1 250 000", 1_250_000),
    ("1,250,000", 1_250_000),
    ("1.250.000", 1_250_000),
    ("1\u00a0250\u00a0000 so'm", 1_250_000),
    ("200 mln", 200_000_000),
    ("1.5 mln", 1_500_000),
    ("1,5 mln", 1_500_000),
    ("500 ming", 500_000),
    ("250k", 250_000),
    ("2 млн сум", 2_000_000),
    ("1.8 mlrd", 1_800_000_000),
    ("0", 0),
    ("42 UZS", 42),
    ("yarim million", 500_000),
    ("bir yarim mln so'm", 1_500_000),
    ("2 yarim mln", 2_500_000),
    ("yarim ming", 500),
    ("пол миллиона", 500_000),
    ("полтора миллиона", 1_500_000),
    ("half a million", 500_000),
])
def test_amounts_as_people_type_them(raw: str, expected: int) -> None:
    assert parse_amount(raw) == expected


@pytest.mark.parametrize("raw", ["", "abc", "1.5", "-100", "mln", "12 apples", "1.2345 k",
                                 "yarim"])
def test_bad_amounts(raw: str) -> None:
    assert _reason(parse_amount, raw) == "number"


def test_amount_range() -> None:
    with pytest.raises(InvalidInput) as info:
        parse_amount("0", field="target", minimum=1)
    assert (info.value.field, info.value.reason, info.value.params["min"]) == (
        "target", "range", 1)
    assert _reason(parse_int, "2 000 000", field="employees", maximum=1_000_000) == "range"
    assert parse_int("12", field="employees") == 12


@pytest.mark.parametrize(("raw", "expected"), [
    ("Asia/Tashkent", "Asia/Tashkent"),
    ("asia/tashkent", "Asia/Tashkent"),
    ("+5", "Etc/GMT-5"),
    ("UTC+05:00", "Etc/GMT-5"),
    ("gmt-3", "Etc/GMT+3"),
    ("+0", "UTC"),
])
def test_timezones(raw: str, expected: str) -> None:
    assert parse_timezone(raw) == expected


@pytest.mark.parametrize("raw", ["Mars/Olympus", "+15", "+5:30", "five"])
def test_bad_timezones(raw: str) -> None:
    assert _reason(parse_timezone, raw) == "timezone"


def test_counts_take_a_unit_word_and_get_a_count_hint() -> None:
    assert parse_int("12 kishi", field="employees") == 12
    assert parse_int("5 ta", field="employees") == 5
    assert parse_int("12 человек", field="employees") == 12
    assert _reason(parse_int, "twelve", field="employees") == "count"
