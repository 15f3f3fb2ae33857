"""Parsing and validation of user input; raises ``InvalidInput`` with a machine-readable reason."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from services.errors import InvalidInput

_PHONE_DIGITS = re.compile(r"\d")
_EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
_HOST = re.compile(
    r"^(?=.{1,253}$)([A-Za-z0-9\u0400-\u04FF-]{1,63}\.)+[A-Za-z\u0400-\u04FF]{2,63}$"
)
# Multipliers people type after amounts: "500 ming", "1.5 mln", "250k", "2 млн".
_MULTIPLIERS = {
    "k": 1_000, "ming": 1_000, "минг": 1_000, "тыс": 1_000, "тысяч": 1_000, "thousand": 1_000,
    "m": 1_000_000, "mln": 1_000_000, "million": 1_000_000, "млн": 1_000_000,
    "миллион": 1_000_000, "million so'm": 1_000_000, "mlrd": 1_000_000_000,
    "млрд": 1_000_000_000, "bn": 1_000_000_000,
}
_HALF_UNITS = r"(mln|млн|million|миллион(?:а|ов)?|mlrd|млрд|ming|минг|тыс(?:яч[аи]?)?|thousand)"
_HALF = re.compile(r"(?<![\w.])(?:yarim|ярим|пол|half\s+a|half)[\s-]*" + _HALF_UNITS
                   + r"(?!\w)")
_ONE_AND_HALF = re.compile(r"(?<![\w.])(?:bir\s+yarim|бир\s+ярим|полтора|one\s+and\s+a\s+half)"
                           r"\s+" + _HALF_UNITS + r"(?!\w)")
_N_AND_HALF = re.compile(r"(?<![\w.])(\d{1,3})\s+(?:yarim|ярим|and\s+a\s+half)\s+" + _HALF_UNITS
                         + r"(?!\w)")
_CURRENCY_WORDS = re.compile(r"(so['ʻ‘’`]?m|сўм|сум|sum|uzs)\.?$", re.IGNORECASE)


def clean_text(value: str, *, field: str, max_len: int, min_len: int = 1) -> str:
    """Trim whitespace and check the length."""
    text = " ".join(value.split()) if "\n" not in value else value.strip()
    if len(text) < min_len:
        raise InvalidInput(field=field, reason="empty")
    if len(text) > max_len:
        raise InvalidInput(field=field, reason="too_long", max=max_len)
    return text


def parse_phone(value: str, *, field: str = "phone") -> str:
    """Normalise an Uzbek phone number to ``+998XXXXXXXXX``."""
    if re.search(r"[^\d\s()+\-.]", value.strip()):
        raise InvalidInput(field=field, reason="phone")
    digits = "".join(_PHONE_DIGITS.findall(value))
    if len(digits) == 9:
        digits = "998" + digits
    if len(digits) != 12 or not digits.startswith("998"):
        raise InvalidInput(field=field, reason="phone")
    return "+" + digits


def parse_email(value: str, *, field: str = "email") -> str:
    """A syntactically valid e-mail address, lower-cased domain."""
    text = value.strip()
    if len(text) > 254 or not _EMAIL.match(text):
        raise InvalidInput(field=field, reason="email")
    local, _, domain = text.rpartition("@")
    return f"{local}@{domain.lower()}"


def parse_url(value: str, *, field: str = "website") -> str:
    """An http(s) URL; a bare domain gets ``https://``."""
    text = value.strip()
    if not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", text):
        text = "https://" + text
    parts = urlsplit(text)
    host = parts.hostname or ""
    if parts.scheme not in {"http", "https"} or not _HOST.match(host) or len(text) > 300:
        raise InvalidInput(field=field, reason="url")
    return text


