"""The subscription lifecycle: trialing → active → past_due → canceled (or paused).

A paid period extends from the later of now and the current period end; monthly counters
reset; trial reminders go out 2 days and 1 day before the end; data older than the plan's
retention is purged daily.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from services import audit, plans
from services.billing.invoices import Cycle, InvoiceStatus, InvoiceView, view
from services.competitors import sync as competitor_sync
from services.db.base import utcnow
from services.db.models import (
    AIMessage,
    AmoSyncLog,
    Business,
    ChannelSnapshot,
    DailyStat,
    IntegrationDaily,
    IntegrationSyncRun,
    Invoice,
    Lead,
    Order,
    OutboxMessage,
    SalesMessage,
    SpendEntry,
    Subscription,
    UsageCounter,
    User,
)
from services.errors import Conflict, NotFound

# After a paid period ends the account keeps working this long (past_due), then it is
# canceled and read-only until paid.
GRACE_DAYS = 3
REMINDER_DAYS = (2, 1)
MONTHLY_RESOURCES = (plans.Resource.LEADS_PER_MONTH, plans.Resource.CHATBOT_MESSAGES_PER_MONTH)


def add_months(moment: datetime, months: int) -> datetime:
    """The same time ``months`` later, clamped to the month's last day (31 Jan → 28 Feb)."""
    month0 = moment.month - 1 + months
    year, month = moment.year + month0 // 12, month0 % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def period_months(cycle: str) -> int:
    return 12 if cycle == Cycle.YEARLY else 1


@dataclass(frozen=True, slots=True)
class Settlement:
    """What one successful payment did; ``applied`` is False for a repeat."""

    applied: bool
    invoice: InvoiceView


async def lock_subscription(session: AsyncSession, user_id: int) -> Subscription | None:
    return await session.scalar(
        select(Subscription).where(Subscription.user_id == user_id)
        .with_for_update(of=Subscription).execution_options(populate_existing=True))


async def settle(session: AsyncSession, *, invoice: Invoice, provider: str,
                 now: datetime | None = None) -> Settlement:
    """Mark a locked, pending invoice paid and extend the account's subscription.

    The caller holds the invoice row lock (``invoices.lock_invoice``); an invoice that is
    already paid is left alone and reported as not applied.
    """
    now = now or utcnow()
    if invoice.status == InvoiceStatus.PAID:
        return Settlement(applied=False, invoice=view(invoice))
    sub = await lock_subscription(session, invoice.user_id)
    if sub is None:
        sub = Subscription(user_id=invoice.user_id, plan_id=invoice.plan_id, status="active")
        session.add(sub)
    previous_end = sub.current_period_end
    start = max(now, previous_end) if previous_end is not None else now
    end = add_months(start, period_months(invoice.cycle))
    sub.plan_id = invoice.plan_id
    sub.status = "active"
    sub.billing_cycle = invoice.cycle
    sub.business_addons = invoice.addons
    sub.current_period_start = start
    sub.current_period_end = end
    sub.trial_ends_at = None if sub.trial_ends_at is None else min(sub.trial_ends_at, now)
    invoice.status = InvoiceStatus.PAID
    invoice.provider = provider
    invoice.paid_at = now
    invoice.period_start, invoice.period_end = start, end
    invoice.previous_period_end = previous_end
    await _reset_counters(session, user_id=invoice.user_id, now=now)
    await audit.record(session, action="billing.paid", user_id=invoice.user_id,
                       business_id=invoice.business_id, invoice=invoice.number,
                       provider=provider, total=invoice.total)
    await session.flush()
    await session.refresh(sub)
    return Settlement(applied=True, invoice=view(invoice))


async def refund(session: AsyncSession, *, invoice: Invoice, provider: str,
                 now: datetime | None = None) -> None:
    """Undo a locked, paid invoice: status refunded, and the period it added taken back
    (when no later payment extended it since)."""
    now = now or utcnow()
    if invoice.status != InvoiceStatus.PAID:
        return
    invoice.status = InvoiceStatus.REFUNDED
    sub = await lock_subscription(session, invoice.user_id)
    if sub is not None and sub.current_period_end == invoice.period_end:
        back = invoice.previous_period_end
        sub.current_period_end = back if back is not None and back > now else now
        if sub.current_period_end <= now:
            sub.status = "canceled"
    await audit.record(session, action="billing.refunded", user_id=invoice.user_id,
                       business_id=invoice.business_id, invoice=invoice.number,
                       provider=provider, total=invoice.total)
    await session.flush()


PAUSABLE = ("active", "past_due")


async def pause(session: AsyncSession, *, user_id: int, now: datetime | None = None
                ) -> Subscription:
    """Pause a paid subscription (active or past due): the account is read-only and nothing
    lapses meanwhile; the paid days left are given back on ``resume``."""
    now = now or utcnow()
    sub = await lock_subscription(session, user_id)
    if sub is None:
        raise NotFound(entity="subscription", id=user_id)
    if sub.status not in PAUSABLE:
        raise Conflict(reason="not_pausable")
    sub.status, sub.paused_at = "paused", now
    await audit.record(session, action="billing.paused", user_id=user_id)
    await session.flush()
    return sub


async def resume(session: AsyncSession, *, user_id: int, now: datetime | None = None
                 ) -> Subscription:
    """End a pause: the period end moves on by the time paused, so no paid day is lost."""
    now = now or utcnow()
    sub = await lock_subscription(session, user_id)
    if sub is None:
        raise NotFound(entity="subscription", id=user_id)
    if sub.status != "paused":
        raise Conflict(reason="not_paused")
    if sub.current_period_end is not None and sub.paused_at is not None:
        left = max(sub.current_period_end - sub.paused_at, timedelta(0))
        sub.current_period_end = now + left
    end = sub.current_period_end
    sub.status = "active" if end is None or end > now else "past_due"
    sub.paused_at = None
    await audit.record(session, action="billing.resumed", user_id=user_id)
    await session.flush()
    return sub


