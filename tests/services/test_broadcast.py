"""Broadcast segments, buttons and enqueueing (no transport)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services import broadcast, outbox
from services.db.base import utcnow
from services.db.models import OutboxMessage, User
from services.errors import InvalidInput
from tests.factories import make_owner


def test_buttons_are_parsed_and_checked() -> None:
    assert broadcast.parse_buttons("Shop - example.uz\n\nChannel - https://t.me/x") == [
        ("Shop", "https://example.uz"), ("Channel", "https://t.me/x")]
    with pytest.raises(InvalidInput) as bad:
        broadcast.parse_buttons("no link")
    assert bad.value.reason == "url"
    with pytest.raises(InvalidInput) as many:
        broadcast.parse_buttons("\n".join(f"B{i} - example.uz" for i in range(4)))
    assert many.value.reason == "too_many"


def test_photo_payload_uses_the_file_id() -> None:
    payload = broadcast.build_payload(text="Hi", photo_file_id="F1",
                                      buttons=[("Go", "https://example.uz")])
    assert payload == {"method": "sendPhoto", "photo": "F1", "caption": "Hi",
                       "reply_markup": {"inline_keyboard": [[{"text": "Go",
                                                              "url": "https://example.uz"}]]}}


async def test_segments_count_the_right_users(session: AsyncSession) -> None:
    await make_owner(session, 1, language="ru")  # Starter trial
    now = utcnow()
    session.add_all([
        User(id=2, language="en", last_seen_at=now - timedelta(days=40)),
        User(id=3, language="en", blocked_at=now, last_seen_at=now - timedelta(days=1)),
        User(id=4, language="en", status="banned"),
    ])
    await session.flush()
    count = broadcast.count_recipients
    assert await count(session, segment=broadcast.Segment("all")) == 2
    assert await count(session, segment=broadcast.Segment("language", "en")) == 1
    assert await count(session, segment=broadcast.Segment("plan", "starter")) == 1
    assert await count(session, segment=broadcast.Segment("plan", "business")) == 0
    assert await count(session, segment=broadcast.Segment("inactive", "30")) == 1


async def test_start_queues_one_message_per_recipient(session: AsyncSession) -> None:
    session.add_all([User(id=i, language="uz") for i in range(10, 15)])
    await session.flush()
    progress = await broadcast.start(session, author_id=1, bot_id=9, locale="uz",
                                     payload=outbox.text_payload("Hi"),
                                     segment=broadcast.Segment("all"))
    assert (progress.total, progress.remaining) == (5, 5)
    assert await session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.batch == broadcast.batch_of(progress.id))) == 5
    [active] = await broadcast.active(session)
    assert active.remaining == 5 and active.status == "sending"
