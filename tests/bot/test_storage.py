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


@pytest.mark.parametrize("cache", [False, True])
async def test_get_states_reads_many_keys_at_once(db: Database, cache: bool) -> None:
    storage = SqlStorage(db.engine, cache=cache)
    await storage.set_state(_key(), "OrderSG:picking")
    await storage.set_data(StorageKey(bot_id=1, chat_id=11, user_id=11), {"only": "data"})
    keys = [_key(), StorageKey(bot_id=1, chat_id=11, user_id=11), _key(bot_id=2), _key()]
    assert await storage.get_states(keys) == ["OrderSG:picking", None, None, "OrderSG:picking"]
    await storage.set_state(_key(), None)  # a write is seen by the next batch read
    assert await storage.get_states(keys[:1]) == [None]


async def test_dedup_claim_and_release_in_memory_and_redis() -> None:
    from bot.middlewares import DedupMiddleware

    dedup = DedupMiddleware()
    assert not dedup.seen(7, 1) and await dedup.claim(7, 1)
    assert dedup.seen(7, 1) and not await dedup.claim(7, 1)
    await dedup.release(7, 1)  # rolled back: handled again
    assert await dedup.claim(7, 1)
    redis = pytest.importorskip("redis.asyncio")
    client = redis.from_url(REDIS_URL)
    try:
        await client.ping()
    except Exception:
        await client.aclose()
        pytest.skip("no Redis on 127.0.0.1:6379")
    update_id = uuid.uuid4().int % 10**9
    one, two = DedupMiddleware(redis=client), DedupMiddleware(redis=client)
    try:
        assert await one.claim(7, update_id)
        assert not await two.claim(7, update_id)  # another process had it
        await one.release(7, update_id)
        assert await DedupMiddleware(redis=client).claim(7, update_id)
    finally:
        await client.delete(f"bp:upd:7:{update_id}")
        await client.aclose()
