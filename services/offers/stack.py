"""The value stack: core offer, up to three bonuses with stated values, totals."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from services.offers.pricing import round_up

MAX_BONUSES = 3
# Hormozi's typical stated values of bonus 1, 2, 3 as a share of the price (SPEC §3.6).
BONUS_SHARES: tuple[Fraction, ...] = (Fraction(30, 100), Fraction(30, 100), Fraction(20, 100))


@dataclass(frozen=True, slots=True)
class Bonus:
    name: str
    value: int


def suggested_bonus_value(price: int, slot: int) -> int:
    """The typical stated value of bonus ``slot`` (0-based): +30 %, +30 %, +20 % of the price,
    rounded up to 1 000 so'm."""
    if not 0 <= slot < MAX_BONUSES:
        raise ValueError("bonus slot out of range")
    return round_up(price * BONUS_SHARES[slot])


def stated_value(price: int, bonuses: tuple[Bonus, ...] | list[Bonus]) -> int:
    """The whole stack's stated value: the core offer at its price plus every bonus."""
    return price + sum(b.value for b in bonuses)


def value_ratio(price: int, bonuses: tuple[Bonus, ...] | list[Bonus]) -> Fraction:
    """Stated value ÷ price (1 when the stack is only the core offer)."""
    return Fraction(stated_value(price, bonuses), price) if price > 0 else Fraction(0)
