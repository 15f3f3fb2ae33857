"""/plan and the read-only state after a trial, as the owner and the team see them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import update

from bot.formatting import day
from services import dream_buyer, marketing, plans, profile
from services.competitors import service as competitors
from services.db.base import utcnow
from services.db.models import Subscription, User
from services.teams import Role
from tests.bot.owner.test_team import alert, seed
from tests.conftest import Database, Telegram
from tests.services.test_plans import expire_trial

OWNER = 7001


async def _set_plan(db: Database, code: str) -> None:
    async with db.sessionmaker() as s:
        plan = await plans.get_plan(s, code)
        await s.execute(update(Subscription).where(Subscription.user_id == OWNER)
                        .values(plan_id=plan.id))
        await s.commit()


async def test_plan_shows_trial_limits_and_the_comparison(tg: Telegram, db: Database) -> None:
    await seed(db, OWNER, members={7002: Role.MEMBER})
    owner = tg.user(OWNER)
    shown = await owner.send("/plan")
    text = shown[-1].text
    assert "Your plan: Starter" in text
    assert "Status: Trial" in text
    assert "7 days left" in text
    assert "• Businesses: 1 of 2" in text
    assert "• Team members per business: 1 of 3" in text
    for line in ("• Marketing channels: 0 of 3", "• Dream Buyer avatars: 0 of 2",
                 "• Competitors: 0 of 3",
                 "• Leads per month: 0 of 500", "• Chatbots: 0 of 1",
                 "• Chatbot messages per month: 0 of 1,000", "• Data retention, days: 90",
                 "• API calls per day: 0 of 500", "• AI requests per hour: 0 of 20"):
        assert line in text, line
    for line in ("399,000 so'm/month · 3,830,400 so'm/year (save 20%)",
                 "999,000 so'm/month · 9,590,400 so'm/year (save 20%)",
                 "2,490,000 so'm/month · 23,904,000 so'm/year (save 20%)",
                 "Custom price",
                 "Businesses: 10 · team: 25 · leads/month: unlimited · chatbots: unlimited"):
        assert line in text, line
    assert "✅ Starter — your plan" in text
    assert "Pay by Click, Payme or right here in Telegram" in text
    assert shown[-1].button_texts() == ["⬆️ Choose a plan and pay", "🏠 Main menu"]
    # The same screen from the main menu, and for a team member (the owner's plan).
    await owner.send("/menu")
    assert "Your plan: Starter" in (await owner.press("💳 Plan"))[-1].text
    member = await tg.user(7002).send("/plan")
    assert "• Businesses: 1 of 2" in member[-1].text


async def test_usage_is_shown_against_every_counted_limit(tg: Telegram, db: Database) -> None:
    business_id = await seed(db, OWNER)
    async with db.sessionmaker() as s:
        await marketing.create_channel(s, business_id=business_id, kind="instagram")
        await marketing.create_channel(s, business_id=business_id, kind="telegram")
        await dream_buyer.create_avatar(s, business_id=business_id, name="Dilnoza")
        await competitors.create_competitor(s, business_id=business_id, name="Coffee Point")
        for resource, amount in ((plans.Resource.LEADS_PER_MONTH, 450),
                                 (plans.Resource.CHATBOT_MESSAGES_PER_MONTH, 120),
                                 (plans.Resource.API_CALLS_PER_DAY, 7),
                                 (plans.Resource.AI_REQUESTS_PER_HOUR, 3)):
            await plans.consume(s, business_id=business_id, resource=resource, amount=amount)
        await s.commit()
    text = (await tg.user(OWNER).send("/plan"))[-1].text
    for line in ("• Marketing channels: 2 of 3", "• Dream Buyer avatars: 1 of 2",
                 "• Leads per month: 450 of 500 🔴 90%",
                 "• Chatbot messages per month: 120 of 1,000", "• API calls per day: 7 of 500",
                 "• AI requests per hour: 3 of 20", "• Competitors: 1 of 3"):
        assert line in text, line


async def test_usage_markers_at_80_and_90_percent(tg: Telegram, db: Database) -> None:
    await seed(db, OWNER, members={7011: Role.MEMBER, 7012: Role.MEMBER, 7013: Role.VIEWER})
    owner = tg.user(OWNER)
    text = (await owner.send("/plan"))[-1].text
    assert "• Team members per business: 3 of 3 🔴 100%" in text
    await _set_plan(db, "growth")  # 5 businesses: own 4 → 80%
    async with db.sessionmaker() as s:
        for n in range(3):
            await profile.create_business(s, owner_id=OWNER, name=f"Biz {n}",
                                          industry="retail", model="b2c",
                                          primary_goal="sales", team_size="1")
        await s.commit()
    text = (await owner.send("/plan"))[-1].text
    assert "Your plan: Growth" in text
    assert "• Businesses: 4 of 5 ⚠️ 80%" in text
    await _set_plan(db, "enterprise")
    text = (await owner.send("/plan"))[-1].text
    assert "• Team members per business: 0 (unlimited)" in text  # the new current business
    assert "• Data retention, days: custom" in text
    assert "• Leads per month: 0 (unlimited)" in text


async def test_dates_are_in_the_users_time_zone_and_language(tg: Telegram,
                                                            db: Database) -> None:
    await seed(db, OWNER)
    # 20:30 UTC is already the next day in Kiritimati (UTC+14).
    end = (utcnow() + timedelta(days=3)).replace(hour=20, minute=30, second=0, microsecond=0)
    async with db.sessionmaker() as s:
        await s.execute(update(Subscription).values(trial_ends_at=end, current_period_end=end))
        await s.execute(update(User).where(User.id == OWNER)
                        .values(timezone="Pacific/Kiritimati", language="uz"))
        await s.commit()
    text = (await tg.user(OWNER).send("/plan"))[-1].text
    local = end.astimezone(ZoneInfo("Pacific/Kiritimati")).date()
    assert local != end.astimezone(UTC).date()
    assert day(local, "uz") in text
    assert "399\u00a0000 so'm" in text  # Uzbek number format


async def test_expired_trial_is_read_only(tg: Telegram, db: Database) -> None:
    await seed(db, OWNER, members={7021: Role.MEMBER})
    async with db.sessionmaker() as s:
        await expire_trial(s, OWNER)
    owner = tg.user(OWNER)
    text = (await owner.send("/plan"))[-1].text
    assert "Status: Trial ended" in text and "Trial ended: " in text
    assert "read-only" in text
    team = await owner.send("/team")  # viewing still works
    assert "Team of Test Biz" in team[-1].text
    refused = await owner.press("➕ Invite")  # changing does not
    assert refused == []
    assert alert(owner).startswith("🔒 Your trial or subscription has ended, so the business "
                                   "is read-only.")
    assert "Member7021" in (await owner.send("/team"))[-1].text
    assert "Settings" in (await owner.send("/settings"))[-1].text


async def test_trial_end_passing_midway_is_caught(tg: Telegram, db: Database) -> None:
    await seed(db, OWNER)
    owner = tg.user(OWNER)
    await owner.send("/team")
    async with db.sessionmaker() as s:
        await s.execute(update(Subscription).values(
            trial_ends_at=datetime.now(UTC) - timedelta(seconds=1)))
        await s.commit()
    assert await owner.press("➕ Invite") == []
    assert "read-only" in alert(owner)
