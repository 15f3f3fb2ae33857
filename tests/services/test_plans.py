"""Plans, limits and the subscription state (SPEC §5)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services import plans
from services.db.base import utcnow
from services.db.models import Plan, Subscription, UsageCounter
from services.errors import LimitExceeded, SubscriptionInactive
from services.plans import PlanCode, Resource
from tests.conftest import Database
from tests.factories import make_owner

U = plans.UNLIMITED


async def _switch_plan(session: AsyncSession, owner_id: int, code: str) -> None:
    plan = await plans.get_plan(session, code)
    await session.execute(update(Subscription).where(Subscription.user_id == owner_id)
                          .values(plan_id=plan.id))
    await session.commit()
    session.expire_all()


async def _set_limit(session: AsyncSession, code: str, resource: str, value: int) -> None:
    plan = await plans.get_plan(session, code)
    plan.limits = {**plan.limits, resource: value}
    await session.commit()


async def expire_trial(session: AsyncSession, owner_id: int) -> None:
    past = utcnow() - timedelta(minutes=1)
    await session.execute(update(Subscription).where(Subscription.user_id == owner_id)
                          .values(trial_ends_at=past, current_period_end=past))
    await session.commit()
    session.expire_all()


async def test_seeded_matrix_matches_the_spec(session: AsyncSession) -> None:
    rows = {p.code: p for p in await plans.list_plans(session)}
    assert list(rows) == ["starter", "growth", "scale", "enterprise"]
    expected = {  # businesses, team, channels, avatars, competitors, leads, bots, messages
        "starter": (2, 3, 3, 2, 3, 500, 1, 1_000, 90, 500),
        "growth": (5, 10, 10, 5, 10, 2_000, 3, 10_000, 365, 5_000),
        "scale": (10, 25, U, U, U, U, U, U, 3 * 365, 50_000),
        "enterprise": (U, U, U, U, U, U, U, U, U, U),
    }
    keys = ("businesses", "team_members", "channels", "avatars", "competitors",
            "leads_per_month", "chatbots", "chatbot_messages_per_month", "retention_days",
            "api_calls_per_day")
    for code, values in expected.items():
        assert tuple(rows[code].limits[k] for k in keys) == values, code
    prices = {code: (p.price_monthly, p.price_yearly) for code, p in rows.items()}
    assert prices == {"starter": (399_000, 3_830_400), "growth": (999_000, 9_590_400),
                      "scale": (2_490_000, 23_904_000), "enterprise": (None, None)}
    assert {code: p.trial_days for code, p in rows.items()} == {
        "starter": 7, "growth": 7, "scale": 7, "enterprise": 14}
    await plans.seed_plans(session)  # idempotent
    assert len(await plans.list_plans(session)) == 4


async def test_check_limit_warns_at_80_and_90_and_allows_the_exact_limit(
        session: AsyncSession) -> None:
    bid = (await make_owner(session, 3001)).id
    await _switch_plan(session, 3001, PlanCode.GROWTH)  # 10 team members

    async def check(used: int) -> plans.LimitStatus:
        return await plans.check_limit(session, business_id=bid,
                                       resource=Resource.TEAM_MEMBERS, used=used)

    assert (await check(6)).warning is None  # 7 of 10
    status = await check(7)  # 8 of 10
    assert (status.used, status.limit, status.warning, status.percent) == (8, 10, 80, 80)
    assert (await check(8)).warning == 90  # 9 of 10
    exact = await check(9)  # the 10th of 10 is still allowed
    assert (exact.used, exact.warning, exact.percent) == (10, 90, 100)
    with pytest.raises(LimitExceeded) as info:
        await check(10)
    assert info.value.params == {"resource": "team_members", "used": 10, "limit": 10,
                                 "plan": "growth"}


async def test_check_limit_unlimited_never_refuses(session: AsyncSession) -> None:
    bid = (await make_owner(session, 3002)).id
    await _switch_plan(session, 3002, PlanCode.SCALE)
    status = await plans.check_limit(session, business_id=bid,
                                     resource=Resource.COMPETITORS, used=1_000_000)
    assert status.unlimited and status.warning is None and status.percent == 0


async def test_check_limit_by_owner_before_and_after_the_first_business(
        session: AsyncSession) -> None:
    # No account yet: the Starter limits apply (2 businesses).
    first = await plans.check_limit(session, owner_id=3003, resource=Resource.BUSINESSES,
                                    used=0)
    assert (first.used, first.limit, first.plan) == (1, 2, "starter")
    await make_owner(session, 3003)
    second = await plans.check_limit(session, owner_id=3003, resource=Resource.BUSINESSES,
                                     used=1)
    assert second.warning == 90
    with pytest.raises(LimitExceeded):
        await plans.check_limit(session, owner_id=3003, resource=Resource.BUSINESSES, used=2)
    with pytest.raises(ValueError):
        await plans.check_limit(session, resource=Resource.BUSINESSES, used=0)


async def test_consume_counts_up_to_the_limit(session: AsyncSession) -> None:
    bid = (await make_owner(session, 3004)).id
    await _set_limit(session, "starter", "leads_per_month", 3)
    first = await plans.consume(session, business_id=bid,
                                resource=Resource.LEADS_PER_MONTH)
    assert (first.used, first.limit) == (1, 3)
    third = await plans.consume(session, business_id=bid,
                                resource=Resource.LEADS_PER_MONTH, amount=2)
    assert (third.used, third.warning) == (3, 90)
    with pytest.raises(LimitExceeded):
        await plans.consume(session, business_id=bid,
                            resource=Resource.LEADS_PER_MONTH)
    usage = await plans.usage(session, business_id=bid,
                              resource=Resource.LEADS_PER_MONTH)
    assert usage.used == 3
    # A batch larger than the whole limit is refused even on the bucket's first use.
    with pytest.raises(LimitExceeded):
        await plans.consume(session, business_id=bid,
                            resource=Resource.CHATBOT_MESSAGES_PER_MONTH, amount=1_001)


@pytest.mark.parametrize("prefill", [False, True], ids=["first-use", "existing-bucket"])
async def test_concurrent_consumes_never_pass_the_limit(db: Database, session: AsyncSession,
                                                        prefill: bool) -> None:
    bid = (await make_owner(session, 3005)).id
    await _set_limit(session, "starter", "leads_per_month", 5)
    if prefill:
        await plans.consume(session, business_id=bid,
                            resource=Resource.LEADS_PER_MONTH)
        await session.commit()

    async def one() -> bool:
        async with db.sessionmaker() as s:
            try:
                await plans.consume(s, business_id=bid,
                                    resource=Resource.LEADS_PER_MONTH)
            except LimitExceeded:
                await s.rollback()
                return False
            await s.commit()
            return True

    results = await asyncio.gather(*(one() for _ in range(12)))
    assert sum(results) == 5 - int(prefill)
    async with db.sessionmaker() as s:
        used = await s.scalar(select(UsageCounter.used).where(
            UsageCounter.business_id == bid))
    assert used == 5


async def test_period_keys() -> None:
    moment = utcnow().replace(year=2026, month=11, day=24, hour=7)
    assert plans.period_key(Resource.LEADS_PER_MONTH, moment) == "2026-11"
    assert plans.period_key(Resource.API_CALLS_PER_DAY, moment) == "2026-11-24"
    assert plans.period_key(Resource.AI_REQUESTS_PER_HOUR, moment) == "112407"


async def test_trial_expiry_makes_the_business_read_only(session: AsyncSession) -> None:
    bid = (await make_owner(session, 3006)).id
    live = await plans.require_writable(session, business_id=bid)
    assert live.status == "trialing" and live.days_left(utcnow()) == 7
    await plans.start_trial(session, user_id=3006)  # idempotent: no second trial
    assert len((await session.scalars(select(Subscription))).all()) == 1
    await expire_trial(session, 3006)
    with pytest.raises(SubscriptionInactive) as info:
        await plans.require_writable(session, business_id=bid)
    assert info.value.params == {"reason": "expired"}
    view = await plans.business_subscription(session, business_id=bid)
    assert view.status == "expired" and not view.writable and view.days_left(utcnow()) == 0


async def test_an_overdue_paid_period_stays_writable(session: AsyncSession) -> None:
    bid = (await make_owner(session, 3007)).id
    await session.execute(update(Subscription).where(Subscription.user_id == 3007).values(
        status="active", current_period_end=utcnow() - timedelta(days=1)))
    await session.commit()
    session.expire_all()
    view = await plans.require_writable(session, business_id=bid)
    assert view.status == "past_due"
    await session.execute(update(Subscription).where(Subscription.user_id == 3007)
                          .values(status="canceled"))
    await session.commit()
    session.expire_all()
    with pytest.raises(SubscriptionInactive):
        await plans.require_writable(session, business_id=bid)


async def test_limit_matrix_and_limit_status(session: AsyncSession) -> None:
    bid = (await make_owner(session, 3008)).id
    plan = await session.scalar(select(Plan).where(Plan.code == "starter"))
    assert plan is not None
    rows = plans.limit_matrix(plan.limits, plan="starter",
                              used={Resource.BUSINESSES: 1, Resource.TEAM_MEMBERS: 3})
    assert [r.resource for r in rows] == list(plans.LIMIT_ORDER)
    by_key = {r.resource: r for r in rows}
    assert by_key["team_members"].usage is not None
    assert by_key["team_members"].usage.warning == 90
    assert by_key["businesses"].usage.percent == 50  # type: ignore[union-attr]
    assert by_key["channels"].usage is None and by_key["channels"].limit == 3
    # Showing usage never raises, even past the limit (e.g. after a downgrade).
    over = await plans.limit_status(session, business_id=bid,
                                    resource=Resource.TEAM_MEMBERS, used=5)
    assert (over.used, over.limit, over.percent) == (5, 3, 100)
