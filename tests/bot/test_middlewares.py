"""De-duplication, flood control and the error router, seen from the outside."""

from __future__ import annotations

from datetime import timedelta

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message, Update
from sqlalchemy import func, select

from bot.config import Settings
from services import maintenance
from services.db.base import utcnow
from services.db.models import ProcessedUpdate
from services.errors import LimitExceeded
from tests.conftest import Database, Telegram, running_owner_bot


def _update(update_id: int, user_id: int, text: str) -> Update:
    return Update.model_validate({
        "update_id": update_id,
        "message": {"message_id": update_id, "date": 0, "text": text,
                    "chat": {"id": user_id, "type": "private"},
                    "from": {"id": user_id, "is_bot": False, "first_name": "T"}},
    })


async def test_same_update_is_handled_once_even_across_processes(settings: Settings,
                                                                 db: Database) -> None:
    async with running_owner_bot(settings) as tg:
        user = tg.user(2001)
        await user.send("/help")
        sent_before = len(user.history)
        duplicate = _update(1, 2001, "/help")  # update 1 was the /help above
        await tg.app.extras["owner_dispatcher"].feed_update(tg.app.extras["owner_bot"],
                                                            duplicate)
        assert len(user.history) == sent_before
    # A new process (Telegram re-sends what was not confirmed) drops it too.
    async with running_owner_bot(settings) as tg:
        user = tg.user(2001)
        await tg.app.extras["owner_dispatcher"].feed_update(tg.app.extras["owner_bot"],
                                                            duplicate)
        assert user.history == []
    async with db.sessionmaker() as s:
        count = await s.scalar(select(func.count()).select_from(ProcessedUpdate))
    assert count == 1


async def test_old_update_ids_are_purged(session) -> None:  # type: ignore[no-untyped-def]
    session.add(ProcessedUpdate(bot_id=1, update_id=1, created_at=utcnow() - timedelta(days=3)))
    session.add(ProcessedUpdate(bot_id=1, update_id=2))
    await session.flush()
    assert await maintenance.purge_processed_updates(session) == 1


async def test_flood_control_warns_once(settings: Settings, db: Database) -> None:
    strict = settings.model_copy(update={"flood_rate": 3, "flood_window_seconds": 60})
    async with running_owner_bot(strict) as tg:
        user = tg.user(2002)
        replies = [await user.send("/help") for _ in range(6)]
    assert all(r for r in replies[:3])
    assert "Too many messages" in replies[3][0].text
    assert replies[4] == [] and replies[5] == []


async def test_errors_become_localized_replies_or_an_apology(tg: Telegram) -> None:
    probe = Router(name="probe")

    @probe.message(Command("boom"), flags={"perm": "public"})
    async def boom(message: Message) -> None:
        raise RuntimeError("unexpected")

    @probe.message(Command("full"), flags={"perm": "public"})
    async def full(message: Message) -> None:
        raise LimitExceeded(resource="competitors", used=3, limit=3, plan="starter")

    dispatcher = tg.app.extras["owner_dispatcher"]
    dispatcher.sub_routers.insert(0, probe)  # ahead of the fallback that takes any text
    probe._parent_router = dispatcher
    dispatcher.index()  # routers added after start-up must be indexed again
    user = tg.user(2003)
    sorry = await user.send("/boom")
    assert "something went wrong" in sorry[0].text
    limit = await user.send("/full")
    assert "Starter plan allows 3" in limit[0].text and "Competitors" in limit[0].text
