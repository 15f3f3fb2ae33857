"""Lead score, health score, Power 4% segments and the funnel (SPEC §3.4) as pure functions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from services.kpi.formulas import banded, finite

# ------------------------------------------------------------------------------ lead score


class LeadBand(StrEnum):
    COLD = "cold"  # 0–25
    WARM = "warm"  # 26–50
    HOT = "hot"  # 51–75
    READY = "ready"  # 76–100


FIT_MAX, BEHAVIOUR_MAX, ENGAGEMENT_MAX = 30, 50, 20
# Profile fit: how complete and reachable the lead is.
FIT_POINTS = {"phone": 10, "name": 5, "email": 5, "telegram": 5, "source": 5}
# Behaviour signals (``Lead.signals`` keys): what the lead did.
BEHAVIOUR_POINTS = {"order_started": 20, "hvco_taken": 15, "pricing_asked": 10,
                    "catalog_viewed": 5, "return_visit": 5}
# Engagement signals: how the lead talks to the business.
ENGAGEMENT_POINTS = {"replied_within_1h": 5, "chatbot_conversation": 5, "messages_3plus": 5,
                     "channel_subscriber": 5}


@dataclass(frozen=True, slots=True)
class LeadScore:
    score: int
    fit: int
    behaviour: int
    engagement: int
    band: LeadBand


def _truthy(value: Any) -> bool:
    """A signal counts when it is a true boolean, a positive number or a non-empty text."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        number = finite(value)
        return number is not None and number > 0
    if isinstance(value, str):
        return value.strip().lower() not in {"", "0", "false", "no"}
    return False


def lead_band(score: int) -> LeadBand:
    return banded(max(0, min(100, score)), (26, 51, 76), list(LeadBand)) or LeadBand.COLD


def lead_score(*, name: str | None = None, phone: str | None = None, email: str | None = None,
               telegram_id: int | None = None, channel_id: int | None = None,
               utm_source: str | None = None, signals: Mapping[str, Any] | None = None
               ) -> LeadScore:
    """Score 0–100: fit ≤ 30 (contact data), behaviour ≤ 50, engagement ≤ 20 (``signals``)."""
    sig: Mapping[str, Any] = signals if isinstance(signals, Mapping) else {}
    has = {"phone": bool(phone and phone.strip()), "name": bool(name and name.strip()),
           "email": bool(email and email.strip()), "telegram": telegram_id is not None,
           "source": channel_id is not None or bool(utm_source and utm_source.strip())}
    fit = min(FIT_MAX, sum(p for k, p in FIT_POINTS.items() if has[k]))
    behaviour = min(BEHAVIOUR_MAX, sum(p for k, p in BEHAVIOUR_POINTS.items()
                                       if _truthy(sig.get(k))))
    engagement = min(ENGAGEMENT_MAX, sum(p for k, p in ENGAGEMENT_POINTS.items()
                                         if _truthy(sig.get(k))))
    score = fit + behaviour + engagement
    return LeadScore(score, fit, behaviour, engagement, lead_band(score))


# ---------------------------------------------------------------------------- health score


class HealthBand(StrEnum):
    CRITICAL = "critical"  # 0–40
    NEEDS_WORK = "needs_work"  # 41–60
    HEALTHY = "healthy"  # 61–80
    EXCELLENT = "excellent"  # 81–100


class HealthPart(StrEnum):
    REVENUE_GROWTH = "revenue_growth"  # > 10%
    LEAD_CONVERSION = "lead_conversion"  # > 10%
    CHURN = "churn"  # < 5%
    ROAS = "roas"  # > 3
    ENGAGEMENT = "engagement"  # > 3%


PART_POINTS = 20
MIN_KNOWN_PARTS = 2


@dataclass(frozen=True, slots=True)
class HealthScore:
    """``score`` is ``None`` with fewer than two measurable parts; ``parts`` holds each part's
    0–20 points (``None`` = no data, left out and the rest scaled up to 100)."""

    score: int | None
    band: HealthBand | None
    parts: dict[HealthPart, float | None]


def _up_to(value: float | None, threshold: float) -> float | None:
    """Full points at or above ``threshold``, scaled linearly below it, 0 at or below 0."""
    v = finite(value)
    if v is None:
        return None
    return PART_POINTS * max(0.0, min(1.0, v / threshold))


