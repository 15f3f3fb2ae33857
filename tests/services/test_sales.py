"""Leads, customers and orders: parsing, the monthly leads limit, isolation."""

from __future__ import annotations

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from services import plans, sales
from services.db.models import Plan
from services.errors import InvalidInput, LimitExceeded, NotFound
from services.plans import Resource
from services.sales import OrderItem
from tests.factories import make_owner


def test_parse_lead_args() -> None:
    parsed = sales.parse_lead_args("Aziza Karimova +998 90 123-45-67 insta")
    assert parsed == sales.LeadArgs("Aziza Karimova", "+998901234567", "insta")
    assert sales.parse_lead_args("Bobur 901234567") == sales.LeadArgs("Bobur", "+998901234567",
                                                                     None)
    assert sales.parse_lead_args("Telegram") == sales.LeadArgs("Telegram", None, None)
    with pytest.raises(InvalidInput):
        sales.parse_lead_args("+998901234567")


def test_parse_order_args_and_items() -> None:
    assert sales.parse_order_args("250 000 instagram Aziza +998901234567") == sales.OrderArgs(
        250_000, "instagram", "Aziza", "+998901234567")
    assert sales.parse_order_args("1.5 mln") == sales.OrderArgs(1_500_000, None, None, None)
    with pytest.raises(InvalidInput):
        sales.parse_order_args("Aziza")
    items = sales.parse_items("Latte 2 x 25 000\nCake 30 000; Tea 3×5k")
    assert items == (OrderItem("Latte", 2, 25_000), OrderItem("Cake", 1, 30_000),
                     OrderItem("Tea", 3, 5_000))
    with pytest.raises(InvalidInput):
        sales.parse_items("just words")
    assert sales.parse_utm("instagram / stories / bf") == ("instagram", "stories", "bf")
    assert sales.parse_utm("https://x.uz/?utm_source=tg&utm_campaign=nov") == (
        "tg", None, "nov")


async def test_lead_validation_and_monthly_limit(session: AsyncSession) -> None:
    business = await make_owner(session, 62_001)
    with pytest.raises(InvalidInput):
        await sales.create_lead(session, business_id=business.id, name="Ali", phone="123")
    with pytest.raises(InvalidInput):
        await sales.create_lead(session, business_id=business.id, name="Ali", stage="nope")
    await session.execute(update(Plan).where(Plan.code == "starter").values(
        limits={**plans.DEFAULT_PLANS[0]["limits"], "leads_per_month": 5}))
    await session.commit()
    for i in range(5):
        lead = await sales.create_lead(session, business_id=business.id, name=f"L{i}",
                                       phone=f"90 000 00 0{i}", source="import")
    assert lead.phone == "+998900000004" and lead.source == "import"
    usage = await plans.usage(session, business_id=business.id,
                              resource=Resource.LEADS_PER_MONTH)
    assert (usage.used, usage.warning) == (5, 90)
    with pytest.raises(LimitExceeded):
        await sales.create_lead(session, business_id=business.id, name="One too many")
    # deleting does not give the unit back: the counter counts leads taken in this month
    await sales.delete_lead(session, business_id=business.id, lead_id=lead.id)
    with pytest.raises(LimitExceeded):
        await sales.create_lead(session, business_id=business.id, name="Still too many")


async def test_won_sets_and_unwon_clears_won_at(session: AsyncSession) -> None:
    business = await make_owner(session, 62_002)
    lead = await sales.create_lead(session, business_id=business.id, name="Ali")
    won = await sales.update_lead(session, business_id=business.id, lead_id=lead.id,
                                  status="won", stage="purchase", score=90)
    assert won.won_at is not None and (won.stage, won.score) == ("purchase", 90)
    lost = await sales.update_lead(session, business_id=business.id, lead_id=lead.id,
                                   status="lost")
    assert lost.won_at is None
    with pytest.raises(InvalidInput):
        await sales.update_lead(session, business_id=business.id, lead_id=lead.id, score=101)


async def test_tenant_isolation(session: AsyncSession) -> None:
    mine = await make_owner(session, 62_003)
    theirs = await make_owner(session, 62_004)
    lead = await sales.create_lead(session, business_id=mine.id, name="Ali")
    customer, _ = await sales.find_or_create_customer(session, business_id=mine.id,
                                                      phone="+998901112233")
    assert customer.name == "+998901112233"
    order = await sales.create_order(session, business_id=mine.id, total=1000,
                                     customer_id=customer.id)
    for call in (
        sales.get_lead(session, business_id=theirs.id, lead_id=lead.id),
        sales.update_lead(session, business_id=theirs.id, lead_id=lead.id, status="won"),
        sales.delete_lead(session, business_id=theirs.id, lead_id=lead.id),
        sales.get_order(session, business_id=theirs.id, order_id=order.id),
        sales.set_order_status(session, business_id=theirs.id, order_id=order.id,
                               status="refunded"),
        sales.delete_order(session, business_id=theirs.id, order_id=order.id),
        sales.create_order(session, business_id=theirs.id, total=5, customer_id=customer.id),
        sales.get_customer(session, business_id=theirs.id, customer_id=customer.id),
    ):
        with pytest.raises(NotFound):
            await call
    # the same phone in another business is another customer
    other, created = await sales.find_or_create_customer(session, business_id=theirs.id,
                                                         phone="+998901112233")
    assert created and other.id != customer.id
    assert (await sales.get_order(session, business_id=mine.id, order_id=order.id)).status == (
        "paid")


async def test_order_items_total_and_customer_totals(session: AsyncSession) -> None:
    business = await make_owner(session, 62_005)
    customer, _ = await sales.find_or_create_customer(session, business_id=business.id,
                                                      phone="901234567", name="Aziza")
    order = await sales.create_order(
        session, business_id=business.id, customer_id=customer.id,
        items=[OrderItem("Latte", 2, 25_000), OrderItem("Cake", 1, 30_000)])
    assert order.total == 80_000
    found, created = await sales.find_or_create_customer(session, business_id=business.id,
                                                         phone="+998 90 123 45 67")
    assert not created and (found.orders_count, found.total_spent) == (1, 80_000)
    await sales.update_order(session, business_id=business.id, order_id=order.id, total=90_000)
    assert (await sales.get_customer(session, business_id=business.id,
                                     customer_id=customer.id)).total_spent == 90_000
    with pytest.raises(InvalidInput):
        await sales.create_order(session, business_id=business.id)
    with pytest.raises(InvalidInput):
        await sales.set_order_status(session, business_id=business.id, order_id=order.id,
                                     status="lost")
