"""One leader among many scheduler processes (DESIGN: ``biznespilot scheduler``).

- Redis (``REDIS_URL``): ``SET key token NX PX ttl``, renewed by the holder; a holder that
  stops renewing loses the key after ``ttl`` and another process takes over.
- PostgreSQL: a session-level advisory lock on a connection the leader keeps open; the lock
  goes with the connection, so a crashed leader frees it at once.
- SQLite: one process owns the file anyway (embedded mode); the lock is always held.
"""

from __future__ import annotations

import secrets
import zlib
from typing import Protocol

from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

LOCK_NAME = "biznespilot:scheduler"

# Renew only while we still hold it: compare the token, then extend.
_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('del', KEYS[1])
end
return 0
"""


class LeaderLock(Protocol):
    async def acquire(self) -> bool:
        """Take the lock if it is free; True when this process holds it now."""

    async def held(self) -> bool:
        """Still the leader (renews a lease where there is one)."""

    async def release(self) -> None:
        """Give the lock up (idempotent)."""


class LocalLock:
    """SQLite: the single embedded process is always the leader."""

    async def acquire(self) -> bool:
        return True

    async def held(self) -> bool:
        return True

    async def release(self) -> None:
        return None


class PgAdvisoryLock:
    """``pg_try_advisory_lock`` held on one dedicated connection."""

    def __init__(self, engine: AsyncEngine, name: str = LOCK_NAME) -> None:
        self.engine = engine
        # advisory locks take a bigint: a stable hash of the name
        self.key = zlib.crc32(name.encode())
        self._conn: AsyncConnection | None = None

    async def acquire(self) -> bool:
        if self._conn is not None:
            return await self.held()
        conn = await self.engine.connect()
        got = bool(await conn.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key}))
        await conn.commit()
        if not got:
            await conn.close()
            return False
        self._conn = conn
        return True

    async def held(self) -> bool:
        if self._conn is None:
            return False
        try:
            await self._conn.scalar(text("SELECT 1"))
            await self._conn.commit()
        except Exception:  # the connection is gone, and the lock with it
            self._conn = None
            return False
        return True

    async def release(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            await conn.scalar(text("SELECT pg_advisory_unlock(:k)"), {"k": self.key})
            await conn.commit()
        finally:
            await conn.close()


class RedisLock:
    """A lease in Redis renewed by its holder (``ttl_ms``: how long a dead leader blocks)."""

    def __init__(self, redis: Redis, name: str = LOCK_NAME, *, ttl_ms: int = 30_000) -> None:
        self.redis = redis
        self.name = name
        self.ttl_ms = ttl_ms
        self.token = secrets.token_hex(16)
        self._held = False

    async def acquire(self) -> bool:
        if self._held:
            return await self.held()
        self._held = bool(await self.redis.set(self.name, self.token, nx=True, px=self.ttl_ms))
        return self._held

    async def held(self) -> bool:
        if not self._held:
            return False
        renewed = await self.redis.eval(_RENEW, 1, self.name, self.token,
                                        str(self.ttl_ms))
        self._held = bool(renewed)
        return self._held

    async def release(self) -> None:
        if self._held:
            await self.redis.eval(_RELEASE, 1, self.name, self.token)
        self._held = False


def make_lock(engine: AsyncEngine, redis: Redis | None) -> LeaderLock:
    """Redis when configured, else the database's own lock (PostgreSQL), else local."""
    if redis is not None:
        return RedisLock(redis)
    if engine.dialect.name == "postgresql":
        return PgAdvisoryLock(engine)
    return LocalLock()
