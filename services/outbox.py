"""The outbox: every message the platform pushes on its own (reports, alerts, broadcasts,
nurture) is written here in the transaction that decided to send it, and a rate-limited
sender delivers it later. ``dedup_key`` makes enqueueing idempotent (a job that runs twice
queues once); the sender's status bookkeeping makes a restart resume without duplicates.

Payloads are plain JSON: ``{"method": "sendMessage", "text": ..., "reply_markup": {...}}``,
``{"method": "sendPhoto", "photo_b64": ..., "caption": ...}`` or
``{"method": "sendDocument", "document_b64": ..., "filename": ..., "caption": ...}``.
Texts are final (localized, HTML) when queued.
"""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.db.base import utcnow
from services.db.models import OutboxMessage, User


def text_payload(text: str, *, reply_markup: dict[str, Any] | None = None) -> dict[str, Any]:
    """A sendMessage payload (HTML text)."""
    payload: dict[str, Any] = {"method": "sendMessage", "text": text}
    if reply_markup:
        payload["reply_markup"] = reply_markup
    return payload


def photo_payload(png: bytes, *, caption: str | None = None,
                  reply_markup: dict[str, Any] | None = None) -> dict[str, Any]:
    """A sendPhoto payload (PNG bytes, HTML caption ≤ 1024 characters)."""
    payload: dict[str, Any] = {"method": "sendPhoto",
                               "photo_b64": base64.b64encode(png).decode("ascii")}
    if caption:
        payload["caption"] = caption
    if reply_markup:
        payload["reply_markup"] = reply_markup
    return payload


def document_payload(data: bytes, *, filename: str, caption: str | None = None
                     ) -> dict[str, Any]:
    """A sendDocument payload."""
    payload: dict[str, Any] = {"method": "sendDocument", "filename": filename,
                               "document_b64": base64.b64encode(data).decode("ascii")}
    if caption:
        payload["caption"] = caption
    return payload


async def enqueue(
    session: AsyncSession,
    *,
    bot_id: int,
    chat_id: int,
    kind: str,
    payload: dict[str, Any],
    business_id: int | None = None,
    dedup_key: str | None = None,
    batch: str | None = None,
    due_at: datetime | None = None,
) -> int | None:
    """Queue one message; returns its id, or None when ``dedup_key`` was queued before."""
    if dedup_key is not None:
        existing = await session.scalar(
            select(OutboxMessage.id).where(OutboxMessage.dedup_key == dedup_key))
        if existing is not None:
            return None
    message = OutboxMessage(bot_id=bot_id, chat_id=chat_id, kind=kind, payload=payload,
                            business_id=business_id, dedup_key=dedup_key, batch=batch,
                            due_at=due_at or utcnow())
    try:
        async with session.begin_nested():  # a racing twin loses only this savepoint
            session.add(message)
    except IntegrityError:
        return None
    return message.id


# ---------------------------------------------------------------- the sender's bookkeeping

SENDING = "sending"
PENDING = "pending"
SENT = "sent"
BLOCKED = "blocked"
FAILED = "failed"
CANCELLED = "cancelled"  # withdrawn before sending (e.g. a nurture step the lead no longer needs)
INTERRUPTED = "interrupted: delivery unknown"

# Runs in the claiming transaction just before due rows are taken, to cancel rows that must
# no longer go out (the nurture send-time check); returns how many it cancelled.
ClaimGuard = Callable[[AsyncSession, datetime], Awaitable[int]]


async def cancel(session: AsyncSession, *, where: ColumnElement[bool],
                 reason: str | None = None) -> int:
    """Cancel the still-pending messages matching ``where``; returns how many."""
    result = await session.execute(
        update(OutboxMessage).where(OutboxMessage.status == PENDING, where)
        .values(status=CANCELLED, error=reason)
        .execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)


