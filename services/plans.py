"""Plans, the limit matrix (SPEC §5), subscriptions and the one central limit check."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services import platform_settings
from services.db.base import utcnow
from services.db.models import Business, Plan, Subscription, UsageCounter
from services.errors import LimitExceeded, NotFound, SubscriptionInactive

UNLIMITED = -1


class Resource(StrEnum):
    BUSINESSES = "businesses"
    TEAM_MEMBERS = "team_members"
    CHANNELS = "channels"
    AVATARS = "avatars"
    COMPETITORS = "competitors"
    LEADS_PER_MONTH = "leads_per_month"
    CHATBOTS = "chatbots"
    CHATBOT_MESSAGES_PER_MONTH = "chatbot_messages_per_month"
    API_CALLS_PER_DAY = "api_calls_per_day"
    AI_REQUESTS_PER_HOUR = "ai_requests_per_hour"


# Periodic resources are counted in usage_counters; the rest are counted from their tables
# by the module that owns them and passed in as ``used``.
PERIOD_FORMAT: dict[Resource, str] = {
    Resource.LEADS_PER_MONTH: "%Y-%m",
    Resource.CHATBOT_MESSAGES_PER_MONTH: "%Y-%m",
    Resource.API_CALLS_PER_DAY: "%Y-%m-%d",
    Resource.AI_REQUESTS_PER_HOUR: "%m%d%H",
}

WARNING_LEVELS = (90, 80)
RETENTION_DAYS = "retention_days"
# The order the limit matrix is shown in; retention is a limit but not a counted resource.
LIMIT_ORDER: tuple[str, ...] = (
    Resource.BUSINESSES, Resource.TEAM_MEMBERS, Resource.CHANNELS, Resource.AVATARS,
    Resource.COMPETITORS, Resource.LEADS_PER_MONTH, Resource.CHATBOTS,
    Resource.CHATBOT_MESSAGES_PER_MONTH, RETENTION_DAYS, Resource.API_CALLS_PER_DAY,
    Resource.AI_REQUESTS_PER_HOUR,
)


class PlanCode(StrEnum):
    STARTER = "starter"
    GROWTH = "growth"
    SCALE = "scale"
    ENTERPRISE = "enterprise"


def _limits(
    businesses: int, team: int, channels: int, avatars: int, competitors: int, leads: int,
    bots: int, messages: int, retention: int, api: int, ai: int,
) -> dict[str, int]:
    return {
        Resource.BUSINESSES: businesses, Resource.TEAM_MEMBERS: team,
        Resource.CHANNELS: channels, Resource.AVATARS: avatars,
        Resource.COMPETITORS: competitors, Resource.LEADS_PER_MONTH: leads,
        Resource.CHATBOTS: bots, Resource.CHATBOT_MESSAGES_PER_MONTH: messages,
        RETENTION_DAYS: retention, Resource.API_CALLS_PER_DAY: api,
        Resource.AI_REQUESTS_PER_HOUR: ai,
    }


U = UNLIMITED
DEFAULT_PLANS: tuple[dict[str, Any], ...] = (
    {
        "code": PlanCode.STARTER, "name": "Starter", "price_monthly": 399_000,
        "price_yearly": 3_830_400, "trial_days": 7, "sort_order": 1,
        "limits": _limits(2, 3, 3, 2, 3, 500, 1, 1_000, 90, 500, 20),
        "features": {"ai": "basic", "amocrm": False, "custom_webhooks": False, "api": "read"},
    },
    {
        "code": PlanCode.GROWTH, "name": "Growth", "price_monthly": 999_000,
        "price_yearly": 9_590_400, "trial_days": 7, "sort_order": 2,
        "limits": _limits(5, 10, 10, 5, 10, 2_000, 3, 10_000, 365, 5_000, 50),
        "features": {"ai": "full", "amocrm": True, "custom_webhooks": True, "api": "full"},
    },
    {
        "code": PlanCode.SCALE, "name": "Scale", "price_monthly": 2_490_000,
        "price_yearly": 23_904_000, "trial_days": 7, "sort_order": 3,
        "limits": _limits(10, 25, U, U, U, U, U, U, 3 * 365, 50_000, 100),
        "features": {"ai": "full_plus", "amocrm": True, "custom_webhooks": True, "api": "full",
                     "business_addon": {"businesses": 5, "price_monthly": 990_000}},
    },
    {
        "code": PlanCode.ENTERPRISE, "name": "Enterprise", "price_monthly": None,
        "price_yearly": None, "trial_days": 14, "sort_order": 4,
        "limits": _limits(U, U, U, U, U, U, U, U, U, U, U),
        "features": {"ai": "custom", "amocrm": True, "custom_webhooks": True, "api": "full"},
    },
)


@dataclass(frozen=True, slots=True)
class LimitStatus:
    """Usage of one resource after the action being checked."""

    resource: str
    used: int
    limit: int
    plan: str

    @property
    def unlimited(self) -> bool:
        return self.limit == UNLIMITED

    @property
    def percent(self) -> int:
        if self.unlimited or self.limit == 0:
            return 0
        return min(100, self.used * 100 // self.limit)

    @property
    def warning(self) -> int | None:
        """90 or 80 when usage crossed that share of the limit, else None."""
        for level in WARNING_LEVELS:
            if not self.unlimited and self.used * 100 >= self.limit * level:
                return level
        return None


@dataclass(frozen=True, slots=True)
class LimitRow:
    """One line of a plan's limit matrix; ``usage`` where the resource is counted."""

    resource: str
    limit: int
    usage: LimitStatus | None = None

    @property
    def unlimited(self) -> bool:
        return self.limit == UNLIMITED


