"""Ad spend in the ad account's currency, turned into so'm with the owner's rate.

Google Ads reports ``cost_micros`` in the account's currency (``customer.currency_code``),
which for Uzbek businesses is often USD. Analytics is in so'm, so a foreign-currency cost is
booked only once the owner has set a rate (so'm per one unit, kept ×1000 as an integer so
it is exact to three decimals on both databases); until then it is stored raw and not
counted — never booked as so'm.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from services.errors import InvalidInput

HOME = "UZS"
MILLI = 1000
# What one unit is plausibly worth in so'm: a typo like "12,85" for USD is refused.
PLAUSIBLE: dict[str, tuple[int, int]] = {
    "USD": (5_000, 50_000), "EUR": (5_000, 60_000), "GBP": (5_000, 70_000),
    "CHF": (5_000, 70_000), "RUB": (30, 600), "KZT": (5, 120), "CNY": (500, 8_000),
    "TRY": (100, 3_000), "AED": (1_000, 15_000)}
ANY_RANGE = (Decimal("0.001"), Decimal(10_000_000))
_CODE = re.compile(r"[A-Z]{3}")


def normalize_code(raw: object) -> str | None:
    """An ISO 4217 code from an API (``"usd"`` → ``"USD"``), or None when absent or odd."""
    text = str(raw or "").strip().upper()
    return text if _CODE.fullmatch(text) else None


def is_foreign(currency: str | None) -> bool:
    """Spend in this currency needs a rate (None means unknown and is taken as so'm, which
    is what connections made before currencies were read assumed)."""
    return currency is not None and currency != HOME


def parse_rate(raw: str, currency: str) -> int:
    """The owner's rate as typed ("12 850", "12850,5", "12,850.50") → so'm ×1000.

    Spaces are thousands separators; with both ``,`` and ``.`` the last one is the decimal
    point; a lone comma followed by exactly three digits is a thousands separator
    ("12,850"), otherwise a decimal comma ("25,4")."""
    text = raw.strip().replace("\xa0", "").replace("\u202f", "").replace(" ", "").replace(
        "'", "")
    if "," in text and "." in text:
        decimal_mark = "," if text.rfind(",") > text.rfind(".") else "."
        thousands = "." if decimal_mark == "," else ","
        text = text.replace(thousands, "").replace(decimal_mark, ".")
    elif text.count(",") == 1:
        head, tail = text.split(",")
        text = head + tail if len(tail) == 3 and head.isdigit() else head + "." + tail
    if not re.fullmatch(r"\d{1,12}(\.\d{1,6})?", text):
        raise InvalidInput(field="rate", reason="format")
    try:
        value = Decimal(text)
    except InvalidOperation as exc:  # pragma: no cover - the pattern already checked it
        raise InvalidInput(field="rate", reason="format") from exc
    low, high = (Decimal(x) for x in PLAUSIBLE[currency]) if currency in PLAUSIBLE \
        else ANY_RANGE
    if not low <= value <= high:
        raise InvalidInput(field="rate", reason="range", low=str(low), high=str(high))
    milli = int((value * MILLI).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if milli < 1:
        raise InvalidInput(field="rate", reason="range", low=str(low), high=str(high))
    return milli


def rate_value(milli: int) -> Decimal:
    """The rate as a number of so'm (for display)."""
    return (Decimal(milli) / MILLI).normalize()


def to_som(cost_micros: int, currency: str | None, rate_milli: int | None) -> int | None:
    """Whole so'm of a cost given in micros of ``currency``; None when it needs a rate that
    is not set."""
    if not is_foreign(currency):
        return _div_round(cost_micros, 1_000_000)
    if rate_milli is None:
        return None
    return _div_round(cost_micros * rate_milli, 1_000_000 * MILLI)


def _div_round(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded half up, in integers (no float drift)."""
    return (2 * numerator + denominator) // (2 * denominator)
