"""Click SHOP-API, merchant side: Prepare (action 0) and Complete (action 1)
(PROTOCOLS.md §2).

Fields arrive form-encoded (strings). The signature is the lowercase MD5 of the raw field
values concatenated; checks run in the order of Click's official module:
-8, -1, -3, -5, -2, -4, -6, -9. Both steps run on the locked invoice row.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services import audit
from services.billing import subscriptions
from services.billing.invoices import InvoiceStatus, InvoiceView, Provider, lock_invoice
from services.db.base import utcnow
from services.db.models import PaymentTransaction

PAY_URL = "https://my.click.uz/services/pay"
PREPARE, COMPLETE = "0", "1"
REQUIRED = ("click_trans_id", "service_id", "click_paydoc_id", "merchant_trans_id", "amount",
            "action", "error", "sign_time", "sign_string")


class ClickCode(IntEnum):
    SUCCESS = 0
    SIGN_FAILED = -1
    WRONG_AMOUNT = -2
    ACTION_NOT_FOUND = -3
    ALREADY_PAID = -4
    USER_NOT_FOUND = -5
    TRANSACTION_NOT_FOUND = -6
    UPDATE_FAILED = -7
    BAD_REQUEST = -8
    CANCELLED = -9


# Click's own fixed notes (protocol constants, not shown to our users).
NOTES = {
    ClickCode.SUCCESS: "Success",
    ClickCode.SIGN_FAILED: "SIGN CHECK FAILED!",
    ClickCode.WRONG_AMOUNT: "Incorrect parameter amount",
    ClickCode.ACTION_NOT_FOUND: "Action not found",
    ClickCode.ALREADY_PAID: "Already paid",
    ClickCode.USER_NOT_FOUND: "User does not exist",
    ClickCode.TRANSACTION_NOT_FOUND: "Transaction does not exist",
    ClickCode.UPDATE_FAILED: "Failed to update user",
    ClickCode.BAD_REQUEST: "Error in request from click",
    ClickCode.CANCELLED: "Transaction cancelled",
}


@dataclass(slots=True)
class ClickReply:
    body: dict[str, Any]
    settled: InvoiceView | None = None


def signature(fields: Mapping[str, str], secret_key: str) -> str:
    """``md5(click_trans_id + service_id + SECRET + merchant_trans_id [+ merchant_prepare_id]
    + amount + action + sign_time)`` over the values exactly as received."""
    parts = [fields.get("click_trans_id", ""), fields.get("service_id", ""), secret_key,
             fields.get("merchant_trans_id", "")]
    if fields.get("action") == COMPLETE:
        parts.append(fields.get("merchant_prepare_id", ""))
    parts += [fields.get("amount", ""), fields.get("action", ""), fields.get("sign_time", "")]
    return hashlib.md5("".join(parts).encode("utf-8")).hexdigest()


def pay_url(*, service_id: str, merchant_id: str, invoice_id: int, amount: int,
            return_url: str | None = None, base_url: str = PAY_URL) -> str:
    """The Click payment page for an invoice (amount in so'm)."""
    query = {"service_id": service_id, "merchant_id": merchant_id, "amount": str(amount),
             "transaction_param": str(invoice_id)}
    if return_url:
        query["return_url"] = return_url
    return f"{base_url}?{urlencode(query)}"


def _error(code: ClickCode, fields: Mapping[str, str] | None = None) -> ClickReply:
    body: dict[str, Any] = {"error": int(code), "error_note": NOTES[code]}
    if fields is not None:
        for key in ("click_trans_id", "merchant_trans_id"):
            if key in fields:
                body[key] = fields[key]
    return ClickReply(body)


def _int(value: str | None) -> int | None:
    try:
        number = int(value or "")
    except ValueError:
        return None
    return number if 0 < number < 2**63 else None


async def handle(session: AsyncSession, *, fields: Mapping[str, str], action: str,
                 service_id: str | None, secret_key: str | None, remote: str | None = None,
                 now: datetime | None = None) -> ClickReply:
    """Answer a Prepare (``action="0"``) or Complete (``"1"``) request; never raises for
    bad input. ``action`` is the endpoint that was called."""
    now = now or utcnow()
    needed = REQUIRED + (("merchant_prepare_id",) if action == COMPLETE else ())
    if any(not fields.get(name) for name in needed if name != "error") or \
            not fields.get("error", "").strip().lstrip("-").isdigit() or \
            _int(fields.get("click_trans_id")) is None:
        return _error(ClickCode.BAD_REQUEST, fields)
    if not secret_key or not hmac.compare_digest(
            signature(fields, secret_key), fields["sign_string"].lower()):
        await audit.record(session, action="billing.click.refused", user_id=None,
                           remote=remote, reason="sign",
                           click_trans_id=fields["click_trans_id"][:32])
        return _error(ClickCode.SIGN_FAILED, fields)
    if fields["action"] != action or action not in {PREPARE, COMPLETE}:
        return _error(ClickCode.ACTION_NOT_FOUND, fields)
    if service_id and fields["service_id"] != service_id:
        return _error(ClickCode.BAD_REQUEST, fields)
    async with session.begin_nested():
        reply = await (_prepare if action == PREPARE else _complete)(session, fields, now)
    return reply


async def _transaction(session: AsyncSession, click_id: str) -> PaymentTransaction | None:
    return await session.scalar(
        select(PaymentTransaction).where(PaymentTransaction.provider == Provider.CLICK,
                                         PaymentTransaction.external_id == click_id)
        .with_for_update().execution_options(populate_existing=True))


def _amount_ok(raw: str, total: int) -> bool | None:
    try:
        amount = float(raw)
    except ValueError:
        return None
    return abs(amount - total) <= 0.01


async def _prepare(session: AsyncSession, fields: Mapping[str, str],
                   now: datetime) -> ClickReply:
    invoice_id = _int(fields["merchant_trans_id"])
    invoice = None if invoice_id is None or invoice_id >= 2**31 else \
        await lock_invoice(session, invoice_id)
    if invoice is None or invoice.status not in {InvoiceStatus.PENDING, InvoiceStatus.PAID}:
        return _error(ClickCode.USER_NOT_FOUND, fields)
    if not _amount_ok(fields["amount"], invoice.total):
        return _error(ClickCode.WRONG_AMOUNT, fields)
    if invoice.status == InvoiceStatus.PAID:
        return _error(ClickCode.ALREADY_PAID, fields)
    tx = await _transaction(session, fields["click_trans_id"])
    if tx is None:
        tx = PaymentTransaction(invoice_id=invoice.id, provider=Provider.CLICK,
                                external_id=fields["click_trans_id"], amount=invoice.total,
                                state=1, created_at=now,
                                details={"click_paydoc_id": fields["click_paydoc_id"][:32]})
        session.add(tx)
        await session.flush()
    elif tx.invoice_id != invoice.id:
        return _error(ClickCode.TRANSACTION_NOT_FOUND, fields)
    elif tx.state < 0:
        return _error(ClickCode.CANCELLED, fields)
    return ClickReply({"click_trans_id": fields["click_trans_id"],
                       "merchant_trans_id": fields["merchant_trans_id"],
                       "merchant_prepare_id": tx.id, "error": 0,
                       "error_note": NOTES[ClickCode.SUCCESS]})


async def _complete(session: AsyncSession, fields: Mapping[str, str],
                    now: datetime) -> ClickReply:
    invoice_id = _int(fields["merchant_trans_id"])
    invoice = None if invoice_id is None or invoice_id >= 2**31 else \
        await lock_invoice(session, invoice_id)
    if invoice is None or invoice.status not in {InvoiceStatus.PENDING, InvoiceStatus.PAID}:
        return _error(ClickCode.USER_NOT_FOUND, fields)
    if not _amount_ok(fields["amount"], invoice.total):
        return _error(ClickCode.WRONG_AMOUNT, fields)
    tx = await _transaction(session, fields["click_trans_id"])
    prepare_id = _int(fields["merchant_prepare_id"])
    ours = tx is not None and tx.id == prepare_id and tx.invoice_id == invoice.id
    if invoice.status == InvoiceStatus.PAID and not (ours and tx is not None
                                                     and tx.state == 2):
        return _error(ClickCode.ALREADY_PAID, fields)
    if tx is None or not ours:
        return _error(ClickCode.TRANSACTION_NOT_FOUND, fields)
    if tx.state < 0:
        return _error(ClickCode.CANCELLED, fields)
    settled = None
    if tx.state == 1:
        click_error = int(fields["error"].strip())
        if click_error < 0:
            # Click failed on its side: the attempt is cancelled, the invoice stays payable.
            tx.state, tx.cancelled_at = -1, now
            tx.reason = click_error
            await session.flush()
            return _error(ClickCode.CANCELLED, fields)
        settlement = await subscriptions.settle(session, invoice=invoice,
                                                provider=Provider.CLICK, now=now)
        tx.state, tx.performed_at = 2, now
        await session.flush()
        settled = settlement.invoice if settlement.applied else None
    return ClickReply({"click_trans_id": fields["click_trans_id"],
                       "merchant_trans_id": fields["merchant_trans_id"],
                       "merchant_confirm_id": tx.id, "error": 0,
                       "error_note": NOTES[ClickCode.SUCCESS]}, settled=settled)