def _down_to(value: float | None, threshold: float) -> float | None:
    """Full points at or below ``threshold`` (lower is better), scaled by threshold / value."""
    v = finite(value)
    if v is None:
        return None
    return float(PART_POINTS) if v <= threshold else PART_POINTS * threshold / v


def health_band(score: int) -> HealthBand:
    return banded(score, (41, 61, 81), list(HealthBand)) or HealthBand.CRITICAL


def health_score(*, revenue_growth_pct: float | None, lead_conversion_pct: float | None,
                 churn_pct: float | None, roas: float | None, engagement_pct: float | None
                 ) -> HealthScore:
    """Five parts × 20: revenue growth > 10%, lead conversion > 10%, churn < 5%, ROAS > 3,
    engagement > 3%, each scaled below its threshold."""
    parts = {
        HealthPart.REVENUE_GROWTH: _up_to(revenue_growth_pct, 10.0),
        HealthPart.LEAD_CONVERSION: _up_to(lead_conversion_pct, 10.0),
        HealthPart.CHURN: _down_to(churn_pct, 5.0),
        HealthPart.ROAS: _up_to(roas, 3.0),
        HealthPart.ENGAGEMENT: _up_to(engagement_pct, 3.0),
    }
    known = [p for p in parts.values() if p is not None]
    if len(known) < MIN_KNOWN_PARTS:
        return HealthScore(None, None, parts)
    score = round(sum(known) * len(parts) / len(known))
    return HealthScore(score, health_band(score), parts)


# ----------------------------------------------------------------------------- Power 4%


class Segment(StrEnum):
    """Power 4% (SPEC §3.4): who to sell to now, who to nurture, who to win back."""

    BUY_NOW = "buy_now"  # bought within the repeat window, and more than once
    NURTURE = "nurture"  # bought within two repeat windows (not buy-now)
    DORMANT = "dormant"  # no purchase for more than two repeat windows


def segment(*, days_since_last_order: float | None, orders_count: int,
            repeat_window_days: int) -> Segment:
    """The Power 4% segment of one customer by recency and frequency."""
    window = max(1, repeat_window_days)
    days = finite(days_since_last_order)
    if days is None or days > 2 * window:
        return Segment.DORMANT
    if days <= window and orders_count >= 2:
        return Segment.BUY_NOW
    return Segment.NURTURE


# ---------------------------------------------------------------------------------- funnel


class Stage(StrEnum):
    AWARENESS = "awareness"
    INTEREST = "interest"
    CONSIDERATION = "consideration"
    INTENT = "intent"
    PURCHASE = "purchase"
    POST_PURCHASE = "post_purchase"


# Target conversion from the previous stage, in % (SPEC §3.4); post-purchase counts as bought.
STAGE_TARGETS: dict[Stage, float] = {
    Stage.AWARENESS: 100.0, Stage.INTEREST: 60.0, Stage.CONSIDERATION: 35.0,
    Stage.INTENT: 20.0, Stage.PURCHASE: 12.0,
}
FUNNEL = tuple(STAGE_TARGETS)


@dataclass(frozen=True, slots=True)
class FunnelStep:
    stage: Stage
    reached: int  # leads at this stage or further
    conversion: float | None  # % of the previous stage's leads that got here
    target: float
    on_target: bool | None


def funnel(stage_counts: Mapping[str, int]) -> list[FunnelStep]:
    """Leads that reached each stage from leads counted by their current stage (a lead at
    INTENT also passed INTEREST…). POST_PURCHASE counts as PURCHASE, unknown stages as
    AWARENESS; callers count won leads as PURCHASE."""
    index = {s.value: i for i, s in enumerate(FUNNEL)}
    index[Stage.POST_PURCHASE.value] = len(FUNNEL) - 1
    at = [0] * len(FUNNEL)
    for stage, count in stage_counts.items():
        at[index.get(stage, 0)] += max(0, count)
    reached = [sum(at[i:]) for i in range(len(at))]
    steps = []
    for i, stage in enumerate(FUNNEL):
        conversion = 100.0 if i == 0 and reached[0] else (
            None if i == 0 or reached[i - 1] == 0 else reached[i] * 100 / reached[i - 1])
        target = STAGE_TARGETS[stage]
        steps.append(FunnelStep(stage, reached[i], conversion, target,
                                None if conversion is None else conversion >= target))
    return steps