@dataclass(frozen=True, slots=True)
class SubscriptionView:
    plan_code: str
    plan_name: str
    status: str  # trialing / active / past_due / canceled / paused / expired
    trial_ends_at: datetime | None
    current_period_end: datetime | None
    price_monthly: int | None
    limits: dict[str, int]

    @property
    def writable(self) -> bool:
        return self.status in {"trialing", "active", "past_due"}

    def days_left(self, now: datetime) -> int | None:
        end = self.trial_ends_at if self.status == "trialing" else self.current_period_end
        if end is None:
            return None
        return max(0, (end - now).days + (1 if (end - now).seconds else 0))


async def seed_plans(session: AsyncSession) -> None:
    """Insert the four default plans that are missing; existing plans are left as edited."""
    existing = set(await session.scalars(select(Plan.code)))
    for spec in DEFAULT_PLANS:
        if spec["code"] not in existing:
            session.add(Plan(**{**spec, "code": str(spec["code"]),
                                "limits": {str(k): v for k, v in spec["limits"].items()}}))
    await session.flush()


async def list_plans(session: AsyncSession) -> list[Plan]:
    """Active plans in display order."""
    rows = await session.scalars(
        select(Plan).where(Plan.is_active.is_(True)).order_by(Plan.sort_order)
    )
    return list(rows)


async def get_plan(session: AsyncSession, code: str) -> Plan:
    plan = await session.scalar(select(Plan).where(Plan.code == code))
    if plan is None:
        raise NotFound(entity="plan", id=code)
    return plan


async def start_trial(
    session: AsyncSession, *, user_id: int, plan_code: str = PlanCode.STARTER
) -> Subscription:
    """Start the plan's trial for an account that has no subscription yet (idempotent)."""
    existing = await session.scalar(select(Subscription).where(Subscription.user_id == user_id))
    if existing is not None:
        return existing
    plan = await get_plan(session, plan_code)
    now = utcnow()
    # An admin's platform-wide trial length (SPEC §6) overrides the plan's own.
    days = await platform_settings.trial_days(session) or plan.trial_days
    sub = Subscription(
        user_id=user_id, plan_id=plan.id, status="trialing", created_at=now,
        trial_ends_at=now + timedelta(days=days),
        current_period_start=now, current_period_end=now + timedelta(days=days),
    )
    session.add(sub)
    await session.flush()
    return sub


def _view(sub: Subscription, now: datetime) -> SubscriptionView:
    status = sub.status
    if status == "trialing" and sub.trial_ends_at is not None and sub.trial_ends_at <= now:
        status = "expired"
    elif (
        status == "active" and sub.current_period_end is not None
        and sub.current_period_end <= now
    ):
        status = "past_due"
    return SubscriptionView(
        plan_code=sub.plan.code, plan_name=sub.plan.name, status=status,
        trial_ends_at=sub.trial_ends_at, current_period_end=sub.current_period_end,
        price_monthly=sub.plan.price_monthly, limits=_with_addons(sub),
    )


# Scale's add-on: each paid pack adds this many businesses (SPEC §5).
ADDON_BUSINESSES = 5


def _with_addons(sub: Subscription) -> dict[str, int]:
    limits = dict(sub.plan.limits)
    base = int(limits.get(Resource.BUSINESSES, UNLIMITED))
    if sub.business_addons and base != UNLIMITED:
        limits[Resource.BUSINESSES] = base + ADDON_BUSINESSES * sub.business_addons
    return limits


async def account_subscription(session: AsyncSession, *, owner_id: int) -> SubscriptionView | None:
    """The owner's subscription with its effective status (a lapsed trial reads 'expired')."""
    sub = await session.scalar(select(Subscription).where(Subscription.user_id == owner_id))
    return None if sub is None else _view(sub, utcnow())


