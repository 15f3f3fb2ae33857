"""The competitor sync job: businesses spread over the hour, and a tick never overlaps
itself."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime
from types import SimpleNamespace

from bot.competitor_jobs import TICKS_PER_HOUR, slot_of, sync_tick
from bot.config import Settings
from bot.i18n import make_i18n
from services import competitors
from services.competitors.telegram_preview import ChannelPreview
from tests.conftest import Database
from tests.factories import make_owner


def test_businesses_spread_evenly_over_the_hour() -> None:
    slots = Counter(slot_of(i) for i in range(1, 6001))
    assert set(slots) == set(range(TICKS_PER_HOUR))
    assert max(slots.values()) - min(slots.values()) < 150  # ≈ 1000 each
    assert slot_of(42) == slot_of(42)  # stable across processes (not the salted hash)


class SlowSource:
    def __init__(self) -> None:
        self.calls: list[str] = []
        self.release = asyncio.Event()
        self.started = asyncio.Event()

    async def fetch_channel(self, username: str, *, max_pages: int = 1,
                            stop_at: int | None = None) -> ChannelPreview:
        self.calls.append(username)
        self.started.set()
        await self.release.wait()
        return ChannelPreview(username, username.title(), 100, [])


async def test_tick_takes_its_sixth_and_never_overlaps(db: Database, settings: Settings) -> None:
    ids = []
    for n in range(12):
        async with db.sessionmaker() as s:
            business = await make_owner(s, 9400 + n)
            await competitors.create_competitor(s, business_id=business.id, name="Rival",
                                                telegram=f"rival_{business.id}x")
            await s.commit()
        ids.append(business.id)
    app = SimpleNamespace(settings=settings, sessionmaker=db.sessionmaker, i18n=make_i18n(),
                          extras={})
    source = SlowSource()
    slot = slot_of(ids[0])
    now = datetime(2026, 11, 30, 7, slot * 10 + 5, tzinfo=UTC)  # that slot's sixth of the hour
    first = asyncio.create_task(sync_tick(app, now=now, client=source))
    await asyncio.wait_for(source.started.wait(), timeout=30)  # the first tick is mid-fetch
    assert await sync_tick(app, now=now, client=source) == {"skipped": 1}
    source.release.set()
    result = await first
    mine = [i for i in ids if slot_of(i) == slot]
    assert 0 < len(mine) < len(ids)
    assert result["businesses"] == len(mine) and result["channels"] == len(mine)
    assert sorted(source.calls) == sorted(f"rival_{i}x" for i in mine)
