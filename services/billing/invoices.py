"""Prices (monthly, yearly with 20% off, Scale's add-on), quotes with coupons, and invoices."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services import plans
from services.billing import coupons
from services.db.base import utcnow
from services.db.models import Invoice, Plan
from services.errors import InvalidInput, NotFound

ADDON_PRICE_MONTHLY = 990_000
YEARLY_DISCOUNT_PCT = 20
MAX_ADDONS = 10


class Cycle(StrEnum):
    MONTHLY = "monthly"
    YEARLY = "yearly"


class InvoiceStatus(StrEnum):
    DRAFT = "draft"
    PENDING = "pending"
    PAID = "paid"
    FAILED = "failed"
    REFUNDED = "refunded"


class Provider(StrEnum):
    PAYME = "payme"
    CLICK = "click"
    TELEGRAM = "telegram"


@dataclass(frozen=True, slots=True)
class Quote:
    plan_code: str
    plan_name: str
    cycle: str
    addons: int
    plan_price: int
    addon_price: int
    subtotal: int
    discount: int
    total: int
    coupon_code: str | None


@dataclass(frozen=True, slots=True)
class InvoiceView:
    id: int
    number: str
    user_id: int
    business_id: int | None
    plan_code: str
    plan_name: str
    cycle: str
    addons: int
    subtotal: int
    discount: int
    total: int
    status: str
    provider: str | None
    created_at: datetime
    paid_at: datetime | None
    period_start: datetime | None
    period_end: datetime | None

    @property
    def tiyin(self) -> int:
        return self.total * 100


def view(invoice: Invoice) -> InvoiceView:
    return InvoiceView(
        id=invoice.id, number=invoice.number or str(invoice.id), user_id=invoice.user_id,
        business_id=invoice.business_id, plan_code=invoice.plan.code,
        plan_name=invoice.plan.name, cycle=invoice.cycle, addons=invoice.addons,
        subtotal=invoice.subtotal, discount=invoice.discount, total=invoice.total,
        status=invoice.status, provider=invoice.provider, created_at=invoice.created_at,
        paid_at=invoice.paid_at, period_start=invoice.period_start,
        period_end=invoice.period_end)


def plan_price(plan: Plan, cycle: str) -> int:
    """The plan's price for one cycle; Enterprise (custom) cannot be bought in the bot."""
    price = plan.price_yearly if cycle == Cycle.YEARLY else plan.price_monthly
    if price is None:
        raise InvalidInput(field="plan", reason="custom_price")
    return price


def addon_price(plan: Plan, cycle: str) -> int:
    """One "+5 businesses" pack for one cycle (yearly at the same 20% off)."""
    addon: dict[str, Any] = dict(plan.features or {}).get("business_addon") or {}
    monthly = int(addon.get("price_monthly", ADDON_PRICE_MONTHLY))
    if cycle == Cycle.YEARLY:
        return monthly * 12 * (100 - YEARLY_DISCOUNT_PCT) // 100
    return monthly


def supports_addons(plan: Plan) -> bool:
    return bool(dict(plan.features or {}).get("business_addon"))


async def quote(session: AsyncSession, *, user_id: int, plan_code: str, cycle: str,
                addons: int = 0, coupon_code: str | None = None,
                now: datetime | None = None) -> Quote:
    """What the account would pay; a coupon that can't be used raises ``InvalidInput``."""
    if cycle not in set(Cycle):
        raise InvalidInput(field="cycle", reason="choice")
    plan = await plans.get_plan(session, plan_code)
    if not plan.is_active:
        raise NotFound(entity="plan", id=plan_code)
    if addons and not supports_addons(plan):
        raise InvalidInput(field="addons", reason="choice")
    if not 0 <= addons <= MAX_ADDONS:
        raise InvalidInput(field="addons", reason="range", min=0, max=MAX_ADDONS)
    base = plan_price(plan, cycle)
    extra = addon_price(plan, cycle) * addons
    subtotal = base + extra
    discount, code = 0, None
    if coupon_code:
        coupon = await coupons.check_coupon(session, code=coupon_code, user_id=user_id,
                                            now=now,
                                            paid_invoice_ids=await _settled_ids(session,
                                                                                user_id))
        discount = coupons.discount_for(kind=coupon.kind, value=coupon.value,
                                        subtotal=subtotal)
        code = coupon.code
    if subtotal - discount <= 0:
        raise InvalidInput(field="coupon", reason="coupon_total_zero")
    return Quote(plan_code=plan.code, plan_name=plan.name, cycle=cycle, addons=addons,
                 plan_price=base, addon_price=extra, subtotal=subtotal, discount=discount,
                 total=subtotal - discount, coupon_code=code)


async def create_invoice(session: AsyncSession, *, user_id: int, business_id: int | None,
                         plan_code: str, cycle: str, addons: int = 0,
                         coupon_code: str | None = None,
                         now: datetime | None = None) -> InvoiceView:
    """A pending invoice for the quote; the coupon's use is taken now (atomically)."""
    now = now or utcnow()
    q = await quote(session, user_id=user_id, plan_code=plan_code, cycle=cycle,
                    addons=addons, coupon_code=coupon_code, now=now)
    plan = await plans.get_plan(session, q.plan_code)
    invoice = Invoice(user_id=user_id, business_id=business_id, plan_id=plan.id, cycle=cycle,
                      addons=addons, subtotal=q.subtotal, discount=q.discount, total=q.total,
                      status=InvoiceStatus.PENDING, created_at=now)
    session.add(invoice)
    await session.flush()
    invoice.number = f"BP-{now:%Y%m}-{invoice.id:05d}"
    if q.coupon_code:
        paid = await _settled_ids(session, user_id)
        coupon = await coupons.check_coupon(session, code=q.coupon_code, user_id=user_id,
                                            now=now, paid_invoice_ids=paid)
        await coupons.redeem(session, coupon_id=coupon.id, user_id=user_id,
                             invoice_id=invoice.id, paid_invoice_ids=paid, now=now)
        invoice.coupon_id = coupon.id
    await session.flush()
    return view(invoice)


async def _settled_ids(session: AsyncSession, user_id: int) -> set[int]:
    """The account's invoices that are no longer pending (a coupon they used is spent)."""
    return set(await session.scalars(select(Invoice.id).where(
        Invoice.user_id == user_id, Invoice.status != InvoiceStatus.PENDING)))


async def get_invoice(session: AsyncSession, *, invoice_id: int,
                      user_id: int | None = None) -> InvoiceView:
    """One invoice; with ``user_id``, only if it is that account's (callback data is not
    trusted)."""
    invoice = await session.get(Invoice, invoice_id)
    if invoice is None or (user_id is not None and invoice.user_id != user_id):
        raise NotFound(entity="invoice", id=invoice_id)
    return view(invoice)


async def lock_invoice(session: AsyncSession, invoice_id: int) -> Invoice | None:
    """The invoice row, locked for this transaction (``FOR UPDATE`` on PostgreSQL; SQLite
    serialises writers), freshly read."""
    return await session.scalar(
        select(Invoice).where(Invoice.id == invoice_id)
        .with_for_update(of=Invoice).execution_options(populate_existing=True))


async def list_invoices(session: AsyncSession, *, user_id: int,
                        limit: int = 10) -> list[InvoiceView]:
    """The account's latest invoices."""
    rows = await session.scalars(select(Invoice).where(Invoice.user_id == user_id)
                                 .order_by(Invoice.id.desc()).limit(limit))
    return [view(i) for i in rows]
