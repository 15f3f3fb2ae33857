"""Competitors' Instagram accounts, read through business discovery with the owner's own
Instagram connection (fake Graph server): "not synced" with the reason while Instagram is not
connected, then a baseline, then a follower surge and a promotion caption alerted once, and
the card shows the followers. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest_asyncio
from sqlalchemy import select

from bot.competitor_jobs import sync_business
from bot.config import IntegrationSettings, Settings
from bot.integrations import runtime
from services import competitors
from services.db.base import utcnow
from services.db.models import OutboxMessage
from services.integrations.connections import connect
from services.integrations.types import Kind
from tests.conftest import Database, Telegram, running_owner_bot
from tests.factories import make_owner
from tests.fakes.meta import FakeGraph, IgAccount


def _post(media_id: str, caption: str, likes: int, at: datetime) -> dict[str, object]:
    return {"id": media_id, "timestamp": at.strftime("%Y-%m-%dT%H:%M:%S+0000"),
            "caption": caption, "like_count": likes, "comments_count": 0}


@pytest_asyncio.fixture
async def graph() -> AsyncIterator[FakeGraph]:
    async with FakeGraph() as server:
        server.ig["1784140001"] = IgAccount("my_cafe", 900, 10)
        yield server


@pytest_asyncio.fixture
async def tg(settings: Settings, graph: FakeGraph) -> AsyncIterator[Telegram]:
    config = IntegrationSettings(graph_api_url=graph.api_url, max_retries=0, timeout_seconds=5)
    async with running_owner_bot(settings.model_copy(update={"integrations": config})) as t:
        yield t


async def test_instagram_competitor_followers_and_promotion_alerted_once(
        tg: Telegram, db: Database, graph: FakeGraph) -> None:
    start = utcnow() - timedelta(days=7, minutes=5)
    rival = IgAccount("rival_cafe", 2000, 40, media=[
        _post(f"1790000000{i}", f"Bugungi menyu {i}", 50 + i, start - timedelta(hours=i))
        for i in range(1, 7)])
    graph.discoverable["rival_cafe"] = rival
    async with db.sessionmaker() as s:
        business = await make_owner(s, 7401)
    async with db.sessionmaker.begin() as s:
        created = await competitors.create_competitor(
            s, business_id=business.id, name="Rival Cafe", instagram="instagram.com/rival_cafe")
    competitor_id = created.competitor.id

    # no Instagram connection of its own yet: the card says why there are no numbers
    result = await sync_business(tg.app, business.id, now=start)
    assert (result["channels"], result["failed"]) == (1, 1)
    card = (await tg.user(7401).send("/competitors"))[-1]
    assert "connect your own Instagram business account in /integrations" in card.text

    async with db.sessionmaker.begin() as s:
        await connect(s, box=runtime(tg.app).box, business_id=business.id, kind=Kind.INSTAGRAM,
                      account_ref="1784140001", account_name="my_cafe",
                      credentials={"token": graph.token}, user_id=7401, now=start)
    baseline = await sync_business(tg.app, business.id, now=start)
    assert (baseline["failed"], baseline["activities"], baseline["queued"]) == (0, 0, 0)

    now = utcnow()
    rival.followers = 2500  # +25% in a week
    rival.media.insert(0, _post("17900000099", "🔥 AKSIYA! Hafta oxirigacha -30% chegirma",
                                60, now - timedelta(hours=2)))
    found = await sync_business(tg.app, business.id, now=now)
    assert (found["activities"], found["queued"]) == (2, 2)
    again = await sync_business(tg.app, business.id, now=now + timedelta(hours=1))
    assert (again["activities"], again["queued"]) == (0, 0)

    async with db.sessionmaker() as s:
        alerts = list(await s.scalars(select(OutboxMessage).where(
            OutboxMessage.business_id == business.id, OutboxMessage.kind == "alert")))
        item = await competitors.get_competitor(s, business_id=business.id,
                                                competitor_id=competitor_id)
    texts = [a.payload["text"] for a in alerts]
    assert any("Follower surge" in t and "+25%" in t for t in texts)
    assert any("Promotion" in t and "-30% chegirma" in t
               and "https://www.instagram.com/rival_cafe/" in t for t in texts)
    assert item.channel is None and item.instagram_account is not None
    assert item.instagram_account.subscribers == 2500
    card = (await tg.user(7401).send("/competitors"))[-1]
    assert "@rival_cafe · 2,500 followers" in card.text
