"""Shared fixtures: a migrated database on SQLite and on PostgreSQL, and a Telegram harness.

Every test that touches the database runs once per backend. PostgreSQL tests skip with the
reason when no server answers at ``TEST_POSTGRES_URL`` (default 127.0.0.1:5432, trust auth).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from pydantic import SecretStr
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.migrations import upgrade
from services import plans
from services.db.base import Base
from services.db.session import make_engine, make_sessionmaker
from tests.fakes.anthropic import FakeAnthropic

PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL",
                              "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
OWNER_TOKEN = "4242001:TEST-owner"


async def _pg_available() -> str | None:
    import asyncpg

    dsn = PG_ADMIN_URL.replace("postgresql+asyncpg", "postgresql")
    try:
        conn = await asyncio.wait_for(asyncpg.connect(dsn), timeout=3)
    except Exception as exc:
        return f"PostgreSQL not reachable at {PG_ADMIN_URL}: {exc}"
    await conn.close()
    return None


@dataclass
class Database:
    backend: str
    url: str
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]


@pytest_asyncio.fixture(scope="session", params=["sqlite", "postgresql"])
async def database(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
                   ) -> AsyncIterator[Database]:
    """A freshly migrated database per backend for the whole session."""
    backend = request.param
    admin_engine = None
    name = ""
    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    else:
        reason = await _pg_available()
        if reason:
            pytest.skip(reason)
        name = f"bp_test_{uuid.uuid4().hex[:10]}"
        admin_engine = make_engine(PG_ADMIN_URL)
        async with admin_engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    engine = make_engine(url)
    await upgrade(engine)
    yield Database(backend, url, engine, make_sessionmaker(engine))
    await engine.dispose()
    if admin_engine is not None:
        async with admin_engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin_engine.dispose()


TABLES = [t.name for t in reversed(Base.metadata.sorted_tables)]
# One statement that names the tables holding rows: emptying only those keeps the per-test
# reset cheap however many tables the schema grows (a TRUNCATE of every table cost ~0.3 s).
DIRTY_TABLES = " UNION ALL ".join(
    f"SELECT '{t}' WHERE EXISTS (SELECT 1 FROM \"{t}\")" for t in TABLES)
_SEQUENCES: dict[str, dict[str, list[str]]] = {}


async def _pg_sequences(conn: Any, url: str) -> dict[str, list[str]]:
    """Each table's own sequences (serial and identity columns), read once per database."""
    if url not in _SEQUENCES:
        rows = await conn.execute(text(
            "SELECT t.relname, s.relname FROM pg_class s "
            "JOIN pg_depend d ON d.objid = s.oid AND d.deptype IN ('a', 'i') "
            "JOIN pg_class t ON t.oid = d.refobjid WHERE s.relkind = 'S'"))
        found: dict[str, list[str]] = {}
        for table, sequence in rows:
            found.setdefault(table, []).append(sequence)
        _SEQUENCES[url] = found
    return _SEQUENCES[url]


@pytest_asyncio.fixture
async def db(database: Database) -> AsyncIterator[Database]:
    """The session database, emptied and re-seeded with the plans before each test: the
    tables that hold rows are emptied with foreign keys off, and their ids start again at 1."""
    async with database.engine.begin() as conn:
        dirty = list(await conn.scalars(text(DIRTY_TABLES)))
        if database.backend == "postgresql":
            sequences = await _pg_sequences(conn, database.url)
            if dirty:
                await conn.execute(text("SET LOCAL session_replication_role = replica"))
            for table in dirty:
                await conn.execute(text(f'DELETE FROM "{table}"'))
                for sequence in sequences.get(table, []):
                    await conn.execute(text(f"SELECT setval('\"{sequence}\"', 1, false)"))
        else:
            await conn.execute(text("PRAGMA foreign_keys=OFF"))
            for table in dirty:
                await conn.execute(text(f'DELETE FROM "{table}"'))
            await conn.execute(text("PRAGMA foreign_keys=ON"))
    async with database.sessionmaker.begin() as session:
        await plans.seed_plans(session)
    yield database


@pytest_asyncio.fixture
async def session(db: Database) -> AsyncIterator[AsyncSession]:
    """A session for service tests; the test commits when it wants to."""
    async with db.sessionmaker() as s:
        yield s


@pytest.fixture
def settings(db: Database, tmp_path: Path) -> Settings:
    return Settings(_env_file=None, database_url=db.url, data_dir=tmp_path,  # type: ignore[call-arg]
                    admin_ids=frozenset({900_000_001}), redis_url=None, flood_rate=10_000)


@dataclass
class Telegram:
    """The owner bot running against the Bot API emulator; ``user()`` makes Telegram users."""

    emulator: Any
    app: Any
    token: str

    def user(self, user_id: int, **kwargs: Any) -> Any:
        kwargs.setdefault("first_name", f"User{user_id}")
        kwargs.setdefault("language_code", "en")
        return self.emulator.user(self.token, user_id=user_id, **kwargs)


@contextlib.asynccontextmanager
async def running_owner_bot(settings: Settings, emulator: Any = None) -> AsyncIterator[Telegram]:
    """The real owner dispatcher polling the emulator, torn down afterwards.

    Pass the ``emulator`` of an earlier run to restart the bot process while "Telegram" (and
    its update ids) carries on, as in production.
    """
    from bot.emulator import BotAPIEmulator

    if emulator is None:
        async with BotAPIEmulator() as emu:
            emu.add_bot(OWNER_TOKEN, username="biznespilot_test_bot", first_name="BiznesPilot")
            async with running_owner_bot(settings, emu) as telegram:
                yield telegram
        return

    from bot.app import build_app
    from bot.polling import InboxPoller
    from bot.runner import start_owner_bot

    settings = settings.model_copy(update={"telegram_api_url": emulator.base_url})
    app = await build_app(settings, migrate=False)
    bot, dp = await start_owner_bot(app, OWNER_TOKEN)
    poller = InboxPoller(bot, dp, app.sessionmaker, concurrent=False, timeout=1)
    task = asyncio.create_task(poller.run())
    try:
        yield Telegram(emulator=emulator, app=app, token=OWNER_TOKEN)
    finally:
        poller.stop()
        await task
        await bot.session.close()
        await app.storage.close()
        await app.engine.dispose()


@pytest_asyncio.fixture
async def tg(settings: Settings) -> AsyncIterator[Telegram]:
    async with running_owner_bot(settings) as telegram:
        yield telegram


# --- the fake Claude server and an owner bot that uses it ---------------------------------


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[FakeAnthropic]:
    """A local server speaking the Anthropic Messages API (SSE included) for key ``sk-test``."""
    async with FakeAnthropic("sk-test") as server:
        yield server


def with_key(settings: Settings, fake: FakeAnthropic, budget: float = 3.0) -> Settings:
    """``settings`` with the AI gateway pointed at the fake Claude server."""
    return settings.model_copy(update={
        "anthropic_api_key": SecretStr("sk-test"), "anthropic_base_url": fake.base_url,
        "ai_time_budget_seconds": budget, "ai_max_retries": 0})


@pytest_asyncio.fixture
async def ai_tg(settings: Settings, fake: FakeAnthropic) -> AsyncIterator[Telegram]:
    """The owner bot with Claude configured (the fake server)."""
    async with running_owner_bot(with_key(settings, fake)) as telegram:
        yield telegram
        await telegram.app.ai.close()