@dataclass(frozen=True, slots=True)
class Claimed:
    """One message taken by a sender (status ``sending``)."""

    id: int
    bot_id: int
    chat_id: int
    kind: str
    payload: dict[str, Any]
    attempts: int  # including this one
    batch: str | None


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to one claimed message."""

    id: int
    status: str  # sent / blocked / failed / pending (retry later)
    error: str | None = None
    retry_at: datetime | None = None  # for pending
    attempts: int | None = None  # for pending: undo a claim that never reached Telegram


async def claim_due(
    session: AsyncSession, *, bot_ids: Iterable[int], limit: int, now: datetime | None = None,
    guards: Sequence[ClaimGuard] = (),
) -> list[Claimed]:
    """Take up to ``limit`` due pending messages for these bots (oldest first) and mark them
    ``sending``; on PostgreSQL rows locked by another sender are skipped. ``guards`` first
    cancel due rows that must no longer be sent."""
    moment = now or utcnow()
    for guard in guards:
        await guard(session, moment)
    ids = list(await session.scalars(
        select(OutboxMessage.id)
        .where(OutboxMessage.status == PENDING, OutboxMessage.due_at <= moment,
               OutboxMessage.bot_id.in_(list(bot_ids)))
        .order_by(OutboxMessage.due_at, OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)))
    if not ids:
        return []
    await session.execute(
        update(OutboxMessage).where(OutboxMessage.id.in_(ids))
        .values(status=SENDING, claimed_at=moment, attempts=OutboxMessage.attempts + 1)
        .execution_options(synchronize_session=False))
    rows = await session.execute(
        select(OutboxMessage.id, OutboxMessage.bot_id, OutboxMessage.chat_id, OutboxMessage.kind,
               OutboxMessage.payload, OutboxMessage.attempts, OutboxMessage.batch)
        .where(OutboxMessage.id.in_(ids)).order_by(OutboxMessage.due_at, OutboxMessage.id))
    return [Claimed(*row) for row in rows]


async def record_outcomes(
    session: AsyncSession, *, outcomes: Sequence[Outcome], users_bot_id: int | None = None,
    now: datetime | None = None,
) -> None:
    """Write the sender's results; a ``blocked`` chat of ``users_bot_id`` (the owner bot)
    marks that user as having blocked the bot."""
    if not outcomes:
        return
    moment = now or utcnow()
    sent = [o.id for o in outcomes if o.status == SENT]
    if sent:
        await session.execute(
            update(OutboxMessage).where(OutboxMessage.id.in_(sent))
            .values(status=SENT, sent_at=moment, error=None)
            .execution_options(synchronize_session=False))
    others = [o for o in outcomes if o.status != SENT]
    if others:
        rows: list[dict[str, Any]] = []
        for o in others:
            row: dict[str, Any] = {"id": o.id, "status": o.status,
                                   "error": (o.error or "")[:300] or None}
            if o.status == PENDING:
                row["due_at"] = o.retry_at or moment
                row["claimed_at"] = None
                if o.attempts is not None:
                    row["attempts"] = o.attempts
            rows.append(row)
        for keys in {tuple(sorted(r)) for r in rows}:  # one executemany per column set
            await session.execute(update(OutboxMessage),
                                  [r for r in rows if tuple(sorted(r)) == keys])
    blocked = [o.id for o in outcomes if o.status == BLOCKED]
    if blocked and users_bot_id is not None:
        chats = select(OutboxMessage.chat_id).where(OutboxMessage.id.in_(blocked),
                                                    OutboxMessage.bot_id == users_bot_id)
        await session.execute(
            update(User).where(User.id.in_(chats)).values(blocked_at=moment)
            .execution_options(synchronize_session=False))


async def recover_interrupted(
    session: AsyncSession, *, stale_after: timedelta = timedelta(minutes=2),
    now: datetime | None = None,
) -> int:
    """Mark messages left ``sending`` by a sender that died as failed (never resend: it may
    have reached Telegram); returns how many. Only claims older than ``stale_after`` count,
    so a live sender in another process keeps its own."""
    moment = now or utcnow()
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == SENDING, OutboxMessage.claimed_at <= moment - stale_after)
        .values(status=FAILED, error=INTERRUPTED)
        .execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)


@dataclass(frozen=True, slots=True)
class BatchCounts:
    """Delivery counts of one batch (e.g. a broadcast)."""

    pending: int = 0
    sending: int = 0
    sent: int = 0
    blocked: int = 0
    failed: int = 0

    @property
    def total(self) -> int:
        return self.pending + self.sending + self.sent + self.blocked + self.failed

    @property
    def remaining(self) -> int:
        return self.pending + self.sending


async def batch_counts(session: AsyncSession, *, batch: str) -> BatchCounts:
    """How many messages of ``batch`` are in each status."""
    rows = await session.execute(
        select(OutboxMessage.status, func.count()).where(OutboxMessage.batch == batch)
        .group_by(OutboxMessage.status))
    counts = {status: int(n) for status, n in rows}
    return BatchCounts(**{k: v for k, v in counts.items()
                          if k in {"pending", "sending", "sent", "blocked", "failed"}})


async def has_pending(session: AsyncSession, *, bot_ids: Iterable[int]) -> bool:
    """Whether any message of these bots is still pending or being sent (due or not)."""
    found = await session.scalar(
        select(OutboxMessage.id).where(OutboxMessage.status.in_((PENDING, SENDING)),
                                       OutboxMessage.bot_id.in_(list(bot_ids))).limit(1))
    return found is not None
