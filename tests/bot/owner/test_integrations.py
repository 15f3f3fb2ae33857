"""Integrations as an owner sees them, through the Bot API emulator, against the fake Graph
and Google servers: connect step by step, the status list, sync now, an expired token shown
as "not synced since", disconnect with a confirmation."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest_asyncio

from bot.config import IntegrationSettings, Settings
from bot.sync_jobs import sync_tick
from handlers.owner.integrations.callbacks import IntegrationAction, IntegrationCB
from services import kpi
from services.teams import Role
from tests.conftest import Database, Telegram, running_owner_bot
from tests.factories import add_member, make_owner
from tests.fakes.google import CampaignDay, FakeGoogle
from tests.fakes.meta import FakeGraph, IgAccount, media

TODAY = datetime.now(UTC).date()


@pytest_asyncio.fixture
async def fakes() -> AsyncIterator[tuple[FakeGraph, FakeGoogle]]:
    async with FakeGraph() as graph, FakeGoogle() as google:
        graph.ig["1784140001"] = IgAccount("cafe_tashkent", 2000, 120, {
            "views": {TODAY - timedelta(days=i): 500 for i in range(7)}},
            media(5, day=TODAY, likes=30, comments=10))
        google.customers["1234567890"] = "Cafe Ads"
        google.campaign_days = [CampaignDay("111", "Brand", TODAY - timedelta(days=i), 40,
                                            1000, 50_000_000_000, 1.0) for i in range(3)]
        yield graph, google


@pytest_asyncio.fixture
async def tg(settings: Settings, fakes: tuple[FakeGraph, FakeGoogle]
             ) -> AsyncIterator[Telegram]:
    graph, google = fakes
    config = IntegrationSettings(graph_api_url=graph.api_url, google_ads_api_url=google.ads_url,
                                 ga4_api_url=google.ga4_url, google_token_url=google.token_url,
                                 google_ads_developer_token=google.developer_token,
                                 max_retries=0, timeout_seconds=5)
    async with running_owner_bot(settings.model_copy(update={"integrations": config})) as t:
        yield t


async def test_connect_instagram_sync_expire_and_disconnect(
        tg: Telegram, db: Database, fakes: tuple[FakeGraph, FakeGoogle]) -> None:
    graph, _ = fakes
    async with db.sessionmaker() as s:
        business = await make_owner(s, 7301)
    user = tg.user(7301)
    listed = (await user.send("/integrations"))[-1]
    assert "Not connected: Instagram, Facebook, Google Ads, Google Analytics 4." in listed.text
    step1 = (await user.press("➕ Connect Instagram"))[-1]
    assert "step 1 of 2" in step1.text and "instagram_business_account" in step1.text
    assert "That id doesn't look right" in (await user.send("my account"))[-1].text
    assert "Step 2 of 2" in (await user.send("1784140001"))[-1].text
    refused = await user.send("EAAGwrongtoken" + "z" * 30)
    assert "The token was refused" in refused[-1].text
    await user.send(graph.token)
    assert all(graph.token not in m.text for m in user.history)
    sent = [m for m in user.chat.messages.values() if not m.from_bot]
    assert all(m.deleted for m in sent if graph.token in (m.text or ""))
    connected = user.history[-2:]
    assert "✅ Instagram connected: @cafe_tashkent" in connected[0].text
    assert "connected, the first sync is coming" in connected[1].text

    assert await sync_tick(tg.app) == {"ok": 1}
    listed = (await user.send("/integrations"))[-1]
    assert "✅ Instagram — @cafe_tashkent: last synced" in listed.text
    async with db.sessionmaker() as s:
        period = await kpi.period_for(s, business_id=business.id, kind="7d")
        card = (await kpi.kpi(s, business_id=business.id, name="engagement",
                              period=period)).card
        assert card.value == 10.0  # (30 + 10) × 5 media / 2000 followers × 100

    graph.tokens.clear()  # the owner changed the Facebook password: the token is dead
    await user.press("🔄 Sync Instagram", message=listed)
    result = user.history[-1]
    assert result.edited and "Instagram was not synced: the access expired" in result.text
    listed = (await user.send("/integrations"))[-1]
    assert "⚠️ Instagram — @cafe_tashkent: not synced since" in listed.text
    assert "reconnect" in listed.text
    assert "🔑 Reconnect Instagram" in listed.button_texts()
    log = (await user.press("📜 Sync log", message=listed))[-1]
    lines = log.text.splitlines()[2:]
    assert "Instagram 👆 · ⚠️ the access expired" in lines[0]  # newest first, by hand
    assert "Instagram · ✅" in lines[1] and len(lines) == 2
    gap = (await user.send("/dashboard"))[-1]  # the numbers' screen says so too
    assert "⚠️ Instagram not synced since" in gap.text and "/integrations" in gap.text

    ask = (await user.press("🔌 Instagram", message=listed))[-1]
    assert "Disconnect Instagram (@cafe_tashkent)?" in ask.text
    await user.press("🔌 Yes, disconnect")
    assert "Not connected: Instagram," in user.history[-1].text


async def test_connect_google_ads_in_four_steps_feeds_the_dashboard(
        tg: Telegram, db: Database, fakes: tuple[FakeGraph, FakeGoogle]) -> None:
    _, google = fakes
    async with db.sessionmaker() as s:
        business = await make_owner(s, 7302)
        other = await make_owner(s, 7303)
        await add_member(s, business.id, 7304, Role.VIEWER)
    user = tg.user(7302)
    await user.send("/integrations")
    assert "step 1 of 4" in (await user.press("➕ Connect Google Ads"))[-1].text
    assert "Step 2 of 4" in (await user.send("123-456-7890"))[-1].text
    assert "OAuth client ID" in (await user.send("not a client id"))[-1].text
    assert "Step 3 of 4" in (await user.send(google.client_id))[-1].text
    step4 = (await user.send(google.client_secret))[-1]
    assert "Step 4 of 4" in step4.text and "auth/adwords" in step4.text
    await user.send(google.refresh_token)
    assert "✅ Google Ads connected: <b>Cafe Ads</b>" in user.history[-2].html
    listed = user.history[-1]
    await user.press("🔄 Sync Google Ads", message=listed)
    assert "Google Ads synced: 3 records updated." in user.history[-1].text
    async with db.sessionmaker() as s:
        period = await kpi.period_for(s, business_id=business.id, kind="7d")
        board = await kpi.dashboard(s, business_id=business.id, period=period)
        assert board.totals.spend == 150_000 and board.totals.clicks == 120

    # a viewer sees the status and the log but no buttons to manage; another business's
    # owner forging the button reaches nothing of this business
    viewer = tg.user(7304)
    seen = (await viewer.send("/integrations"))[-1]
    assert "Google Ads — Cafe Ads: last synced" in seen.text
    assert seen.button_texts() == ["📜 Sync log", "🏠 Main menu"]  # reads, never manages
    stranger = tg.user(7303)
    await stranger.send("/integrations")
    forged = IntegrationCB(action=IntegrationAction.CONFIRM, kind="google_ads").pack()
    await stranger.press_data(forged)
    async with db.sessionmaker() as s:
        from services.integrations import list_connections

        assert len(await list_connections(s, business_id=business.id,
                                          now=datetime.now(UTC))) == 1
        assert await list_connections(s, business_id=other.id, now=datetime.now(UTC)) == []


async def test_usd_google_ads_needs_a_rate_and_ga4_traffic_is_shown(
        tg: Telegram, db: Database, fakes: tuple[FakeGraph, FakeGoogle]) -> None:
    _, google = fakes
    google.currencies["1234567890"] = "USD"
    for c in google.campaign_days:
        c.cost_micros = 12_500_000  # $12.50 a day
    google.properties["345678901"] = {TODAY - timedelta(days=i): {
        "sessions": 100, "totalUsers": 80, "bounceRate": 0.25 if i else 0.5, "keyEvents": 2}
        for i in range(3)}
    async with db.sessionmaker() as s:
        business = await make_owner(s, 7311)
    user = tg.user(7311)
    await user.send("/integrations")
    await user.press("➕ Connect Google Ads")
    for step in ("1234567890", google.client_id, google.client_secret, google.refresh_token):
        await user.send(step)
    ask = user.history[-1]
    assert "in <b>USD</b>" in ask.html and "not counted in the dashboard" in ask.text
    gap = (await user.send("/dashboard"))[-1]  # the owner looks away: still never silent
    assert "Google Ads spend is in USD and not counted: set its so'm rate" in gap.text
    card = (await user.send("/integrations"))[-1]
    assert "Spend is in USD and is not counted until you set the so'm rate" in card.text
    await user.press("💱 USD rate for Google Ads", message=card)
    assert "usually between 5,000 and 50,000 so'm" in (await user.send("12,85"))[-1].text
    await user.send("12 850")
    saved, listed = user.history[-2:]
    assert "Saved: 1 USD = 12,850 so'm" in saved.text
    assert "💱 1 USD = 12,850 so'm (set" in listed.text
    await user.press("🔄 Sync Google Ads", message=listed)

    async def spend() -> int:
        async with db.sessionmaker() as s:
            period = await kpi.period_for(s, business_id=business.id, kind="7d")
            return (await kpi.dashboard(s, business_id=business.id, period=period)
                    ).totals.spend

    assert await spend() == 3 * 160_625  # $12.50 × 12 850, never 12 so'm
    await user.press("💱 USD rate for Google Ads", message=listed)
    assert "Now: 1 USD = 12,850 so'm." in user.history[-1].text
    await user.send("13000")
    assert await spend() == 3 * 162_500  # the synced days are priced again at once

    await user.press("➕ Connect Google Analytics 4", message=user.history[-1])
    for step in ("345678901", google.client_id, google.client_secret, google.refresh_token):
        await user.send(step)
    assert "not counted" not in user.history[-1].text  # GA4 has no money to convert
    await user.press("🔄 Sync Google Analytics 4", message=user.history[-1])
    card = (await user.send("/integrations"))[-1]
    assert "🌐 Website (Google Analytics)" in card.text  # under GA4's status, the last week
    assert "300 sessions, 6 conversions, bounce rate 33" in card.text
    board = (await user.send("/dashboard"))[-1]
    assert "🌐 Website (Google Analytics)" in board.text
    assert "300 sessions, 6 conversions" in board.text
