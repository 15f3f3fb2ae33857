"""Daily stats stay equal to a recomputation from the raw tables, whatever the history."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from services import aggregates, marketing, sales
from services.db.models import DailyStat
from tests.factories import make_owner


async def _history(session: AsyncSession, business_id: int, seed: int, steps: int) -> None:
    rng = random.Random(seed)
    channels = [
        (await marketing.create_channel(session, business_id=business_id, kind=k)).channel.id
        for k in ("instagram", "telegram")]
    today = await sales.business_today(session, business_id=business_id)

    def day() -> date:
        return today - timedelta(days=rng.randrange(5))

    def channel() -> int | None:
        return rng.choice([*channels, None])

    customers = [
        (await sales.find_or_create_customer(session, business_id=business_id,
                                             phone=f"+99890000000{i}", name=f"C{i}"))[0].id
        for i in range(3)]
    spend: list[int] = []
    leads: list[int] = []
    orders: list[int] = []
    for _ in range(steps):
        action = rng.randrange(9)
        if action == 0 or not spend:
            spend.append((await marketing.add_spend(
                session, business_id=business_id, channel_id=rng.choice(channels),
                amount=rng.randrange(1, 10**6), day=day(),
                impressions=rng.choice([None, rng.randrange(10**5)]),
                clicks=rng.choice([None, rng.randrange(500)]))).id)
        elif action == 1:
            await marketing.update_spend(
                session, business_id=business_id, entry_id=rng.choice(spend),
                amount=rng.choice([None, rng.randrange(1, 10**6)]),
                day=rng.choice([None, day()]), channel_id=rng.choice([None, *channels]),
                clicks=rng.choice([None, rng.randrange(500)]))
        elif action == 2 and len(spend) > 1:
            entry = spend.pop(rng.randrange(len(spend)))
            await marketing.delete_spend(session, business_id=business_id, entry_id=entry)
        elif action == 3 or not leads:
            leads.append((await sales.create_lead(
                session, business_id=business_id, name="Lead", channel_id=channel(),
                status=rng.choice(["new", "won"]))).id)
        elif action == 4:
            await sales.update_lead(session, business_id=business_id,
                                    lead_id=rng.choice(leads),
                                    status=rng.choice(sales.STATUSES),
                                    channel_id=rng.choice([None, *channels]))
        elif action == 5 and len(leads) > 1:
            await sales.delete_lead(session, business_id=business_id,
                                    lead_id=leads.pop(rng.randrange(len(leads))))
        elif action == 6 or not orders:
            orders.append((await sales.create_order(
                session, business_id=business_id, total=rng.randrange(1, 10**6),
                channel_id=channel(), customer_id=rng.choice([*customers, None]),
                day=day())).id)
        elif action == 7:
            await sales.update_order(
                session, business_id=business_id, order_id=rng.choice(orders),
                total=rng.choice([None, rng.randrange(1, 10**6)]),
                channel_id=rng.choice([None, *channels]),
                customer_id=rng.choice([None, *customers]), day=rng.choice([None, day()]),
                status=rng.choice([None, *sales.ORDER_STATUSES]))
        elif len(orders) > 1:
            await sales.delete_order(session, business_id=business_id,
                                     order_id=orders.pop(rng.randrange(len(orders))))


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
async def test_random_histories_keep_daily_stats_exact(session: AsyncSession, seed: int
                                                       ) -> None:
    business = await make_owner(session, 51_000 + seed)
    other = await make_owner(session, 52_000 + seed)
    await _history(session, business.id, seed, 60)
    await _history(session, other.id, seed + 100, 20)
    await session.commit()
    for business_id in (business.id, other.id):
        want = await aggregates.expected(session, business_id=business_id)
        assert want  # the history produced something to check
        assert await aggregates.stored(session, business_id=business_id) == want
    # customer totals agree with their paid orders
    for customer in await sales.list_customers(session, business_id=business.id):
        orders = [o for o in await sales.list_orders(session, business_id=business.id,
                                                     limit=1000)
                  if o.customer_id == customer.id and o.status == "paid"]
        assert customer.orders_count == len(orders)
        assert customer.total_spent == sum(o.total for o in orders)


async def test_recompute_repairs_a_damaged_table(session: AsyncSession) -> None:
    business = await make_owner(session, 53_001)
    await _history(session, business.id, 7, 30)
    want = await aggregates.expected(session, business_id=business.id)
    await session.execute(update(DailyStat).where(DailyStat.business_id == business.id)
                          .values(revenue=DailyStat.revenue + 5, leads=0))
    assert await aggregates.stored(session, business_id=business.id) != want
    assert await aggregates.recompute(session, business_id=business.id) == len(want)
    await session.commit()
    assert await aggregates.stored(session, business_id=business.id) == want


async def test_new_customer_moves_with_the_first_order(session: AsyncSession) -> None:
    business = await make_owner(session, 53_002)
    today = await sales.business_today(session, business_id=business.id)
    customer, created = await sales.find_or_create_customer(
        session, business_id=business.id, phone="90 123 45 67", name="Aziza")
    assert created and customer.phone == "+998901234567"
    first = await sales.create_order(session, business_id=business.id, total=100_000,
                                     customer_id=customer.id, day=today - timedelta(days=2))
    await sales.create_order(session, business_id=business.id, total=50_000,
                             customer_id=customer.id, day=today)
    stats = await aggregates.stored(session, business_id=business.id)
    assert stats[(today - timedelta(days=2), 0)]["new_customers"] == 1
    assert stats[(today, 0)]["new_customers"] == 0
    await sales.set_order_status(session, business_id=business.id, order_id=first.id,
                                 status="cancelled")
    stats = await aggregates.stored(session, business_id=business.id)
    assert (today - timedelta(days=2), 0) not in stats
    assert stats[(today, 0)] == {**dict.fromkeys(aggregates.METRICS, 0), "orders": 1,
                                 "revenue": 50_000, "new_customers": 1}
    again = await sales.get_customer(session, business_id=business.id, customer_id=customer.id)
    assert (again.orders_count, again.total_spent) == (1, 50_000)
    assert again.first_order_at is not None and again.first_order_at.tzinfo is not None


async def test_business_timezone_is_read_once_per_session_and_follows_a_change(
        session: AsyncSession) -> None:
    from services import users
    from services.errors import NotFound

    business = await make_owner(session, 9181)
    assert await aggregates.business_timezone(session, business_id=business.id) == \
        "Asia/Tashkent"
    assert session.info[aggregates.TIMEZONE_CACHE] == {business.id: "Asia/Tashkent"}
    await users.set_timezone(session, user_id=9181, value="Europe/Moscow")
    await session.flush()
    assert await aggregates.business_timezone(session, business_id=business.id) == \
        "Europe/Moscow"
    with pytest.raises(NotFound):
        await aggregates.business_timezone(session, business_id=987_655)
