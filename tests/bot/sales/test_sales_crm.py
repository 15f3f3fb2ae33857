"""A chatbot hand-off reaches AmoCRM when it is connected: the transcript as a note on the
lead's deal and a task due in 15 minutes; without AmoCRM nothing is queued."""

from __future__ import annotations

from sqlalchemy import select

from bot.config import Settings
from services.db.models import AmoQueueItem
from tests.amocrm_helpers import connect, growth_business, make_runtime
from tests.bot.sales.harness import running_platform
from tests.conftest import Database
from tests.fakes.amocrm import FakeAmoCRM, ManualClock

TOKEN = "5550777:AAH-crm-shop-sales-token-7"


async def _queued(db: Database) -> list[AmoQueueItem]:
    async with db.sessionmaker() as s:
        return list(await s.scalars(select(AmoQueueItem).where(
            AmoQueueItem.kind.in_(("note", "task"))).order_by(AmoQueueItem.id)))


async def test_hand_off_queues_the_transcript_and_a_task(settings: Settings,
                                                         db: Database) -> None:
    clock = ManualClock()
    async with FakeAmoCRM(clock=clock) as fake:
        runtime = make_runtime(fake, clock)
        async with db.sessionmaker() as s:
            business_id = await growth_business(s, 8201)
        await connect(db.sessionmaker, runtime, fake, business_id, 8201)
        async with running_platform(settings) as p:
            await p.connect(business_id, 8201, TOKEN, "crm_shop_bot")
            customer = p.customer(TOKEN, 9201, first_name="Dilnoza")
            await customer.send("salom")
            order = (await customer.press("🛒 Order"))[-1]
            await customer.press(order.button_texts()[0])
            await customer.reply_button("📱 Share my phone number")  # the lead
            assert await _queued(db) == []  # no hand-off yet
            await customer.send("operator bilan gaplashmoqchiman")
        await runtime.close()
    items = await _queued(db)
    assert [i.kind for i in items] == ["note", "task"]
    assert "👤 operator bilan gaplashmoqchiman" in items[0].payload["text"]
    task = items[1].payload["text"]  # in the customer's language (they wrote Uzbek)
    assert "kutmoqda" in task and "(human)" not in task
