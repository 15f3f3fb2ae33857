"""Platform settings (stored, encrypted, audited, cached) and the shared rate limiters."""

from __future__ import annotations

import asyncio
import os

import pytest
from sqlalchemy import select

from services import plans
from services import platform_settings as ps
from services.crypto import SecretBox
from services.db.models import AuditLog, PlatformSetting, RateCounter, Subscription
from services.db.session import make_sessionmaker
from services.errors import InvalidInput
from services.ratelimit import MemoryRateLimiter, RedisRateLimiter, SqlRateLimiter
from tests.conftest import Database

KEY = "sk-ant-platform-0123456789abcdef"


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_trial_days_and_ai_key_parsing() -> None:
    assert ps.parse_trial_days(" 14 ") == 14
    assert ps.parse_trial_days("0") is None and ps.parse_trial_days("-") is None
    for bad in ("91", "abc", "1.5", ""):
        with pytest.raises(InvalidInput):
            ps.parse_trial_days(bad)
    assert ps.check_ai_key(f"  {KEY}\n") == KEY
    for bad in ("short", "two words but long enough here", "ключ" * 10, "x" * 301):
        with pytest.raises(InvalidInput):
            ps.check_ai_key(bad)


async def test_settings_round_trip_encrypted_audited_and_cached(db: Database) -> None:
    box = SecretBox([SecretBox.generate_key()])
    clock = Clock(1000.0)
    cache = ps.SettingsCache(box=box, ttl=60.0, clock=clock)
    sessions = make_sessionmaker(db.engine, on_change=[cache.on_change])
    seen: list[ps.PlatformSettings] = []
    cache.subscribe(seen.append)
    async with sessions() as s:
        assert await cache.get(s) == ps.DEFAULTS
        await ps.set_maintenance(s, actor_id=1, on=True)
        await ps.set_registration(s, actor_id=1, open_=False)
        await ps.set_trial_days(s, actor_id=1, days=10)
        await ps.set_ai_key(s, actor_id=1, key=KEY, box=box)
        await s.commit()
    async with sessions() as s:
        current = await cache.get(s)
        assert (current.maintenance, current.registration_open, current.trial_days,
                current.ai_key) == (True, False, 10, KEY)
        assert KEY not in repr(current)
        stored = await s.scalar(select(PlatformSetting.value)
                                .where(PlatformSetting.key == ps.AI_KEY))
        assert isinstance(stored, str) and KEY not in stored and box.decrypt(stored) == KEY
        actions = list(await s.scalars(select(AuditLog.action).order_by(AuditLog.id)))
        assert actions == ["admin.settings.maintenance", "admin.settings.registration",
                           "admin.settings.trial_days", "admin.settings.ai_key"]
        tail = await s.scalar(select(AuditLog.details)
                              .where(AuditLog.action == "admin.settings.ai_key"))
        assert tail == {"set": True, "tail": KEY[-4:]}
    async with db.sessionmaker() as s:  # no on_change listener: "another process" writes
        await s.execute(PlatformSetting.__table__.update()
                        .where(PlatformSetting.key == ps.TRIAL_DAYS).values(value=20))
        await s.commit()
    async with sessions() as s:
        before = len(seen)
        clock.now += 30
        assert (await cache.get(s)).trial_days == 10  # inside the TTL: the snapshot
        assert len(seen) == before
        clock.now += 31
        assert (await cache.get(s)).trial_days == 20  # past it: reloaded
        assert len(seen) == before + 1
        # a key stored under another encryption key is reported, never used
        other = ps.SettingsCache(box=SecretBox([SecretBox.generate_key()]))
        broken = await other.get(s)
        assert broken.ai_key is None and broken.ai_key_broken
        await ps.set_ai_key(s, actor_id=1, key=None, box=box)
        await ps.set_trial_days(s, actor_id=1, days=None)
        current = await cache.get(s)  # this process's own write: seen at once
        assert current.ai_key is None and current.trial_days is None
        await s.commit()