async def account_subscriptions(session: AsyncSession,
                                owner_ids: Collection[int]) -> dict[int, SubscriptionView]:
    """``account_subscription`` for several owners in one query (owners without one are
    left out)."""
    if not owner_ids:
        return {}
    now = utcnow()
    rows = await session.scalars(_SUBSCRIPTIONS_OF, {"owners": sorted(owner_ids)})
    return {sub.user_id: _view(sub, now) for sub in rows}


_SUBSCRIPTIONS_OF = select(Subscription).where(
    Subscription.user_id.in_(bindparam("owners", expanding=True)))


async def business_subscription(session: AsyncSession, *, business_id: int) -> SubscriptionView:
    """The subscription that covers a business: its owner's."""
    # ``get``: no query when the business is already in the session (every bot update)
    business = await session.get(Business, business_id)
    if business is None:
        raise NotFound(entity="business", id=business_id)
    view = await account_subscription(session, owner_id=business.owner_id)
    if view is None:
        raise SubscriptionInactive(reason="none")
    return view


async def require_writable(session: AsyncSession, *, business_id: int) -> SubscriptionView:
    """Raise ``SubscriptionInactive`` when the trial or subscription has lapsed (read-only)."""
    view = await business_subscription(session, business_id=business_id)
    if not view.writable:
        raise SubscriptionInactive(reason=view.status)
    return view


def _status(view: SubscriptionView, resource: Resource, used: int) -> LimitStatus:
    limit = int(view.limits.get(resource.value, UNLIMITED))
    return LimitStatus(resource=resource.value, used=used, limit=limit, plan=view.plan_code)


async def check_limit(
    session: AsyncSession,
    *,
    resource: Resource,
    used: int,
    adding: int = 1,
    business_id: int | None = None,
    owner_id: int | None = None,
) -> LimitStatus:
    """The central check for counted resources: raise ``LimitExceeded`` if ``used + adding``
    passes the plan's limit, else return the status after the action (with its warning level).

    Scope is the business (its owner's plan) or, for account-wide resources such as
    ``businesses``, the owner.
    """
    if business_id is not None:
        view = await business_subscription(session, business_id=business_id)
    elif owner_id is not None:
        maybe = await account_subscription(session, owner_id=owner_id)
        if maybe is None:  # no account yet: the first business starts the trial
            plan = await get_plan(session, PlanCode.STARTER)
            return LimitStatus(resource.value, used + adding,
                               int(plan.limits.get(resource.value, UNLIMITED)), plan.code)
        view = maybe
    else:
        raise ValueError("business_id or owner_id is required")
    status = _status(view, resource, used + adding)
    if not status.unlimited and status.used > status.limit:
        raise LimitExceeded(resource=resource.value, used=used, limit=status.limit,
                            plan=view.plan_code)
    return status


async def limit_status(
    session: AsyncSession, *, business_id: int, resource: Resource, used: int
) -> LimitStatus:
    """Where ``used`` stands against the business's plan limit, without enforcing it."""
    view = await business_subscription(session, business_id=business_id)
    return _status(view, resource, used)


def limit_matrix(
    limits: Mapping[str, int], *, plan: str, used: Mapping[str, int] | None = None
) -> list[LimitRow]:
    """A plan's limits in display order, with usage for the resources given in ``used``."""
    used = used or {}
    rows = []
    for key in LIMIT_ORDER:
        limit = int(limits.get(key, UNLIMITED))
        usage = None
        if key in used:
            usage = LimitStatus(resource=str(key), used=used[key], limit=limit, plan=plan)
        rows.append(LimitRow(resource=str(key), limit=limit, usage=usage))
    return rows


def period_key(resource: Resource, now: datetime | None = None) -> str:
    """The counter bucket for a periodic resource (monthly, daily or hourly, UTC)."""
    return (now or utcnow()).strftime(PERIOD_FORMAT[resource])


async def usage(session: AsyncSession, *, business_id: int, resource: Resource) -> LimitStatus:
    """Current usage of a periodic resource."""
    view = await business_subscription(session, business_id=business_id)
    used = await session.scalar(
        select(UsageCounter.used).where(
            UsageCounter.business_id == business_id,
            UsageCounter.resource == resource.value,
            UsageCounter.period == period_key(resource),
        )
    )
    return _status(view, resource, int(used or 0))


async def usage_many(session: AsyncSession, business_ids: Collection[int], *,
                     resource: Resource, period: str, lock: bool = False) -> dict[int, int]:
    """The counters of several businesses for one bucket (0 where none exists yet);
    ``lock`` holds the rows (PostgreSQL ``FOR UPDATE``) until the transaction ends, so a
    limit checked against them stays true until ``add_usage`` in the same transaction."""
    if not business_ids:
        return {}
    connection = await session.connection()
    rows = await connection.execute(_COUNTERS_LOCKED if lock else _COUNTERS, {
        "ids": sorted(business_ids), "r": resource.value, "p": period})
    found = {int(b): int(u or 0) for b, u in rows}
    return {business_id: found.get(business_id, 0) for business_id in business_ids}


