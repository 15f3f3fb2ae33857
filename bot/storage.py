"""FSM storage in the database, so a half-finished wizard survives ``kill -9``.

Redis (aiogram's ``RedisStorage``) is used instead when ``REDIS_URL`` is set. Keys include the
bot id, so the owner bot and every business bot can share one storage.
"""

from __future__ import annotations

import copy
from collections import OrderedDict
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import (
    BaseStorage,
    DefaultKeyBuilder,
    KeyBuilder,
    StateType,
    StorageKey,
)
from sqlalchemy import bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from services.db.base import utcnow
from services.db.models import FsmRecord
from services.db.session import make_sessionmaker
from services.db.tracking import on_end

# The update's own session, set by DbSessionMiddleware: FSM writes join the update's
# transaction, so the wizard state moves exactly when the update's work commits (and SQLite
# never sees a second writer waiting on the first).
current_session: ContextVar[AsyncSession | None] = ContextVar("current_session", default=None)


_STATES = select(FsmRecord.key, FsmRecord.state, FsmRecord.data).where(
    FsmRecord.key.in_(bindparam("keys", expanding=True)))


def key_builder() -> KeyBuilder:
    return DefaultKeyBuilder(with_bot_id=True, with_destiny=True)


class SqlStorage(BaseStorage):
    """One row per key holding both state and data; writes are upserts.

    With ``cache`` (single process only) reads are served from memory; a write drops the key
    at once and again when its transaction ends, so the next read sees what was committed.
    """

    def __init__(self, engine: AsyncEngine, builder: KeyBuilder | None = None, *,
                 cache: bool = False, cache_size: int = 50_000) -> None:
        self._sessions = make_sessionmaker(engine)
        self._builder = builder or key_builder()
        self._dialect = engine.dialect.name
        self._cache: OrderedDict[str, tuple[str | None, dict[str, Any]]] | None = (
            OrderedDict() if cache else None)
        self._cache_size = cache_size

    def _upsert(self, key: str, values: dict[str, Any]) -> Any:
        insert = postgresql.insert if self._dialect == "postgresql" else sqlite.insert
        stmt = insert(FsmRecord).values(key=key, updated_at=utcnow(), **values)
        return stmt.on_conflict_do_update(
            index_elements=[FsmRecord.key], set_={**values, "updated_at": utcnow()}
        )

    @asynccontextmanager
    async def _session(self) -> AsyncIterator[AsyncSession]:
        session = current_session.get()
        if session is not None:
            yield session
            return
        async with self._sessions.begin() as own:
            yield own

    async def _get(self, key: StorageKey) -> tuple[str | None, dict[str, Any]]:
        """The stored (state, data); cached values are shared, so callers copy the data."""
        built = self._builder.build(key)
        if self._cache is not None and built in self._cache:
            return self._cache[built]
        async with self._session() as session:
            row = (await session.execute(
                select(FsmRecord.state, FsmRecord.data).where(FsmRecord.key == built))).first()
        value = (row[0], dict(row[1] or {})) if row else (None, {})
        self._keep(built, value)
        return value

    def _keep(self, built: str, value: tuple[str | None, dict[str, Any]]) -> None:
        """Cache a value read from the database (bounded; no-op without the cache)."""
        if self._cache is not None:
            self._cache[built] = value
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)

    async def _write(self, key: StorageKey, statement: Any) -> None:
        built = self._builder.build(key)
        cache = self._cache
        async with self._session() as session:
            if cache is not None:

                def forget() -> None:
                    cache.pop(built, None)

                forget()
                on_end(session.sync_session, forget)
            await session.execute(statement(built))

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        await self._write(key, lambda built: self._upsert(built, {"state": value}))

    async def get_state(self, key: StorageKey) -> str | None:
        return (await self._get(key))[0]

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        await self._write(key, lambda built: self._upsert(built, {"data": dict(data)}))

    async def get_states(self, keys: list[StorageKey]) -> list[str | None]:
        """``get_state`` for several keys: the cache first, the rest in one query (the
        sales fast lane asks this for a whole batch of customers)."""
        built = [self._builder.build(key) for key in keys]
        cache = self._cache if self._cache is not None else {}
        values = {b: cache[b] for b in built if b in cache}
        missing = sorted(set(built) - values.keys())
        if missing:
            async with self._session() as session:
                rows = await session.execute(_STATES, {"keys": missing})
                values.update((key, (state, dict(data or {}))) for key, state, data in rows)
            for key in missing:
                self._keep(key, values.setdefault(key, (None, {})))
        return [values[b][0] for b in built]

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        return copy.deepcopy((await self._get(key))[1])

    async def close(self) -> None:  # the engine is owned by the composition root
        return None
