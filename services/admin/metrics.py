"""Platform dashboard metrics: pure functions over plain numbers, and aggregate queries
that return a handful of rows whatever the number of users (nothing is loaded per user).

Definitions (also in docs/decisions.md):

- MRR: sum over *active* subscriptions (status ``active`` and a paid period not yet over)
  of the plan's monthly price; a yearly subscription counts ``price_yearly / 12``.
- ARPU = MRR / active users, where an active user is a paying account (an active
  subscription): the revenue a paying account brings per month.
- churn (monthly, %) = churned / total × 100: churned are paid subscriptions that ended in
  the last 30 days (canceled, or their paid period ran out unrenewed); total is those plus
  the active ones, i.e. the paying base the month started from.
- LTV = ARPU / (churn / 100); undefined (None) while churn is 0.
- Revenue per month: money received — the totals (after discounts) of invoices paid in that
  UTC calendar month; refunded invoices are not revenue.
- DAU / MAU: users seen in the last 24 hours / in the last 30 days (``users.last_seen_at``).
- Retention: users grouped by the UTC week (Monday) they signed up in; a user is retained at
  week N when ``last_seen_at >= created_at + 7·N days``; a cell is None until every member of
  the cohort could have reached week N (``now >= cohort start + 7 days + 7·N days``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.db.base import utcnow
from services.db.models import Invoice, Plan, Subscription, User
from services.db.sqltime import age_days

RETENTION_WEEKS = (1, 2, 4, 8, 12)
COHORT_WEEKS = 12
CHURN_WINDOW = timedelta(days=30)


def monthly_price(*, price_monthly: int | None, price_yearly: int | None, cycle: str) -> int:
    """What one subscription adds to MRR: the monthly price, or a twelfth of the yearly."""
    if cycle == "yearly" and price_yearly is not None:
        return price_yearly // 12
    return price_monthly or 0


def arpu(mrr: int, active_users: int) -> float:
    """MRR per paying account; 0 with none."""
    return mrr / active_users if active_users else 0.0


def churn_rate(churned: int, total: int) -> float:
    """Churned / total × 100 (a percentage); 0 when there is no base."""
    return churned * 100 / total if total else 0.0


def ltv(arpu_value: float, churn_percent: float) -> float | None:
    """ARPU / monthly churn (as a fraction); None while nobody churned."""
    return arpu_value / (churn_percent / 100) if churn_percent > 0 else None


def stickiness(dau: int, mau: int) -> float:
    """DAU / MAU × 100."""
    return dau * 100 / mau if mau else 0.0


def week_start(moment: datetime) -> date:
    """The Monday of the UTC week ``moment`` falls in."""
    day = moment.date()
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True, slots=True)
class Cohort:
    week: date  # Monday of the signup week
    size: int
    retained: dict[int, float | None]  # week N -> percent, None when not measurable yet


def retention_cohorts(users: list[tuple[datetime, datetime]], *, now: datetime,
                      weeks: tuple[int, ...] = RETENTION_WEEKS,
                      cohorts: int = COHORT_WEEKS) -> list[Cohort]:
    """Cohorts of the last ``cohorts`` signup weeks from (created_at, last_seen_at) pairs."""
    first = week_start(now) - timedelta(weeks=cohorts - 1)
    members: dict[date, list[tuple[datetime, datetime]]] = {}
    for created, seen in users:
        start = week_start(created)
        if start >= first:
            members.setdefault(start, []).append((created, seen))
    result = []
    for index in range(cohorts):
        start = first + timedelta(weeks=index)
        group = members.get(start, [])
        retained: dict[int, float | None] = {}
        for n in weeks:
            ready = now.date() >= start + timedelta(days=7 + 7 * n)
            if not group or not ready:
                retained[n] = None
                continue
            kept = sum(1 for created, seen in group if seen >= created + timedelta(days=7 * n))
            retained[n] = kept * 100 / len(group)
        result.append(Cohort(week=start, size=len(group), retained=retained))
    return result


def month_starts(now: datetime, months: int = 12) -> list[date]:
    """The first days of the last ``months`` calendar months, oldest first (this one last)."""
    year, month = now.year, now.month
    starts = []
    for _ in range(months):
        starts.append(date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return starts[::-1]


def _next_month(first: date) -> date:
    if first.month == 12:
        return date(first.year + 1, 1, 1)
    return date(first.year, first.month + 1, 1)


@dataclass(frozen=True, slots=True)
class RecentUser:
    id: int
    name: str
    username: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Dashboard:
    total_users: int
    active_subscriptions: int
    trials: int
    mrr: int
    arr: int
    arpu: float
    churn: float  # percent, monthly
    ltv: float | None
    dau: int
    mau: int
    stickiness: float  # percent
    new_users_30d: int
    revenue_months: list[date]
    revenue: list[int]
    plans: list[tuple[str, int]]  # plan name -> live subscriptions (trials included)
    cohorts: list[Cohort]
    recent: list[RecentUser] = field(default_factory=list)


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _week_bucket(column: Any, starts: list[datetime]) -> ColumnElement[int]:
    """The index of the week (of ``starts``, consecutive Mondays) ``column`` falls in."""
    return case(*((column < start, index - 1) for index, start in enumerate(starts[1:], 1)),
                else_=len(starts) - 1)


def _dt(day_: date) -> datetime:
    return datetime(day_.year, day_.month, day_.day, tzinfo=UTC)


async def _user_figures(session: AsyncSession, now: datetime) -> tuple[int, int, int, int]:
    row = (await session.execute(select(
        func.count(),
        _count(User.last_seen_at >= now - timedelta(days=1)),
        _count(User.last_seen_at >= now - timedelta(days=30)),
        _count(User.created_at >= now - timedelta(days=30)),
    ).select_from(User))).one()
    return int(row[0]), int(row[1]), int(row[2]), int(row[3])


@dataclass(frozen=True, slots=True)
class _SubRow:
    plan: str
    sort: int
    monthly: int
    active: int
    trials: int
    churned: int


async def _subscription_figures(session: AsyncSession, now: datetime) -> list[_SubRow]:
    """Counts per (plan, cycle): paid-active, live trials, churned in the last 30 days."""
    since = now - CHURN_WINDOW
    end = Subscription.current_period_end
    paid_active = (Subscription.status == "active") & (end.is_(None) | (end > now))
    trial_live = (Subscription.status == "trialing") & (
        Subscription.trial_ends_at.is_(None) | (Subscription.trial_ends_at > now))
    churned = ((Subscription.status == "canceled") & (Subscription.updated_at >= since)) | (
        Subscription.status.in_(("active", "past_due")) & end.is_not(None)
        & (end >= since) & (end <= now))
    rows = await session.execute(
        select(Plan.name, Plan.sort_order, Plan.price_monthly, Plan.price_yearly,
               Subscription.billing_cycle, _count(paid_active), _count(trial_live),
               _count(churned))
        .join(Plan, Plan.id == Subscription.plan_id)
        .group_by(Plan.id, Plan.name, Plan.sort_order, Plan.price_monthly, Plan.price_yearly,
                  Subscription.billing_cycle))
    return [_SubRow(plan=name, sort=sort, monthly=monthly_price(
                        price_monthly=pm, price_yearly=py, cycle=cycle),
                    active=int(a), trials=int(t), churned=int(c))
            for name, sort, pm, py, cycle, a, t, c in rows]


async def _revenue(session: AsyncSession, months: list[date]) -> list[int]:
    """Money received per calendar month (UTC): paid invoices' totals by payment date."""
    bounds = [_dt(m) for m in months] + [_dt(_next_month(months[-1]))]
    columns = [func.coalesce(func.sum(case(
        ((Invoice.paid_at >= bounds[i]) & (Invoice.paid_at < bounds[i + 1]), Invoice.total),
        else_=0)), 0) for i in range(len(months))]
    row = (await session.execute(select(*columns).where(
        Invoice.status == "paid", Invoice.paid_at >= bounds[0],
        Invoice.paid_at < bounds[-1]))).one()
    return [int(v) for v in row]


