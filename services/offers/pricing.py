"""Pricing: cost-plus, competitor range, the value-based suggestion and where a price sits.

Value-based suggestion (see docs/decisions.md): the buyer should pay a share of the stack's
stated value that grows with the value score, from 35 % (score 0) to 65 % (score 100):
``share = 0.35 + 0.30 × score / 100``; an offer not scored yet counts as score 50.
Prices are rounded up to a whole 1 000 so'm.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction

from services.errors import InvalidInput
from services.validation import parse_amount

ROUND_TO = 1_000
MAX_MARGIN = 95
MAX_COMPETITORS = 10
MAX_PRICE = 10**12
SHARE_FLOOR = Fraction(35, 100)
SHARE_SPAN = Fraction(30, 100)
NEUTRAL_SCORE = 50
AT_VALUE_TOLERANCE = Fraction(5, 100)
# Separators between competitor prices: new lines, ";", or a comma followed by a space
# ("250 000, 300 000"), so "1,250,000" stays one number.
_LIST_SPLIT = re.compile(r"[;\n]|,\s+")


class MarketPosition(StrEnum):
    NO_DATA = "no_data"
    BELOW_MIN = "below_min"
    BELOW_MEDIAN = "below_median"
    AT_MEDIAN = "at_median"
    ABOVE_MEDIAN = "above_median"
    ABOVE_MAX = "above_max"


class CostPosition(StrEnum):
    NO_DATA = "no_data"
    BELOW_COST = "below_cost"  # every sale loses money
    BELOW_TARGET = "below_target"  # profitable, under the target margin
    MEETS_TARGET = "meets_target"


class ValuePosition(StrEnum):
    BELOW_VALUE = "below_value"  # room to raise the price
    AT_VALUE = "at_value"  # within 5 % of the suggestion
    ABOVE_VALUE = "above_value"  # the stack must carry more value


@dataclass(frozen=True, slots=True)
class CompetitorStats:
    count: int
    minimum: int
    median: int
    maximum: int


@dataclass(frozen=True, slots=True)
class PricingResult:
    price: int
    unit_cost: int | None
    target_margin: int | None
    cost_plus_price: int | None
    current_margin: int | None  # percent of the price, may be negative
    competitors: CompetitorStats | None
    stated_value: int
    score: int
    score_assumed: bool
    value_share: int  # percent of the stated value
    value_based_price: int
    market: MarketPosition
    cost: CostPosition
    value: ValuePosition


def round_up(amount: Fraction | int) -> int:
    """Round up to a whole ``ROUND_TO`` so'm."""
    units = -(-Fraction(amount) // ROUND_TO)
    return int(units) * ROUND_TO


def parse_margin(raw: str) -> int:
    """A target margin in percent, 0–95 (``40``, ``40%``)."""
    text = raw.strip().rstrip("%").strip()
    return parse_amount(text, field="margin", minimum=0, maximum=MAX_MARGIN)


def parse_cost(raw: str) -> int:
    """A unit cost in so'm (``250 000``, ``250k``, ``1.2 mln``)."""
    return parse_amount(raw, field="unit_cost", minimum=0, maximum=MAX_PRICE)


def parse_price(raw: str) -> int:
    """An offer's price in so'm; at least 1 000."""
    return parse_amount(raw, field="price", minimum=ROUND_TO, maximum=MAX_PRICE)


def parse_competitor_prices(raw: str) -> list[int]:
    """Up to ten prices separated by new lines, ";" or ", " (``250 000, 300k; 1.2 mln``)."""
    parts = [p.strip() for p in _LIST_SPLIT.split(raw) if p.strip()]
    if not parts:
        raise InvalidInput(field="competitor_prices", reason="empty")
    if len(parts) > MAX_COMPETITORS:
        raise InvalidInput(field="competitor_prices", reason="too_many", max=MAX_COMPETITORS)
    return [parse_amount(p, field="competitor_prices", minimum=1, maximum=MAX_PRICE)
            for p in parts]


def cost_plus(unit_cost: int, margin_percent: int) -> int:
    """The price at which ``margin_percent`` of the price is profit: cost / (1 − margin)."""
    if not 0 <= margin_percent <= MAX_MARGIN:
        raise ValueError("margin out of range")
    return round_up(Fraction(unit_cost * 100, 100 - margin_percent))


def competitor_stats(prices: list[int]) -> CompetitorStats | None:
    """Count, min, median (rounded half up) and max; None without prices."""
    if not prices:
        return None
    median = Fraction(statistics.median(Fraction(p) for p in prices))
    return CompetitorStats(len(prices), min(prices), int(median + Fraction(1, 2)), max(prices))


def value_share(score: int) -> Fraction:
    """The share of the stated value a buyer pays: 35 % at score 0 up to 65 % at 100."""
    return SHARE_FLOOR + SHARE_SPAN * Fraction(max(0, min(100, score)), 100)


def value_based_price(stated_value: int, score: int) -> int:
    """The value-based suggestion: stated value × share(score), rounded up to 1 000 so'm."""
    return round_up(stated_value * value_share(score))


def market_position(price: int, stats: CompetitorStats | None) -> MarketPosition:
    if stats is None:
        return MarketPosition.NO_DATA
    if price < stats.minimum:
        return MarketPosition.BELOW_MIN
    if price > stats.maximum:
        return MarketPosition.ABOVE_MAX
    if price == stats.median:
        return MarketPosition.AT_MEDIAN
    return MarketPosition.BELOW_MEDIAN if price < stats.median else MarketPosition.ABOVE_MEDIAN


def cost_position(price: int, unit_cost: int | None, margin: int | None) -> CostPosition:
    if unit_cost is None:
        return CostPosition.NO_DATA
    if price <= unit_cost and unit_cost > 0:
        return CostPosition.BELOW_COST
    if margin is not None and (price - unit_cost) * 100 < margin * price:
        return CostPosition.BELOW_TARGET
    return CostPosition.MEETS_TARGET


def value_position(price: int, suggestion: int) -> ValuePosition:
    if abs(Fraction(price - suggestion)) <= AT_VALUE_TOLERANCE * suggestion:
        return ValuePosition.AT_VALUE
    return ValuePosition.BELOW_VALUE if price < suggestion else ValuePosition.ABOVE_VALUE


def analyse(*, price: int, unit_cost: int | None, target_margin: int | None,
            competitor_prices: list[int], stated_value: int, score: int | None
            ) -> PricingResult:
    """Every figure of the pricing calculator for one offer."""
    used_score = NEUTRAL_SCORE if score is None else score
    suggestion = value_based_price(stated_value, used_score)
    stats = competitor_stats(competitor_prices)
    plus = None
    if unit_cost is not None:
        plus = cost_plus(unit_cost, target_margin if target_margin is not None else 0)
    margin = None
    if unit_cost is not None and price > 0:
        margin = int((Fraction((price - unit_cost) * 100, price)).__floor__())
    return PricingResult(
        price=price, unit_cost=unit_cost, target_margin=target_margin, cost_plus_price=plus,
        current_margin=margin, competitors=stats, stated_value=stated_value, score=used_score,
        score_assumed=score is None, value_share=int(value_share(used_score) * 100),
        value_based_price=suggestion, market=market_position(price, stats),
        cost=cost_position(price, unit_cost, target_margin),
        value=value_position(price, suggestion))
