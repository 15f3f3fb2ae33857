"""Insights and alerts (SPEC §3.7): rules over the data, stored with status, pushed by a job."""

from services.insights.rules import (
    PRIORITY_ORDER,
    REGISTRY,
    Facts,
    Finding,
    Priority,
    RuleKey,
    StageFact,
    UsageFact,
    Week,
    rule,
)
from services.insights.service import (
    URGENT,
    InsightStatus,
    InsightView,
    active_business_ids,
    evaluate,
    gather_facts,
    get_insight,
    list_insights,
    mark_notified,
    mark_seen,
    record,
    set_status,
    slot_of,
    top_insights,
    unnotified,
)

__all__ = [
    "PRIORITY_ORDER", "REGISTRY", "URGENT", "Facts", "Finding", "InsightStatus", "InsightView",
    "Priority", "RuleKey", "StageFact", "UsageFact", "Week", "active_business_ids", "evaluate",
    "gather_facts", "get_insight", "list_insights", "mark_notified", "mark_seen", "record",
    "rule", "set_status", "slot_of", "top_insights", "unnotified",
]
