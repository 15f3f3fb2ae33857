"""/insights, /strategy and /diagnostics as an owner sees them, and the alert job's outbox."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot.insight_jobs import push_insights
from services import insights, strategy
from services.db.models import DailyStat, Lead, MarketingChannel, OutboxMessage
from services.insights import Finding, Priority, RuleKey
from tests.conftest import Database, Telegram
from tests.factories import make_owner


def _today() -> date:
    return datetime.now(ZoneInfo("Asia/Tashkent")).date()


async def _seed_insights(db: Database, business_id: int) -> None:
    async with db.sessionmaker.begin() as s:
        await insights.record(s, business_id=business_id, findings=[
            Finding(RuleKey.REVENUE_GROWTH, Priority.LOW,
                    {"pct": 30.0, "current": 1_300_000, "previous": 1_000_000}),
            Finding(RuleKey.REVENUE_DROP, Priority.CRITICAL,
                    {"pct": -50.0, "current": 3_500_000, "previous": 7_000_000}),
        ])


async def test_insights_list_by_priority_with_done_and_dismiss(tg: Telegram, db: Database
                                                               ) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 7801)
    await _seed_insights(db, business.id)
    user = tg.user(7801)
    listed = (await user.send("/insights"))[-1]
    text = listed.text
    assert "Insights — Test Biz" in text
    assert text.index("Revenue fell 50% week on week") < text.index("Revenue grew 30%")
    assert "Critical — act now · 🆕 new" in text
    assert "Why: Last 7 days 3,500,000 so'm, the 7 days before 7,000,000 so'm." in text
    assert "What to do: Check which channel dropped (/dashboard)" in text
    assert listed.button_texts() == ["✅ Done 1", "🙈 Dismiss 1", "✅ Done 2", "🙈 Dismiss 2",
                                     "🗂 With closed ones", "🏠 Main menu"]
    again = (await user.send("/insights"))[-1]
    assert "👀 seen" in again.text and "🆕 new" not in again.text  # opening marked them seen
    edited = (await user.press("✅ Done 1", message=again))[-1]
    assert "Revenue fell" not in edited.text and "Revenue grew 30%" in edited.text
    edited = (await user.press("🙈 Dismiss 1", message=edited))[-1]
    assert "No open insights" in edited.text
    history = (await user.press("🗂 With closed ones", message=edited))[-1]
    assert "✅ done" in history.text and "🙈 dismissed" in history.text
    async with db.sessionmaker() as s:
        statuses = sorted(i.status for i in await insights.list_insights(
            s, business_id=business.id, include_closed=True))
    assert statuses == ["dismissed", "done"]


async def test_insights_in_russian(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 7802, language="ru")
    await _seed_insights(db, business.id)
    user = tg.user(7802, language_code="ru")
    text = (await user.send("/insights"))[-1].text
    assert "Инсайты — Test Biz" in text
    assert "Выручка упала на 50% за неделю" in text
    assert "Критично — действуйте сейчас" in text
    assert "Почему: За последние 7 дней 3\xa0500\xa0000 сум" in text


async def test_the_job_pushes_urgent_alerts_once_and_bundles_the_rest(tg: Telegram,
                                                                      db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 7803, language="uz")
    await _seed_insights(db, business.id)
    noon = datetime(2026, 11, 15, 7, 0, tzinfo=UTC)  # 12:00 in Tashkent: not the digest hour
    for _ in range(2):  # idempotent
        async with db.sessionmaker.begin() as s:
            await push_insights(s, i18n=tg.app.i18n, bot_id=1, business_id=business.id,
                                now=noon)
    async with db.sessionmaker() as s:
        rows = list(await s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
    assert [(r.kind, r.chat_id) for r in rows] == [("alert", 7803)]
    assert "Daromad bir haftada 50% ga tushdi" in rows[0].payload["text"]
    nine = datetime(2026, 11, 16, 4, 0, tzinfo=UTC)  # 09:00 in Tashkent
    for _ in range(2):
        async with db.sessionmaker.begin() as s:
            await push_insights(s, i18n=tg.app.i18n, bot_id=1, business_id=business.id,
                                now=nine)
    async with db.sessionmaker() as s:
        rows = list(await s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
    assert len(rows) == 2 and rows[1].dedup_key == f"insight-digest:{business.id}:2026-11-16"
    assert "Kun tavsiyalari" in rows[1].payload["text"]
    assert "Daromad bir haftada 30% ga oʻsdi" in rows[1].payload["text"]


async def test_evaluate_tick_finds_and_queues_from_the_numbers(tg: Telegram, db: Database
                                                               ) -> None:
    from bot.insight_jobs import evaluate_tick

    async with db.sessionmaker() as s:
        business = await make_owner(s, 7804)
    today = _today()
    async with db.sessionmaker.begin() as s:
        for i in range(7):
            s.add(DailyStat(business_id=business.id, day=today - timedelta(days=i), channel_id=0,
                            spend=0, impressions=0, clicks=0, leads=0, won_leads=0, orders=1,
                            revenue=500_000, new_customers=0))
            s.add(DailyStat(business_id=business.id, day=today - timedelta(days=i + 7),
                            channel_id=0, spend=0, impressions=0, clicks=0, leads=0,
                            won_leads=0, orders=2, revenue=1_000_000, new_customers=0))
    first = await evaluate_tick(tg.app, every_business=True)
    again = await evaluate_tick(tg.app, every_business=True)
    assert first == {"insights": 1, "queued": 1} and again == {"insights": 0, "queued": 0}
    async with db.sessionmaker() as s:
        assert await s.scalar(select(func.count()).select_from(OutboxMessage)) == 1


async def _seed_numbers(db: Database, business_id: int) -> None:
    today = _today()
    async with db.sessionmaker.begin() as s:
        insta = MarketingChannel(business_id=business_id, kind="instagram", name="Instagram")
        tgc = MarketingChannel(business_id=business_id, kind="telegram", name="Our channel")
        s.add_all([insta, tgc])
        await s.flush()
        for i in range(10):
            day = today - timedelta(days=i)
            s.add(DailyStat(business_id=business_id, day=day, channel_id=insta.id,
                            spend=100_000, impressions=0, clicks=0, leads=3, won_leads=0,
                            orders=1, revenue=400_000, new_customers=1))
            s.add(DailyStat(business_id=business_id, day=day, channel_id=tgc.id,
                            spend=100_000, impressions=0, clicks=0, leads=1, won_leads=0,
                            orders=1, revenue=200_000, new_customers=0))
        for i in range(40):
            s.add(Lead(business_id=business_id, name=f"L{i}", day=today - timedelta(days=i % 9),
                       stage="interest" if i < 30 else "awareness"))


async def test_strategy_from_the_rules_saved_edited_and_checked(tg: Telegram, db: Database
                                                                ) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 7805)
    await _seed_numbers(db, business.id)
    user = tg.user(7805)
    shown = (await user.send("/strategy"))[-1]
    text = shown.text
    assert "Strategy for" in text and "Test Biz" in text
    assert not re.search(r"Strategy for \d{4}-\d{2}", text)  # the month in words
    assert "Revenue 6,600,000 so'm (last 30 days: 6,000,000 so'm)" in text
    assert "Instagram — ROAS 4" in text and "Our channel — ROAS 2" in text
    assert "Instagram: 67% — 1,340,000 so'm" in text and "Our channel: 33%" in text
    assert "Week 1: the problem your customers live with" in text
    assert "Build your first offer with the value equation in /offer." in text
    assert "⚙️ Offline answer — built from rules and templates, no AI key in use." in text
    again = (await user.send("/strategy"))[-1]
    assert again.text == text  # saved: shown again, not regenerated
    await user.press("✏️ Offers to run", message=again)
    saved = await user.send("Spring bundle −20% until the 15th\nFree delivery week")
    assert "✅ Saved." in saved[0].text
    assert "• Spring bundle −20% until the 15th" in saved[-1].text
    assert "Revisions: 1." in saved[-1].text
    check = (await user.press("📊 Check-in: month to date", message=saved[-1]))[-1]
    assert "Check-in" in check.text and "of the month has passed" in check.text
    async with db.sessionmaker() as s:
        month = await strategy.current_month(s, business_id=business.id)
        view = await strategy.get_strategy(s, business_id=business.id, month=month)
    assert view is not None and view.source == "rules" and len(view.checkins) == 1
    assert view.plan["offers"] == [{"text": "Spring bundle −20% until the 15th"},
                                   {"text": "Free delivery week"}]


async def test_diagnostics_in_english_and_uzbek(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 7806)
        uz_business = await make_owner(s, 7807, language="uz")
    await _seed_numbers(db, business.id)
    await _seed_numbers(db, uz_business.id)
    text = (await tg.user(7806).send("/diagnostics"))[-1].text
    assert "Diagnostics — Test Biz" in text
    # Channels: two with data (10) + ROAS 6 000 000 / 2 000 000 = 3 (10); funnel: interest
    # 75% of a 60% target (1.0) and consideration 0 of 35% (0.0) → 10; nothing else yet.
    assert "Score: 30/100" in text
    assert "Ideal customer: 0/20" in text and "Channels: 20/20" in text
    assert "Funnel: 10/20" in text and "Automation: 0/20" in text
    # 30 leads × 35% target = 10 short at consideration, × 12% (none won yet) × AOV 300 000.
    assert "Money lost: about 360,000 so'm a month" in text
    assert "Formula: 10 leads × 12% become customers × average order 300,000 so'm." in text
    assert "Today: Answer the Dream Buyer questions to the end: /dreambuyer" in text
    assert "⚙️ Offline answer — built from rules and templates, no AI key in use." in text
    uz = (await tg.user(7807, language_code="uz").send("/diagnostics"))[-1].text
    assert "Diagnostika — Test Biz" in uz and "Baho: 30/100" in uz
    assert "Harakat rejasi" in uz
