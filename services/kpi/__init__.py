"""The KPI engine (SPEC §3.3, §3.4, §3.8): periods, formulas and bands, scores, the dashboard."""

from services.aggregates import business_timezone
from services.kpi.formulas import Change, Tone, change
from services.kpi.periods import Period, PeriodKind, make_period
from services.kpi.scoring import (
    FunnelStep,
    HealthBand,
    HealthScore,
    LeadBand,
    LeadScore,
    Segment,
    Stage,
    health_score,
    lead_score,
    segment,
)
from services.kpi.service import (
    ASSUMPTION_FIELDS,
    Assumptions,
    ChannelRow,
    ChatbotStats,
    ChurnResult,
    ClvEstimate,
    ClvSource,
    Dashboard,
    DayPoint,
    KpiCard,
    KpiName,
    KpiResult,
    Power4Split,
    Totals,
    dashboard,
    get_assumptions,
    kpi,
    parse_assumption,
    period_for,
    power4_segments,
    set_assumption,
)

__all__ = [
    "ASSUMPTION_FIELDS", "Assumptions", "Change", "ChannelRow", "ChatbotStats", "ChurnResult",
    "ClvEstimate",
    "ClvSource", "Dashboard", "DayPoint", "FunnelStep", "HealthBand", "HealthScore", "KpiCard",
    "KpiName", "KpiResult", "LeadBand", "LeadScore", "Period", "PeriodKind", "Power4Split",
    "Segment", "Stage", "Tone", "Totals", "business_timezone", "change", "dashboard",
    "get_assumptions", "health_score", "kpi", "lead_score", "make_period", "parse_assumption",
    "period_for", "power4_segments", "segment", "set_assumption",
]
