"""The sales chatbot end to end: the owner connects a bot in /chatbot, customers talk to it
through the emulator, operators answer in the owner bot (SQLite and PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import select

from bot.config import Settings
from services.db.models import Lead, Order, SalesBot, SalesConversation, SalesMessage
from services.salesbot.bots import BotStatus
from tests.bot.sales.harness import Platform, running_platform
from tests.conftest import Database
from tests.factories import make_owner

TOKEN_A = "5550001:AAH-chilonzor-coffee-token-1"
TOKEN_B = "5550002:AAH-yunusobod-flowers-token-2"


async def _connect(p: Platform, owner_id: int, token: str, username: str) -> None:
    p.add_business_bot(token, username)
    owner = p.owner(owner_id)
    card = (await owner.send("/chatbot"))[-1]
    assert "➕ Connect a bot" in card.button_texts()
    asked = (await owner.press("➕ Connect a bot"))[-1]
    assert "@BotFather" in asked.text
    done = await owner.send(f"Done! Use this token to access the HTTP API:\n{token}")
    assert f"✅ @{username} is connected and answers your customers now." in done[0].text
    assert f"@{username} — 🟢 answering customers" in done[-1].text
    # the token does not stay in the owner's chat
    assert not any(token in (m.text or "") for m in owner.chat.messages.values()
                   if not m.deleted)


async def test_connect_converse_order_and_hand_off(settings: Settings, db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 8101, name="Chilonzor Coffee")
    async with running_platform(settings) as p:
        await _connect(p, 8101, TOKEN_A, "chilonzor_coffee_bot")
        assert p.runtime.target(5550001) is not None  # serving at once, no restart
        async with db.sessionmaker() as s:
            row = await s.get(SalesBot, 5550001)
            assert row is not None and TOKEN_A not in row.token_encrypted  # encrypted

        customer = p.customer(TOKEN_A, 9101, first_name="Aziza")
        welcome = (await customer.send("Assalomu alaykum!"))[-1]
        assert "This is the bot of Chilonzor Coffee" in welcome.text
        assert welcome.button_texts() == ["🛍 Products", "💰 Prices", "❓ FAQ", "🛒 Order",
                                          "👤 Operator"]
        price = (await customer.send("how much is a latte?"))[-1]
        assert "Latte 0.4" in price.text and "28,000" in price.text
        assert "Beans 1 kg" in price.text

        order = (await customer.press("🛒 Order"))[-1]
        assert "What would you like to order?" in order.text
        picked = (await customer.press(order.button_texts()[0]))[-1]
        assert "share your phone number" in picked.text
        assert customer.reply_keyboard == [["📱 Share my phone number"]]
        placed = (await customer.reply_button("📱 Share my phone number"))[-1]
        assert "✅ Order #" in placed.text and "+998901234567" in placed.text

        async with db.sessionmaker() as s:
            lead = (await s.scalars(select(Lead).where(Lead.business_id == business.id))).one()
            assert (lead.source, lead.phone, lead.telegram_id) == ("chatbot", "+998901234567",
                                                                   9101)
            assert (lead.stage, lead.status, lead.score) == ("purchase", "won", 100)
            db_order = (await s.scalars(select(Order))).one()
            assert (db_order.total, db_order.source, db_order.lead_id) == (28_000, "chatbot",
                                                                           lead.id)
            conversation = (await s.scalars(select(SalesConversation))).one()
            assert conversation.stage == "purchase"
        owner = p.owner(8101)
        await p.flush_outbox()
        assert "🛒 New order from the chatbot — Chilonzor Coffee" in owner.last_message.text

        # the operator: card with the transcript, Reply relays, Close hands back
        asked = (await customer.send("can I talk to an operator?"))[-1]
        assert "connecting you with a person" in asked.text
        await p.flush_outbox()
        handoff_card = owner.last_message
        assert "🙋 A customer needs a person — Chilonzor Coffee" in handoff_card.text
        assert "Customer: Aziza" in handoff_card.text
        assert "👤 how much is a latte?" in handoff_card.text  # the transcript
        assert handoff_card.button_texts() == ["✍️ Reply", "✅ Close"]
        assert await customer.send("hello?") == []  # silent while a person has it
        await p.flush_outbox()
        assert "👤 Aziza: hello?" in owner.last_message.text
        prompt = (await owner.press("✍️ Reply", message=handoff_card))[-1]
        assert "Write your reply to Aziza" in prompt.text
        sent = (await owner.send("Salom! <Dilnoza> here, your latte is on its way"))[-1]
        assert "✅ Sent to Aziza." in sent.text
        assert customer.last_message.text == "Salom! <Dilnoza> here, your latte is on its way"
        closed = await owner.press("✅ Close", message=handoff_card)
        assert "✅ Closed by" in closed[-1].text
        assert "You're back with our bot" in customer.last_message.text
        again = (await customer.send("hi"))[-1]
        assert "This is the bot of Chilonzor Coffee" in again.text
        async with db.sessionmaker() as s:
            authors = [m.author for m in await s.scalars(
                select(SalesMessage).order_by(SalesMessage.id))]
            assert "operator" in authors and authors.count("customer") >= 5
            conversation = (await s.scalars(select(SalesConversation))).one()
            assert conversation.handoff == "none"


async def test_revoked_token_pauses_only_that_bot(settings: Settings, db: Database) -> None:
    async with db.sessionmaker() as s:
        await make_owner(s, 8201, name="Chilonzor Coffee")
        await make_owner(s, 8202, name="Yunusobod Flowers")
    async with running_platform(settings) as p:
        await _connect(p, 8201, TOKEN_A, "chilonzor_coffee_bot")
        await _connect(p, 8202, TOKEN_B, "yunusobod_flowers_bot")
        p.emulator.revoke_bot(TOKEN_A)
        state = p.emulator.bot_state(TOKEN_A)
        if state.wakeup is not None:  # end the long poll now: the next one gets the 401
            state.wakeup.set()
        await p.runtime.wait_stopped(5550001)
        async with db.sessionmaker() as s:
            assert (await s.get(SalesBot, 5550001)).status == BotStatus.REVOKED  # type: ignore[union-attr]
            assert (await s.get(SalesBot, 5550002)).status == BotStatus.ACTIVE  # type: ignore[union-attr]
        await p.flush_outbox()
        notice = p.owner(8201).last_message
        assert "@chilonzor_coffee_bot stopped answering customers" in notice.text
        # the other business's bot still answers
        other = (await p.customer(TOKEN_B, 9202).send("salom"))[-1]
        assert "This is the bot of Yunusobod Flowers" in other.text
        assert "🔌 stopped" in (await p.owner(8201).send("/chatbot"))[-1].text
