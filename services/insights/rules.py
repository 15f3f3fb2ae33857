"""Insight rules (SPEC §3.7): each a pure function of ``Facts`` returning ``Finding``s.

Adding a rule is one function decorated with ``@rule``; competitor and chatbot rules plug in
the same way once their facts are gathered. A rule stays silent on insufficient data: every
comparison needs a minimum volume on both sides, so zeros never raise an alert.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class Priority(StrEnum):
    CRITICAL = "critical"  # act now
    HIGH = "high"  # within 24 h
    MEDIUM = "medium"  # within 48 h
    LOW = "low"  # within a week


PRIORITY_ORDER = {Priority.CRITICAL: 0, Priority.HIGH: 1, Priority.MEDIUM: 2, Priority.LOW: 3}


class RuleKey(StrEnum):
    CHURN_HIGH = "churn_high"
    ROAS_LOW = "roas_low"
    REVENUE_DROP = "revenue_drop"
    PAYMENT_FAILED = "payment_failed"
    CPC_UP = "cpc_up"
    LEADS_DROP = "leads_drop"
    CAC_UP = "cac_up"
    NO_REPEAT = "no_repeat"
    FUNNEL_STAGE_LOW = "funnel_stage_low"
    TRIAL_ENDING = "trial_ending"
    USAGE_90 = "usage_90"
    ENGAGEMENT_DROP = "engagement_drop"
    USAGE_80 = "usage_80"
    REVENUE_GROWTH = "revenue_growth"
    GOAL_REACHED = "goal_reached"
    NEW_SEGMENT = "new_segment"


# Thresholds (SPEC §3.7) and the minimum volumes below which a rule does not speak.
CHURN_MAX = 5.0
ROAS_MIN = 2.0
REVENUE_DROP_PCT = -20.0
CPC_UP_PCT = 30.0
LEADS_DROP_PCT = -30.0
CAC_UP_PCT = 15.0
FUNNEL_MIN_PCT = 10.0
TRIAL_DAYS = 2
ENGAGEMENT_DROP_PCT = -25.0
REVENUE_GROWTH_PCT = 20.0
SEGMENT_GROWTH_PCT = 20.0

MIN_ORDERS_WEEK = 3  # orders in each of the two weeks compared
MIN_LEADS_WEEK = 5
MIN_CLICKS_WEEK = 50
MIN_NEW_CUSTOMERS_WEEK = 2
MIN_CHURN_BASE = 10  # customers active at the month's start
MIN_ROAS_SPEND = 1  # any spend in the week…
MIN_ROAS_ORDERS_30D = 3  # …from a business that records its sales
MIN_FUNNEL_BASE = 20  # leads at the stage before
MIN_LAPSED = 5
MIN_SEGMENT_GROWTH = 3


@dataclass(frozen=True, slots=True)
class Week:
    """Sums and KPIs of one 7-day period (from ``services.kpi``)."""

    revenue: int = 0
    orders: int = 0
    leads: int = 0
    spend: int = 0
    clicks: int = 0
    new_customers: int = 0
    cpc: float | None = None
    cac: float | None = None
    roas: float | None = None
    engagement: float | None = None


@dataclass(frozen=True, slots=True)
class StageFact:
    stage: str
    previous_reached: int
    reached: int
    conversion: float | None
    target: float


@dataclass(frozen=True, slots=True)
class UsageFact:
    resource: str
    used: int
    limit: int
    percent: int


@dataclass(frozen=True, slots=True)
class Facts:
    """Everything the rules read, gathered once per evaluation."""

    now: datetime
    week: Week = field(default_factory=Week)
    previous_week: Week = field(default_factory=Week)
    orders_30d: int = 0
    churn: float | None = None
    churn_at_start: int = 0
    churn_lost: int = 0
    funnel: tuple[StageFact, ...] = ()
    customers: int = 0
    lapsed_customers: int = 0
    repeat_window_days: int = 60
    failed_invoice: str | None = None  # its number (or id) while the latest one failed
    failed_invoice_total: int = 0
    trial_days_left: int | None = None  # set while trialing
    usage: tuple[UsageFact, ...] = ()
    goals_reached: tuple[tuple[int, str, int], ...] = ()  # id, title, target
    buy_now: int = 0
    buy_now_week_ago: int = 0


@dataclass(frozen=True, slots=True)
class Finding:
    """A rule that fired: which, how urgent, the numbers, and what makes it the same trigger."""

    rule: RuleKey
    priority: Priority
    numbers: dict[str, Any]
    qualifier: str = ""  # e.g. the funnel stage or the goal id: separate triggers

    @property
    def trigger_key(self) -> str:
        return f"{self.rule.value}:{self.qualifier}" if self.qualifier else self.rule.value


Rule = Callable[[Facts], list[Finding]]
REGISTRY: list[Rule] = []


def rule(fn: Rule) -> Rule:
    """Register a rule (the order of the registry is the order of evaluation)."""
    REGISTRY.append(fn)
    return fn


def pct_change(current: float | None, previous: float | None) -> float | None:
    """Week-on-week change in %, or None without a previous value to compare with."""
    if current is None or previous is None or previous == 0:
        return None
    return round((current - previous) / abs(previous) * 100, 1)


def evaluate(facts: Facts) -> list[Finding]:
    """Every finding of every registered rule."""
    return [finding for fn in REGISTRY for finding in fn(facts)]


def _weeks_comparable(f: Facts, attr: str, minimum: int) -> bool:
    return bool(getattr(f.week, attr) >= minimum and getattr(f.previous_week, attr) >= minimum)


# ------------------------------------------------------------------------------ CRITICAL


@rule
def churn_high(f: Facts) -> list[Finding]:
    if f.churn is None or f.churn_at_start < MIN_CHURN_BASE or f.churn <= CHURN_MAX:
        return []
    return [Finding(RuleKey.CHURN_HIGH, Priority.CRITICAL,
                    {"churn": round(f.churn, 1), "lost": f.churn_lost,
                     "at_start": f.churn_at_start, "threshold": CHURN_MAX})]


@rule
def roas_low(f: Facts) -> list[Finding]:
    if (f.week.roas is None or f.week.spend < MIN_ROAS_SPEND
            or f.orders_30d < MIN_ROAS_ORDERS_30D or f.week.roas >= ROAS_MIN):
        return []
    return [Finding(RuleKey.ROAS_LOW, Priority.CRITICAL,
                    {"roas": round(f.week.roas, 2), "revenue": f.week.revenue,
                     "spend": f.week.spend, "threshold": ROAS_MIN})]


@rule
def revenue_drop(f: Facts) -> list[Finding]:
    if not _weeks_comparable(f, "orders", MIN_ORDERS_WEEK):
        return []
    pct = pct_change(f.week.revenue, f.previous_week.revenue)
    if pct is None or pct > REVENUE_DROP_PCT:
        return []
    return [Finding(RuleKey.REVENUE_DROP, Priority.CRITICAL,
                    {"pct": pct, "current": f.week.revenue, "previous": f.previous_week.revenue})]


@rule
def payment_failed(f: Facts) -> list[Finding]:
    if f.failed_invoice is None:
        return []
    return [Finding(RuleKey.PAYMENT_FAILED, Priority.CRITICAL,
                    {"invoice": f.failed_invoice, "total": f.failed_invoice_total})]


# ---------------------------------------------------------------------------------- HIGH


@rule
def cpc_up(f: Facts) -> list[Finding]:
    if not _weeks_comparable(f, "clicks", MIN_CLICKS_WEEK):
        return []
    pct = pct_change(f.week.cpc, f.previous_week.cpc)
    if pct is None or pct < CPC_UP_PCT or f.week.cpc is None or f.previous_week.cpc is None:
        return []
    return [Finding(RuleKey.CPC_UP, Priority.HIGH,
                    {"pct": pct, "current": round(f.week.cpc), "previous":
                     round(f.previous_week.cpc)})]


@rule
def leads_drop(f: Facts) -> list[Finding]:
    if f.previous_week.leads < MIN_LEADS_WEEK:
        return []
    pct = pct_change(f.week.leads, f.previous_week.leads)
    if pct is None or pct > LEADS_DROP_PCT:
        return []
    return [Finding(RuleKey.LEADS_DROP, Priority.HIGH,
                    {"pct": pct, "current": f.week.leads, "previous": f.previous_week.leads})]


@rule
def cac_up(f: Facts) -> list[Finding]:
    if not _weeks_comparable(f, "new_customers", MIN_NEW_CUSTOMERS_WEEK):
        return []
    pct = pct_change(f.week.cac, f.previous_week.cac)
    if pct is None or pct < CAC_UP_PCT or f.week.cac is None or f.previous_week.cac is None:
        return []
    return [Finding(RuleKey.CAC_UP, Priority.HIGH,
                    {"pct": pct, "current": round(f.week.cac),
                     "previous": round(f.previous_week.cac)})]


@rule
def no_repeat(f: Facts) -> list[Finding]:
    if f.lapsed_customers < MIN_LAPSED:
        return []
    return [Finding(RuleKey.NO_REPEAT, Priority.HIGH,
                    {"lapsed": f.lapsed_customers, "customers": f.customers,
                     "days": f.repeat_window_days})]


@rule
def funnel_stage_low(f: Facts) -> list[Finding]:
    """The weakest stage under 10% from the stage before (one trigger per stage)."""
    low = [s for s in f.funnel if s.previous_reached >= MIN_FUNNEL_BASE
           and s.conversion is not None and s.conversion < FUNNEL_MIN_PCT]
    if not low:
        return []
    worst = min(low, key=lambda s: (s.conversion or 0.0, s.stage))
    return [Finding(RuleKey.FUNNEL_STAGE_LOW, Priority.HIGH,
                    {"stage": worst.stage, "conversion": round(worst.conversion or 0.0, 1),
                     "reached": worst.reached, "previous": worst.previous_reached,
                     "target": worst.target}, qualifier=worst.stage)]


@rule
def trial_ending(f: Facts) -> list[Finding]:
    if f.trial_days_left is None or not 0 < f.trial_days_left <= TRIAL_DAYS:
        return []
    return [Finding(RuleKey.TRIAL_ENDING, Priority.HIGH, {"days": f.trial_days_left})]


@rule
def usage_levels(f: Facts) -> list[Finding]:
    """90% of a limit is HIGH, 80% MEDIUM (one finding per resource, the higher level)."""
    found = []
    for u in f.usage:
        if u.limit <= 0:
            continue
        numbers = {"resource": u.resource, "used": u.used, "limit": u.limit,
                   "percent": u.percent}
        if u.percent >= 90:
            found.append(Finding(RuleKey.USAGE_90, Priority.HIGH, numbers, u.resource))
        elif u.percent >= 80:
            found.append(Finding(RuleKey.USAGE_80, Priority.MEDIUM, numbers, u.resource))
    return found


# -------------------------------------------------------------------------------- MEDIUM


@rule
def engagement_drop(f: Facts) -> list[Finding]:
    pct = pct_change(f.week.engagement, f.previous_week.engagement)
    if pct is None or pct > ENGAGEMENT_DROP_PCT or f.week.engagement is None:
        return []
    return [Finding(RuleKey.ENGAGEMENT_DROP, Priority.MEDIUM,
                    {"pct": pct, "current": round(f.week.engagement, 2),
                     "previous": round(f.previous_week.engagement or 0.0, 2)})]


# ----------------------------------------------------------------------------------- LOW


@rule
def revenue_growth(f: Facts) -> list[Finding]:
    if not _weeks_comparable(f, "orders", MIN_ORDERS_WEEK):
        return []
    pct = pct_change(f.week.revenue, f.previous_week.revenue)
    if pct is None or pct <= REVENUE_GROWTH_PCT:
        return []
    return [Finding(RuleKey.REVENUE_GROWTH, Priority.LOW,
                    {"pct": pct, "current": f.week.revenue, "previous": f.previous_week.revenue})]


@rule
def goal_reached(f: Facts) -> list[Finding]:
    return [Finding(RuleKey.GOAL_REACHED, Priority.LOW, {"goal": title, "target": target},
                    qualifier=str(goal_id)) for goal_id, title, target in f.goals_reached]


@rule
def new_segment(f: Facts) -> list[Finding]:
    """The Power 4% buy-now segment grew week on week (by ≥ 20% and ≥ 3 customers)."""
    grown = f.buy_now - f.buy_now_week_ago
    pct = pct_change(f.buy_now, f.buy_now_week_ago)
    if grown < MIN_SEGMENT_GROWTH or pct is None or pct < SEGMENT_GROWTH_PCT:
        return []
    return [Finding(RuleKey.NEW_SEGMENT, Priority.LOW,
                    {"buy_now": f.buy_now, "previous": f.buy_now_week_ago, "grown": grown})]