_COUNTER_TABLE = cast(Table, UsageCounter.__table__)
_COUNTERS = select(_COUNTER_TABLE.c.business_id, _COUNTER_TABLE.c.used).where(
    _COUNTER_TABLE.c.business_id.in_(bindparam("ids", expanding=True)),
    _COUNTER_TABLE.c.resource == bindparam("r"), _COUNTER_TABLE.c.period == bindparam("p"))
# in one order, so two batches never wait on each other crosswise
_COUNTERS_LOCKED = _COUNTERS.order_by(_COUNTER_TABLE.c.business_id).with_for_update()


async def add_usage(session: AsyncSession, amounts: Mapping[int, int], *, resource: Resource,
                    period: str) -> None:
    """Add to several businesses' counters without a limit guard (the caller checked the
    limit against ``usage_many(..., lock=True)`` in this transaction). A missing bucket is
    created first (``ON CONFLICT DO NOTHING``: a concurrent first use is harmless). Two
    statements whatever the number of businesses (each compiled once per process)."""
    if not amounts:
        return
    connection = await session.connection()
    rows = [{"b": b, "n": n, "r": resource.value, "p": period} for b, n in sorted(amounts.items())]
    await connection.execute(_NEW_BUCKETS[connection.dialect.name == "postgresql"], rows)
    await connection.execute(_ADD_TO_BUCKETS, rows)


_NEW_BUCKETS = tuple(
    insert(_COUNTER_TABLE).values(business_id=bindparam("b"), resource=bindparam("r"),
                                  period=bindparam("p"), used=0)
    .on_conflict_do_nothing(index_elements=["business_id", "resource", "period"])
    for insert in (sqlite.insert, postgresql.insert))
_ADD_TO_BUCKETS = update(_COUNTER_TABLE).where(
    _COUNTER_TABLE.c.business_id == bindparam("b"), _COUNTER_TABLE.c.resource == bindparam("r"),
    _COUNTER_TABLE.c.period == bindparam("p")).values(used=_COUNTER_TABLE.c.used + bindparam("n"))


async def consume(
    session: AsyncSession, *, business_id: int, resource: Resource, amount: int = 1
) -> LimitStatus:
    """Atomically add to a periodic counter unless that would pass the limit.

    The guarded ``UPDATE ... WHERE used + amount <= limit`` makes concurrent callers safe on
    both SQLite and PostgreSQL; only the bucket's first use inserts.
    """
    view = await business_subscription(session, business_id=business_id)
    limit = int(view.limits.get(resource.value, UNLIMITED))
    key = period_key(resource)
    where = [
        UsageCounter.business_id == business_id,
        UsageCounter.resource == resource.value,
        UsageCounter.period == key,
    ]
    if limit != UNLIMITED:
        where.append(UsageCounter.used + amount <= limit)
    guarded = (update(UsageCounter).where(*where).values(used=UsageCounter.used + amount)
               .execution_options(synchronize_session=False))
    # RETURNING (PostgreSQL, SQLite ≥ 3.35): the common case is this one statement
    counted = (await session.execute(guarded.returning(UsageCounter.used))).scalar_one_or_none()
    if counted is not None:
        return _status(view, resource, int(counted))
    # No row changed: the bucket is full, or it did not exist yet when we looked.
    if await session.scalar(select(UsageCounter.id).where(*where[:3])) is None:
        if limit != UNLIMITED and amount > limit:
            raise LimitExceeded(resource=resource.value, used=0, limit=limit,
                                plan=view.plan_code)
        try:
            async with session.begin_nested():
                session.add(UsageCounter(business_id=business_id, resource=resource.value,
                                         period=key, used=amount))
            inserted = True
        except IntegrityError:  # a concurrent first use created the bucket
            inserted = False
    else:
        inserted = False
    # The bucket exists now (perhaps created by a concurrent caller since our UPDATE):
    # one more guarded UPDATE decides.
    if not inserted and (await session.execute(guarded)).rowcount == 0:  # type: ignore[attr-defined]
        current = await session.scalar(select(UsageCounter.used).where(*where[:3]))
        raise LimitExceeded(resource=resource.value, used=int(current or 0), limit=limit,
                            plan=view.plan_code)
    used = await session.scalar(select(func.coalesce(UsageCounter.used, 0)).where(*where[:3]))
    return _status(view, resource, int(used or 0))
