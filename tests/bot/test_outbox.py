"""The outbox sender against the Bot API emulator: pacing, 429/403/400/5xx, restarts."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest_asyncio
from aiogram import Bot
from sqlalchemy import select, update

from bot.app import make_bot
from bot.config import Settings
from bot.emulator import BotAPIEmulator
from bot.outbox import OutboxSender
from services import outbox
from services.db.base import utcnow
from services.db.models import OutboxMessage, User
from tests.conftest import OWNER_TOKEN, Database

BOT_ID = int(OWNER_TOKEN.split(":")[0])


@pytest_asyncio.fixture
async def emu() -> AsyncIterator[BotAPIEmulator]:
    async with BotAPIEmulator() as emulator:
        emulator.add_bot(OWNER_TOKEN)
        yield emulator


@pytest_asyncio.fixture
async def bot(emu: BotAPIEmulator, settings: Settings) -> AsyncIterator[Bot]:
    assert emu.base_url
    b = make_bot(settings.model_copy(update={"telegram_api_url": emu.base_url}), OWNER_TOKEN)
    yield b
    await b.session.close()


async def _queue(db: Database, chats: list[int], *, batch: str = "t", text: str = "Hi {chat}"
                 ) -> None:
    async with db.sessionmaker.begin() as s:
        for n, chat in enumerate(chats):
            await outbox.enqueue(s, bot_id=BOT_ID, chat_id=chat, kind="test", batch=batch,
                                 payload=outbox.text_payload(text.format(chat=chat, n=n)))


async def _statuses(db: Database) -> dict[int, str]:
    async with db.sessionmaker() as s:
        rows = await s.execute(select(OutboxMessage.id, OutboxMessage.status))
        return {i: st for i, st in rows}


def _sender(db: Database, bot: Bot, **kwargs: object) -> OutboxSender:
    kwargs.setdefault("rate", 200.0)
    kwargs.setdefault("per_chat_interval", 0.05)
    return OutboxSender(db.sessionmaker, {BOT_ID: bot}, users_bot_id=BOT_ID,
                        **kwargs)  # type: ignore[arg-type]


def _texts(emu: BotAPIEmulator, chat: int) -> list[str]:
    return [m.text or m.caption or "" for m in emu.chat_state(OWNER_TOKEN, chat).messages.values()]


async def test_sends_every_kind_of_payload_once(db: Database, emu: BotAPIEmulator, bot: Bot
                                                ) -> None:
    emu.add_private_chats(OWNER_TOKEN, [11])
    markup = {"inline_keyboard": [[{"text": "Open", "url": "https://example.uz"}]]}
    async with db.sessionmaker.begin() as s:
        await outbox.enqueue(s, bot_id=BOT_ID, chat_id=11, kind="t",
                             payload=outbox.text_payload("<b>Hello</b>", reply_markup=markup))
        await outbox.enqueue(s, bot_id=BOT_ID, chat_id=11, kind="t",
                             payload=outbox.photo_payload(b"\x89PNG\r\n", caption="Chart"))
        await outbox.enqueue(s, bot_id=BOT_ID, chat_id=11, kind="t",
                             payload=outbox.document_payload(b"%PDF", filename="r.pdf"))
    await _sender(db, bot).run(until_idle=True)
    messages = list(emu.chat_state(OWNER_TOKEN, 11).messages.values())
    assert [m.text for m in messages][:1] == ["Hello"]
    assert messages[0].reply_markup == markup
    assert messages[1].photo is not None and messages[1].caption == "Chart"
    assert messages[2].document is not None and messages[2].document.filename == "r.pdf"
    assert set((await _statuses(db)).values()) == {"sent"}


async def test_one_chat_is_paced_and_keeps_order(db: Database, emu: BotAPIEmulator, bot: Bot
                                                 ) -> None:
    emu.add_private_chats(OWNER_TOKEN, [12])
    await _queue(db, [12, 12, 12], text="m{n}")
    await _sender(db, bot, per_chat_interval=0.3).run(until_idle=True)
    assert _texts(emu, 12) == ["m0", "m1", "m2"]
    times = [c.at for c in emu.calls_of("sendMessage")]
    assert all(b - a >= 0.29 for a, b in itertools.pairwise(times))


async def test_429_is_retried_403_blocks_400_fails(db: Database, emu: BotAPIEmulator, bot: Bot
                                                   ) -> None:
    chats = [21, 22, 23, 24]
    emu.add_private_chats(OWNER_TOKEN, chats)
    async with db.sessionmaker.begin() as s:
        s.add(User(id=22, first_name="B"))
    emu.chat_state(OWNER_TOKEN, 22).blocked = True
    await _queue(db, chats)
    emu.fail_next("sendMessage", 429, retry_after=1)
    emu.fail_next("sendMessage", 500, times=1)
    await _sender(db, bot, backoff_base=0.1).run(until_idle=True)
    # chat 24 gets a 400: an empty text is refused by Telegram
    async with db.sessionmaker.begin() as s:
        await outbox.enqueue(s, bot_id=BOT_ID, chat_id=24, kind="t",
                             payload={"method": "sendMessage", "text": " "})
    await _sender(db, bot).run(until_idle=True)
    async with db.sessionmaker() as s:
        rows = {(r.chat_id, r.status, r.error is not None)
                for r in await s.scalars(select(OutboxMessage))}
        user = await s.get(User, 22)
    assert rows == {(21, "sent", False), (22, "blocked", True), (23, "sent", False),
                    (24, "sent", False), (24, "failed", True)}
    assert user is not None and user.blocked_at is not None
    for chat in (21, 23, 24):
        assert _texts(emu, chat) == [f"Hi {chat}"]


async def test_a_stopped_sender_resumes_without_duplicates(db: Database, emu: BotAPIEmulator,
                                                           bot: Bot) -> None:
    chats = list(range(1000, 1060))
    emu.add_private_chats(OWNER_TOKEN, chats)
    await _queue(db, chats)
    first = _sender(db, bot, rate=40.0)
    task = asyncio.create_task(first.run())
    await emu.wait_for_call("sendMessage", lambda c: c.params["chat_id"] == 1010)
    first.stop()
    await task
    statuses = await _statuses(db)
    assert "sending" not in statuses.values()
    assert 0 < sum(1 for v in statuses.values() if v == "sent") < len(chats)
    await _sender(db, bot).run(until_idle=True)
    assert set((await _statuses(db)).values()) == {"sent"}
    assert all(_texts(emu, chat) == [f"Hi {chat}"] for chat in chats)
    assert len(emu.calls_of("sendMessage")) == len(chats)


async def test_rows_left_sending_by_a_crash_are_never_resent(db: Database, emu: BotAPIEmulator,
                                                             bot: Bot) -> None:
    emu.add_private_chats(OWNER_TOKEN, [31, 32])
    await _queue(db, [31, 32])
    async with db.sessionmaker.begin() as s:  # a sender claims both, then the process dies
        claimed = await outbox.claim_due(s, bot_ids=[BOT_ID], limit=10)
        await s.execute(update(OutboxMessage).values(
            claimed_at=utcnow() - timedelta(minutes=5)))
    assert len(claimed) == 2
    await _sender(db, bot).run(until_idle=True)
    async with db.sessionmaker() as s:
        rows = list(await s.scalars(select(OutboxMessage)))
    assert {(r.status, r.error) for r in rows} == {("failed", outbox.INTERRUPTED)}
    assert emu.calls_of("sendMessage") == []


async def test_a_fresh_claim_of_another_sender_is_left_alone(db: Database) -> None:
    await _queue(db, [41])
    async with db.sessionmaker.begin() as s:
        assert len(await outbox.claim_due(s, bot_ids=[BOT_ID], limit=10)) == 1
        assert await outbox.claim_due(s, bot_ids=[BOT_ID], limit=10) == []
        assert await outbox.recover_interrupted(s) == 0
    assert set((await _statuses(db)).values()) == {"sending"}


async def test_global_rate_limit_and_random_faults_are_counted(
        db: Database, emu: BotAPIEmulator, bot: Bot) -> None:
    chats = list(range(2000, 2120))
    emu.add_private_chats(OWNER_TOKEN, chats)
    emu.set_global_rate(100, burst=5)
    emu.inject_send_faults(rate_429=0.05, rate_403=0.05, seed=3)
    await _queue(db, chats)
    await _sender(db, bot, rate=100.0).run(until_idle=True)
    statuses = list((await _statuses(db)).values())
    assert statuses.count("blocked") == emu.injected["403"] > 0
    assert statuses.count("sent") == len(chats) - emu.injected["403"]
    assert all(len(_texts(emu, chat)) <= 1 for chat in chats)
