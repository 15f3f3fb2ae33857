"""Enqueueing into the outbox: idempotent by key, payloads as the sender expects them."""

from __future__ import annotations

import base64

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services import outbox
from services.db.models import OutboxMessage


async def test_a_key_is_queued_once(session: AsyncSession) -> None:
    payload = outbox.text_payload("<b>Weekly report</b>")
    first = await outbox.enqueue(session, bot_id=1, chat_id=10, kind="report", payload=payload,
                                 dedup_key="weekly:1:2026-W48")
    again = await outbox.enqueue(session, bot_id=1, chat_id=10, kind="report", payload=payload,
                                 dedup_key="weekly:1:2026-W48")
    other = await outbox.enqueue(session, bot_id=1, chat_id=10, kind="report", payload=payload)
    assert first is not None and other is not None and again is None
    assert await session.scalar(select(func.count()).select_from(OutboxMessage)) == 2
    row = await session.get(OutboxMessage, first)
    assert row is not None and row.status == "pending" and row.attempts == 0


def test_media_payloads_carry_the_bytes() -> None:
    photo = outbox.photo_payload(b"\x89PNG", caption="c")
    assert photo["method"] == "sendPhoto" and base64.b64decode(photo["photo_b64"]) == b"\x89PNG"
    doc = outbox.document_payload(b"%PDF", filename="r.pdf")
    assert doc["filename"] == "r.pdf" and base64.b64decode(doc["document_b64"]) == b"%PDF"
