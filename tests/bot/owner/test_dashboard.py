"""/dashboard, /kpi and /assumptions as an owner (and a viewer) sees them, through the emulator."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from services import kpi, teams
from services.db.models import DailyStat, Lead, MarketingChannel
from tests.conftest import Database, Telegram
from tests.factories import add_member, make_owner


def _today() -> date:
    return datetime.now(ZoneInfo("Asia/Tashkent")).date()


async def _seed(db: Database, business_id: int) -> None:
    """Seven days of 900 000 so'm revenue and 300 000 spend, the week before at half."""
    today = _today()
    async with db.sessionmaker() as s:
        channel = MarketingChannel(business_id=business_id, kind="instagram", name="Instagram")
        s.add(channel)
        await s.flush()
        for i in range(7):
            day = today - timedelta(days=i)
            s.add(DailyStat(business_id=business_id, day=day, channel_id=channel.id,
                            spend=300_000, impressions=10_000, clicks=200, leads=6,
                            won_leads=1, orders=3, revenue=900_000, new_customers=1))
            s.add(DailyStat(business_id=business_id, day=day - timedelta(days=7),
                            channel_id=channel.id, spend=300_000, impressions=0, clicks=0,
                            leads=3, won_leads=0, orders=1, revenue=450_000, new_customers=1))
            s.add(Lead(business_id=business_id, name=f"L{i}", day=day,
                       stage="interest" if i % 2 else "awareness"))
        await s.commit()


async def test_the_dashboard_image_and_summary_in_english(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 7601)
    await _seed(db, business.id)
    user = tg.user(7601)
    reply = await user.send("/dashboard 7")
    [photo] = [m for m in reply if m.photo is not None]
    assert photo.photo is not None and photo.photo.startswith(b"\x89PNG")
    assert "upload_photo" in user.chat_actions
    text = photo.text
    assert "Dashboard — Test Biz" in text and "7 days" in text
    assert "💰 Revenue: 6,300,000 so'm (▲ +100%)" in text
    assert "🧲 Leads: 42 (▲ +100%)" in text
    assert "🎯 CAC (cost to win a customer): 300,000 so'm (■ ±0%)" in text
    assert "📈 Marketing ROI: 200% (▲ +300%) · on target" in text
    assert "CLV uses default assumptions" in text
    assert photo.button_texts() == ["• 7 days •", "30 days", "90 days", "This month",
                                    "This quarter", "🏠 Main menu"]
    again = await user.press("90 days", message=photo)
    [wide] = [m for m in again if m.photo is not None]
    assert "90 days" in wide.text and "• 90 days •" in wide.button_texts()
    assert "9,450,000 so'm (★ new)" in wide.text  # both weeks; nothing before them


async def test_the_dashboard_in_russian(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 7602, language="ru")
    await _seed(db, business.id)
    user = tg.user(7602, language_code="ru")
    [photo] = [m for m in await user.send("/dashboard неделя") if m.photo is not None]
    assert "Дашборд — Test Biz" in photo.text
    assert "💰 Выручка: 6\xa0300\xa0000 сум (▲ +100%)" in photo.text
    assert "🧲 Лиды: 42 (▲ +100%)" in photo.text
    assert "7 дней" in photo.button_texts()[0]


