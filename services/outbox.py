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
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.db.base import utcnow
from services.db.models import OutboxMessage


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
