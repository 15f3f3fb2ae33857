"""Alembic environment: async engines, the same migrations on SQLite and PostgreSQL.

Programmatic runs (``bot.migrations``) hand over an open connection in
``config.attributes["connection"]``; the ``alembic`` CLI builds an engine from
``DATABASE_URL``.
"""

from __future__ import annotations

import asyncio
import os

from sqlalchemy.engine import Connection

from alembic import context
from services.db import models  # noqa: F401  (registers every table on the metadata)
from services.db.base import Base
from services.db.session import make_engine

target_metadata = Base.metadata
DEFAULT_URL = "sqlite+aiosqlite:///data/biznespilot.db"


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # ALTER TABLE on SQLite
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async(url: str) -> None:
    engine = make_engine(url)
    async with engine.connect() as conn:
        await conn.run_sync(_configure)
        await conn.commit()
    await engine.dispose()


def run() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        return
    url = context.config.get_main_option("sqlalchemy.url") or os.environ.get(
        "DATABASE_URL", DEFAULT_URL)
    asyncio.run(_run_async(url))


if context.is_offline_mode():
    raise SystemExit("offline SQL generation is not supported; run against a database")
run()