async def test_no_data_shows_how_to_log_numbers(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        await make_owner(s, 7603)
    user = tg.user(7603)
    reply = (await user.send("/dashboard"))[-1]
    assert reply.photo is None
    assert "No numbers yet" in reply.text and "/spend instagram 500000" in reply.text
    assert "I didn't get the period" in (await user.send("/dashboard someday"))[-1].text


async def test_one_kpi_with_band_change_and_chart(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 7604, language="uz")
    await _seed(db, business.id)
    user = tg.user(7604, language_code="uz")
    [photo] = [m for m in await user.send("/kpi roas 7") if m.photo is not None]
    assert photo.photo is not None and photo.photo.startswith(b"\x89PNG")
    assert "ROAS" in photo.text and "3×" in photo.text and "+100%" in photo.text
    listing = (await user.send("/kpi nimadir"))[-1]
    assert "nimadir" in listing.text and "cac" in listing.text and "churn" in listing.text


async def test_kpi_names_and_aliases_in_english(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 7605)
    await _seed(db, business.id)
    user = tg.user(7605)
    [cac] = [m for m in await user.send("/kpi cac") if m.photo is not None]
    assert "CAC (cost to win a customer)" in cac.text and "Now: 300,000 so'm" in cac.text
    [aov] = [m for m in await user.send("/kpi средний чек 7") if m.photo is not None]
    assert "Average order value" in aov.text and "Now: 300,000 so'm" in aov.text
    later = await user.press("30 days", message=aov)
    assert any(m.photo is not None and "30 days" in m.text for m in later)
    assert "Send /kpi name [period]" in (await user.send("/kpi"))[-1].text


async def test_assumptions_are_saved(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 7606)
        await add_member(s, business.id, 7607, teams.Role.VIEWER)
    user = tg.user(7606)
    screen = (await user.send("/assumptions"))[-1]
    assert "CLV assumptions" in screen.text and "Gross margin: not set" in screen.text
    assert "✏️ Gross margin" in screen.button_texts()
    ask = (await user.press("✏️ Gross margin"))[-1]
    assert "gross margin in %" in ask.text
    assert "between 1 and 100" in (await user.send("150"))[-1].text
    saved = await user.send("40")
    assert saved[0].text == "✅ Saved: Gross margin."
    assert "Gross margin: 40%" in saved[-1].text
    await user.press("✏️ Purchases a year", message=saved[-1])
    assert "Purchases a year: 4.5" in (await user.send("4,5"))[-1].text
    async with db.sessionmaker() as s:
        stored = await kpi.get_assumptions(s, business_id=business.id)
    assert (stored.gross_margin_pct, stored.purchases_per_year) == (40, 4.5)
    viewer = (await tg.user(7607).send("/assumptions"))[-1]
    assert "Gross margin: 40%" in viewer.text
    assert viewer.button_texts() == ["🏠 Main menu"]


async def test_the_main_menu_opens_the_dashboard(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        await make_owner(s, 7790)
    user = tg.user(7790)
    await user.send("/menu")
    shown = (await user.press("📊 Dashboard"))[-1]
    assert "Test Biz" in shown.text  # the empty state (no data yet) with its period buttons
    assert shown.buttons


async def test_menu_buttons_and_the_dashboards_top_insights(tg: Telegram, db: Database) -> None:
    from services import insights
    from services.insights import Priority, RuleKey
    from services.insights import rules as r

    async with db.sessionmaker() as s:
        business = await make_owner(s, 7611)
        await insights.record(s, business_id=business.id, findings=[
            r.Finding(RuleKey.REVENUE_GROWTH, Priority.LOW,
                      {"pct": 30.0, "current": 1_300_000, "previous": 1_000_000}),
            r.Finding(RuleKey.ROAS_LOW, Priority.CRITICAL,
                      {"roas": 1.5, "revenue": 450_000, "spend": 300_000}),
            r.Finding(RuleKey.TRIAL_ENDING, Priority.HIGH, {"days": 2}),
            r.Finding(RuleKey.CHURN_HIGH, Priority.CRITICAL,
                      {"churn": 8.0, "lost": 8, "at_start": 100}),
        ])
        from services.db.base import utcnow
        from services.db.models import SalesBot, SalesConversation

        s.add(SalesBot(id=7_000_011, business_id=business.id, username="cafe_bot",
                       token_encrypted="x", secret_encrypted="y"))
        await s.flush()
        for chat in (1, 2):
            s.add(SalesConversation(business_id=business.id, bot_id=7_000_011,
                                    customer_chat_id=chat, handoff_at=utcnow() if chat == 1
                                    else None))
        await s.commit()
    await _seed(db, business.id)
    user = tg.user(7611)
    menu = (await user.send("/menu"))[-1]
    for label in ("📊 Dashboard", "➕ Add data", "🔔 Insights", "🗓 Reports"):
        assert label in menu.button_texts()
    [photo] = [m for m in await user.press("📊 Dashboard", message=menu) if m.photo is not None]
    text = photo.text
    assert "🔔 Top insights" in text
    top = text.split("🔔 Top insights")[1]
    assert "🔴" in top and "ROAS is 1.5 — below 2" in top and "Churn is 8% — above 5%" in top
    assert "🟠 Your trial ends in 2 days" in top
    assert "Revenue grew" not in top  # only the three most urgent
    assert len(text) <= 1024
    assert "💬 Chatbot: 2 conversations, 1 handed to a human" in text

    entry = (await user.press("➕ Add data", message=menu))[-1]
    assert entry.button_texts() == ["💸 Spend", "🙋 Lead", "🛒 Order", "📥 Import CSV/Excel",
                                    "🏠 Main menu"]
    step = (await user.press("🛒 Order", message=entry))[-1]
    assert "order" in step.text.lower()
    await user.send("/cancel")
    upload = (await user.press("📥 Import CSV/Excel", message=entry))[-1]
    assert "Import from a file" in upload.text

    listed = (await user.press("🔔 Insights", message=menu))[-1]
    assert "Insights — Test Biz" in listed.text and "ROAS is 1.5" in listed.text
    chooser = (await user.press("🗓 Reports", message=menu))[-1]
    assert chooser.button_texts()[:4] == ["Daily brief", "Weekly report", "Monthly report",
                                          "Quarterly review"]
    replies = await user.press("Weekly report", message=chooser)
    assert any(m.photo is not None and "Weekly report" in m.text for m in replies)
    settings = (await user.press("⚙️ Notifications", message=chooser))[-1]
    assert "You get them." in settings.text and "plan): on." in settings.text
