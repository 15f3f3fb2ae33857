"""The plan catalogue as platform admins manage it (SPEC §6): prices, the limit matrix,
activation and new plans; every change is audited."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services import audit
from services.db.models import Plan, Subscription
from services.errors import Conflict, InvalidInput, NotFound
from services.plans import LIMIT_ORDER, UNLIMITED
from services.validation import clean_text

CODE_RE = re.compile(r"^[a-z][a-z0-9_]{1,31}$")
NAME_MAX = 64
MAX_VALUE = 10**12  # a typo guard: nothing on a plan is a trillion
UNLIMITED_WORDS = frozenset({"-1", "∞", "inf", "unlimited"})


class PriceField(StrEnum):
    MONTHLY = "price_monthly"
    YEARLY = "price_yearly"


@dataclass(frozen=True, slots=True)
class PlanSummary:
    """One plan with how many accounts are on it."""

    id: int
    code: str
    name: str
    price_monthly: int | None
    price_yearly: int | None
    is_active: bool
    subscribers: int
    limits: dict[str, int]


def parse_amount(text: str, *, allow_unlimited: bool) -> int:
    """A typed limit or price: a whole number ≥ 0 (spaces, commas and ``_`` ignored), or
    for limits ``-1``/``∞`` meaning unlimited; raises ``InvalidInput``."""
    raw = text.strip().lower()
    if allow_unlimited and raw in UNLIMITED_WORDS:
        return UNLIMITED
    digits = re.sub(r"[\s,_\u00a0\u202f]", "", raw)
    if not digits.isdigit():
        raise InvalidInput(field="amount", reason="limit_value" if allow_unlimited
                           else "number")
    value = int(digits)
    if value > MAX_VALUE:
        raise InvalidInput(field="amount", reason="range", min=0, max=MAX_VALUE)
    return value


def _summary(plan: Plan, subscribers: int) -> PlanSummary:
    return PlanSummary(id=plan.id, code=plan.code, name=plan.name,
                       price_monthly=plan.price_monthly, price_yearly=plan.price_yearly,
                       is_active=plan.is_active, subscribers=subscribers,
                       limits={str(k): int(v) for k, v in (plan.limits or {}).items()})


async def _counts(session: AsyncSession) -> dict[int, int]:
    rows = await session.execute(select(Subscription.plan_id, func.count())
                                 .group_by(Subscription.plan_id))
    return {int(plan_id): int(count) for plan_id, count in rows}


async def list_all(session: AsyncSession) -> list[PlanSummary]:
    """Every plan, active or not, in display order, with its subscriber count."""
    counts = await _counts(session)
    rows = await session.scalars(select(Plan).order_by(Plan.sort_order, Plan.id))
    return [_summary(p, counts.get(p.id, 0)) for p in rows]


async def _plan(session: AsyncSession, plan_id: int) -> Plan:
    plan = await session.get(Plan, plan_id)
    if plan is None:
        raise NotFound(entity="plan", id=plan_id)
    return plan


async def get(session: AsyncSession, *, plan_id: int) -> PlanSummary:
    """One plan with its subscriber count."""
    plan = await _plan(session, plan_id)
    return _summary(plan, (await _counts(session)).get(plan.id, 0))


async def set_limit(session: AsyncSession, *, admin_id: int, plan_id: int, resource: str,
                    text: str) -> PlanSummary:
    """Set one limit of the matrix from what the admin typed."""
    if resource not in LIMIT_ORDER:
        raise InvalidInput(field="resource", reason="choice")
    value = parse_amount(text, allow_unlimited=True)
    plan = await _plan(session, plan_id)
    limits = dict(plan.limits or {})
    before = limits.get(resource)
    limits[resource] = value
    plan.limits = limits  # a new dict, so the JSON column is seen as changed
    await audit.record(session, action="admin.plan.limit", user_id=admin_id, plan=plan.code,
                       resource=resource, before=before, after=value)
    await session.flush()
    return await get(session, plan_id=plan_id)


async def set_price(session: AsyncSession, *, admin_id: int, plan_id: int, field: PriceField,
                    text: str) -> PlanSummary:
    """Set the monthly or yearly price (so'm) from what the admin typed."""
    value = parse_amount(text, allow_unlimited=False)
    plan = await _plan(session, plan_id)
    before = getattr(plan, field.value)
    setattr(plan, field.value, value)
    await audit.record(session, action="admin.plan.price", user_id=admin_id, plan=plan.code,
                       field=field.value, before=before, after=value)
    await session.flush()
    return await get(session, plan_id=plan_id)


async def set_active(session: AsyncSession, *, admin_id: int, plan_id: int,
                     active: bool) -> PlanSummary:
    """Offer the plan again, or stop offering it (its subscribers keep it)."""
    plan = await _plan(session, plan_id)
    before = plan.is_active
    plan.is_active = active
    await audit.record(session, action="admin.plan.activate" if active
                       else "admin.plan.deactivate", user_id=admin_id, plan=plan.code,
                       before=before, after=active)
    await session.flush()
    return await get(session, plan_id=plan_id)


async def create_plan(session: AsyncSession, *, admin_id: int, code: str, name: str,
                      price_monthly: str, price_yearly: str, copy_from: int) -> PlanSummary:
    """A new plan (active, last in order) whose limits, features and trial are copied from
    ``copy_from``."""
    code = code.strip().lower()
    if not CODE_RE.match(code):
        raise InvalidInput(field="code", reason="plan_code")
    if await session.scalar(select(Plan.id).where(Plan.code == code)) is not None:
        raise Conflict(reason="plan_exists")
    title = clean_text(name, field="name", max_len=NAME_MAX)
    monthly = parse_amount(price_monthly, allow_unlimited=False)
    yearly = parse_amount(price_yearly, allow_unlimited=False)
    source = await _plan(session, copy_from)
    last = await session.scalar(select(func.max(Plan.sort_order)))
    plan = Plan(code=code, name=title, price_monthly=monthly, price_yearly=yearly,
                trial_days=source.trial_days, limits=dict(source.limits or {}),
                features=dict(source.features or {}), is_active=True,
                sort_order=int(last or 0) + 1)
    session.add(plan)
    await session.flush()
    await audit.record(session, action="admin.plan.create", user_id=admin_id, plan=code,
                       copied_from=source.code, price_monthly=monthly, price_yearly=yearly)
    return _summary(plan, 0)
