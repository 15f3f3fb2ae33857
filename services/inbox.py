"""The polling inbox: fetched updates are stored before Telegram is told to forget them.

getUpdates confirms a batch when the next call passes a higher offset; handlers run
concurrently, so without this a crash after that call loses the updates still being handled.
Entries are removed once handled; whatever is left at start-up is handled again (the update
de-duplication keeps a write from being applied twice).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.db.models import InboxUpdate


async def store(session: AsyncSession, *, bot_id: int,
                updates: Sequence[tuple[int, dict[str, Any]]]) -> None:
    """Keep ``(update_id, payload)`` pairs; ids already kept are left as they are."""
    if not updates:
        return
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    rows = [{"bot_id": bot_id, "update_id": update_id, "payload": payload}
            for update_id, payload in updates]
    await session.execute(insert(InboxUpdate).on_conflict_do_nothing(), rows)


async def pending(session: AsyncSession, *, bot_id: int) -> list[dict[str, Any]]:
    """Payloads a previous process fetched but did not finish, oldest first."""
    rows = await session.scalars(select(InboxUpdate.payload).where(InboxUpdate.bot_id == bot_id)
                                 .order_by(InboxUpdate.update_id))
    return list(rows)


async def finish(session: AsyncSession, *, bot_id: int, update_ids: Iterable[int]) -> None:
    """Forget handled updates."""
    ids = list(update_ids)
    if ids:
        await session.execute(delete(InboxUpdate).where(
            InboxUpdate.bot_id == bot_id, InboxUpdate.update_id.in_(ids)))
