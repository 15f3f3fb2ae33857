"""FSM state survives in the database (and in Redis when configured)."""

from __future__ import annotations

import os
import uuid

import pytest
from aiogram.fsm.storage.base import StorageKey

from bot.storage import SqlStorage, key_builder
from tests.conftest import Database

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _key(bot_id: int = 1) -> StorageKey:
    return StorageKey(bot_id=bot_id, chat_id=10, user_id=10)


async def test_sql_storage_roundtrip_and_bot_isolation(db: Database) -> None:
    storage = SqlStorage(db.engine)
    await storage.set_state(_key(), "OnboardingSG:industry")
    await storage.set_data(_key(), {"onboarding": {"name": "Café"}})
    # A second storage object (a restarted process) sees the same wizard.
    again = SqlStorage(db.engine)
    assert await again.get_state(_key()) == "OnboardingSG:industry"
    assert await again.get_data(_key()) == {"onboarding": {"name": "Café"}}
    assert await again.get_state(_key(bot_id=2)) is None
    await again.set_state(_key(), None)
    assert await again.get_state(_key()) is None
    assert await again.get_data(_key()) == {"onboarding": {"name": "Café"}}


async def test_redis_storage_roundtrip() -> None:
    redis = pytest.importorskip("redis.asyncio")
    from aiogram.fsm.storage.redis import RedisStorage

    client = redis.from_url(REDIS_URL)
    try:
        await client.ping()
    except Exception as exc:
        pytest.skip(f"Redis not reachable at {REDIS_URL}: {exc}")
    storage = RedisStorage(client, key_builder=key_builder())
    key = StorageKey(bot_id=uuid.uuid4().int % 10**9, chat_id=5, user_id=5)
    await storage.set_state(key, "S:x")
    await storage.set_data(key, {"a": 1})
    assert await storage.get_state(key) == "S:x"
    assert await storage.get_data(key) == {"a": 1}
    await storage.close()


async def test_sql_storage_cache_knows_which_keys_have_rows(db: Database) -> None:
    """With the cache, a key never written is answered without a SELECT (new customers),
    a key written before start-up or by this process is still read."""
    from sqlalchemy import event

    await SqlStorage(db.engine).set_state(_key(bot_id=3), "S:old")  # a previous process
    storage = SqlStorage(db.engine, cache=True, cache_size=1)
    reads: list[str] = []

    def count(conn: object, cursor: object, statement: str, *args: object) -> None:
        if "fsm_records.state" in statement:
            reads.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", count)
    try:
        assert await storage.get_state(_key(bot_id=4)) is None  # loads the key set once
        assert await storage.get_state(_key(bot_id=5)) is None  # evicted 4, still no read
        assert await storage.get_state(_key(bot_id=4)) is None
        assert reads == []
        assert await storage.get_state(_key(bot_id=3)) == "S:old"
        await storage.set_data(_key(bot_id=6), {"a": 1})
        assert await storage.get_data(_key(bot_id=6)) == {"a": 1}
        assert await storage.get_state(_key(bot_id=3)) == "S:old"  # read, evicts 6
        assert await storage.get_data(_key(bot_id=6)) == {"a": 1}  # read again, not lost
        assert len(reads) == 4
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", count)


async def test_sql_storage_too_many_keys_falls_back_to_reads(db: Database) -> None:
    for bot_id in (7, 8):
        await SqlStorage(db.engine).set_state(_key(bot_id=bot_id), "S:x")
    storage = SqlStorage(db.engine, cache=True, known_keys_limit=1)
    assert await storage.get_state(_key(bot_id=9)) is None
    assert await storage.get_state(_key(bot_id=8)) == "S:x"
    await storage.set_state(_key(bot_id=9), "S:y")
    assert await storage.get_state(_key(bot_id=9)) == "S:y"
