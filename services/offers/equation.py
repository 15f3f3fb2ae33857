"""Hormozi's value equation: value = (D × L) / (T × E), each lever 1–10.

Pure functions; the score rounds half up (``0.5`` → 1), exact thanks to ``Fraction``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction

LEVER_MIN = 1
LEVER_MAX = 10
SCORE_MAX = 100


class Lever(StrEnum):
    DREAM = "d"  # dream outcome: raise it
    LIKELIHOOD = "l"  # perceived likelihood of achievement: raise it
    TIME = "t"  # time delay: cut it
    EFFORT = "e"  # effort and sacrifice: cut it


RAISE = frozenset({Lever.DREAM, Lever.LIKELIHOOD})
LEVERS: tuple[Lever, ...] = (Lever.DREAM, Lever.LIKELIHOOD, Lever.TIME, Lever.EFFORT)


class Band(StrEnum):
    WEAK = "weak"  # 0–25
    AVERAGE = "average"  # 26–50
    GOOD = "good"  # 51–75
    GRAND_SLAM = "grand_slam"  # 76–100


@dataclass(frozen=True, slots=True)
class Levers:
    d: int
    l: int  # noqa: E741 - the equation's own letter
    t: int
    e: int

    def __post_init__(self) -> None:
        for lever in LEVERS:
            if not LEVER_MIN <= self.get(lever) <= LEVER_MAX:
                raise ValueError(f"lever {lever} must be {LEVER_MIN}–{LEVER_MAX}")

    def get(self, lever: Lever) -> int:
        return int(getattr(self, lever.value))

    def with_lever(self, lever: Lever, value: int) -> Levers:
        values = {x.value: self.get(x) for x in LEVERS}
        values[lever.value] = value
        return Levers(**values)


@dataclass(frozen=True, slots=True)
class LeverMove:
    """The one-step change that raises the score most: ``lever`` from ``current`` to ``target``."""

    lever: Lever
    current: int
    target: int
    score_before: int
    score_after: int

    @property
    def raise_it(self) -> bool:
        return self.lever in RAISE


def value(levers: Levers) -> Fraction:
    """(D × L) / (T × E), exactly."""
    return Fraction(levers.d * levers.l, levers.t * levers.e)


def score(levers: Levers) -> int:
    """min(100, round(value × 10)), rounding half up."""
    scaled = value(levers) * 10
    return min(SCORE_MAX, int(scaled + Fraction(1, 2)))


def band(score_value: int) -> Band:
    """0–25 weak, 26–50 average, 51–75 good, 76–100 Grand Slam."""
    if score_value <= 25:
        return Band.WEAK
    if score_value <= 50:
        return Band.AVERAGE
    if score_value <= 75:
        return Band.GOOD
    return Band.GRAND_SLAM


def one_step(levers: Levers, lever: Lever) -> int | None:
    """The lever's value after one step in its good direction, or None at its bound."""
    current = levers.get(lever)
    target = current + 1 if lever in RAISE else current - 1
    return target if LEVER_MIN <= target <= LEVER_MAX else None


def next_lever(levers: Levers) -> LeverMove | None:
    """The lever whose one-step change raises the score most (ties: the larger value gain,
    then D, L, T, E order); None when the score is already 100."""
    before = score(levers)
    if before >= SCORE_MAX:
        return None
    best: tuple[int, Fraction] | None = None
    move: LeverMove | None = None
    for lever in LEVERS:
        target = one_step(levers, lever)
        if target is None:
            continue
        moved = levers.with_lever(lever, target)
        key = (score(moved), value(moved))
        if best is None or key > best:
            best = key
            move = LeverMove(lever, levers.get(lever), target, before, key[0])
    return move