async def test_new_trials_follow_the_platform_trial_length(db: Database) -> None:
    async with db.sessionmaker() as s:
        await ps.set_trial_days(s, actor_id=1, days=3)
        from tests.factories import make_owner

        await make_owner(s, 4101)
        sub = await s.scalar(select(Subscription).where(Subscription.user_id == 4101))
        assert sub is not None and sub.trial_ends_at is not None
        assert (sub.trial_ends_at - sub.created_at).days == 3
        await ps.set_trial_days(s, actor_id=1, days=None)
        await make_owner(s, 4102)
        sub = await s.scalar(select(Subscription).where(Subscription.user_id == 4102))
        assert sub is not None and sub.trial_ends_at is not None
        starter = await plans.get_plan(s, "starter")
        assert (sub.trial_ends_at - sub.created_at).days == starter.trial_days


# --- rate limits -------------------------------------------------------------------------

async def test_memory_limiter_slides() -> None:
    clock = Clock(0.0)
    limiter = MemoryRateLimiter(3, 60.0, clock=clock)
    assert [await limiter.hit("a") for _ in range(4)] == [True, True, True, False]
    assert await limiter.hit("b")
    clock.now = 59.9
    assert not await limiter.hit("a")
    clock.now = 60.0
    assert await limiter.hit("a")


async def test_sql_limiter_is_one_limit_for_every_process(db: Database) -> None:
    start = 60.0 * 16_667  # a window boundary
    clock = Clock(start)
    one = SqlRateLimiter(db.sessionmaker, 30, 60.0, clock=clock)
    two = SqlRateLimiter(make_sessionmaker(db.engine), 30, 60.0, clock=clock)
    results = [await (one if i % 2 else two).hit("admin:7") for i in range(30)]
    assert all(results)
    assert not await one.hit("admin:7") and not await two.hit("admin:7")
    assert await one.hit("admin:8")  # per key
    clock.now = start + 60  # the next window: the whole previous one still counts
    assert not await two.hit("admin:7")
    clock.now = start + 90  # half-way: 30 × ½ + hits of this window
    assert [await one.hit("admin:7") for _ in range(16)] == [True] * 15 + [False]
    clock.now = start + 180  # two windows later: free again, old counters gone
    assert await two.hit("admin:7")
    async with db.sessionmaker() as s:
        slots = list(await s.scalars(select(RateCounter.slot)
                                     .where(RateCounter.key == "admin:7")))
        assert min(slots) >= 16_667 + 2


async def test_sql_limiter_concurrent_hits_never_pass_the_limit(db: Database) -> None:
    clock = Clock(60.0 * 16_700)
    limiters = [SqlRateLimiter(make_sessionmaker(db.engine), 30, 60.0, clock=clock)
                for _ in range(2)]
    results = await asyncio.gather(*(limiters[i % 2].hit("admin:9") for i in range(40)))
    assert sum(results) == 30
    async with db.sessionmaker() as s:
        assert await s.scalar(select(RateCounter.count).where(
            RateCounter.key == "admin:9")) == 30  # refused hits are not counted


async def test_redis_limiter_is_shared() -> None:
    redis_mod = pytest.importorskip("redis.asyncio")
    client = redis_mod.Redis.from_url(os.environ.get("TEST_REDIS_URL",
                                                     "redis://127.0.0.1:6379/15"))
    try:
        await client.ping()
    except Exception:
        pytest.skip("no Redis on 127.0.0.1:6379")
    prefix = f"bp:test:{os.getpid()}:"
    clock = Clock(60.0 * 16_667)
    one = RedisRateLimiter(client, 5, 60.0, prefix=prefix, clock=clock)
    two = RedisRateLimiter(client, 5, 60.0, prefix=prefix, clock=clock)
    try:
        assert [await (one if i % 2 else two).hit("k") for i in range(6)] == [True] * 5 + [
            False]
        clock.now += 120
        assert await two.hit("k")
    finally:
        keys = [k async for k in client.scan_iter(f"{prefix}*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()


async def test_the_cli_switches_maintenance_and_registration(
        db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import _platform
    from bot.config import Settings

    settings = Settings(_env_file=None, database_url=db.url)  # type: ignore[call-arg]
    assert await _platform(settings, "maintenance", "on") == 0
    assert await _platform(settings, "registration", "closed") == 0
    assert await _platform(settings, "registration", "on") == 2  # not a registration value
    out = capsys.readouterr().out
    assert "maintenance: on\nregistration: closed" in out
    async with db.sessionmaker() as s:
        current = await ps.load(s)
        assert current.maintenance and not current.registration_open
        logged = list(await s.scalars(select(AuditLog.user_id).where(
            AuditLog.action.startswith("admin.settings."))))
        assert logged == [None, None]
