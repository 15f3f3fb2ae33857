"""An admin's broadcast through the emulator: compose, preview, segment, confirm, progress,
with injected 429/403 and a sender restart mid-way."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select

from bot.outbox import OutboxSender
from handlers.admin.broadcast import BroadcastProgress
from services.db.base import utcnow
from services.db.models import Broadcast, OutboxMessage, User
from tests.conftest import Database, Telegram

ADMIN = 900_000_001


async def _users(db: Database, ids: range, **fields: object) -> None:
    async with db.sessionmaker.begin() as s:
        for uid in ids:
            s.add(User(id=uid, first_name=f"U{uid}", **fields))


def _sender(tg: Telegram, **kwargs: object) -> OutboxSender:
    bot = tg.app.extras["owner_bot"]
    bots = {bot.id: bot}
    return OutboxSender(tg.app.sessionmaker, bots, users_bot_id=bot.id, rate=60.0,
                        tick_interval=0.2,
                        tickers=[BroadcastProgress(tg.app.sessionmaker, bots, tg.app.i18n)],
                        **kwargs)  # type: ignore[arg-type]


async def test_a_broadcast_end_to_end_with_faults_and_a_restart(tg: Telegram, db: Database
                                                                ) -> None:
    await _users(db, range(5000, 5040), language="ru")
    await _users(db, range(6000, 6005), language="en")
    admin = tg.user(ADMIN)
    for uid in [*range(5000, 5040), *range(6000, 6005)]:
        tg.user(uid)
    assert "New broadcast" in (await admin.send("/broadcast"))[-1].text
    assert "link buttons" in (await admin.send("<b>Big</b> news"))[-1].text
    bad = await admin.send("no link here")
    assert "website address" in bad[-1].text
    preview = await admin.send("Open - example.uz")
    assert "exactly this" in preview[0].text
    assert preview[1].text == "<b>Big</b> news" and "&lt;b&gt;" in preview[1].html
    assert preview[1].button_texts() == ["Open"]
    assert "Language: ru" in preview[-1].button_texts()
    counted = await admin.press("Language: ru")
    assert "Recipients: 40" in counted[-1].text
    tg.emulator.inject_send_faults(rate_429=0.1, rate_403=0.1, seed=7)
    started = await admin.press("✅ Send")
    assert "Broadcast #1 is being delivered" in started[-1].text
    assert "Remaining: 40 of 40" in started[-1].text

    first = _sender(tg)
    task = asyncio.create_task(first.run())
    await tg.emulator.wait_for_call("sendMessage", lambda c: c.params["chat_id"] == 5015)
    first.stop()
    await task
    await _sender(tg).run(until_idle=True)

    async with db.sessionmaker() as s:
        rows = list(await s.scalars(select(OutboxMessage)))
        bc = await s.get(Broadcast, 1)
        blocked_users = await s.scalar(select(User.id).where(User.blocked_at.is_not(None)))
    statuses = [r.status for r in rows]
    blocked = tg.emulator.injected["403"]
    assert len(rows) == 40 and blocked > 0 and blocked_users is not None
    assert statuses.count("blocked") == blocked and statuses.count("sent") == 40 - blocked
    assert bc is not None and (bc.status, bc.sent, bc.blocked, bc.failed) == (
        "done", 40 - blocked, blocked, 0)
    for uid in range(5000, 5040):
        got = [m for m in tg.user(uid).history if m.text == "<b>Big</b> news"]
        assert len(got) <= 1
    assert not [m for m in tg.user(6000).history if m.text == "<b>Big</b> news"]
    final = tg.user(ADMIN).last_message
    assert final is not None and "Broadcast #1 finished" in final.text
    assert f"Delivered: {40 - blocked}" in final.text
    assert f"Blocked the bot: {blocked}" in final.text


async def test_a_photo_broadcast_in_russian_to_the_inactive(tg: Telegram, db: Database) -> None:
    await _users(db, range(7000, 7003), last_seen_at=utcnow() - timedelta(days=40))
    await _users(db, range(7100, 7102))
    admin = tg.user(ADMIN, language_code="ru")
    for uid in [*range(7000, 7003), *range(7100, 7102)]:
        tg.user(uid)
    await admin.send("/broadcast")
    await admin.send_photo(b"\x89PNG\r\n\x1a\n" + b"0" * 64, caption="Скидка")
    preview = await admin.press("⏭ Пропустить")
    assert preview[1].text == "Скидка" and preview[1].photo is not None
    counted = await admin.press("Неактивные 30+ дней")
    assert "Получателей: 3" in counted[-1].text
    await admin.press("✅ Отправить")
    await _sender(tg).run(until_idle=True)
    for uid in range(7000, 7003):
        assert [(m.text, m.photo is not None) for m in tg.user(uid).history] == [
            ("Скидка", True)]
    assert tg.user(7100).history == []
    final = tg.user(ADMIN).last_message
    assert final is not None and "Рассылка #1 завершена" in final.text


async def test_non_admins_cannot_broadcast(tg: Telegram, db: Database) -> None:
    await _users(db, range(8000, 8001))
    replies = await tg.user(8000).send("/broadcast")
    assert not any("New broadcast" in m.text for m in replies)