async def _reset_counters(session: AsyncSession, *, user_id: int, now: datetime) -> None:
    owned = select(Business.id).where(Business.owner_id == user_id)
    for resource in MONTHLY_RESOURCES:
        await session.execute(delete(UsageCounter).where(
            UsageCounter.business_id.in_(owned), UsageCounter.resource == resource.value,
            UsageCounter.period == plans.period_key(resource, now)))


async def expire_lapsed(session: AsyncSession, *, now: datetime | None = None) -> dict[str, int]:
    """Move ended periods on: active → past_due at the period end, past_due → canceled
    after the grace days. Returns how many moved."""
    now = now or utcnow()
    moved = {"past_due": 0, "canceled": 0}
    active = await session.scalars(select(Subscription).where(
        Subscription.status == "active", Subscription.current_period_end <= now))
    for sub in active:
        sub.status = "past_due"
        moved["past_due"] += 1
    overdue = await session.scalars(select(Subscription).where(
        Subscription.status == "past_due",
        Subscription.current_period_end <= now - timedelta(days=GRACE_DAYS)))
    for sub in overdue:
        sub.status = "canceled"
        moved["canceled"] += 1
        await audit.record(session, action="billing.canceled", user_id=sub.user_id)
    await session.flush()
    return moved


@dataclass(frozen=True, slots=True)
class TrialReminder:
    user_id: int
    language: str | None
    timezone: str
    plan_name: str
    trial_ends_at: datetime
    days_left: int
    dedup_key: str


async def due_trial_reminders(session: AsyncSession, *,
                              now: datetime | None = None) -> list[TrialReminder]:
    """Trials ending within 2 days or 1 day, one reminder per threshold (the dedup key
    makes a re-run or a second scheduler queue nothing new)."""
    now = now or utcnow()
    horizon = now + timedelta(days=max(REMINDER_DAYS))
    rows = await session.execute(
        select(Subscription, User).join(User, User.id == Subscription.user_id).where(
            Subscription.status == "trialing", Subscription.trial_ends_at > now,
            Subscription.trial_ends_at <= horizon))
    due = []
    for sub, user in rows:
        assert sub.trial_ends_at is not None
        left = sub.trial_ends_at - now
        days = min(d for d in REMINDER_DAYS if left <= timedelta(days=d))
        due.append(TrialReminder(
            user_id=user.id, language=user.language, timezone=user.timezone,
            plan_name=sub.plan.name, trial_ends_at=sub.trial_ends_at, days_left=days,
            dedup_key=f"trial-reminder:{sub.id}:{sub.trial_ends_at:%Y%m%d%H%M}:{days}"))
    return due


async def purge_expired_data(session: AsyncSession, *,
                             now: datetime | None = None) -> dict[str, int]:
    """Delete each business's records older than its plan's retention (days; -1 keeps all).
    Returns rows removed per table."""
    now = now or utcnow()
    removed: dict[str, int] = {}
    rows = await session.execute(select(Business.id, Subscription).join(
        Subscription, Subscription.user_id == Business.owner_id))
    for business_id, sub in rows:
        days = int(sub.plan.limits.get(plans.RETENTION_DAYS, plans.UNLIMITED))
        if days == plans.UNLIMITED:
            continue
        cutoff = now - timedelta(days=days)
        statements = {
            "ai_messages": delete(AIMessage).where(AIMessage.business_id == business_id,
                                                   AIMessage.created_at < cutoff),
            "orders": delete(Order).where(Order.business_id == business_id,
                                          Order.ordered_at < cutoff),
            "leads": delete(Lead).where(Lead.business_id == business_id,
                                        Lead.created_at < cutoff),
            "spend_entries": delete(SpendEntry).where(SpendEntry.business_id == business_id,
                                                      SpendEntry.day < cutoff.date()),
            "daily_stats": delete(DailyStat).where(DailyStat.business_id == business_id,
                                                   DailyStat.day < cutoff.date()),
            "channel_snapshots": delete(ChannelSnapshot).where(
                ChannelSnapshot.business_id == business_id, ChannelSnapshot.taken_at < cutoff),
            "outbox_messages": delete(OutboxMessage).where(
                OutboxMessage.business_id == business_id, OutboxMessage.status != "pending",
                OutboxMessage.created_at < cutoff),
            "sales_messages": delete(SalesMessage).where(
                SalesMessage.business_id == business_id, SalesMessage.created_at < cutoff),
            "integration_daily": delete(IntegrationDaily).where(
                IntegrationDaily.business_id == business_id,
                IntegrationDaily.day < cutoff.date()),
            "integration_sync_runs": delete(IntegrationSyncRun).where(
                IntegrationSyncRun.business_id == business_id,
                IntegrationSyncRun.started_at < cutoff),
            "amocrm_sync_log": delete(AmoSyncLog).where(
                AmoSyncLog.business_id == business_id, AmoSyncLog.at < cutoff),
        }
        for table, statement in statements.items():
            result = await session.execute(statement.execution_options(
                synchronize_session=False))
            removed[table] = removed.get(table, 0) + int(result.rowcount)  # type: ignore[attr-defined]
        competitor_history = await competitor_sync.purge_before(
            session, business_id=business_id, before=cutoff)
        for table, count in competitor_history.items():
            removed[table] = removed.get(table, 0) + count
    return removed
