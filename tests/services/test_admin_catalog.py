"""Admin plan catalogue: validation, audit, seeding keeps edits, a switched-off plan is not
offered; the billing invoice list with its filter, pages and lines."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services import plans
from services.admin import accounts, catalog
from services.billing import invoices
from services.db.models import AuditLog, Invoice
from services.errors import Conflict, InvalidInput
from services.plans import PlanCode, Resource
from tests.factories import make_owner

ADMIN = 900_000_001


@pytest.mark.parametrize(("text", "value"), [("0", 0), ("1 500", 1500), ("2_000", 2000),
                                             ("-1", -1), ("∞", -1), (" 12 ", 12)])
def test_limit_values_parse(text: str, value: int) -> None:
    assert catalog.parse_amount(text, allow_unlimited=True) == value


@pytest.mark.parametrize("text", ["-2", "abc", "1.5", "", "∞∞"])
def test_bad_limit_values_are_rejected(text: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        catalog.parse_amount(text, allow_unlimited=True)
    assert exc.value.reason == "limit_value"


def test_a_price_is_never_unlimited() -> None:
    with pytest.raises(InvalidInput) as exc:
        catalog.parse_amount("-1", allow_unlimited=False)
    assert exc.value.reason == "number"


async def _starter(session: AsyncSession) -> int:
    return (await plans.get_plan(session, PlanCode.STARTER)).id


async def test_edits_are_audited_and_survive_seeding(session: AsyncSession) -> None:
    await make_owner(session, 301)
    plan_id = await _starter(session)
    edited = await catalog.set_limit(session, admin_id=ADMIN, plan_id=plan_id,
                                     resource=Resource.CHANNELS, text="7")
    assert edited.limits[Resource.CHANNELS] == 7 and edited.subscribers == 1
    await catalog.set_price(session, admin_id=ADMIN, plan_id=plan_id,
                            field=catalog.PriceField.MONTHLY, text="450 000")
    await session.commit()
    await plans.seed_plans(session)  # what every start-up runs
    await session.commit()
    session.expire_all()
    plan = await plans.get_plan(session, PlanCode.STARTER)
    assert plan.limits[Resource.CHANNELS] == 7 and plan.price_monthly == 450_000
    rows = list(await session.scalars(select(AuditLog).where(
        AuditLog.action.startswith("admin.plan")).order_by(AuditLog.id)))
    assert [(r.action, r.user_id) for r in rows] == [("admin.plan.limit", ADMIN),
                                                     ("admin.plan.price", ADMIN)]
    assert rows[0].details == {"plan": "starter", "resource": "channels", "before": 3,
                               "after": 7}
    assert rows[1].details["before"] == 399_000 and rows[1].details["after"] == 450_000
    # and the business on Starter now gets the edited limit
    business = await make_owner(session, 302)
    sub = await plans.business_subscription(session, business_id=business.id)
    assert sub.limits[Resource.CHANNELS] == 7


async def test_unknown_resource_is_rejected(session: AsyncSession) -> None:
    with pytest.raises(InvalidInput):
        await catalog.set_limit(session, admin_id=ADMIN, plan_id=await _starter(session),
                                resource="rockets", text="1")


async def test_a_switched_off_plan_is_not_offered_but_kept(session: AsyncSession) -> None:
    business = await make_owner(session, 303)
    plan_id = await _starter(session)
    await catalog.set_active(session, admin_id=ADMIN, plan_id=plan_id, active=False)
    assert PlanCode.STARTER not in [p.code for p in await plans.list_plans(session)]
    assert PlanCode.STARTER in [p.code for p in await catalog.list_all(session)]
    sub = await plans.business_subscription(session, business_id=business.id)
    assert sub.plan_code == PlanCode.STARTER and sub.writable
    await catalog.set_active(session, admin_id=ADMIN, plan_id=plan_id, active=True)
    assert PlanCode.STARTER in [p.code for p in await plans.list_plans(session)]
    actions = list(await session.scalars(select(AuditLog.action).where(
        AuditLog.action.startswith("admin.plan")).order_by(AuditLog.id)))
    assert actions == ["admin.plan.deactivate", "admin.plan.activate"]


async def test_create_plan_copies_limits(session: AsyncSession) -> None:
    growth = await plans.get_plan(session, PlanCode.GROWTH)
    created = await catalog.create_plan(session, admin_id=ADMIN, code="Pro", name="Pro",
                                        price_monthly="1500000", price_yearly="14400000",
                                        copy_from=growth.id)
    assert created.code == "pro" and created.limits == growth.limits
    assert created.price_monthly == 1_500_000 and created.is_active
    assert [p.code for p in await plans.list_plans(session)][-1] == "pro"
    with pytest.raises(Conflict):
        await catalog.create_plan(session, admin_id=ADMIN, code="pro", name="Again",
                                  price_monthly="1", price_yearly="1", copy_from=growth.id)
    with pytest.raises(InvalidInput) as exc:
        await catalog.create_plan(session, admin_id=ADMIN, code="x y", name="Bad",
                                  price_monthly="1", price_yearly="1", copy_from=growth.id)
    assert exc.value.reason == "plan_code"
    audit = await session.scalar(select(AuditLog).where(AuditLog.action == "admin.plan.create"))
    assert audit is not None and audit.details["copied_from"] == "growth"


async def test_invoice_list_filters_pages_and_lines(session: AsyncSession) -> None:
    business = await make_owner(session, 304)
    made = []
    for _ in range(12):
        made.append(await invoices.create_invoice(session, user_id=304,
                                                  business_id=business.id,
                                                  plan_code="scale", cycle="monthly",
                                                  addons=1))
    paid = await session.get(Invoice, made[0].id)
    assert paid is not None
    paid.status = "paid"
    await session.flush()
    first = await accounts.list_invoices(session)
    assert (first.total, first.pages, first.page, len(first.rows)) == (12, 2, 0, 10)
    assert first.rows[0].id == made[-1].id and first.rows[0].plan == "Scale"
    last = await accounts.list_invoices(session, page=5)  # past the end: the last page
    assert last.page == 1 and len(last.rows) == 2
    only_paid = await accounts.list_invoices(session, status="paid")
    assert [r.number for r in only_paid.rows] == [made[0].number]
    with pytest.raises(InvalidInput):
        await accounts.list_invoices(session, status="lost")
    lines = await accounts.invoice_lines(session, invoice_id=made[0].id)
    assert [(line.kind, line.quantity, line.amount) for line in lines] == [
        ("plan", 1, 2_490_000), ("addon", 1, 990_000)]
