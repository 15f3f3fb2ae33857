"""Lead magnets by deep link, the monthly message limit, webhooks with per-bot secrets,
tenant isolation and the owner's pause / replace / disconnect (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from datetime import timedelta

import aiohttp
import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.sales_notices import HandoffAction, HandoffCB
from bot.scheduler import handoff_reminders
from services import hvco, plans
from services.db.base import utcnow
from services.db.models import Lead, SalesBot, SalesConversation, UsageCounter
from services.hvco import DraftText, HvcoStatus, HvcoType
from services.plans import Resource
from services.salesbot.bots import BotStatus
from tests.bot.sales.harness import running_platform
from tests.conftest import OWNER_TOKEN, Database
from tests.factories import make_owner

TOKEN_A = "5550011:AAH-chilonzor-coffee-token-a"
TOKEN_B = "5550012:AAH-yunusobod-flowers-token-b"


async def test_lead_magnet_link_delivers_the_file_and_tags_the_lead(
        settings: Settings, db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 8301, name="Chilonzor Coffee")
    async with running_platform(settings) as p:
        upload = p.emulator.store_upload(OWNER_TOKEN, "document", b"%PDF-1.4 checklist",
                                         "checklist.pdf")
        async with db.sessionmaker.begin() as s:
            magnet = await hvco.create_hvco(
                s, business_id=business.id, hvco_type=HvcoType.CHECKLIST, topic="Beans",
                draft=DraftText("Bean checklist", ("Roast",), "Get it"), source="ai")
            await hvco.attach_file(s, business_id=business.id, hvco_id=magnet.id,
                                   file_id=upload.file_id, file_name="checklist.pdf",
                                   file_size=18)
            await hvco.set_status(s, business_id=business.id, hvco_id=magnet.id,
                                  status=HvcoStatus.ACTIVE)
        await p.connect(business.id, 8301, TOKEN_A, "chilonzor_coffee_bot")
        first = p.customer(TOKEN_A, 9301, first_name="Bobur")
        got = (await first.send(f"/start {magnet.code}"))[-1]
        assert got.document == b"%PDF-1.4 checklist" and got.filename == "checklist.pdf"
        assert "Here is your free Bean checklist" in got.text
        second = (await p.customer(TOKEN_A, 9302).send(f"/start {magnet.code}"))[-1]
        assert second.document == b"%PDF-1.4 checklist"
        # downloaded from the owner bot once; the business bot's own copy serves the rest
        assert len(p.emulator.calls_of("getFile")) == 1
        unknown = (await p.customer(TOKEN_A, 9303).send("/start hv_nosuchcode"))[-1]
        assert "This is the bot of Chilonzor Coffee" in unknown.text
        async with db.sessionmaker() as s:
            assert (await hvco.get_hvco(s, business_id=business.id,
                                        hvco_id=magnet.id)).leads_count == 2
            leads = list(await s.scalars(select(Lead).order_by(Lead.id)))
            assert [(lead.source, lead.utm_source, lead.utm_campaign, lead.stage)
                    for lead in leads] == [("chatbot", "hvco", magnet.code, "interest")] * 2
            conversation = await s.scalar(select(SalesConversation).where(
                SalesConversation.customer_chat_id == 9301))
            assert conversation is not None and conversation.hvco_id == magnet.id


async def _set_used(db: Database, business_id: int, used: int) -> None:
    async with db.sessionmaker.begin() as s:
        key = plans.period_key(Resource.CHATBOT_MESSAGES_PER_MONTH)
        row = await s.scalar(select(UsageCounter).where(
            UsageCounter.business_id == business_id,
            UsageCounter.resource == Resource.CHATBOT_MESSAGES_PER_MONTH.value,
            UsageCounter.period == key))
        if row is None:
            s.add(UsageCounter(business_id=business_id,
                               resource=Resource.CHATBOT_MESSAGES_PER_MONTH.value, period=key,
                               used=used))
        else:
            row.used = used


async def test_message_limit_warns_then_hands_off(settings: Settings, db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 8401, name="Chilonzor Coffee")
    async with running_platform(settings) as p:
        await p.connect(business.id, 8401, TOKEN_A, "chilonzor_coffee_bot")
        owner = p.owner(8401)
        customer = p.customer(TOKEN_A, 9401, first_name="Malika")
        await _set_used(db, business.id, 799)  # Starter: 1 000 a month
        assert "This is the bot of" in (await customer.send("salom"))[-1].text
        await p.flush_outbox()
        assert "used 800 of 1000 messages this month (80%)" in owner.last_message.text
        await _set_used(db, business.id, 999)
        assert "Latte 0.4" in (await customer.send("narxi qancha"))[-1].text
        await p.flush_outbox()
        assert "has used all 1000 messages of this month" in owner.last_message.text
        past = (await customer.send("one more question please"))[-1]
        assert "a person from our team will answer you here" in past.text  # never silence
        await p.flush_outbox()
        assert "Why: the monthly message limit is used up" in owner.last_message.text
        async with db.sessionmaker.begin() as s:
            conversation = (await s.scalars(select(SalesConversation))).one()
            assert (conversation.handoff, conversation.handoff_reason) == ("waiting", "limit")
            conversation.last_customer_at = utcnow() - timedelta(minutes=16)
        # nobody answered for 15 minutes: the scheduler job reminds the operators, once
        assert await handoff_reminders(p.app) == 1
        assert await handoff_reminders(p.app) == 0
        await p.flush_outbox()
        assert "Malika has been waiting for an answer for over 15 minutes" in (
            owner.last_message.text)
        assert owner.last_message.button_texts() == ["✍️ Reply", "✅ Close"]


async def test_webhooks_check_each_bots_secret(settings: Settings, db: Database) -> None:
    if db.backend != "sqlite":
        pytest.skip("transport only: the header check runs before any SQL")
    async with db.sessionmaker() as s:
        business = await make_owner(s, 8501, name="Chilonzor Coffee")
    async with running_platform(settings, webhook=True) as p:
        owner = p.owner(8501)
        assert "Sales chatbot — Chilonzor Coffee" in (await owner.send("/chatbot"))[-1].text
        await p.connect(business.id, 8501, TOKEN_A, "chilonzor_coffee_bot")
        hook = p.emulator.bot_state(TOKEN_A).webhook
        assert hook is not None and hook.url == f"{p.web_base}/tg/5550011"
        assert hook.secret_token and len(hook.secret_token) >= 32
        assert hook.secret_token != p.emulator.bot_state(OWNER_TOKEN).webhook.secret_token  # type: ignore[union-attr]
        customer = p.customer(TOKEN_A, 9501)
        assert "This is the bot of Chilonzor Coffee" in (await customer.send("hi"))[-1].text

        update = {"update_id": 777, "message": {
            "message_id": 1, "date": 1, "text": "salom",
            "chat": {"id": 9502, "type": "private", "first_name": "Forged"},
            "from": {"id": 9502, "is_bot": False, "first_name": "Forged"}}}
        url = f"{p.web_base}/tg/5550011"
        async with aiohttp.ClientSession() as http:
            for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"},
                            {"X-Telegram-Bot-Api-Secret-Token": hook.secret_token + "x"}):
                async with http.post(url, data=json.dumps(update), headers=headers) as r:
                    assert r.status == 401
            other = {"X-Telegram-Bot-Api-Secret-Token": hook.secret_token}
            async with http.post(f"{p.web_base}/tg/5550099", data=json.dumps(update),
                                 headers=other) as r:
                assert r.status == 404
            p.emulator.user(TOKEN_A, user_id=9502, first_name="Forged")
            async with http.post(url, data=json.dumps(update), headers=other) as r:
                assert r.status == 200
        async with db.sessionmaker() as s:
            chats = set(await s.scalars(select(SalesConversation.customer_chat_id)))
        assert chats == {9501, 9502}  # the forged ones were refused before any handling


async def test_two_businesses_never_see_each_other(settings: Settings, db: Database) -> None:
    async with db.sessionmaker() as s:
        first = await make_owner(s, 8601, name="Chilonzor Coffee")
        second = await make_owner(s, 8602, name="Yunusobod Flowers")
    async with running_platform(settings) as p:
        await p.connect(first.id, 8601, TOKEN_A, "chilonzor_coffee_bot")
        await p.connect(second.id, 8602, TOKEN_B, "yunusobod_flowers_bot")
        owner_a, owner_b = p.owner(8601), p.owner(8602)
        await p.customer(TOKEN_A, 9601, first_name="Aziza").send("operator")
        await p.customer(TOKEN_B, 9602, first_name="Jasur").send("operator")
        await p.flush_outbox()
        assert "Chilonzor Coffee" in owner_a.last_message.text
        assert "Jasur" not in owner_a.last_message.text
        assert "Yunusobod Flowers" in owner_b.last_message.text
        async with db.sessionmaker() as s:
            theirs = await s.scalar(select(SalesConversation.id).where(
                SalesConversation.business_id == second.id))
        assert theirs is not None
        # a forged button for the other business's conversation
        forged = HandoffCB(action=HandoffAction.REPLY, conversation=theirs).pack()
        await owner_a.press_data(forged)
        assert owner_a.callback_answers[-1].text == "This conversation is not yours to answer."
        close = HandoffCB(action=HandoffAction.CLOSE, conversation=theirs).pack()
        await owner_a.press_data(close)
        async with db.sessionmaker() as s:
            row = await s.get(SalesConversation, theirs)
            assert row is not None and row.handoff == "waiting"
        card = (await owner_a.send("/chatbot"))[-1].text
        assert "Conversations: 1 · 🙋 with a person now: 1" in card
        assert "yunusobod" not in card
        # a complaint hands off with an apology; /stop ends follow-ups
        unhappy = p.customer(TOKEN_B, 9603, first_name="Olim")
        sorry = (await unhappy.send("I have a problem, I want to complain"))[-1]
        assert "We're sorry this happened" in sorry.text
        assert "won't send you any more messages" in (await unhappy.send("/stop"))[-1].text
        async with db.sessionmaker() as s:
            row = await s.scalar(select(SalesConversation).where(
                SalesConversation.customer_chat_id == 9603))
            assert row is not None and row.handoff_reason == "complaint"
            assert row.stopped_at is not None and row.business_id == second.id


async def test_pause_resume_replace_and_disconnect(settings: Settings, db: Database) -> None:
    if db.backend != "sqlite":
        pytest.skip("the bot service's SQL runs on both databases in tests/services")
    async with db.sessionmaker() as s:
        business = await make_owner(s, 8701, name="Chilonzor Coffee")
    async with running_platform(settings) as p:
        await p.connect(business.id, 8701, TOKEN_A, "chilonzor_coffee_bot")
        owner = p.owner(8701)
        card = (await owner.send("/chatbot"))[-1]
        assert "Your plan allows 1 bot(s)" in card.text  # Starter: one bot
        paused = (await owner.press("⏸ Pause @chilonzor_coffee_bot"))[-1]
        assert "⏸ paused" in paused.text and p.runtime.target(5550011) is None
        resumed = (await owner.press("▶️ Resume @chilonzor_coffee_bot"))[-1]
        assert "🟢 answering customers" in resumed.text
        assert p.runtime.target(5550011) is not None
        await owner.press("🔑 Replace token")
        wrong = (await owner.send(TOKEN_B))[-1]
        assert "belongs to a different bot" in wrong.text
        new_token = "5550011:AAH-chilonzor-coffee-new-token"
        p.add_business_bot(new_token, "chilonzor_coffee_bot")
        replaced = await owner.send(new_token)
        assert "The new token of @chilonzor_coffee_bot works" in replaced[0].text
        served = p.runtime.target(5550011)
        assert served is not None and served.bot.token == new_token
        assert "This is the bot of" in (await p.customer(new_token, 9701).send("hi"))[-1].text
        await owner.press("🗑 Disconnect")
        gone = (await owner.press("🗑 Yes, disconnect"))[-1]
        assert "No bot connected yet" in gone.text and p.runtime.target(5550011) is None
        async with db.sessionmaker() as s:
            row = await s.get(SalesBot, 5550011)
            assert row is not None and row.status == BotStatus.DISCONNECTED
            assert row.token_encrypted == "" and row.secret_encrypted == ""
