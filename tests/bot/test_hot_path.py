"""The update path's shortcuts keep their promises: nothing runs in a thread, read-only
updates touch no table but the polling inbox once warm, and cached users follow every change
at once."""

from __future__ import annotations

from typing import Any

from aiogram import Router
from aiogram.fsm.storage.base import StorageKey
from sqlalchemy import event, func, select

from bot.storage import SqlStorage, current_session
from services import profile, teams
from services.db.models import ProcessedUpdate
from services.db.session import make_sessionmaker
from tests.conftest import Database, Telegram
from tests.factories import add_member, make_owner


def _filters(router: Router) -> list[Any]:
    found = []
    for observer in router.observers.values():
        found += observer._handler.filters or []  # router-level filters
        for handler in observer.handlers:
            found += handler.filters or []
    for sub in router.sub_routers:
        found += _filters(sub)
    return found


async def test_no_filter_is_sent_to_a_thread(tg: Telegram) -> None:
    filters = _filters(tg.app.extras["owner_dispatcher"])
    assert filters
    assert [f.callback for f in filters if not f.awaitable] == []


async def _count(db: Database) -> int:
    async with db.sessionmaker() as s:
        return int(await s.scalar(select(func.count()).select_from(ProcessedUpdate)) or 0)


async def test_read_only_updates_are_free_once_warm(tg: Telegram, db: Database) -> None:
    user = tg.user(3001)
    await user.send("/start")  # creates the user: a write, recorded with the update
    assert await _count(db) == 1
    await user.send("/help")
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    event.listen(tg.app.engine.sync_engine, "before_cursor_execute", record)
    try:
        again = await user.send("/help")
    finally:
        event.remove(tg.app.engine.sync_engine, "before_cursor_execute", record)
    assert "BiznesPilot help" in again[0].text
    # the poller keeps the update in the inbox until it is handled, then forgets it
    assert [s.split()[0] for s in statements] == ["INSERT", "DELETE"]
    assert all("inbox_updates" in s for s in statements)
    assert await _count(db) == 1


async def test_plain_chatter_is_free_once_warm(tg: Telegram, db: Database) -> None:
    """Idle text reaches the fallback (which first asks the free-text entry parser) without
    a database read: the throughput benchmark sends exactly this."""
    async with db.sessionmaker() as s:
        await make_owner(s, 3002)
    user = tg.user(3002)
    await user.send("/start")  # the first contact writes (last seen): a cache miss after it
    await user.send("hello")
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    event.listen(tg.app.engine.sync_engine, "before_cursor_execute", record)
    try:
        again = await user.send("hello there")
    finally:
        event.remove(tg.app.engine.sync_engine, "before_cursor_execute", record)
    assert "I didn't get that" in again[0].text
    assert all("inbox_updates" in s for s in statements), statements


async def test_cached_member_sees_role_and_name_changes_at_once(tg: Telegram,
                                                                db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 3010, name="Old Name")
        await add_member(s, business.id, 3011, teams.Role.VIEWER)
    member = tg.user(3011)
    card = (await member.send("/profile"))[-1]
    assert "✏️ Edit" not in card.button_texts()
    async with tg.app.sessionmaker.begin() as s:
        await teams.change_role(s, business_id=business.id, actor_id=3010, member_id=3011,
                                role=teams.Role.MANAGER)
        await profile.update_field(s, business_id=business.id, field="name", raw="New Name")
    card = (await member.send("/profile"))[-1]
    assert "✏️ Edit" in card.button_texts()
    assert "New Name" in card.text


async def test_cached_fsm_state_never_keeps_a_rolled_back_write(db: Database) -> None:
    storage = SqlStorage(db.engine, cache=True)
    sessions = make_sessionmaker(db.engine)
    key = StorageKey(bot_id=1, chat_id=7, user_id=7)
    assert await storage.get_state(key) is None  # cached as "no state"
    for outcome, expected in (("rollback", None), ("commit", "S:b")):
        async with sessions() as session:
            token = current_session.set(session)
            try:
                await storage.set_state(key, "S:b")
                assert await storage.get_state(key) == "S:b"
            finally:
                current_session.reset(token)
            await (session.rollback() if outcome == "rollback" else session.commit())
        assert await storage.get_state(key) == expected
        assert await SqlStorage(db.engine).get_state(key) == expected
