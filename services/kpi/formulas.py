"""The metric and KPI formulas of SPEC §3.3–3.4 and their bands, as pure functions.

Every function takes numbers that may be missing (``None``) or zero and returns ``None`` when
the value is undefined (a zero denominator, an infinite or NaN input) — never raises.
Bands are enums ordered by the value they cover; a value on a boundary belongs to the upper
band (ROAS 3.0 is TARGET, churn 5.0 is HIGH).
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

Number = int | float


class Tone(StrEnum):
    """How a band reads to the owner: drives colours and emoji in the UI."""

    GOOD = "good"
    OK = "ok"
    BAD = "bad"


class CacBand(StrEnum):  # CAC as a share of CLV; target CAC < CLV / 3
    GOOD = "good"
    HIGH = "high"
    LOSING = "losing"


class LtvCacBand(StrEnum):  # <1 losing, 1–3 weak, 3–5 target, >5 under-investing
    LOSING = "losing"
    WEAK = "weak"
    TARGET = "target"
    UNDER_INVESTING = "under_investing"


class RoasBand(StrEnum):  # <1, 1–2, 2–3, 3–5 target, >5
    LOSING = "losing"
    LOW = "low"
    FAIR = "fair"
    TARGET = "target"
    EXCELLENT = "excellent"


class RoiBand(StrEnum):  # target > 100%
    LOSING = "losing"
    BELOW_TARGET = "below_target"
    TARGET = "target"


class ChurnBand(StrEnum):  # monthly: <3 great, 3–5 target, 5–7 high, >7 critical
    GREAT = "great"
    TARGET = "target"
    HIGH = "high"
    CRITICAL = "critical"


class ConversionBand(StrEnum):  # lead → customer: <5, 5–10, 10–20 (target > 10), >20
    LOW = "low"
    FAIR = "fair"
    TARGET = "target"
    EXCELLENT = "excellent"


class EngagementBand(StrEnum):  # <1, 1–3, 3–6, >6
    LOW = "low"
    AVERAGE = "average"
    GOOD = "good"
    EXCELLENT = "excellent"


Band = (CacBand | LtvCacBand | RoasBand | RoiBand | ChurnBand | ConversionBand
        | EngagementBand)
B = TypeVar("B", bound=StrEnum)

TONES: dict[StrEnum, Tone] = {
    CacBand.GOOD: Tone.GOOD, CacBand.HIGH: Tone.OK, CacBand.LOSING: Tone.BAD,
    LtvCacBand.LOSING: Tone.BAD, LtvCacBand.WEAK: Tone.OK, LtvCacBand.TARGET: Tone.GOOD,
    LtvCacBand.UNDER_INVESTING: Tone.OK,
    RoasBand.LOSING: Tone.BAD, RoasBand.LOW: Tone.BAD, RoasBand.FAIR: Tone.OK,
    RoasBand.TARGET: Tone.GOOD, RoasBand.EXCELLENT: Tone.GOOD,
    RoiBand.LOSING: Tone.BAD, RoiBand.BELOW_TARGET: Tone.OK, RoiBand.TARGET: Tone.GOOD,
    ChurnBand.GREAT: Tone.GOOD, ChurnBand.TARGET: Tone.GOOD, ChurnBand.HIGH: Tone.OK,
    ChurnBand.CRITICAL: Tone.BAD,
    ConversionBand.LOW: Tone.BAD, ConversionBand.FAIR: Tone.OK,
    ConversionBand.TARGET: Tone.GOOD, ConversionBand.EXCELLENT: Tone.GOOD,
    EngagementBand.LOW: Tone.BAD, EngagementBand.AVERAGE: Tone.OK,
    EngagementBand.GOOD: Tone.GOOD, EngagementBand.EXCELLENT: Tone.GOOD,
}


def tone(band: StrEnum | None) -> Tone | None:
    """The tone of a KPI band (``None`` for no band)."""
    return None if band is None else TONES.get(band)


def finite(value: Number | None) -> float | None:
    """``value`` as a float, or ``None`` when missing, NaN or infinite."""
    if value is None:
        return None
    try:
        result = float(value)
    except OverflowError:
        return None
    return result if math.isfinite(result) else None


def ratio(numerator: Number | None, denominator: Number | None, scale: float = 1.0
          ) -> float | None:
    """``numerator / denominator × scale``; ``None`` when undefined."""
    num, den = finite(numerator), finite(denominator)
    if num is None or den is None or den == 0:
        return None
    return finite(num / den * scale)


def banded(value: float | None, cuts: Sequence[float], bands: Sequence[B]) -> B | None:
    """The band whose range holds ``value``: ``bands[i]`` covers ``[cuts[i-1], cuts[i])``."""
    value = finite(value)
    return None if value is None else bands[bisect_right(cuts, value)]


# ------------------------------------------------------------------ marketing metrics (§3.3)


def engagement_rate(interactions: Number | None, followers: Number | None) -> float | None:
    """(likes + comments + shares) / followers × 100."""
    return ratio(interactions, followers, 100)


def ctr(clicks: Number | None, impressions: Number | None) -> float | None:
    """Clicks / impressions × 100."""
    return ratio(clicks, impressions, 100)


def cpc(cost: Number | None, clicks: Number | None) -> float | None:
    """Cost per click."""
    return ratio(cost, clicks)


def cpm(cost: Number | None, impressions: Number | None) -> float | None:
    """Cost per thousand impressions."""
    return ratio(cost, impressions, 1000)


def roas(revenue: Number | None, ad_spend: Number | None) -> float | None:
    """Revenue / ad spend."""
    return ratio(revenue, ad_spend)


def conversion_rate(conversions: Number | None, clicks: Number | None) -> float | None:
    """Conversions / clicks × 100."""
    return ratio(conversions, clicks, 100)


def cpl(spend: Number | None, leads: Number | None) -> float | None:
    """Spend per lead."""
    return ratio(spend, leads)


def share(part: Number | None, whole: Number | None) -> float | None:
    """A part of a whole, in %."""
    return ratio(part, whole, 100)


# ------------------------------------------------------------------------- sales KPIs (§3.4)


def cac(spend: Number | None, new_customers: Number | None) -> float | None:
    """Marketing spend / new customers."""
    return ratio(spend, new_customers)


def aov(revenue: Number | None, orders: Number | None) -> float | None:
    """Revenue / orders."""
    return ratio(revenue, orders)


def clv(aov_value: Number | None, purchases_per_year: Number | None,
        lifespan_years: Number | None, margin_pct: Number | None) -> float | None:
    """AOV × purchases per year × lifespan (years) × margin."""
    parts = [finite(aov_value), finite(purchases_per_year), finite(lifespan_years),
             finite(margin_pct)]
    if any(p is None or p < 0 for p in parts):
        return None
    a, p, life, m = (x or 0.0 for x in parts)
    return finite(a * p * life * m / 100)


def ltv_cac(clv_value: Number | None, cac_value: Number | None) -> float | None:
    """CLV / CAC."""
    return ratio(clv_value, cac_value)


def roi(revenue: Number | None, cost: Number | None) -> float | None:
    """(revenue − cost) / cost × 100."""
    rev, c = finite(revenue), finite(cost)
    if rev is None or c is None or c == 0:
        return None
    return finite((rev - c) / c * 100)


def churn_rate(lost: Number | None, at_start: Number | None) -> float | None:
    """Customers lost / customers at the start × 100."""
    return ratio(lost, at_start, 100)


def lead_conversion(won: Number | None, leads: Number | None) -> float | None:
    """Won leads / leads × 100."""
    return ratio(won, leads, 100)


# ---------------------------------------------------------------------------------- bands


def cac_band(cac_value: float | None, clv_value: float | None) -> CacBand | None:
    """GOOD below CLV / 3, HIGH up to CLV, LOSING from CLV on; ``None`` without a CLV."""
    clv_f = finite(clv_value)
    if clv_f is None or clv_f <= 0:
        return None
    return banded(ratio(cac_value, clv_f), (1 / 3, 1.0), list(CacBand))


def ltv_cac_band(value: float | None) -> LtvCacBand | None:
    return banded(value, (1.0, 3.0, 5.0), list(LtvCacBand))


def roas_band(value: float | None) -> RoasBand | None:
    return banded(value, (1.0, 2.0, 3.0, 5.0), list(RoasBand))


def roi_band(value: float | None) -> RoiBand | None:
    return banded(value, (0.0, 100.0), list(RoiBand))


def churn_band(value: float | None) -> ChurnBand | None:
    return banded(value, (3.0, 5.0, 7.0), list(ChurnBand))


def conversion_band(value: float | None) -> ConversionBand | None:
    return banded(value, (5.0, 10.0, 20.0), list(ConversionBand))


def engagement_band(value: float | None) -> EngagementBand | None:
    return banded(value, (1.0, 3.0, 6.0), list(EngagementBand))


# --------------------------------------------------------------------------------- change


@dataclass(frozen=True, slots=True)
class Change:
    """Change vs the previous period: ``pct``, or ``is_new`` when the previous was 0;
    both empty when either value is undefined."""

    pct: float | None
    is_new: bool = False


def change(current: Number | None, previous: Number | None) -> Change:
    """(current − previous) / |previous| × 100; "new" when previous is 0 and current is not."""
    cur, prev = finite(current), finite(previous)
    if cur is None or prev is None:
        return Change(None)
    if prev == 0:
        return Change(0.0) if cur == 0 else Change(None, is_new=True)
    return Change(finite((cur - prev) / abs(prev) * 100))
