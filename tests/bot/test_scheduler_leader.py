"""``biznespilot scheduler``: one leader among many processes — a PostgreSQL advisory lock or
a Redis lease, taken over when the leader goes — and the jobs started only by the leader."""

from __future__ import annotations

import asyncio
import os
import uuid

import pytest
from redis.asyncio import Redis

from bot.app import build_app
from bot.config import Settings
from bot.runner import run_scheduler
from services.db.session import make_engine
from services.leader import LocalLock, PgAdvisoryLock, RedisLock, make_lock
from tests.conftest import OWNER_TOKEN, Database

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


async def test_one_postgresql_leader_and_a_takeover(db: Database) -> None:
    if db.backend != "postgresql":
        assert isinstance(make_lock(db.engine, None), LocalLock)
        return
    name = f"test-leader-{uuid.uuid4().hex}"
    other_engine = make_engine(db.url)  # another process's pool
    first, second = PgAdvisoryLock(db.engine, name), PgAdvisoryLock(other_engine, name)
    try:
        assert await first.acquire() and await first.held()
        assert not await second.acquire()
        await first.release()
        assert not await first.held()
        assert await second.acquire()
        assert not await first.acquire()
    finally:
        await first.release()
        await second.release()
        await other_engine.dispose()


async def test_one_redis_leader_renews_and_loses_an_expired_lease() -> None:
    client = Redis.from_url(REDIS_URL)
    try:
        await client.ping()
    except Exception as exc:
        pytest.skip(f"Redis not reachable at {REDIS_URL}: {exc}")
    name = f"test-leader-{uuid.uuid4().hex}"
    first, second = RedisLock(client, name), RedisLock(client, name)
    try:
        assert await first.acquire() and await first.held()
        assert not await second.acquire()
        await client.delete(name)  # the lease ran out while the leader was stuck
        assert await second.acquire()
        assert not await first.held()  # it notices and stops its jobs
        await first.release()  # a stale release leaves the new leader alone
        assert await second.held()
    finally:
        await second.release()
        await client.aclose()


async def test_the_scheduler_command_runs_the_jobs_while_it_leads(settings: Settings) -> None:
    app = await build_app(settings.model_copy(update={"bot_token": None}))
    stop = asyncio.Event()
    task = asyncio.create_task(run_scheduler(app, OWNER_TOKEN, stop=stop, check_every=0.01))
    for _ in range(200):
        if "amocrm_worker" in app.extras:
            break
        await asyncio.sleep(0.01)
    assert "amocrm_worker" in app.extras  # leading: the jobs and the AmoCRM queue run
    stop.set()
    await asyncio.wait_for(task, timeout=10)
    await app.close()
