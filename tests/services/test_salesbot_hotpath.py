"""The customer-message hot path's statement savings keep the behaviour: a conversation this
session created skips the nurture cancel (nothing can be pending) unless ``start`` queued
steps for it in the same session; an existing conversation is always checked."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

from services import plans
from services.salesbot import conversations, nurture
from tests.factories import make_owner
from tests.sales_factories import make_conversation, make_sales_bot

NOW = datetime(2026, 11, 20, 10, 30, tzinfo=UTC)


@contextmanager
def counting(session: AsyncSession) -> Iterator[list[str]]:
    seen: list[str] = []

    def hook(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        seen.append(statement)

    engine = session.bind.sync_engine  # type: ignore[union-attr]
    event.listen(engine, "before_cursor_execute", hook)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", hook)


async def test_first_contact_skips_the_cancel_but_start_then_stop_still_cancels(
        session: AsyncSession) -> None:
    business = await make_owner(session, 8701, name="Hot Path Cafe")
    bot = await make_sales_bot(session, business.id)
    conv = await conversations.open_conversation(
        session, business_id=business.id, bot_id=bot.id, chat_id=901, name="Aziz",
        language="en")
    assert conversations.created_here(session, conv)
    with counting(session) as seen:
        assert await nurture.stop(session, conv, "reply") == 0
    assert seen == []
    conv.stage = "interest"
    assert await nurture.start(session, conv, now=NOW) == 3
    assert await nurture.stop(session, conv, "reply") == 3


async def test_existing_conversations_are_always_checked(session: AsyncSession) -> None:
    business = await make_owner(session, 8702, name="Old Friends")
    bot = await make_sales_bot(session, business.id)
    made = await make_conversation(session, bot, 902, stage="interest")
    conv = await conversations.open_conversation(
        session, business_id=business.id, bot_id=bot.id, chat_id=902, name="Aziz")
    assert conv.id == made.id and not conversations.created_here(session, conv)
    with counting(session) as seen:
        assert await nurture.stop(session, conv, "reply") == 0
    assert len(seen) == 1


async def test_the_subscription_lookup_uses_the_loaded_business(
        session: AsyncSession) -> None:
    business = await make_owner(session, 8703, name="Loaded")
    with counting(session) as seen:
        view = await plans.business_subscription(session, business_id=business.id)
    assert len(seen) == 1 and "subscriptions" in seen[0]  # no SELECT of the business
    assert view.plan_code


async def test_counting_a_message_is_one_update_once_the_bucket_exists(
        session: AsyncSession) -> None:
    business = await make_owner(session, 8704, name="Counted")
    first = await conversations.count_message(session, business_id=business.id)
    with counting(session) as seen:
        second = await conversations.count_message(session, business_id=business.id)
    assert (first.used, second.used) == (1, 2) and second.allowed
    # the subscription, then UPDATE ... RETURNING (no follow-up SELECT of the counter)
    assert len(seen) == 2 and seen[1].lstrip().upper().startswith("UPDATE")


async def test_batched_reads_match_the_single_ones(session: AsyncSession) -> None:
    """The fast lane's batch helpers: knowledge-base stamps that hit the same cache as
    ``snapshot``, counters read and added for several businesses, subscriptions by owner."""
    from services.plans import Resource
    from services.salesbot import knowledge

    first = await make_owner(session, 8711, name="Batch One")
    second = await make_owner(session, 8712, name="Batch Two")
    await knowledge.add_product(session, business_id=first.id, name="Latte", price=28_000)
    await knowledge.add_entry(session, business_id=first.id, kind="delivery",
                              question="Do you deliver?", answer="Within 2 hours.")
    await session.commit()
    single = await knowledge.snapshot(session, business_id=first.id)
    both = await knowledge.snapshots(session, [first.id, second.id])
    assert both[first.id] is single  # the same stamp: a cache hit, no reload
    assert both[second.id].products == [] and both[second.id].entries == []
    await knowledge.add_product(session, business_id=first.id, name="Beans", price=90_000)
    await session.commit()
    changed = await knowledge.snapshots(session, [first.id])
    assert sorted(p.name for p in changed[first.id].products) == ["Beans", "Latte"]

    resource = Resource.CHATBOT_MESSAGES_PER_MONTH
    period = plans.period_key(resource)
    ids = {first.id, second.id}
    assert await plans.usage_many(session, ids, resource=resource, period=period) == {
        first.id: 0, second.id: 0}
    await plans.add_usage(session, {first.id: 2, second.id: 1}, resource=resource,
                          period=period)
    assert await plans.usage_many(session, ids, resource=resource, period=period) == {
        first.id: 2, second.id: 1}
    await plans.add_usage(session, {first.id: 3}, resource=resource, period=period)
    assert await plans.usage_many(session, ids, resource=resource, period=period,
                                  lock=True) == {first.id: 5, second.id: 1}
    single_status = await plans.usage(session, business_id=first.id, resource=resource)
    assert single_status.used == 5
    views = await plans.account_subscriptions(session, {8711, 8712, 1})
    assert set(views) == {8711, 8712}
    assert views[8711].limits == (await plans.business_subscription(
        session, business_id=first.id)).limits
