"""Telegram payments: the invoice payload, the pre-checkout check (answered within 10 s)
and the successful payment, applied once (PROTOCOLS.md §3). UZS has two decimals on the
wire, so 10 000 so'm is ``amount=1000000``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.billing import subscriptions
from services.billing.invoices import InvoiceStatus, InvoiceView, Provider, lock_invoice, view
from services.db.base import utcnow
from services.db.models import Invoice, PaymentTransaction

CURRENCY = "UZS"
PAYLOAD_RE = re.compile(r"^bp1:(\d{1,10}):(\d{1,15})$")


class Decline(StrEnum):
    UNKNOWN = "unknown"
    PAID = "paid"
    AMOUNT = "amount"
    NOT_YOURS = "not_yours"


def payload_for(invoice: InvoiceView) -> str:
    """The hidden invoice payload: our invoice id and the amount it was issued for."""
    return f"bp1:{invoice.id}:{invoice.tiyin}"


def amount_units(invoice: InvoiceView) -> int:
    """The Telegram amount in UZS's smallest unit (tiyin)."""
    return invoice.tiyin


@dataclass(frozen=True, slots=True)
class PreCheckout:
    ok: bool
    decline: Decline | None = None
    invoice: InvoiceView | None = None


def _parse(payload: str) -> tuple[int, int] | None:
    match = PAYLOAD_RE.match(payload or "")
    return (int(match[1]), int(match[2])) if match else None


async def _invoice(session: AsyncSession, *, payload: str, currency: str,
                   total_amount: int, user_id: int, lock: bool
                   ) -> tuple[Invoice | None, Decline | None]:
    parsed = _parse(payload)
    if parsed is None or parsed[0] >= 2**31:
        return None, Decline.UNKNOWN
    invoice = (await lock_invoice(session, parsed[0]) if lock
               else await session.get(Invoice, parsed[0]))
    if invoice is None:
        return None, Decline.UNKNOWN
    if invoice.user_id != user_id:
        return invoice, Decline.NOT_YOURS
    if currency != CURRENCY or total_amount != invoice.total * 100 or \
            parsed[1] != invoice.total * 100:
        return invoice, Decline.AMOUNT
    return invoice, None


async def pre_checkout(session: AsyncSession, *, payload: str, currency: str,
                       total_amount: int, user_id: int) -> PreCheckout:
    """May this payment go ahead? A cheap read: Telegram waits at most 10 seconds."""
    invoice, decline = await _invoice(session, payload=payload, currency=currency,
                                      total_amount=total_amount, user_id=user_id, lock=False)
    if decline is None and invoice is not None and invoice.status != InvoiceStatus.PENDING:
        decline = Decline.PAID if invoice.status == InvoiceStatus.PAID else Decline.UNKNOWN
    return PreCheckout(ok=decline is None, decline=decline,
                       invoice=view(invoice) if invoice is not None else None)


@dataclass(frozen=True, slots=True)
class Payment:
    """The outcome of a successful_payment: ``applied`` False for a repeat delivery (or a
    payment that no longer matches an invoice, kept for a manual refund)."""

    applied: bool
    invoice: InvoiceView | None


async def successful_payment(
    session: AsyncSession, *, payload: str, currency: str, total_amount: int, user_id: int,
    charge_id: str, provider_charge_id: str | None = None, now: datetime | None = None,
) -> Payment:
    """Apply a Telegram payment once (keyed by ``telegram_payment_charge_id``)."""
    now = now or utcnow()
    invoice, decline = await _invoice(session, payload=payload, currency=currency,
                                      total_amount=total_amount, user_id=user_id, lock=True)
    if invoice is None:
        return Payment(applied=False, invoice=None)
    known = await session.scalar(select(PaymentTransaction.id).where(
        PaymentTransaction.provider == Provider.TELEGRAM,
        PaymentTransaction.external_id == charge_id[:64]))
    if known is not None:
        return Payment(applied=False, invoice=view(invoice))
    tx = PaymentTransaction(invoice_id=invoice.id, provider=Provider.TELEGRAM,
                            external_id=charge_id[:64], amount=total_amount // 100, state=1,
                            created_at=now,
                            details={"provider_charge_id": (provider_charge_id or "")[:64]})
    try:
        async with session.begin_nested():
            session.add(tx)
    except IntegrityError:
        return Payment(applied=False, invoice=view(invoice))
    if decline is not None or invoice.status != InvoiceStatus.PENDING:
        tx.details = {**tx.details, "unapplied": str(decline or invoice.status)}
        await session.flush()
        return Payment(applied=False, invoice=view(invoice))
    settlement = await subscriptions.settle(session, invoice=invoice,
                                            provider=Provider.TELEGRAM, now=now)
    tx.state, tx.performed_at = 2, now
    await session.flush()
    return Payment(applied=settlement.applied, invoice=settlement.invoice)
