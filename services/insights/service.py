"""Insights: facts gathered through ``services.kpi`` (no formula recomputed here), rules
evaluated, findings stored once per trigger per 24 h, statuses, and what is due for a push."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services import kpi, marketing, plans
from services.billing.invoices import InvoiceStatus
from services.db.base import utcnow
from services.db.models import Business, Customer, Insight, Invoice, Subscription
from services.errors import InvalidInput, NotFound, SubscriptionInactive
from services.insights import rules
from services.insights.rules import Facts, Finding, Priority, StageFact, UsageFact, Week
from services.kpi import KpiName, PeriodKind, Segment
from services.kpi import formulas as f

DEDUP_HOURS = 24
URGENT = frozenset({Priority.CRITICAL, Priority.HIGH})
# Plan limits worth a warning before they bite (counted resources the owner fills up).
USAGE_RESOURCES = (plans.Resource.LEADS_PER_MONTH, plans.Resource.CHANNELS)


class InsightStatus(StrEnum):
    NEW = "new"
    SEEN = "seen"
    DONE = "done"
    DISMISSED = "dismissed"


OPEN = (InsightStatus.NEW.value, InsightStatus.SEEN.value)


@dataclass(frozen=True, slots=True)
class InsightView:
    id: int
    business_id: int
    rule: rules.RuleKey
    priority: Priority
    status: InsightStatus
    numbers: dict[str, Any]
    trigger_key: str
    created_at: datetime
    notified_at: datetime | None


def _view(row: Insight) -> InsightView:
    return InsightView(row.id, row.business_id, rules.RuleKey(row.rule), Priority(row.priority),
                       InsightStatus(row.status), dict(row.numbers or {}), row.trigger_key,
                       row.created_at, row.notified_at)


def slot_of(moment: datetime) -> int:
    """The 24-hour slot of a moment (hours since the epoch // 24)."""
    return int(moment.astimezone(UTC).timestamp() // 3600) // DEDUP_HOURS


# -------------------------------------------------------------------------------- facts


def _week(d: kpi.Dashboard, *, previous: bool) -> Week:
    t = d.previous_totals if previous else d.totals

    def card(name: KpiName) -> float | None:
        c = d.cards[name]
        return c.previous if previous else c.value

    return Week(revenue=t.revenue, orders=t.orders, leads=t.leads, spend=t.spend,
                clicks=t.clicks, new_customers=t.new_customers, cpc=f.cpc(t.spend, t.clicks),
                cac=card(KpiName.CAC), roas=card(KpiName.ROAS),
                engagement=card(KpiName.ENGAGEMENT))


async def _usage(session: AsyncSession, business_id: int) -> tuple[UsageFact, ...]:
    found = []
    for resource in USAGE_RESOURCES:
        if resource is plans.Resource.CHANNELS:
            status = await marketing.channel_usage(session, business_id=business_id)
        else:
            status = await plans.usage(session, business_id=business_id, resource=resource)
        if not status.unlimited and status.limit > 0:
            found.append(UsageFact(resource.value, status.used, status.limit, status.percent))
    return tuple(found)


async def _billing(session: AsyncSession, business_id: int, now: datetime
                   ) -> tuple[str | None, int, int | None]:
    """The latest invoice if it failed, and the trial's days left while trialing."""
    owner_id = await session.scalar(select(Business.owner_id).where(Business.id == business_id))
    if owner_id is None:
        raise NotFound(entity="business", id=business_id)
    latest = await session.scalar(select(Invoice).where(Invoice.user_id == owner_id)
                                  .order_by(Invoice.id.desc()).limit(1))
    failed = latest if latest is not None and latest.status == InvoiceStatus.FAILED else None
    sub = await session.scalar(select(Subscription).where(Subscription.user_id == owner_id))
    days_left = None
    if sub is not None and sub.status == "trialing" and sub.trial_ends_at is not None:
        left = sub.trial_ends_at - now
        if left > timedelta(0):
            days_left = left.days + (1 if left.seconds else 0)
    return ((failed.number or str(failed.id)) if failed else None,
            failed.total if failed else 0, days_left)


async def gather_facts(session: AsyncSession, *, business_id: int,
                       now: datetime | None = None) -> Facts:
    """What the rules read: this week vs last (kpi), the month's churn and funnel, lapsed
    customers, billing and plan usage, goals reached in the last 24 h, Power 4% growth."""
    now = now or utcnow()
    week = await kpi.period_for(session, business_id=business_id, kind=PeriodKind.DAYS_7,
                                now=now)
    board = await kpi.dashboard(session, business_id=business_id, period=week, now=now)
    month = await kpi.period_for(session, business_id=business_id, kind=PeriodKind.DAYS_30,
                                 now=now)
    month_board = await kpi.dashboard(session, business_id=business_id, period=month, now=now)
    window = (await kpi.get_assumptions(session, business_id=business_id)).repeat_window_days
    lapsed_before = now - timedelta(days=window)
    row = (await session.execute(
        select(func.count(), func.count(Customer.id).filter(
            Customer.last_order_at < lapsed_before))
        .where(Customer.business_id == business_id))).one()
    customers, lapsed = int(row[0] or 0), int(row[1] or 0)
    funnel = []
    for previous, step in zip(month_board.funnel, month_board.funnel[1:], strict=False):
        funnel.append(StageFact(step.stage.value, previous.reached, step.reached,
                                step.conversion, step.target))
    failed, failed_total, trial_days = await _billing(session, business_id, now)
    try:
        usage = await _usage(session, business_id)
    except SubscriptionInactive:
        usage = ()
    reached = tuple((g.id, g.title, g.target) for g in board.goals
                    if g.reached_at is not None and now - g.reached_at <= timedelta(hours=24))
    p4_now = await kpi.power4_segments(session, business_id=business_id, now=now)
    p4_then = await kpi.power4_segments(session, business_id=business_id,
                                        now=now - timedelta(days=7))
    return Facts(
        now=now, week=_week(board, previous=False), previous_week=_week(board, previous=True),
        orders_30d=month_board.totals.orders, churn=board.churn.value,
        churn_at_start=board.churn.at_start, churn_lost=board.churn.lost, funnel=tuple(funnel),
        customers=customers, lapsed_customers=lapsed, repeat_window_days=window,
        failed_invoice=failed, failed_invoice_total=failed_total, trial_days_left=trial_days,
        usage=usage, goals_reached=reached, buy_now=p4_now.counts.get(Segment.BUY_NOW, 0),
        buy_now_week_ago=p4_then.counts.get(Segment.BUY_NOW, 0))


# ------------------------------------------------------------------------------- storage


async def record(session: AsyncSession, *, business_id: int, findings: list[Finding],
                 now: datetime | None = None) -> list[InsightView]:
    """Store the findings whose trigger did not fire in the last 24 h; returns the new ones.
    The unique (business, trigger, 24-h slot) constraint stops a concurrent twin."""
    now = now or utcnow()
    created = []
    for finding in findings:
        recent = await session.scalar(
            select(Insight.id).where(Insight.business_id == business_id,
                                     Insight.trigger_key == finding.trigger_key,
                                     Insight.created_at > now - timedelta(hours=DEDUP_HOURS))
            .limit(1))
        if recent is not None:
            continue
        row = Insight(business_id=business_id, rule=finding.rule.value,
                      priority=finding.priority.value, status=InsightStatus.NEW.value,
                      numbers=finding.numbers, trigger_key=finding.trigger_key,
                      slot=slot_of(now), created_at=now)
        try:
            async with session.begin_nested():
                session.add(row)
        except IntegrityError:
            continue
        created.append(_view(row))
    return created


async def evaluate(session: AsyncSession, *, business_id: int,
                   now: datetime | None = None) -> list[InsightView]:
    """Gather the facts, run every rule, store what is new; returns the new insights."""
    now = now or utcnow()
    facts = await gather_facts(session, business_id=business_id, now=now)
    return await record(session, business_id=business_id, findings=rules.evaluate(facts),
                        now=now)


def _order(views: list[InsightView]) -> list[InsightView]:
    return sorted(views, key=lambda v: (rules.PRIORITY_ORDER[v.priority],
                                        -v.created_at.timestamp(), -v.id))


async def list_insights(session: AsyncSession, *, business_id: int, include_closed: bool = False,
                        limit: int = 20) -> list[InsightView]:
    """Insights by priority, newest first within one (open ones only unless asked)."""
    query = select(Insight).where(Insight.business_id == business_id)
    if not include_closed:
        query = query.where(Insight.status.in_(OPEN))
    rows = await session.scalars(query.order_by(Insight.created_at.desc()).limit(200))
    return _order([_view(r) for r in rows])[:limit]


async def top_insights(session: AsyncSession, *, business_id: int, limit: int = 3
                       ) -> list[InsightView]:
    """The most urgent open insights (for the dashboard)."""
    return await list_insights(session, business_id=business_id, limit=limit)


async def get_insight(session: AsyncSession, *, business_id: int, insight_id: int
                      ) -> InsightView:
    """One insight of the business (``NotFound`` for another business's id)."""
    return _view(await _get(session, business_id, insight_id))


async def _get(session: AsyncSession, business_id: int, insight_id: int) -> Insight:
    row = await session.get(Insight, insight_id)
    if row is None or row.business_id != business_id:
        raise NotFound(entity="insight", id=insight_id)
    return row


async def set_status(session: AsyncSession, *, business_id: int, insight_id: int,
                     status: InsightStatus | str, now: datetime | None = None) -> InsightView:
    """Move an insight to seen / done / dismissed (seen never reopens a closed one)."""
    try:
        target = InsightStatus(status)
    except ValueError as exc:
        raise InvalidInput(field="status", reason="choice") from exc
    if target is InsightStatus.NEW:
        raise InvalidInput(field="status", reason="choice")
    row = await _get(session, business_id, insight_id)
    if target is InsightStatus.SEEN and row.status != InsightStatus.NEW.value:
        return _view(row)
    row.status = target.value
    row.status_at = now or utcnow()
    await session.flush()
    return _view(row)


async def mark_seen(session: AsyncSession, *, business_id: int, insight_ids: list[int]) -> int:
    """Mark new insights seen (the owner opened the list); returns how many changed."""
    rows = await session.scalars(select(Insight).where(
        Insight.business_id == business_id, Insight.id.in_(insight_ids),
        Insight.status == InsightStatus.NEW.value))
    changed = 0
    for row in rows:
        row.status, row.status_at = InsightStatus.SEEN.value, utcnow()
        changed += 1
    await session.flush()
    return changed


async def unnotified(session: AsyncSession, *, business_id: int,
                     priorities: frozenset[Priority]) -> list[InsightView]:
    """Open insights of these priorities not pushed to the owner yet."""
    rows = await session.scalars(select(Insight).where(
        Insight.business_id == business_id, Insight.notified_at.is_(None),
        Insight.status.in_(OPEN), Insight.priority.in_([p.value for p in priorities])))
    return _order([_view(r) for r in rows])


async def mark_notified(session: AsyncSession, *, insight_ids: list[int],
                        now: datetime | None = None) -> None:
    """Record that these insights were queued for the owner."""
    for row in await session.scalars(select(Insight).where(Insight.id.in_(insight_ids))):
        row.notified_at = now or utcnow()
    await session.flush()


async def active_business_ids(session: AsyncSession) -> list[int]:
    """Businesses whose account has a live trial or subscription (the ones evaluated)."""
    rows = await session.scalars(
        select(Business.id).join(Subscription, Subscription.user_id == Business.owner_id)
        .where(Subscription.status.in_(("trialing", "active", "past_due")))
        .order_by(Business.id))
    return list(rows)
