"""Rate limits shared by every process: in the database or in Redis.

A sliding window is estimated from two fixed windows (the standard "sliding window counter"):
``previous × (1 − elapsed fraction of the current window) + current``. It needs one counter
per key and window instead of a log of hits, and every process sees the same counters. A
refused hit is not counted, so a limited user gets through again as the window slides.
The in-memory limiter is for one process (the embedded SQLite mode).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.db.models import RateCounter

if TYPE_CHECKING:
    from redis.asyncio import Redis

Clock = Callable[[], float]

ADMIN_RATE = 30  # SPEC §7: admin actions a minute
ADMIN_WINDOW = 60.0


class RateLimiter(Protocol):
    rate: int
    window: float

    async def hit(self, key: str) -> bool:
        """Count one hit for ``key``; False (and not counted) when over the limit."""


def _estimate(previous: int, current: int, now: float, window: float) -> float:
    elapsed = (now % window) / window
    return previous * (1 - elapsed) + current


class MemoryRateLimiter:
    """An exact sliding log per key, for a single process."""

    def __init__(self, rate: int, window: float, *, clock: Clock = time.time) -> None:
        self.rate, self.window = rate, window
        self.clock = clock
        self._hits: dict[str, deque[float]] = {}

    async def hit(self, key: str) -> bool:
        now = self.clock()
        hits = self._hits.setdefault(key, deque())
        while hits and now - hits[0] >= self.window:
            hits.popleft()
        if len(hits) >= self.rate:
            return False
        hits.append(now)
        return True


class SqlRateLimiter:
    """Counters in ``rate_counters``, each hit in its own short transaction (never the
    update's: that would hold the counter row, or SQLite's write lock, across the handler)."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], rate: int,
                 window: float, *, clock: Clock = time.time) -> None:
        self.rate, self.window = rate, window
        self._sessionmaker = sessionmaker
        self.clock = clock

    async def hit(self, key: str) -> bool:
        now = self.clock()
        slot = int(now // self.window)
        async with self._sessionmaker.begin() as session:
            current = await _increment(session, key, slot)
            previous = await session.scalar(select(RateCounter.count).where(
                RateCounter.key == key, RateCounter.slot == slot - 1)) or 0
            if current == 1:  # a new window: forget the ones before the previous
                await session.execute(delete(RateCounter).where(
                    RateCounter.key == key, RateCounter.slot < slot - 1))
            if _estimate(previous, current, now, self.window) <= self.rate:
                return True
            await session.execute(update(RateCounter).where(
                RateCounter.key == key, RateCounter.slot == slot)
                .values(count=RateCounter.count - 1))
            return False


async def _increment(session: AsyncSession, key: str, slot: int) -> int:
    """Atomically add one hit and return the window's count (an upsert: concurrent
    processes serialise on the row)."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = insert(RateCounter).values(key=key, slot=slot, count=1).on_conflict_do_update(
        index_elements=[RateCounter.key, RateCounter.slot],
        set_={"count": RateCounter.count + 1},
    ).returning(RateCounter.count)
    return int((await session.execute(stmt)).scalar_one())


class RedisRateLimiter:
    """The same counters in Redis (``INCR`` + ``EXPIRE`` in one transaction)."""

    def __init__(self, redis: Redis, rate: int, window: float, *,
                 prefix: str = "bp:rl:", clock: Clock = time.time) -> None:
        self.rate, self.window = rate, window
        self._redis = redis
        self._prefix = prefix
        self.clock = clock

    async def hit(self, key: str) -> bool:
        now = self.clock()
        slot = int(now // self.window)
        name = f"{self._prefix}{key}:{slot}"
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(name)
            pipe.expire(name, int(self.window * 2) + 1)
            pipe.get(f"{self._prefix}{key}:{slot - 1}")
            current, _, previous = await pipe.execute()
        if _estimate(int(previous or 0), int(current), now, self.window) <= self.rate:
            return True
        await self._redis.decr(name)
        return False

    async def close(self) -> None:
        await self._redis.aclose()
