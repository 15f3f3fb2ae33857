"""The sync engine on SQLite and PostgreSQL against the fake servers: metrics land in the
tables ``services.kpi`` reads, re-syncs replace rather than add, runs never overlap, the
breaker opens and half-opens, and expired tokens show as a gap the owner sees."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import func, select

from services import aggregates, kpi
from services.crypto import SecretBox
from services.db.models import (
    ChannelSnapshot,
    IntegrationConnection,
    IntegrationDaily,
    IntegrationSyncRun,
    SpendEntry,
)
from services.errors import NotFound
from services.integrations import (
    BreakerPolicy,
    BreakerState,
    ClientConfig,
    Clients,
    Kind,
    SyncEngine,
    build_clients,
    connect,
    instagram_competitor,
    list_connections,
    recent_runs,
    set_rate,
    slot_minute,
    stale_connections,
    website_traffic,
)
from services.integrations.http import RetryPolicy
from services.integrations.spend import book
from tests.conftest import Database
from tests.factories import make_owner
from tests.fakes._server import Fail
from tests.fakes.google import CampaignDay, FakeGoogle
from tests.fakes.meta import EXPIRED, FakeGraph, IgAccount, media

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # 14:00 in Tashkent
TODAY = NOW.date()


class Clock:
    def __init__(self) -> None:
        self.at = NOW

    def __call__(self) -> datetime:
        return self.at


async def _no_sleep(_: float) -> None:
    return None


@dataclass
class World:
    db: Database
    graph: FakeGraph
    google: FakeGoogle
    clients: Clients
    box: SecretBox
    clock: Clock

    def engine(self, **kwargs: Any) -> SyncEngine:
        return SyncEngine(self.db.sessionmaker, self.clients.by_kind, self.box,
                          policy=BreakerPolicy(threshold=2, cooldown=timedelta(minutes=30)),
                          days_back=3, now=self.clock, **kwargs)

    async def connect(self, business_id: int, kind: Kind, ref: str,
                      credentials: dict[str, Any]) -> int:
        async with self.db.sessionmaker.begin() as s:
            view = await connect(s, box=self.box, business_id=business_id, kind=kind,
                                 account_ref=ref, account_name=None, credentials=credentials,
                                 user_id=None, now=self.clock())
            return view.id


@pytest_asyncio.fixture
async def world(db: Database) -> AsyncIterator[World]:
    async with FakeGraph() as graph, FakeGoogle() as google:
        graph.ig["1784140001"] = IgAccount("cafe", 2000, 120, {
            "views": {TODAY - timedelta(days=i): 500 for i in range(3)},
            "reach": {TODAY - timedelta(days=i): 300 for i in range(3)}},
            media(10, day=TODAY, likes=15, comments=5))
        google.customers["1234567890"] = "Ads"
        google.campaign_days = [CampaignDay("111", "Brand", TODAY - timedelta(days=i), 40, 1000,
                                            50_000_000_000, 1.0) for i in range(3)]
        clients = build_clients(ClientConfig(
            graph_api_url=graph.api_url, google_ads_api_url=google.ads_url,
            ga4_api_url=google.ga4_url, google_token_url=google.token_url,
            google_ads_developer_token=google.developer_token, timeout=5,
            retry=RetryPolicy(max_retries=1)), sleep=_no_sleep, rng=random.Random(1))
        try:
            yield World(db, graph, google, clients, SecretBox([SecretBox.generate_key()]),
                        Clock())
        finally:
            await clients.close()


def _google(fake: FakeGoogle) -> dict[str, Any]:
    return {"client_id": fake.client_id, "client_secret": fake.client_secret,
            "refresh_token": fake.refresh_token}


async def test_sync_writes_metrics_that_the_kpi_engine_reports(world: World) -> None:
    async with world.db.sessionmaker() as s:
        business = await make_owner(s, 8101)
    ads = await world.connect(business.id, Kind.GOOGLE_ADS, "1234567890", _google(world.google))
    ig = await world.connect(business.id, Kind.INSTAGRAM, "1784140001",
                             {"token": world.graph.token})
    engine = world.engine()
    assert (await engine.run(ads)).status == "ok"
    assert (await engine.run(ig)).status == "ok"
    async with world.db.sessionmaker() as s:
        period = await kpi.period_for(s, business_id=business.id, kind="7d", now=NOW)
        board = await kpi.dashboard(s, business_id=business.id, period=period, now=NOW)
        assert board.totals.spend == 150_000 and board.totals.clicks == 120
        assert board.totals.impressions == 3000
        row = next(c for c in board.channels if c.kind == "google_ads")
        assert row.spend == 150_000 and row.cpc == 1250
        engagement = await kpi.kpi(s, business_id=business.id, name="engagement",
                                   period=period, now=NOW)
        assert engagement.card.value == 10.0  # (15 + 5) × 10 media / 2000 followers × 100
        # a re-sync replaces the same days instead of adding to them
    world.google.campaign_days[0].cost_micros = 70_000_000_000
    world.clock.at = NOW + timedelta(hours=1)
    assert (await engine.run(ads)).items == 3
    async with world.db.sessionmaker() as s:
        board = await kpi.dashboard(s, business_id=business.id, period=period, now=NOW)
        assert board.totals.spend == 170_000
        assert await aggregates.stored(s, business_id=business.id) == \
            await aggregates.expected(s, business_id=business.id)
        runs = await recent_runs(s, business_id=business.id)
        assert [(r.kind, r.status) for r in runs] == [
            ("google_ads", "ok"), ("instagram", "ok"), ("google_ads", "ok")]
        stored = await s.scalar(select(IntegrationConnection.credentials_encrypted).where(
            IntegrationConnection.id == ads))
        assert stored is not None and world.google.refresh_token not in stored


async def test_runs_of_one_connection_never_overlap(world: World) -> None:
    async with world.db.sessionmaker() as s:
        business = await make_owner(s, 8102)
    ig = await world.connect(business.id, Kind.INSTAGRAM, "1784140001",
                             {"token": world.graph.token})
    engine = world.engine()
    world.graph.gate = asyncio.Event()  # the API is slow: the first run waits mid-call
    first = asyncio.create_task(engine.run(ig))
    await world.graph.arrived.wait()
    other_process = world.engine()
    assert [(await e.run(ig)).status for e in (engine, other_process)] == ["busy", "busy"]
    world.graph.gate.set()
    assert (await first).status == "ok"
    async with world.db.sessionmaker() as s:
        assert await s.scalar(select(func.count()).select_from(IntegrationSyncRun)
                              .where(IntegrationSyncRun.connection_id == ig)) == 1
        assert await s.scalar(select(func.count()).select_from(ChannelSnapshot)
                              .where(ChannelSnapshot.business_id == business.id)) == 1
        lease = await s.scalar(select(IntegrationConnection.lease_until)
                               .where(IntegrationConnection.id == ig))
        assert lease is None  # released at the end


async def test_breaker_opens_skips_and_half_opens(world: World) -> None:
    async with world.db.sessionmaker() as s:
        business = await make_owner(s, 8103)
    ig = await world.connect(business.id, Kind.INSTAGRAM, "1784140001",
                             {"token": world.graph.token})
    engine = world.engine()
    world.graph.script(*[Fail(503, raw="down")] * 4)  # two runs × (1 try + 1 retry)
    assert (await engine.run(ig)).error == "unavailable"
    world.clock.at += timedelta(minutes=5)
    assert (await engine.run(ig)).error == "unavailable"
    calls = len(world.graph.requests)
    world.clock.at += timedelta(minutes=10)
    skipped = await engine.run(ig)
    assert (skipped.status, skipped.error) == ("skipped", "circuit_open")
    assert len(world.graph.requests) == calls  # no call while open
    async with world.db.sessionmaker() as s:
        [view] = await list_connections(s, business_id=business.id, now=world.clock())
        assert view.breaker is BreakerState.OPEN and view.last_error == "unavailable"
    world.clock.at += timedelta(minutes=25)  # cool-down over: one trial run
    assert (await engine.run(ig)).status == "ok"
    async with world.db.sessionmaker() as s:
        [view] = await list_connections(s, business_id=business.id, now=world.clock())
        assert view.breaker is BreakerState.CLOSED and view.last_success_at == world.clock()
        assert [r.status for r in await recent_runs(s, business_id=business.id)] == [
            "ok", "skipped", "error", "error"]


async def test_an_expired_token_shows_as_not_synced_since(world: World) -> None:
    async with world.db.sessionmaker() as s:
        business = await make_owner(s, 8104)
        other = await make_owner(s, 8105)
    ig = await world.connect(business.id, Kind.INSTAGRAM, "1784140001",
                             {"token": world.graph.token})
    engine = world.engine()
    assert (await engine.run(ig)).status == "ok"
    synced_at = world.clock()
    world.clock.at += timedelta(hours=1)
    world.graph.script(EXPIRED)
    assert (await engine.run(ig)).error == "auth_expired"
    world.clock.at += timedelta(hours=1)
    assert (await engine.run(ig)).status == "inactive"  # waits for the owner to reconnect
    async with world.db.sessionmaker() as s:
        [stale] = await stale_connections(s, business_id=business.id, now=world.clock())
        assert stale.status == "auth_expired" and stale.last_success_at == synced_at
        assert await list_connections(s, business_id=other.id, now=world.clock()) == []
    assert await engine.due() == []


async def test_competitors_read_through_the_owners_instagram_connection(world: World) -> None:
    async with world.db.sessionmaker() as s:
        business = await make_owner(s, 8107)
        other = await make_owner(s, 8108)
    world.graph.discoverable["rival"] = IgAccount("rival", 7000, 300,
                                                  media=media(2, day=TODAY, likes=70))
    await world.connect(business.id, Kind.INSTAGRAM, "1784140001", {"token": world.graph.token})
    async with world.db.sessionmaker() as s:
        rival = await instagram_competitor(s, box=world.box, client=world.clients.instagram,
                                           business_id=business.id, username="rival")
        assert (rival.followers, rival.media_count, len(rival.recent)) == (7000, 300, 2)
        with pytest.raises(NotFound):  # no Instagram connection of its own
            await instagram_competitor(s, box=world.box, client=world.clients.instagram,
                                       business_id=other.id, username="rival")


async def test_due_connections_follow_each_business_slot(world: World) -> None:
    async with world.db.sessionmaker() as s:
        business = await make_owner(s, 8106)
    ig = await world.connect(business.id, Kind.INSTAGRAM, "1784140001",
                             {"token": world.graph.token})
    slot = NOW.replace(minute=slot_minute(business.id)) + timedelta(hours=1)
    engine = world.engine()
    world.clock.at = slot - timedelta(minutes=59)
    assert ig in await engine.due()  # never synced
    await engine.run(ig)
    assert ig not in await engine.due()
    world.clock.at = slot - timedelta(minutes=1)
    assert ig not in await engine.due()
    world.clock.at = slot
    assert ig in await engine.due()




async def test_usd_ad_spend_waits_for_the_owners_rate(world: World) -> None:
    async with world.db.sessionmaker() as s:
        business = await make_owner(s, 8110)
    for c in world.google.campaign_days:
        c.cost_micros = 12_500_000  # $12.50 a day once the account says USD
    ads = await world.connect(business.id, Kind.GOOGLE_ADS, "1234567890", _google(world.google))
    engine = world.engine()
    assert (await engine.run(ads)).status == "ok"  # a so'm account: booked as is

    async def spend() -> int:
        async with world.db.sessionmaker() as s:
            period = await kpi.period_for(s, business_id=business.id, kind="7d", now=NOW)
            board = await kpi.dashboard(s, business_id=business.id, period=period, now=NOW)
            assert await aggregates.stored(s, business_id=business.id) == \
                await aggregates.expected(s, business_id=business.id)
            return board.totals.spend

    assert await spend() == 3 * 13
    async with world.db.sessionmaker.begin() as s:  # a day synced before currencies were read
        old = IntegrationDaily(business_id=business.id, connection_id=ads,
                               day=TODAY - timedelta(days=20), key="111",
                               values={"cost": 20, "clicks": 2, "impressions": 50})
        s.add(old)
        conn = await s.get(IntegrationConnection, ads)
        assert conn is not None and conn.channel_id is not None
        await book(s, business_id=business.id, channel_id=conn.channel_id, daily=old, som=20,
                   impressions=50, clicks=2)

    async def booked() -> int:
        async with world.db.sessionmaker() as s:
            return int(await s.scalar(select(func.coalesce(func.sum(SpendEntry.amount), 0))
                                      .where(SpendEntry.business_id == business.id)) or 0)

    assert await booked() == 3 * 13 + 20
    world.google.currencies["1234567890"] = "USD"  # what the account really bills in
    world.clock.at = NOW + timedelta(hours=1)
    assert (await engine.run(ads)).status == "ok"
    assert await spend() == 0  # the dollars booked as so'm are taken back, not re-booked
    assert await booked() == 0  # older days too
    async with world.db.sessionmaker() as s:
        [view] = await list_connections(s, business_id=business.id, now=world.clock())
        assert view.currency == "USD" and view.needs_rate
    async with world.db.sessionmaker.begin() as s:
        view = await set_rate(s, business_id=business.id, kind=Kind.GOOGLE_ADS,
                              rate_milli=12_850_000, user_id=None, now=world.clock())
        assert not view.needs_rate and view.fx_rate_set_at == world.clock()
    assert await spend() == 3 * 160_625  # the stored days are priced at once
    assert await booked() == 3 * 160_625 + 20 * 12_850  # the old day in whole dollars
    world.clock.at = NOW + timedelta(hours=2)
    assert (await engine.run(ads)).status == "ok"
    assert await spend() == 3 * 160_625  # a re-sync updates the same entries
    async with world.db.sessionmaker.begin() as s:
        with pytest.raises(NotFound):  # another business reaches nothing
            await set_rate(s, business_id=business.id + 1000, kind=Kind.GOOGLE_ADS,
                           rate_milli=1, user_id=None, now=world.clock())


async def test_ga4_traffic_sums_the_period_for_its_business_only(world: World) -> None:
    async with world.db.sessionmaker() as s:
        business = await make_owner(s, 8120)
        other = await make_owner(s, 8121)
    world.google.properties["345678901"] = {TODAY - timedelta(days=i): {
        "sessions": 200 if i else 100, "totalUsers": 50, "bounceRate": 0.3 if i else 0.6,
        "keyEvents": 1.5} for i in range(3)}
    ga4 = await world.connect(business.id, Kind.GA4, "345678901", _google(world.google))
    assert (await world.engine().run(ga4)).status == "ok"
    async with world.db.sessionmaker() as s:
        seen = await website_traffic(s, business_id=business.id, start=TODAY - timedelta(1),
                                     end=TODAY)
        assert seen is not None and (seen.sessions, seen.conversions) == (300, 3.0)
        assert seen.bounce_rate == 40.0  # (100 × 60 + 200 × 30) / 300
        assert await website_traffic(s, business_id=other.id, start=TODAY - timedelta(9),
                                     end=TODAY) is None
