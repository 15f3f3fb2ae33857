"""Magic Lantern nurture: schedule times in the business's time zone, idempotent start, stop
cancels, the send-time check skips leads who bought, replied or were handed off, owner edits
follow what is queued, and one business never touches another's sequence."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services import outbox, plans
from services.db.models import OutboxMessage, SalesMessage
from services.errors import InvalidInput, NotFound
from services.salesbot import nurture
from services.salesbot.nurture import StepView
from tests.factories import make_owner
from tests.sales_factories import (
    make_conversation,
    make_hvco,
    make_lead,
    make_order,
    make_sales_bot,
)

# 15:30 in Tashkent (UTC+5) on 20 November
DELIVERED = datetime(2026, 11, 20, 10, 30, tzinfo=UTC)


def test_due_times_are_local_days_at_ten() -> None:
    assert nurture.due_at(DELIVERED, 1, "Asia/Tashkent") == datetime(2026, 11, 21, 5, 0,
                                                                      tzinfo=UTC)
    assert nurture.due_at(DELIVERED, 7, "Asia/Tashkent") == datetime(2026, 11, 27, 5, 0,
                                                                      tzinfo=UTC)
    # 22:30 UTC is already the 21st in Tashkent: day 1 is the 22nd there
    late = datetime(2026, 11, 20, 22, 30, tzinfo=UTC)
    assert nurture.due_at(late, 1, "Asia/Tashkent") == datetime(2026, 11, 22, 5, 0, tzinfo=UTC)
    assert nurture.due_at(late, 1, "Europe/Moscow") == datetime(2026, 11, 22, 7, 0, tzinfo=UTC)


def test_render_fills_in_escapes_and_falls_back() -> None:
    default = StepView(1, 1, None, 0)
    text = nurture.render_step(default, language="ru", business_name="Kofe & Co",
                               lead_magnet="<7 советов>")
    assert text.startswith("Здравствуйте!") and "«&lt;7 советов&gt;»" in text
    assert "Kofe &amp; Co" in text
    assert "наш бесплатный материал" in nurture.render_step(
        default, language="ru", business_name="X", lead_magnet=None)
    assert nurture.render_step(default, language="xx", business_name="X",
                               lead_magnet="T").startswith("Assalomu alaykum!")
    own = StepView(2, 3, "Hi {name} from {business}: {lead_magnet} <b>", None)
    assert nurture.render_step(own, language="en", business_name="Shop",
                               lead_magnet="Guide") == "Hi {name} from Shop: Guide &lt;b&gt;"


async def _pending(session: AsyncSession, business_id: int) -> list[OutboxMessage]:
    return list(await session.scalars(
        select(OutboxMessage).where(OutboxMessage.business_id == business_id,
                                    OutboxMessage.kind == "nurture",
                                    OutboxMessage.status == outbox.PENDING)
        .order_by(OutboxMessage.due_at)))


async def test_start_schedules_once_and_stop_cancels(session: AsyncSession) -> None:
    business = await make_owner(session, 8101, name="Chilonzor Coffee")
    bot = await make_sales_bot(session, business.id)
    hvco = await make_hvco(session, business.id, title="5 coffee recipes")
    conv = await make_conversation(session, bot, 555, language="uz_Cyrl", stage="interest",
                                   hvco=hvco)

    assert await nurture.start(session, conv, now=DELIVERED) == 3
    assert await nurture.start(session, conv, now=DELIVERED + timedelta(hours=2)) == 0
    rows = await _pending(session, business.id)
    assert [r.due_at for r in rows] == [datetime(2026, 11, d, 5, 0, tzinfo=UTC)
                                        for d in (21, 23, 27)]
    assert {(r.bot_id, r.chat_id) for r in rows} == {(bot.id, 555)}
    first = rows[0].payload["text"]
    assert first.startswith("Ассалому алайкум!") and "«5 coffee recipes»" in first
    assert "Chilonzor Coffee" in first
    assert await nurture.pending_count(session, business_id=business.id) == 3

    assert await nurture.stop(session, conv, "reply") == 3
    assert await _pending(session, business.id) == []
    assert await nurture.stop(session, conv, "reply") == 0
    # the same lead magnet again: nothing is re-queued (dedup keys)
    assert await nurture.start(session, conv, now=DELIVERED + timedelta(days=1)) == 0


async def test_send_time_check_skips_leads_who_no_longer_qualify(
        session: AsyncSession) -> None:
    business = await make_owner(session, 8102)
    bot = await make_sales_bot(session, business.id)
    lead = await make_lead(session, business.id, created_at=DELIVERED)
    waiting = await make_conversation(session, bot, 1, stage="interest")
    bought = await make_conversation(session, bot, 2, stage="interest", lead=lead)
    replied = await make_conversation(session, bot, 3, stage="interest")
    handed = await make_conversation(session, bot, 4, stage="consideration")
    asked = await make_conversation(session, bot, 5, stage="interest")
    for conv in (waiting, bought, replied, handed, asked):
        assert await nurture.start(session, conv, now=DELIVERED) == 3
    # events the engine saw without calling stop (the check must still catch them)
    await make_order(session, business.id, lead)
    replied.last_customer_at = DELIVERED + timedelta(hours=3)
    handed.handoff = "waiting"
    # the message that asked for the lead magnet, stamped just after start: not a reply
    asked.last_customer_at = DELIVERED + timedelta(seconds=30)
    await session.flush()

    day1 = datetime(2026, 11, 21, 5, 0, tzinfo=UTC)
    claimed = await outbox.claim_due(session, bot_ids=[bot.id], limit=100, now=day1,
                                     guards=[nurture.cancel_unqualified])
    assert [c.chat_id for c in claimed] == [1, 5]
    statuses = {chat: status for chat, status in await session.execute(
        select(OutboxMessage.chat_id, OutboxMessage.status)
        .where(OutboxMessage.due_at == day1))}
    assert statuses == {1: outbox.SENDING, 2: outbox.CANCELLED, 3: outbox.CANCELLED,
                        4: outbox.CANCELLED, 5: outbox.SENDING}
    # later steps wait for their own check; a purchase stage is caught too
    waiting.stage = "purchase"
    await session.flush()
    assert await nurture.cancel_unqualified(session, DELIVERED + timedelta(days=30)) == 8
    assert await nurture.start(session, waiting, now=DELIVERED) == 0


async def test_owner_edits_follow_the_queue_and_stay_in_their_business(
        session: AsyncSession) -> None:
    business = await make_owner(session, 8103, name="Shop")
    other = await make_owner(session, 8104, name="Other")
    bot = await make_sales_bot(session, business.id)
    view = await nurture.get_sequence(session, business_id=business.id)
    assert view.enabled and [s.delay_days for s in view.steps] == [1, 3, 7]
    conv = await make_conversation(session, bot, 77, language="en")
    await nurture.start(session, conv, now=DELIVERED)

    day3 = view.steps[1]
    await nurture.update_step(session, business_id=business.id, step_id=day3.id,
                              text="Still thinking about {lead_magnet}?", delay_days=2)
    rows = await _pending(session, business.id)
    assert rows[1].payload["text"] == "Still thinking about our free guide?"
    assert rows[1].due_at == datetime(2026, 11, 22, 5, 0, tzinfo=UTC)

    await nurture.delete_step(session, business_id=business.id, step_id=view.steps[0].id)
    assert len(await _pending(session, business.id)) == 2
    added = await nurture.add_step(session, business_id=business.id, delay_days=14,
                                   text="Two weeks on")
    assert [s.delay_days for s in (await nurture.get_sequence(
        session, business_id=business.id)).steps] == [2, 7, 14]
    with pytest.raises(InvalidInput):
        await nurture.add_step(session, business_id=business.id, delay_days=0, text="x")
    with pytest.raises(InvalidInput):
        await nurture.update_step(session, business_id=business.id, step_id=added.id,
                                  text="   ")

    for step_id in (added.id, day3.id):  # another business's steps are not found
        with pytest.raises(NotFound):
            await nurture.get_step(session, business_id=other.id, step_id=step_id)
        with pytest.raises(NotFound):
            await nurture.delete_step(session, business_id=other.id, step_id=step_id)
    await nurture.set_enabled(session, business_id=other.id, enabled=False)
    assert len(await _pending(session, business.id)) == 2

    await nurture.set_enabled(session, business_id=business.id, enabled=False)
    assert await _pending(session, business.id) == []
    conv2 = await make_conversation(session, bot, 78)
    assert await nurture.start(session, conv2, now=DELIVERED) == 0


async def test_due_steps_count_against_the_limit_and_join_the_transcript(
        session: AsyncSession) -> None:
    business = await make_owner(session, 8105)
    bot = await make_sales_bot(session, business.id)
    first = await make_conversation(session, bot, 1, language="ru")
    second = await make_conversation(session, bot, 2, language="ru")
    for conv in (first, second):
        await nurture.start(session, conv, now=DELIVERED)
    resource = plans.Resource.CHATBOT_MESSAGES_PER_MONTH
    await plans.consume(session, business_id=business.id, resource=resource, amount=999)

    day1 = datetime(2026, 11, 21, 5, 0, tzinfo=UTC)
    assert await nurture.cancel_unqualified(session, day1) == 1  # the 1001st message
    assert await nurture.cancel_unqualified(session, day1) == 0  # counted once
    usage = await plans.usage(session, business_id=business.id, resource=resource)
    assert usage.used == 1000
    [line] = await session.scalars(select(SalesMessage).where(
        SalesMessage.business_id == business.id))
    assert (line.conversation_id, line.author, line.source) == (first.id, "bot", "nurture")
    assert line.text.startswith("Здравствуйте!")
    claimed = await outbox.claim_due(session, bot_ids=[bot.id], limit=10, now=day1,
                                     guards=[nurture.cancel_unqualified])
    assert [c.chat_id for c in claimed] == [1]
