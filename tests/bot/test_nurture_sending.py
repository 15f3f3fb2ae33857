"""Nurture through the real outbox sender and the Bot API emulator: the business bot delivers
the due step to a lead who is still waiting, and never to one who bought in the meantime."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.app import make_bot, make_outbox_sender
from services import outbox
from services.db.base import utcnow
from services.db.models import OutboxMessage
from services.salesbot import nurture
from tests.conftest import Database, Telegram
from tests.factories import make_owner
from tests.sales_factories import make_conversation, make_hvco, make_sales_bot

SALES_TOKEN_SECRET = "TEST-sales"


async def test_the_sender_delivers_due_steps_and_skips_a_buyer(tg: Telegram,
                                                               db: Database) -> None:
    started = utcnow() - timedelta(days=8)  # every step of the sequence is due
    async with db.sessionmaker() as s:
        business = await make_owner(s, 8401, name="Gullar")
        sales = await make_sales_bot(s, business.id, username="gullar_bot")
        hvco = await make_hvco(s, business.id, title="Guldasta sirlari")
        waiting = await make_conversation(s, sales, 31, language="uz", stage="interest",
                                          hvco=hvco)
        buyer = await make_conversation(s, sales, 32, language="uz", stage="interest",
                                        hvco=hvco)
        for conv in (waiting, buyer):
            assert await nurture.start(s, conv, now=started) == 3
        buyer.stage = "purchase"  # the engine moved it on without calling stop
        await s.commit()
        sales_id = sales.id
    token = f"{sales_id}:{SALES_TOKEN_SECRET}"
    tg.emulator.add_bot(token, username="gullar_bot", first_name="Gullar")
    lead = tg.emulator.user(token, user_id=31)
    bought = tg.emulator.user(token, user_id=32)
    owner_bot = tg.app.extras["owner_bot"]
    bot = make_bot(tg.app.settings, token)
    try:
        sender = make_outbox_sender(tg.app, {owner_bot.id: owner_bot, sales_id: bot})
        sender.per_chat_interval = 0.0
        await sender.run(until_idle=True)
    finally:
        await bot.session.close()

    texts = [m.text for m in lead.history]
    assert len(texts) == 3 and texts[0].startswith("Assalomu alaykum!")
    assert "«Guldasta sirlari»" in texts[0] and "Gullar" in texts[2]
    assert bought.history == []
    async with db.sessionmaker() as s:
        statuses = sorted((chat, status) for chat, status in await s.execute(
            select(OutboxMessage.chat_id, OutboxMessage.status)
            .where(OutboxMessage.kind == "nurture")))
    assert statuses == [(31, outbox.SENT)] * 3 + [(32, outbox.CANCELLED)] * 3
