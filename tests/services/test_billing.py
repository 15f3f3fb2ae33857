"""Billing services: prices, coupons, settlement, the lifecycle jobs and retention purge."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import make_i18n
from bot.scheduler import trial_reminders
from services import competitors, plans
from services.billing import coupons, invoices, subscriptions, telegram
from services.db.models import (
    AmoSyncLog,
    AuditLog,
    DailyStat,
    Invoice,
    OutboxMessage,
    PublicChannel,
    PublicChannelSnapshot,
    PublicPost,
    SalesBot,
    SalesConversation,
    SalesMessage,
    Subscription,
)
from services.errors import Conflict, InvalidInput, SubscriptionInactive
from tests.conftest import Database
from tests.factories import make_owner

OWNER = 8401
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


async def _sub(session: AsyncSession) -> Subscription:
    sub = await session.scalar(select(Subscription).where(Subscription.user_id == OWNER)
                               .execution_options(populate_existing=True))
    assert sub is not None
    return sub


async def _pay(session: AsyncSession, invoice_id: int, now: datetime = NOW
               ) -> subscriptions.Settlement:
    locked = await invoices.lock_invoice(session, invoice_id)
    assert locked is not None
    return await subscriptions.settle(session, invoice=locked, provider="click", now=now)


def test_add_months_clamps_to_the_month_end() -> None:
    assert subscriptions.add_months(datetime(2027, 1, 31, tzinfo=UTC), 1).day == 28
    assert subscriptions.add_months(datetime(2026, 12, 15, tzinfo=UTC), 12).year == 2027


async def test_quote_prices_yearly_addons_and_coupons(session: AsyncSession) -> None:
    await make_owner(session, OWNER)
    q = await invoices.quote(session, user_id=OWNER, plan_code="scale", cycle="yearly",
                             addons=1)
    assert (q.plan_price, q.addon_price, q.total) == (23_904_000, 9_504_000, 33_408_000)
    with pytest.raises(InvalidInput):
        await invoices.quote(session, user_id=OWNER, plan_code="growth", cycle="monthly",
                             addons=1)  # the add-on is Scale's
    with pytest.raises(InvalidInput):
        await invoices.quote(session, user_id=OWNER, plan_code="enterprise", cycle="monthly")
    await coupons.create_coupon(session, code="fix100k", kind="fixed", value=100_000)
    q = await invoices.quote(session, user_id=OWNER, plan_code="starter", cycle="monthly",
                             coupon_code="FIX100K")
    assert (q.discount, q.total) == (100_000, 299_000)


async def test_coupon_expiry_limits_and_one_use_per_account(session: AsyncSession) -> None:
    await make_owner(session, OWNER)
    await make_owner(session, OWNER + 1)
    await coupons.create_coupon(session, code="OLD", kind="percent", value=10,
                                expires_at=NOW - timedelta(days=1))
    await coupons.create_coupon(session, code="ONCE", kind="percent", value=10, max_uses=1)
    with pytest.raises(InvalidInput) as expired:
        await invoices.quote(session, user_id=OWNER, plan_code="starter", cycle="monthly",
                             coupon_code="old", now=NOW)
    assert expired.value.reason == "coupon_expired"
    first = await invoices.create_invoice(session, user_id=OWNER, business_id=None,
                                          plan_code="starter", cycle="monthly",
                                          coupon_code="ONCE")
    assert first.discount == 39_900
    # The same account may re-issue an unpaid invoice with its coupon …
    second = await invoices.create_invoice(session, user_id=OWNER, business_id=None,
                                           plan_code="growth", cycle="monthly",
                                           coupon_code="ONCE")
    assert second.discount == 99_900
    # … but another account finds it used up, and after paying it is spent for good.
    with pytest.raises(InvalidInput) as used_up:
        await invoices.create_invoice(session, user_id=OWNER + 1, business_id=None,
                                      plan_code="starter", cycle="monthly", coupon_code="ONCE")
    assert used_up.value.reason == "coupon_used_up"
    await _pay(session, second.id)
    with pytest.raises(InvalidInput):
        await invoices.create_invoice(session, user_id=OWNER, business_id=None,
                                      plan_code="starter", cycle="monthly", coupon_code="ONCE")
    [coupon] = [c for c in await coupons.list_coupons(session) if c.code == "ONCE"]
    assert coupon.used_count == 1


async def test_concurrent_redemptions_never_pass_max_uses(db: Database) -> None:
    if db.backend != "postgresql":
        pytest.skip("SQLite serialises writers")
    async with db.sessionmaker() as s:
        for n in range(10):
            await make_owner(s, OWNER + n)
        await coupons.create_coupon(s, code="RUSH", kind="percent", value=50, max_uses=3)
        await s.commit()

    async def attempt(user_id: int) -> bool:
        try:
            async with db.sessionmaker.begin() as s:
                await invoices.create_invoice(s, user_id=user_id, business_id=None,
                                              plan_code="starter", cycle="monthly",
                                              coupon_code="RUSH")
            return True
        except InvalidInput:
            return False

    results = await asyncio.gather(*[attempt(OWNER + n) for n in range(10)])
    assert sum(results) == 3
    async with db.sessionmaker() as s:
        [coupon] = await coupons.list_coupons(s)
    assert coupon.used_count == 3


async def test_paid_period_extends_from_the_later_of_now_and_period_end(
        session: AsyncSession) -> None:
    await make_owner(session, OWNER)
    await session.execute(update(Subscription).values(
        trial_ends_at=NOW + timedelta(days=3), current_period_end=NOW + timedelta(days=3)))
    first = await invoices.create_invoice(session, user_id=OWNER, business_id=None,
                                          plan_code="starter", cycle="monthly", now=NOW)
    assert (await _pay(session, first.id)).applied
    sub = await _sub(session)
    assert sub.current_period_end == datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
    assert (await _pay(session, first.id)).applied is False  # a repeat credits nothing
    assert (await _sub(session)).current_period_end == datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
    # Long after it lapsed, a new payment counts from now, not from the old end.
    later = datetime(2027, 3, 1, tzinfo=UTC)
    scale = await invoices.create_invoice(session, user_id=OWNER, business_id=None,
                                          plan_code="scale", cycle="yearly", addons=1,
                                          now=later)
    await _pay(session, scale.id, now=later)
    sub = await _sub(session)
    assert sub.current_period_end == datetime(2028, 3, 1, tzinfo=UTC)
    assert sub.business_addons == 1
    view = await plans.account_subscription(session, owner_id=OWNER)
    assert view is not None and view.limits[plans.Resource.BUSINESSES] == 15


async def test_lifecycle_active_past_due_canceled_read_only(session: AsyncSession) -> None:
    business = await make_owner(session, OWNER)
    await session.execute(update(Subscription).values(
        status="active", trial_ends_at=None, current_period_end=NOW - timedelta(days=1)))
    assert await subscriptions.expire_lapsed(session, now=NOW) == {"past_due": 1,
                                                                   "canceled": 0}
    await plans.require_writable(session, business_id=business.id)  # grace: still writable
    moved = await subscriptions.expire_lapsed(session, now=NOW + timedelta(days=3))
    assert moved == {"past_due": 0, "canceled": 1}
    view = await plans.business_subscription(session, business_id=business.id)
    assert view.status == "canceled" and not view.writable


async def test_pause_is_read_only_and_resume_gives_the_days_back(
        session: AsyncSession) -> None:
    business = await make_owner(session, OWNER)
    end = NOW + timedelta(days=10)
    await session.execute(update(Subscription).values(
        status="active", trial_ends_at=None, current_period_end=end))
    with pytest.raises(Conflict):
        await subscriptions.resume(session, user_id=OWNER, now=NOW)
    await subscriptions.pause(session, user_id=OWNER, now=NOW)
    view = await plans.business_subscription(session, business_id=business.id)
    assert view.status == "paused" and not view.writable
    with pytest.raises(SubscriptionInactive):
        await plans.require_writable(session, business_id=business.id)
    # a paused subscription does not lapse, whatever the lifecycle job sees
    assert await subscriptions.expire_lapsed(session, now=NOW + timedelta(days=30)) == {
        "past_due": 0, "canceled": 0}
    with pytest.raises(Conflict):
        await subscriptions.pause(session, user_id=OWNER, now=NOW)
    later = NOW + timedelta(days=30)
    sub = await subscriptions.resume(session, user_id=OWNER, now=later)
    assert (sub.status, sub.current_period_end, sub.paused_at) == (
        "active", later + timedelta(days=10), None)
    await plans.require_writable(session, business_id=business.id)
    actions = list(await session.scalars(select(AuditLog.action).where(
        AuditLog.action.in_(("billing.paused", "billing.resumed"))).order_by(AuditLog.id)))
    assert actions == ["billing.paused", "billing.resumed"]


async def test_a_telegram_payment_delivered_twice_credits_once(session: AsyncSession) -> None:
    await make_owner(session, OWNER)
    invoice = await invoices.create_invoice(session, user_id=OWNER, business_id=None,
                                            plan_code="starter", cycle="monthly", now=NOW)
    payload = telegram.payload_for(invoice)
    paid = [await telegram.successful_payment(
        session, payload=payload, currency="UZS", total_amount=invoice.total * 100,
        user_id=OWNER, charge_id="tg-charge-1", now=NOW) for _ in range(2)]
    assert [p.applied for p in paid] == [True, False]
    sub = await _sub(session)
    assert sub.status == "active"
    assert sub.current_period_end is not None and sub.current_period_end < NOW + timedelta(
        days=7 + 32)  # one month after the trial, not two
    assert await session.scalar(select(func.count()).select_from(AuditLog).where(
        AuditLog.action == "billing.paid")) == 1


async def test_trial_reminders_two_days_and_one_day_before_once_each(
        db: Database, settings) -> None:  # type: ignore[no-untyped-def]
    async with db.sessionmaker() as s:
        await make_owner(s, OWNER, language="uz")
    app = SimpleNamespace(settings=settings, sessionmaker=db.sessionmaker, i18n=make_i18n(),
                          extras={"owner_bot": SimpleNamespace(id=4242001)})

    async def set_end(delta: timedelta) -> None:
        async with db.sessionmaker.begin() as s:
            end = datetime.now(UTC) + delta
            await s.execute(update(Subscription).values(trial_ends_at=end))

    await set_end(timedelta(days=5))
    assert await trial_reminders(app) == 0
    await set_end(timedelta(days=1, hours=20))
    assert await trial_reminders(app) == 1
    assert await trial_reminders(app) == 0  # the same threshold is queued once
    async with db.sessionmaker() as s:
        [message] = await s.scalars(select(OutboxMessage))
    assert "2 kundan so‘ng" in message.payload["text"]  # in the owner's language
    assert message.chat_id == OWNER and message.bot_id == 4242001


async def test_retention_purge_keeps_what_the_plan_keeps(session: AsyncSession) -> None:
    business = await make_owner(session, OWNER)  # Starter: 90 days
    today = NOW.date()
    for age in (10, 89, 91, 400):
        session.add(DailyStat(business_id=business.id, day=today - timedelta(days=age),
                              channel_id=0, spend=1, impressions=0, clicks=0, leads=0,
                              won_leads=0, orders=0, revenue=0, new_customers=0))
    await session.flush()
    removed = await subscriptions.purge_expired_data(session, now=NOW)
    assert removed["daily_stats"] == 2
    left = set(await session.scalars(select(DailyStat.day)))
    assert left == {today - timedelta(days=10), today - timedelta(days=89)}
    assert isinstance(next(iter(left)), date)
    assert await session.scalar(select(func.count()).select_from(Invoice)) == 0


async def test_retention_purge_reaches_competitor_chatbot_and_sync_history(
        session: AsyncSession) -> None:
    business = await make_owner(session, OWNER)  # Starter: 90 days
    rival = (await competitors.create_competitor(session, business_id=business.id,
                                                 name="Rival", telegram="rival_shop")).competitor
    channel_id = await session.scalar(select(PublicChannel.id).where(
        PublicChannel.competitor_id == rival.id))
    bot = SalesBot(id=555, business_id=business.id, username="shop_bot",
                   token_encrypted="x", secret_encrypted="y")
    session.add(bot)
    await session.flush()
    conversation = SalesConversation(business_id=business.id, bot_id=bot.id,
                                     customer_chat_id=42)
    session.add(conversation)
    await session.flush()
    for age in (10, 120):
        at = NOW - timedelta(days=age)
        session.add(PublicChannelSnapshot(business_id=business.id, channel_id=channel_id,
                                          taken_at=at, subscribers=100 + age))
        session.add(PublicPost(business_id=business.id, channel_id=channel_id, post_id=age,
                               posted_at=at, text="post", first_seen_at=at, updated_at=at))
        session.add(SalesMessage(business_id=business.id, conversation_id=conversation.id,
                                 author="customer", text="salom", created_at=at))
        session.add(AmoSyncLog(business_id=business.id, at=at, direction="out",
                               entity="lead", action="created"))
    await session.flush()
    removed = await subscriptions.purge_expired_data(session, now=NOW)
    assert (removed["public_channel_snapshots"], removed["public_posts"],
            removed["sales_messages"], removed["amocrm_sync_log"]) == (1, 1, 1, 1)
    assert set(await session.scalars(select(PublicPost.post_id))) == {10}
    assert set(await session.scalars(select(PublicChannelSnapshot.subscribers))) == {110}
    assert await session.scalar(select(func.count()).select_from(SalesMessage)) == 1
