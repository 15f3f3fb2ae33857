"""FSM storage in the database, so a half-finished wizard survives ``kill -9``.

Redis (aiogram's ``RedisStorage``) is used instead when ``REDIS_URL`` is set. Keys include the
bot id, so the owner bot and every business bot can share one storage.
"""

from __future__ import annotations

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
from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from services.db.base import utcnow
from services.db.models import FsmRecord

# The update's own session, set by DbSessionMiddleware: FSM writes join the update's
# transaction, so the wizard state moves exactly when the update's work commits (and SQLite
# never sees a second writer waiting on the first).
current_session: ContextVar[AsyncSession | None] = ContextVar("current_session", default=None)


def key_builder() -> KeyBuilder:
    return DefaultKeyBuilder(with_bot_id=True, with_destiny=True)


class SqlStorage(BaseStorage):
    """One row per key holding both state and data; writes are upserts."""

    def __init__(self, engine: AsyncEngine, builder: KeyBuilder | None = None) -> None:
        self._engine = engine
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        self._builder = builder or key_builder()
        self._dialect = engine.dialect.name

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
        async with self._session() as session:
            row = (await session.execute(
                select(FsmRecord.state, FsmRecord.data).where(
                    FsmRecord.key == self._builder.build(key)))).first()
            return (row[0], dict(row[1] or {})) if row else (None, {})

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        async with self._session() as session:
            await session.execute(self._upsert(self._builder.build(key),
                                               {"state": value}))

    async def get_state(self, key: StorageKey) -> str | None:
        return (await self._get(key))[0]

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        async with self._session() as session:
            await session.execute(self._upsert(self._builder.build(key),
                                               {"data": dict(data)}))

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        return (await self._get(key))[1]

    async def close(self) -> None:  # the engine is owned by the composition root
        return None

    async def purge(self, key: StorageKey) -> None:
        """Forget a key entirely (used when a user deletes their account)."""
        async with self._session() as session:
            await session.execute(delete(FsmRecord).where(
                FsmRecord.key == self._builder.build(key)))