async def _cohorts(session: AsyncSession, now: datetime,
                   weeks: tuple[int, ...] = RETENTION_WEEKS,
                   cohorts: int = COHORT_WEEKS) -> list[Cohort]:
    """``retention_cohorts`` computed by the database: one row per signup week."""
    dialect = session.get_bind().dialect.name
    first = week_start(now) - timedelta(weeks=cohorts - 1)
    starts = [_dt(first + timedelta(weeks=i)) for i in range(cohorts)]
    bucket = _week_bucket(User.created_at, starts).label("bucket")
    age = age_days(User.last_seen_at, User.created_at, dialect)
    # a hair under 7·N: SQLite's julianday is a float
    kept = [_count(age >= 7 * n - 1e-7) for n in weeks]
    rows = {int(r[0]): r[1:] for r in await session.execute(
        select(bucket, func.count(), *kept).where(User.created_at >= starts[0])
        .group_by(bucket))}
    result = []
    for index, start in enumerate(starts):
        size, *counts = rows.get(index, (0, *([0] * len(weeks))))
        retained: dict[int, float | None] = {}
        for n, count in zip(weeks, counts, strict=True):
            ready = now.date() >= start.date() + timedelta(days=7 + 7 * n)
            retained[n] = int(count) * 100 / int(size) if size and ready else None
        result.append(Cohort(week=start.date(), size=int(size), retained=retained))
    return result


async def dashboard(session: AsyncSession, *, now: datetime | None = None) -> Dashboard:
    """Every figure of the platform dashboard, each from an aggregate query (a handful of
    rows whatever the number of users)."""
    now = now or utcnow()
    total_users, dau, mau, new_users = await _user_figures(session, now)
    subs = await _subscription_figures(session, now)
    active = sum(r.active for r in subs)
    trials = sum(r.trials for r in subs)
    churned = sum(r.churned for r in subs)
    mrr = sum(r.active * r.monthly for r in subs)
    live: Counter[str] = Counter()
    order: dict[str, int] = {}
    for r in subs:
        if r.active + r.trials:
            live[r.plan] += r.active + r.trials
            order[r.plan] = r.sort
    plan_rows = sorted(live.items(), key=lambda item: (order[item[0]], item[0]))
    recent = [RecentUser(id=u.id, name=" ".join(filter(None, [u.first_name, u.last_name])),
                         username=u.username, created_at=u.created_at)
              for u in (await session.execute(
                  select(User.id, User.first_name, User.last_name, User.username,
                         User.created_at)
                  .order_by(User.created_at.desc(), User.id.desc()).limit(5))).all()]
    months = month_starts(now)
    arpu_value = arpu(mrr, active)
    churn_value = churn_rate(churned, active + churned)
    return Dashboard(
        total_users=total_users, active_subscriptions=active, trials=trials, mrr=mrr,
        arr=mrr * 12, arpu=arpu_value, churn=churn_value, ltv=ltv(arpu_value, churn_value),
        dau=dau, mau=mau, stickiness=stickiness(dau, mau), new_users_30d=new_users,
        revenue_months=months, revenue=await _revenue(session, months), plans=plan_rows,
        cohorts=await _cohorts(session, now), recent=recent,
    )


async def count_users(session: AsyncSession) -> int:
    """All users on the platform."""
    return int(await session.scalar(select(func.count()).select_from(User)) or 0)
