"""Coupons: percent or fixed discounts with an expiry and a use limit, redeemed atomically."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.db.base import utcnow
from services.db.models import Coupon, CouponRedemption
from services.errors import Conflict, InvalidInput, NotFound

CODE_RE = re.compile(r"^[A-Z0-9_-]{3,32}$")


class CouponKind(StrEnum):
    PERCENT = "percent"
    FIXED = "fixed"


@dataclass(frozen=True, slots=True)
class CouponView:
    id: int
    code: str
    kind: str
    value: int
    max_uses: int | None
    used_count: int
    expires_at: datetime | None
    is_active: bool


def _view(coupon: Coupon) -> CouponView:
    return CouponView(id=coupon.id, code=coupon.code, kind=coupon.kind, value=coupon.value,
                      max_uses=coupon.max_uses, used_count=coupon.used_count,
                      expires_at=coupon.expires_at, is_active=coupon.is_active)


def normalize_code(code: str) -> str:
    """Codes are case-insensitive: stored and compared upper-case."""
    return code.strip().upper()


def discount_for(*, kind: str, value: int, subtotal: int) -> int:
    """The discount in so'm on ``subtotal`` (never more than the subtotal)."""
    if kind == CouponKind.PERCENT:
        return min(subtotal, subtotal * value // 100)
    return min(subtotal, value)


async def create_coupon(
    session: AsyncSession, *, code: str, kind: str, value: int, max_uses: int | None = None,
    expires_at: datetime | None = None, created_by: int | None = None,
) -> CouponView:
    """A new coupon; the code must be unique."""
    code = normalize_code(code)
    if not CODE_RE.match(code):
        raise InvalidInput(field="code", reason="coupon_code")
    if kind not in set(CouponKind):
        raise InvalidInput(field="kind", reason="choice")
    if value <= 0 or (kind == CouponKind.PERCENT and value > 100):
        raise InvalidInput(field="value", reason="range", min=1,
                           max=100 if kind == CouponKind.PERCENT else 10**12)
    if max_uses is not None and max_uses <= 0:
        raise InvalidInput(field="max_uses", reason="range", min=1, max=10**9)
    coupon = Coupon(code=code, kind=kind, value=value, max_uses=max_uses,
                    expires_at=expires_at, created_by=created_by)
    try:
        async with session.begin_nested():
            session.add(coupon)
    except IntegrityError:
        raise Conflict(reason="coupon_exists") from None
    return _view(coupon)


async def list_coupons(session: AsyncSession) -> list[CouponView]:
    """Every coupon, newest first."""
    rows = await session.scalars(select(Coupon).order_by(Coupon.id.desc()))
    return [_view(c) for c in rows]


async def deactivate(session: AsyncSession, *, code: str) -> CouponView:
    """Stop a coupon from being used again."""
    coupon = await session.scalar(select(Coupon).where(Coupon.code == normalize_code(code)))
    if coupon is None:
        raise NotFound(entity="coupon", id=code)
    coupon.is_active = False
    await session.flush()
    return _view(coupon)


def _usable(coupon: Coupon | None, now: datetime, *, holds_use: bool = False) -> Coupon:
    if coupon is None or not coupon.is_active:
        raise InvalidInput(field="coupon", reason="coupon_unknown")
    if coupon.expires_at is not None and coupon.expires_at <= now:
        raise InvalidInput(field="coupon", reason="coupon_expired")
    if not holds_use and coupon.max_uses is not None and coupon.used_count >= coupon.max_uses:
        raise InvalidInput(field="coupon", reason="coupon_used_up")
    return coupon


async def check_coupon(session: AsyncSession, *, code: str, user_id: int,
                       now: datetime | None = None,
                       paid_invoice_ids: set[int] | None = None) -> CouponView:
    """The coupon if this account may use it now, else ``InvalidInput(field="coupon")``.

    An account that holds a use for an unpaid invoice keeps it (it may re-issue the
    invoice), even when the coupon is used up for everybody else.
    """
    now = now or utcnow()
    coupon = await session.scalar(select(Coupon).where(Coupon.code == normalize_code(code)))
    held = None if coupon is None else await session.scalar(select(CouponRedemption).where(
        CouponRedemption.coupon_id == coupon.id, CouponRedemption.user_id == user_id))
    if held is not None and (held.invoice_id is None
                             or held.invoice_id in (paid_invoice_ids or set())):
        raise InvalidInput(field="coupon", reason="coupon_already_used")
    return _view(_usable(coupon, now, holds_use=held is not None))


async def redeem(session: AsyncSession, *, coupon_id: int, user_id: int, invoice_id: int,
                 paid_invoice_ids: set[int], now: datetime | None = None) -> None:
    """Take one use of the coupon for this account's invoice, atomically.

    An account uses a coupon once; a new unpaid invoice takes over the account's earlier
    unpaid one (``paid_invoice_ids`` tells which invoices are settled). The guarded UPDATE
    makes concurrent redeemers safe: the use count never passes ``max_uses``.
    """
    now = now or utcnow()
    held = await session.scalar(select(CouponRedemption).where(
        CouponRedemption.coupon_id == coupon_id, CouponRedemption.user_id == user_id))
    if held is not None:
        if held.invoice_id is None or held.invoice_id in paid_invoice_ids:
            raise InvalidInput(field="coupon", reason="coupon_already_used")
        held.invoice_id = invoice_id
        await session.flush()
        return
    try:
        async with session.begin_nested():  # both or neither: the use and the count
            session.add(CouponRedemption(coupon_id=coupon_id, user_id=user_id,
                                         invoice_id=invoice_id))
            await session.flush()
            taken = await session.execute(
                update(Coupon)
                .where(Coupon.id == coupon_id, Coupon.is_active.is_(True),
                       (Coupon.max_uses.is_(None)) | (Coupon.used_count < Coupon.max_uses),
                       (Coupon.expires_at.is_(None)) | (Coupon.expires_at > now))
                .values(used_count=Coupon.used_count + 1)
                .execution_options(synchronize_session=False))
            if taken.rowcount == 0:  # type: ignore[attr-defined]
                raise InvalidInput(field="coupon", reason="coupon_used_up")
    except IntegrityError:  # a concurrent twin of this account got there first
        raise InvalidInput(field="coupon", reason="coupon_already_used") from None
