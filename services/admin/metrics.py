"""Platform dashboard metrics: pure functions over plain numbers, and one gathering query.

Definitions (also in docs/decisions.md):

- MRR: sum over *active* subscriptions (status ``active`` and a paid period not yet over)
  of the plan's monthly price; a yearly subscription counts ``price_yearly / 12``.
- ARPU = MRR / active users, where an active user is a paying account (an active
  subscription): the revenue a paying account brings per month.
- churn (monthly, %) = churned / total × 100: churned are paid subscriptions that ended in
  the last 30 days (canceled, or their paid period ran out unrenewed); total is those plus
  the active ones, i.e. the paying base the month started from.
- LTV = ARPU / (churn / 100); undefined (None) while churn is 0.
- DAU / MAU: users seen in the last 24 hours / in the last 30 days (``users.last_seen_at``).
- Retention: users grouped by the UTC week (Monday) they signed up in; a user is retained at
  week N when ``last_seen_at >= created_at + 7·N days``; a cell is None until every member of
  the cohort could have reached week N (``now >= cohort start + 7 days + 7·N days``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.db.base import utcnow
from services.db.models import Plan, Subscription, User

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


@dataclass(frozen=True, slots=True)
class PaidPeriod:
    """A subscription's paid span and what it is worth per month."""

    start: datetime
    end: datetime | None
    monthly: int


def revenue_by_month(periods: list[PaidPeriod], months: list[date]) -> list[int]:
    """Recognised recurring revenue per month: each paid subscription adds its monthly price
    to every month its paid span overlaps."""
    totals = []
    for index, first in enumerate(months):
        nxt = months[index + 1] if index + 1 < len(months) else _next_month(first)
        totals.append(sum(p.monthly for p in periods
                          if p.start.date() < nxt and (p.end is None or p.end.date() >= first)))
    return totals


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


def _paid_active(sub: Subscription, now: datetime) -> bool:
    return sub.status == "active" and (sub.current_period_end is None
                                       or sub.current_period_end > now)


def _churned(sub: Subscription, now: datetime) -> bool:
    since = now - CHURN_WINDOW
    if sub.status == "canceled":
        return sub.updated_at >= since
    if sub.status in {"active", "past_due"} and sub.current_period_end is not None:
        return since <= sub.current_period_end <= now
    return False


async def dashboard(session: AsyncSession, *, now: datetime | None = None) -> Dashboard:
    """Every figure of the platform dashboard."""
    now = now or utcnow()
    subs = list(await session.scalars(select(Subscription)))
    mrr = 0
    active = trials = churned = 0
    live: Counter[str] = Counter()
    periods = []
    for sub in subs:
        price = monthly_price(price_monthly=sub.plan.price_monthly,
                              price_yearly=sub.plan.price_yearly, cycle=sub.billing_cycle)
        if _paid_active(sub, now):
            active += 1
            mrr += price
            live[sub.plan.name] += 1
        elif sub.status == "trialing" and (sub.trial_ends_at is None or sub.trial_ends_at > now):
            trials += 1
            live[sub.plan.name] += 1
        if _churned(sub, now):
            churned += 1
        if sub.status != "trialing" and sub.current_period_start is not None:
            end = sub.updated_at if sub.status == "canceled" else sub.current_period_end
            periods.append(PaidPeriod(start=sub.current_period_start, end=end, monthly=price))
    order = {name: sort for name, sort in await session.execute(
        select(Plan.name, Plan.sort_order))}
    plan_rows = sorted(live.items(), key=lambda item: (order.get(item[0], 99), item[0]))
    pairs = [(c, s) for c, s in await session.execute(select(User.created_at,
                                                            User.last_seen_at))]
    total_users = len(pairs)
    dau = sum(1 for _, seen in pairs if seen >= now - timedelta(days=1))
    mau = sum(1 for _, seen in pairs if seen >= now - timedelta(days=30))
    new_users = sum(1 for created, _ in pairs if created >= now - timedelta(days=30))
    recent = [RecentUser(id=u.id, name=" ".join(filter(None, [u.first_name, u.last_name])),
                         username=u.username, created_at=u.created_at)
              for u in await session.scalars(
                  select(User).order_by(User.created_at.desc(), User.id.desc()).limit(5))]
    months = month_starts(now)
    arpu_value = arpu(mrr, active)
    churn_value = churn_rate(churned, active + churned)
    return Dashboard(
        total_users=total_users, active_subscriptions=active, trials=trials, mrr=mrr,
        arr=mrr * 12, arpu=arpu_value, churn=churn_value, ltv=ltv(arpu_value, churn_value),
        dau=dau, mau=mau, stickiness=stickiness(dau, mau), new_users_30d=new_users,
        revenue_months=months, revenue=revenue_by_month(periods, months), plans=plan_rows,
        cohorts=retention_cohorts(pairs, now=now), recent=recent,
    )


async def count_users(session: AsyncSession) -> int:
    """All users on the platform."""
    return int(await session.scalar(select(func.count()).select_from(User)) or 0)
