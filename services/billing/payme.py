"""The Payme (Paycom) Merchant API, merchant side (PROTOCOLS.md §1).

Payme POSTs JSON-RPC 2.0; we always answer HTTP 200 with a result or an error. Amounts on
the wire are tiyin (invoices hold so'm), times are epoch milliseconds. Each method runs on
the locked invoice row, so repeats and concurrent twins see one state.

The error ``message`` is shown to the payer in three languages; it is wording, so the
transport fills it in from ``code`` (see ``bot.web``).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import IntEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services import audit
from services.billing import subscriptions
from services.billing.invoices import InvoiceStatus, InvoiceView, Provider, lock_invoice
from services.db.base import utcnow
from services.db.models import Invoice, PaymentTransaction

TIMEOUT_MS = 43_200_000  # 12 hours
ACCOUNT_FIELD = "order_id"


class PaymeCode(IntEnum):
    NOT_POST = -32300
    PARSE_ERROR = -32700
    INVALID_REQUEST = -32600
    METHOD_NOT_FOUND = -32601
    INSUFFICIENT_PRIVILEGE = -32504
    SYSTEM_ERROR = -32400
    WRONG_AMOUNT = -31001
    TRANSACTION_NOT_FOUND = -31003
    CANNOT_CANCEL = -31007
    CANNOT_PERFORM = -31008
    ORDER_NOT_FOUND = -31050
    ORDER_BUSY = -31051  # already paid, or another payment is in progress


class State(IntEnum):
    CREATED = 1
    PERFORMED = 2
    CANCELLED = -1
    CANCELLED_AFTER_PERFORM = -2


REASON_TIMEOUT = 4


class PaymeError(Exception):
    def __init__(self, code: PaymeCode, data: str | None = None) -> None:
        super().__init__(code, data)
        self.code = code
        self.data = data


@dataclass(slots=True)
class PaymeReply:
    """One JSON-RPC answer; ``settled`` is the invoice this request paid (for the receipt)."""

    request_id: Any
    result: dict[str, Any] | None = None
    error: PaymeCode | None = None
    error_data: str | None = None
    settled: InvoiceView | None = None
    events: list[str] = field(default_factory=list)

    def body(self, messages: dict[str, str] | None = None) -> dict[str, Any]:
        """The JSON-RPC body; ``messages`` is the payer-facing text by language."""
        if self.error is None:
            return {"jsonrpc": "2.0", "id": self.request_id, "result": self.result}
        return {"jsonrpc": "2.0", "id": self.request_id, "result": None,
                "error": {"code": int(self.error), "message": messages or {},
                          "data": self.error_data}}


def ms(moment: datetime | None) -> int:
    return 0 if moment is None else int(moment.timestamp() * 1000)


def authorized(authorization: str | None, key: str | None) -> bool:
    """``Authorization: Basic base64("Paycom:<KEY>")``, compared in constant time."""
    if not authorization or not key or not authorization.startswith("Basic "):
        return False
    try:
        decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return False
    return hmac.compare_digest(decoded.encode(), f"Paycom:{key}".encode())


def checkout_url(*, base_url: str, merchant_id: str, invoice_id: int, tiyin: int,
                 return_url: str | None = None, language: str | None = None) -> str:
    """The checkout link: ``base64("m=..;ac.order_id=..;a=..;c=..")`` after the host."""
    parts = [f"m={merchant_id}", f"{'ac.' + ACCOUNT_FIELD}={invoice_id}", f"a={tiyin}"]
    if return_url:
        parts.append(f"c={return_url}")
    if language in {"ru", "uz", "en"}:
        parts.append(f"l={language}")
    encoded = base64.b64encode(";".join(parts).encode("utf-8")).decode("ascii")
    return f"{base_url.rstrip('/')}/{encoded}"


def _int(params: dict[str, Any], name: str) -> int:
    value = params.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PaymeError(PaymeCode.INVALID_REQUEST, name)
    if isinstance(value, float) and not value.is_integer():
        raise PaymeError(PaymeCode.WRONG_AMOUNT if name == "amount" else
                         PaymeCode.INVALID_REQUEST, name)
    return int(value)


def _str(params: dict[str, Any], name: str) -> str:
    value = params.get(name)
    if not isinstance(value, str) or not value or len(value) > 64:
        raise PaymeError(PaymeCode.INVALID_REQUEST, name)
    return value


def _order_id(params: dict[str, Any]) -> int:
    account = params.get("account")
    if not isinstance(account, dict):
        raise PaymeError(PaymeCode.INVALID_REQUEST, "account")
    raw = account.get(ACCOUNT_FIELD)
    try:
        value = int(str(raw))
    except ValueError:
        raise PaymeError(PaymeCode.ORDER_NOT_FOUND, ACCOUNT_FIELD) from None
    if not 0 < value < 2**31:
        raise PaymeError(PaymeCode.ORDER_NOT_FOUND, ACCOUNT_FIELD)
    return value


class Merchant:
    """The Merchant API on one database session (the caller owns the transaction)."""

    def __init__(self, session: AsyncSession, *, now: datetime | None = None) -> None:
        self.session = session
        self.now = now or utcnow()

    @property
    def now_ms(self) -> int:
        return ms(self.now)

    async def _order(self, params: dict[str, Any], *, paid_ok: bool = False) -> Invoice:
        """The locked invoice named in ``account``, checked against ``amount``."""
        invoice = await lock_invoice(self.session, _order_id(params))
        if invoice is None or invoice.status not in {InvoiceStatus.PENDING,
                                                     InvoiceStatus.PAID}:
            raise PaymeError(PaymeCode.ORDER_NOT_FOUND, ACCOUNT_FIELD)
        if _int(params, "amount") != invoice.total * 100:
            raise PaymeError(PaymeCode.WRONG_AMOUNT, "amount")
        if invoice.status == InvoiceStatus.PAID and not paid_ok:
            raise PaymeError(PaymeCode.ORDER_BUSY, ACCOUNT_FIELD)
        return invoice

    async def _find(self, payme_id: str, *, lock: bool) -> PaymentTransaction | None:
        query = select(PaymentTransaction).where(
            PaymentTransaction.provider == Provider.PAYME,
            PaymentTransaction.external_id == payme_id)
        if lock:
            query = query.with_for_update().execution_options(populate_existing=True)
        return await self.session.scalar(query)

    async def _locked(self, payme_id: str) -> tuple[PaymentTransaction, Invoice]:
        """The transaction and its invoice, both locked (invoice first: one lock order)."""
        found = await self._find(payme_id, lock=False)
        if found is None:
            raise PaymeError(PaymeCode.TRANSACTION_NOT_FOUND, "id")
        invoice = await lock_invoice(self.session, found.invoice_id)
        tx = await self._find(payme_id, lock=True)
        assert invoice is not None and tx is not None
        return tx, invoice

    async def _live(self, invoice: Invoice) -> list[PaymentTransaction]:
        rows = await self.session.scalars(select(PaymentTransaction).where(
            PaymentTransaction.invoice_id == invoice.id,
            PaymentTransaction.state == State.CREATED))
        return list(rows)

    def _expired(self, tx: PaymentTransaction) -> bool:
        return self.now_ms - ms(tx.created_at) > TIMEOUT_MS

    def _cancel(self, tx: PaymentTransaction, reason: int, *, performed: bool = False) -> None:
        tx.state = State.CANCELLED_AFTER_PERFORM if performed else State.CANCELLED
        tx.reason = reason
        tx.cancelled_at = self.now

    async def check_perform(self, params: dict[str, Any]) -> dict[str, Any]:
        invoice = await self._order(params)
        for tx in await self._live(invoice):
            if not self._expired(tx):
                raise PaymeError(PaymeCode.ORDER_BUSY, ACCOUNT_FIELD)
        return {"allow": True}

    async def create(self, params: dict[str, Any]) -> dict[str, Any]:
        payme_id = _str(params, "id")
        payme_time = _int(params, "time")
        known = await self._find(payme_id, lock=False) is not None
        invoice = await self._order(params, paid_ok=known)
        tx = await self._find(payme_id, lock=True)
        if tx is not None:
            if tx.invoice_id != invoice.id:
                raise PaymeError(PaymeCode.ORDER_BUSY, ACCOUNT_FIELD)
            if tx.state != State.CREATED:
                raise PaymeError(PaymeCode.CANNOT_PERFORM, "state")
            if self._expired(tx):
                self._cancel(tx, REASON_TIMEOUT)
                raise PaymeError(PaymeCode.CANNOT_PERFORM, "timeout")
            return self._created(tx)
        for other in await self._live(invoice):
            if not self._expired(other):
                raise PaymeError(PaymeCode.ORDER_BUSY, ACCOUNT_FIELD)
            self._cancel(other, REASON_TIMEOUT)
        if self.now_ms - payme_time > TIMEOUT_MS:  # Payme started it over 12 h ago
            raise PaymeError(PaymeCode.CANNOT_PERFORM, "time")
        tx = PaymentTransaction(invoice_id=invoice.id, provider=Provider.PAYME,
                                external_id=payme_id, amount=invoice.total,
                                state=State.CREATED, provider_time=payme_time,
                                created_at=self.now, details={})
        self.session.add(tx)
        await self.session.flush()
        return self._created(tx)

    def _created(self, tx: PaymentTransaction) -> dict[str, Any]:
        return {"create_time": ms(tx.created_at), "transaction": str(tx.id),
                "state": tx.state, "receivers": None}

    async def perform(self, params: dict[str, Any], reply: PaymeReply) -> dict[str, Any]:
        tx, invoice = await self._locked(_str(params, "id"))
        if tx.state == State.CREATED:
            if self._expired(tx):
                self._cancel(tx, REASON_TIMEOUT)
                raise PaymeError(PaymeCode.CANNOT_PERFORM, "timeout")
            if invoice.status != InvoiceStatus.PENDING:  # paid another way meanwhile
                raise PaymeError(PaymeCode.CANNOT_PERFORM, "state")
            settlement = await subscriptions.settle(self.session, invoice=invoice,
                                                    provider=Provider.PAYME, now=self.now)
            tx.state = State.PERFORMED
            tx.performed_at = self.now
            await self.session.flush()
            if settlement.applied:
                reply.settled = settlement.invoice
        elif tx.state != State.PERFORMED:
            raise PaymeError(PaymeCode.CANNOT_PERFORM, "state")
        return {"transaction": str(tx.id), "perform_time": ms(tx.performed_at),
                "state": tx.state}

    async def cancel(self, params: dict[str, Any]) -> dict[str, Any]:
        payme_id = _str(params, "id")
        reason = _int(params, "reason")
        tx, invoice = await self._locked(payme_id)
        if tx.state == State.CREATED:
            self._cancel(tx, reason)
        elif tx.state == State.PERFORMED:
            # A subscription can be refunded: the period it bought is taken back.
            await subscriptions.refund(self.session, invoice=invoice,
                                       provider=Provider.PAYME, now=self.now)
            self._cancel(tx, reason, performed=True)
        await self.session.flush()
        return {"transaction": str(tx.id), "cancel_time": ms(tx.cancelled_at),
                "state": tx.state}

    async def check(self, params: dict[str, Any]) -> dict[str, Any]:
        tx = await self._find(_str(params, "id"), lock=False)
        if tx is None:
            raise PaymeError(PaymeCode.TRANSACTION_NOT_FOUND, "id")
        return {"create_time": ms(tx.created_at), "perform_time": ms(tx.performed_at),
                "cancel_time": ms(tx.cancelled_at), "transaction": str(tx.id),
                "state": tx.state, "reason": tx.reason}

    async def statement(self, params: dict[str, Any]) -> dict[str, Any]:
        start, end = _int(params, "from"), _int(params, "to")
        rows = await self.session.scalars(select(PaymentTransaction).where(
            PaymentTransaction.provider == Provider.PAYME,
            PaymentTransaction.provider_time >= start,
            PaymentTransaction.provider_time <= end).order_by(PaymentTransaction.provider_time))
        return {"transactions": [{
            "id": tx.external_id, "time": tx.provider_time, "amount": tx.amount * 100,
            "account": {ACCOUNT_FIELD: str(tx.invoice_id)}, "create_time": ms(tx.created_at),
            "perform_time": ms(tx.performed_at), "cancel_time": ms(tx.cancelled_at),
            "transaction": str(tx.id), "state": tx.state, "reason": tx.reason,
            "receivers": None} for tx in rows]}

    async def set_fiscal_data(self, params: dict[str, Any]) -> dict[str, Any]:
        tx, _ = await self._locked(_str(params, "id"))
        kind = params.get("type")
        if kind not in {"PERFORM", "CANCEL"} or not isinstance(params.get("fiscal_data"),
                                                                dict):
            raise PaymeError(PaymeCode.INVALID_REQUEST, "fiscal_data")
        tx.details = {**(tx.details or {}), f"fiscal_{kind.lower()}": params["fiscal_data"]}
        await self.session.flush()
        return {"success": True}


async def handle(session: AsyncSession, *, body: bytes, authorization: str | None,
                 key: str | None, remote: str | None = None,
                 now: datetime | None = None) -> PaymeReply:
    """Answer one Merchant API request (never raises for bad input)."""
    try:
        request = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        request = None
    request_id = request.get("id") if isinstance(request, dict) else None
    if isinstance(request_id, bool) or not isinstance(request_id, int | str | None):
        request_id = None
    reply = PaymeReply(request_id=request_id)
    if not authorized(authorization, key):
        await audit.record(session, action="billing.payme.refused", user_id=None,
                           remote=remote, reason="auth")
        reply.error = PaymeCode.INSUFFICIENT_PRIVILEGE
        return reply
    if request is None:
        reply.error = PaymeCode.PARSE_ERROR
        return reply
    method, params = (request.get("method"), request.get("params")
                      ) if isinstance(request, dict) else (None, None)
    if not isinstance(method, str) or not isinstance(params, dict):
        reply.error = PaymeCode.INVALID_REQUEST
        return reply
    merchant = Merchant(session, now=now)
    try:
        async with session.begin_nested():  # an error leaves no half-written state behind
            if method == "CheckPerformTransaction":
                reply.result = await merchant.check_perform(params)
            elif method == "CreateTransaction":
                reply.result = await merchant.create(params)
            elif method == "PerformTransaction":
                reply.result = await merchant.perform(params, reply)
            elif method == "CancelTransaction":
                reply.result = await merchant.cancel(params)
            elif method == "CheckTransaction":
                reply.result = await merchant.check(params)
            elif method == "GetStatement":
                reply.result = await merchant.statement(params)
            elif method == "SetFiscalData":
                reply.result = await merchant.set_fiscal_data(params)
            elif method == "ChangePassword":
                # The key lives in the configuration (PAYME_KEY), not in the database, so a
                # password change through the API can't be honoured; refusing keeps the
                # old key working instead of silently losing it.
                raise PaymeError(PaymeCode.SYSTEM_ERROR, "password")
            else:
                raise PaymeError(PaymeCode.METHOD_NOT_FOUND, method[:64])
    except PaymeError as exc:
        reply.error, reply.error_data = exc.code, exc.data
        reply.settled = None
        if exc.data == "timeout":  # the timeout cancel must persist
            await _persist_timeout(session, merchant, params)
    return reply


async def _persist_timeout(session: AsyncSession, merchant: Merchant,
                           params: dict[str, Any]) -> None:
    payme_id = params.get("id")
    if not isinstance(payme_id, str):
        return
    tx = await merchant._find(payme_id, lock=True)
    if tx is not None and tx.state == State.CREATED:
        merchant._cancel(tx, REASON_TIMEOUT)
        await session.flush()


def from_ms(value: int) -> datetime:
    return datetime.fromtimestamp(value / 1000, tz=UTC)