def parse_date(value: str, *, field: str = "date") -> date:
    """A date typed as DD.MM.YYYY, DD/MM/YYYY or YYYY-MM-DD."""
    text = value.strip()
    for fmt in ("%d.%m.%Y", "%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise InvalidInput(field=field, reason="date")


def spelled_halves(text: str) -> str:
    """Halves in words as digits: "yarim million" → "0.5 mln", "1 yarim mln" / "bir yarim
    mln" / "полтора миллиона" → "1.5 mln", "пол миллиона" → "0.5 mln", "half a million"."""
    text = _ONE_AND_HALF.sub(lambda m: f" 1.5 {_half_unit(m.group(1))}", text)
    text = _N_AND_HALF.sub(lambda m: f"{m.group(1)}.5 {_half_unit(m.group(2))}", text)
    return _HALF.sub(lambda m: f" 0.5 {_half_unit(m.group(1))}", text)


def _half_unit(word: str) -> str:
    if word.startswith(("ming", "минг", "тыс", "thousand")):
        return "ming"
    if word.startswith(("mlrd", "млрд")):
        return "mlrd"
    return "mln"


def parse_amount(
    value: str, *, field: str = "amount", minimum: int = 0, maximum: int = 10**15
) -> int:
    """A non-negative whole amount: ``1 250 000``, ``1,250,000``, ``500 ming``, ``1.5 mln``."""
    text = spelled_halves(value.strip().lower().replace("\u00a0", " ")).strip()
    text = _CURRENCY_WORDS.sub("", text).strip()
    multiplier = 1
    for word, mult in sorted(_MULTIPLIERS.items(), key=lambda kv: -len(kv[0])):
        if text.endswith(word) and (len(text) == len(word) or not text[-len(word) - 1].isalpha()):
            multiplier = mult
            text = text[: -len(word)].strip()
            break
    if not text or not re.fullmatch(r"[\d\s.,']+", text):
        raise InvalidInput(field=field, reason="number")
    compact = text.replace(" ", "").replace("'", "")
    if multiplier > 1:
        compact = compact.replace(",", ".")
    elif re.fullmatch(r"\d{1,3}([.,]\d{3})+", compact):
        compact = compact.replace(",", "").replace(".", "")
    else:
        compact = compact.replace(",", ".")
    try:
        number = Decimal(compact) * multiplier
    except InvalidOperation as exc:
        raise InvalidInput(field=field, reason="number") from exc
    if number != number.to_integral_value():
        raise InvalidInput(field=field, reason="number")
    amount = int(number)
    if amount < minimum or amount > maximum:
        raise InvalidInput(field=field, reason="range", min=minimum, max=maximum)
    return amount


# What people type after a count: "12 kishi", "5 ta", "3 nafar", "12 человек", "10 people".
_COUNT_WORDS = re.compile(
    r"\s*(kishi|ta|nafar|odam|киши|та|нафар|одам|человек|чел\.?|шт\.?|people|persons?)$",
    re.IGNORECASE)


def parse_int(value: str, *, field: str, minimum: int = 0, maximum: int = 10**9) -> int:
    """A whole number within [minimum, maximum] (a count: ``12``, ``12 kishi``)."""
    text = _COUNT_WORDS.sub("", value.strip())
    try:
        return parse_amount(text, field=field, minimum=minimum, maximum=maximum)
    except InvalidInput as exc:
        if exc.reason == "number":  # a count, not money: no "1.5 mln" in the hint
            raise InvalidInput(field=field, reason="count") from exc
        raise


def parse_timezone(value: str, *, field: str = "timezone") -> str:
    """An IANA time zone name (``Asia/Tashkent``) or a UTC offset like ``+5`` / ``UTC+05:00``."""
    text = value.strip()
    match = re.fullmatch(r"(?:utc|gmt)?\s*([+-])(\d{1,2})(?::?(\d{2}))?", text, re.IGNORECASE)
    if match:
        sign, hours, minutes = match.group(1), int(match.group(2)), int(match.group(3) or 0)
        if minutes or hours > 14:
            raise InvalidInput(field=field, reason="timezone")
        # Etc/GMT zones use the inverted POSIX sign.
        return "Etc/GMT" + ("-" if sign == "+" else "+") + str(hours) if hours else "UTC"
    lookup = {tz.lower(): tz for tz in available_timezones()}
    found = lookup.get(text.lower().replace(" ", "_"))
    if found is None:
        raise InvalidInput(field=field, reason="timezone")
    try:
        ZoneInfo(found)
    except ZoneInfoNotFoundError as exc:  # pragma: no cover - tzdata mismatch
        raise InvalidInput(field=field, reason="timezone") from exc
    return found


# Day words people type: "today", "yesterday" in the four languages.
_DAY_WORDS = {
    "today": 0, "bugun": 0, "бугун": 0, "сегодня": 0,
    "yesterday": 1, "kecha": 1, "кеча": 1, "вчера": 1,
}


def parse_day(value: str, *, today: date, field: str = "day", allow_future: bool = False
              ) -> date:
    """A day typed by the user: ``today``/``yesterday`` (uz, ru, en), ``24.11.2026``,
    ``2026-11-24`` or ``24.11`` (this year); not in the future unless allowed."""
    text = value.strip().lower()
    if text in _DAY_WORDS:
        return today - timedelta(days=_DAY_WORDS[text])
    short = re.fullmatch(r"(\d{1,2})[./](\d{1,2})", text)
    if short:
        try:
            found = date(today.year, int(short.group(2)), int(short.group(1)))
        except ValueError as exc:
            raise InvalidInput(field=field, reason="date") from exc
    else:
        found = parse_date(text, field=field)
    if not allow_future and found > today:
        raise InvalidInput(field=field, reason="date_range")
    if found.year < 2000:
        raise InvalidInput(field=field, reason="date_range")
    return found


def is_day_word(value: str) -> bool:
    """Whether ``value`` reads as a day (a day word or a date), for splitting commands."""
    text = value.strip().lower()
    return text in _DAY_WORDS or bool(
        re.fullmatch(r"\d{1,2}[./]\d{1,2}([./]\d{4})?|\d{4}-\d{2}-\d{2}", text))
