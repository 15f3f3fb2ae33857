"""The sales fast lane (webhook mode): the same answers and the same records as the full
path, the full path for everything it does not take, duplicates once, failures handed over
(SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func, select

from bot.config import Settings
from services import plans
from services.db.models import ProcessedUpdate, SalesConversation, SalesMessage, UsageCounter
from services.plans import Resource
from services.salesbot import knowledge
from tests.bot.sales.harness import Platform, running_platform
from tests.conftest import Database
from tests.factories import make_owner

TOKEN_A = "5550021:AAH-fast-lane-full-path-token-a"
TOKEN_B = "5550022:AAH-fast-lane-the-lane-token-bb"

# (customer, language_code, text): greetings, prices, products, delivery and payment in four
# languages, a hand-off in the middle (the full path) and a question while a person has it
SCRIPT = [
    (1, "uz", "Assalomu alaykum"),
    (1, "uz", "narxi qancha?"),
    (2, "ru", "Сколько стоит латте?"),
    (3, "en", "how much are the beans?"),
    (1, "uz", "dostavka bormi?"),
    (2, "ru", "как оплатить?"),
    (4, "uz", "Нархлар қанча?"),
    (3, "en", "I want to talk to an operator"),
    (3, "en", "what are your prices?"),
    (4, "uz", "qanday mahsulotlar bor?"),
    (2, "ru", "привет"),
    # no rule intent (no model configured): thanks, a knowledge-base question, nothing
    # known, then "yes" to "shall I connect you?" and a quantity (both the full path's)
    (1, "uz", "rahmat"),
    (5, "en", "is there parking nearby?"),
    (5, "en", "can I bring my dog inside?"),
    (5, "en", "yes please"),
    (6, "ru", "2 латте"),
]


async def _business(db: Database, owner_id: int) -> int:
    async with db.sessionmaker() as s:
        business = await make_owner(s, owner_id, name="Chilonzor Coffee")
        await knowledge.add_product(s, business_id=business.id, name="Latte",
                                    price=28_000, description="Double shot")
        await knowledge.add_product(s, business_id=business.id, name="Beans 1 kg",
                                    price=240_000)
        await knowledge.add_entry(s, business_id=business.id, kind="delivery",
                                  question="Do you deliver?",
                                  answer="We deliver in Tashkent within 2 hours.")
        await knowledge.add_entry(s, business_id=business.id, kind="payment",
                                  question="How can I pay?",
                                  answer="Cash, card, Click or Payme.")
        await knowledge.add_entry(s, business_id=business.id, kind="faq",
                                  question="Is there parking nearby?",
                                  answer="Yes, free parking behind the building.")
        await s.commit()
        return business.id


async def _play(p: Platform, token: str, base: int) -> list[tuple[str, list[str]]]:
    said = []
    for who, language, text in SCRIPT:
        customer = p.customer(token, base + who, first_name=f"C{who}", language_code=language)
        replies = await customer.send(text)
        said.append((text, [m.text for m in replies] + [
            "|".join(m.button_texts()) for m in replies]))
    return said


async def _records(db: Database, business_id: int, base: int) -> list[Any]:
    async with db.sessionmaker() as s:
        conversations = list(await s.scalars(select(SalesConversation).where(
            SalesConversation.business_id == business_id).order_by(
                SalesConversation.customer_chat_id)))
        found = []
        for c in conversations:
            lines = (await s.execute(select(
                SalesMessage.author, SalesMessage.text, SalesMessage.intent,
                SalesMessage.source).where(SalesMessage.conversation_id == c.id)
                .order_by(SalesMessage.id))).all()
            found.append((c.customer_chat_id - base, c.customer_name, c.language, c.stage,
                          c.handoff, c.messages_in, c.messages_out,
                          c.last_customer_at is not None, c.last_reply_at is not None,
                          [tuple(line) for line in lines]))
        used = await s.scalar(select(UsageCounter.used).where(
            UsageCounter.business_id == business_id,
            UsageCounter.resource == Resource.CHATBOT_MESSAGES_PER_MONTH.value))
        return [found, used]


async def test_the_lane_answers_and_records_exactly_what_the_full_path_does(
        settings: Settings, db: Database) -> None:
    full_id = await _business(db, 8601)
    lane_id = await _business(db, 8602)
    async with running_platform(settings, compose=None) as p:  # polling: the full path
        await p.connect(full_id, 8601, TOKEN_A, "fast_full_bot")
        full = await _play(p, TOKEN_A, 9600)
    async with running_platform(settings, compose=None, webhook=True) as p:
        await p.connect(lane_id, 8602, TOKEN_B, "fast_lane_bot")
        lane = await _play(p, TOKEN_B, 9700)
        assert p.runtime.fast_lane is not None
        # the hand-offs, the question while a person has it, the "yes" and the quantity
        # took the full path
        assert p.runtime.fast_lane.taken == len(SCRIPT) - 4
    assert lane == full
    assert await _records(db, lane_id, 9700) == await _records(db, full_id, 9600)
    said = dict(lane)
    prices = said["narxi qancha?"][0]
    assert "Latte" in prices and "28" in prices and "Beans 1 kg" in prices
    assert said["is there parking nearby?"][0] == "Yes, free parking behind the building."
    assert said["can I bring my dog inside?"][0].startswith("I don't have an answer")
    assert said["yes please"][0].startswith("🙋")  # connected with a person


async def test_what_the_lane_does_not_take_goes_down_the_full_path(
        settings: Settings, db: Database) -> None:
    business_id = await _business(db, 8611)
    async with running_platform(settings, compose=None, webhook=True) as p:
        await p.connect(business_id, 8611, TOKEN_B, "fast_lane_bot")
        lane = p.runtime.fast_lane
        customer = p.customer(TOKEN_B, 9611, first_name="Aziza", language_code="en")
        assert "This is the bot of" in (await customer.send("/start"))[-1].text
        # the order wizard holds FSM state: the next question is the full path's too
        picked = (await customer.send("I want to order a latte"))[-1]
        assert lane.taken == 0 and picked.text
        await customer.send("cancel")
        assert (await customer.send("+998 90 123 45 67"))[-1].text.startswith("📱")
        assert lane.taken == 0
        assert "Latte" in (await customer.send("how much is it?"))[-1].text
        assert lane.taken == 1
        # past the monthly limit: the full path's polite reply and hand-off, never silence
        async with db.sessionmaker.begin() as s:
            key = plans.period_key(Resource.CHATBOT_MESSAGES_PER_MONTH)
            row = await s.scalar(select(UsageCounter).where(
                UsageCounter.business_id == business_id, UsageCounter.period == key))
            assert row is not None
            row.used = 1000  # Starter: 1 000 a month
        other = p.customer(TOKEN_B, 9612, language_code="en")
        past = (await other.send("how much is it?"))[-1]
        assert "a person from our team will answer you here" in past.text
        assert lane.taken == 1


async def test_the_limit_warning_is_queued_once_from_a_batch(settings: Settings,
                                                             db: Database) -> None:
    business_id = await _business(db, 8621)
    async with running_platform(settings, compose=None, webhook=True) as p:
        await p.connect(business_id, 8621, TOKEN_B, "fast_lane_bot")
        owner = p.owner(8621)
        await owner.send("/start")
        first = p.customer(TOKEN_B, 9621, language_code="uz")
        await first.send("narxi qancha?")
        async with db.sessionmaker.begin() as s:
            row = await s.scalar(select(UsageCounter).where(
                UsageCounter.business_id == business_id))
            assert row is not None and row.used == 1
            row.used = 797
        # three customers at once: one batch crosses 800 of 1 000
        customers = [p.customer(TOKEN_B, 9630 + i, language_code="uz") for i in range(3)]
        await asyncio.gather(*(c.send("narxi qancha?") for c in customers))
        assert all("Latte" in c.last_message.text for c in customers)
        await p.flush_outbox()
        warnings = [m.text for m in owner.history if "(80%)" in (m.text or "")]
        assert warnings == [warnings[0]] and "used 800 of 1000 messages" in warnings[0]
        async with db.sessionmaker() as s:
            assert await s.scalar(select(UsageCounter.used).where(
                UsageCounter.business_id == business_id)) == 800


async def _post(p: Platform, token: str, update: dict[str, Any]) -> tuple[int, Any]:
    hook = p.emulator.bot_state(token).webhook
    assert hook is not None
    async with aiohttp.ClientSession() as http, http.post(
            hook.url, data=json.dumps(update),
            headers={"X-Telegram-Bot-Api-Secret-Token": hook.secret_token or "",
                     "Content-Type": "application/json"}) as response:
        return response.status, await response.json()


def _update(update_id: int, chat: int, text: str) -> dict[str, Any]:
    return {"update_id": update_id, "message": {
        "message_id": update_id, "date": 1, "text": text,
        "chat": {"id": chat, "type": "private", "first_name": "Raw"},
        "from": {"id": chat, "is_bot": False, "first_name": "Raw", "language_code": "en"}}}


async def test_the_reply_rides_on_the_response_and_a_redelivery_is_answered_once(
        settings: Settings, db: Database) -> None:
    business_id = await _business(db, 8641)
    async with running_platform(settings, compose=None, webhook=True) as p:
        await p.connect(business_id, 8641, TOKEN_B, "fast_lane_bot")
        status, reply = await _post(p, TOKEN_B, _update(5001, 9641, "how much is latte?"))
        assert status == 200 and reply["method"] == "sendMessage"
        assert reply["chat_id"] == 9641 and reply["parse_mode"] == "HTML"
        assert "Latte" in reply["text"] and reply["reply_markup"]["inline_keyboard"]
        assert await _post(p, TOKEN_B, _update(5001, 9641, "how much is latte?")) == (200, {})
        async with db.sessionmaker() as s:
            assert await s.scalar(select(func.count()).select_from(SalesMessage)) == 2
            assert await s.scalar(select(func.count()).select_from(ProcessedUpdate).where(
                ProcessedUpdate.update_id == 5001)) == 1


async def test_a_failed_batch_is_handed_to_the_full_path(settings: Settings, db: Database,
                                                        monkeypatch: pytest.MonkeyPatch
                                                        ) -> None:
    business_id = await _business(db, 8651)
    async with running_platform(settings, compose=None, webhook=True) as p:
        await p.connect(business_id, 8651, TOKEN_B, "fast_lane_bot")
        lane = p.runtime.fast_lane

        async def broken(*_args: Any) -> None:
            raise RuntimeError("disk full")

        monkeypatch.setattr(lane, "_write", broken)
        customer = p.customer(TOKEN_B, 9651, language_code="en")
        assert "Latte" in (await customer.send("how much is latte?"))[-1].text
        assert lane.taken == 0
        async with db.sessionmaker() as s:  # written once, by the full path
            assert await s.scalar(select(func.count()).select_from(SalesMessage)) == 2
            assert await s.scalar(select(func.count()).select_from(ProcessedUpdate)) == 1
        monkeypatch.undo()  # the lane works again for the next message
        assert "Latte" in (await customer.send("how much is latte?"))[-1].text
        assert lane.taken == 1


async def test_a_batch_cut_short_by_shutdown_forgets_its_update_ids(
        settings: Settings, db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    business_id = await _business(db, 8661)
    async with running_platform(settings, compose=None, webhook=True) as p:
        await p.connect(business_id, 8661, TOKEN_B, "fast_lane_bot")
        lane = p.runtime.fast_lane
        writing = asyncio.Event()

        async def stuck(*_args: Any) -> None:
            writing.set()
            await asyncio.sleep(30)

        monkeypatch.setattr(lane, "_write", stuck)
        p.emulator.add_private_chats(TOKEN_B, [9661])
        posted = asyncio.create_task(_post(p, TOKEN_B, _update(6001, 9661, "how much?")))
        await asyncio.wait_for(writing.wait(), 10)
        assert lane.dedup.seen(5550022, 6001)  # claimed while its batch is written
        lane._task.cancel()
        status, _reply = await asyncio.wait_for(posted, 20)
        assert status == 200  # the full path answered it instead
        monkeypatch.undo()
        async with db.sessionmaker() as s:  # once, by the full path, nothing of the lane
            assert await s.scalar(select(func.count()).select_from(SalesMessage)) == 2
