"""Competitors against the database: CRUD within the plan limit and per business, the sync's
storage and detection, alerts at most once per competitor and kind in 24 h, SWOT facts and the
weekly report's numbers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services import competitors, marketing
from services.competitors import ActivityKind, Field, report, swot, sync
from services.competitors.telegram_preview import ChannelPreview, PreviewPost
from services.db.models import (
    ChannelSnapshot,
    CompetitorPrice,
    PublicChannelSnapshot,
    PublicPost,
)
from services.errors import Conflict, InvalidInput, LimitExceeded, NotFound
from tests.factories import make_owner

T0 = datetime(2026, 11, 16, 6, 0, tzinfo=UTC)


def _posts(start: int, texts_views: list[tuple[str, int]], at: datetime) -> list[PreviewPost]:
    return [PreviewPost(start + i, at - timedelta(hours=len(texts_views) - i), text, views)
            for i, (text, views) in enumerate(texts_views)]


async def test_crud_limit_validation_and_tenancy(session: AsyncSession) -> None:
    business = await make_owner(session, 9101)
    other = await make_owner(session, 9102)
    created = await competitors.create_competitor(
        session, business_id=business.id, name="Lavash House", telegram="@lavash_house",
        instagram="https://instagram.com/lavash.house/", website="lavash.uz")
    view = created.competitor
    assert (view.telegram, view.instagram, view.website) == (
        "lavash_house", "lavash.house", "https://lavash.uz")
    assert view.channel is not None and view.channel.username == "lavash_house"
    with pytest.raises(Conflict):
        await competitors.create_competitor(session, business_id=business.id,
                                            name="lavash house")
    for field, raw, reason in ((Field.TELEGRAM, "t.me/+join", "telegram_username"),
                               (Field.INSTAGRAM, "bad handle!", "instagram_handle"),
                               (Field.WEBSITE, "not a url", "url")):
        with pytest.raises(InvalidInput) as err:
            competitors.parse_field(field, raw)
        assert err.value.reason == reason
    await competitors.create_competitor(session, business_id=business.id, name="Moda")
    status = (await competitors.create_competitor(session, business_id=business.id,
                                                  name="Texno")).limit
    assert (status.used, status.limit) == (3, 3)  # Starter: 3 competitors
    with pytest.raises(LimitExceeded):
        await competitors.create_competitor(session, business_id=business.id, name="Fourth")
    with pytest.raises(NotFound):  # another business's id is invisible
        await competitors.get_competitor(session, business_id=other.id, competitor_id=view.id)
    with pytest.raises(NotFound):
        await competitors.delete_competitor(session, business_id=other.id,
                                            competitor_id=view.id)
    edited = await competitors.update_competitor(
        session, business_id=business.id, competitor_id=view.id, field=Field.TELEGRAM,
        value="lavash_uz")
    assert edited.channel is not None and edited.channel.username == "lavash_uz"
    assert await competitors.list_competitors(session, business_id=other.id) == []
    assert await competitors.delete_competitor(session, business_id=business.id,
                                               competitor_id=view.id) == "Lavash House"
    assert [c.name for c in await competitors.list_competitors(
        session, business_id=business.id)] == ["Moda", "Texno"]


async def test_sync_baseline_then_activities_and_alerts_once(session: AsyncSession) -> None:
    business = await make_owner(session, 9103)
    created = await competitors.create_competitor(session, business_id=business.id,
                                                  name="Lavash House", telegram="lavash_house")
    await competitors.set_own_channel(session, business_id=business.id, username="@my_shop")
    await marketing.create_channel(session, business_id=business.id, kind="telegram")
    targets = await sync.sync_targets(session, business_id=business.id)
    theirs = next(t for t in targets if t.competitor_id == created.competitor.id)
    mine = next(t for t in targets if t.competitor_id is None)
    history = [("Menyu:\nLavash katta — 32 000 so'm\nShaurma — 28 000 so'm", 1000)] + [
        (f"Kundalik post {i}", 1000 + i * 10) for i in range(7)]
    first = ChannelPreview("lavash_house", "Lavash House", 1000, _posts(1, history, T0))
    # the first reading is the baseline: nothing about the past is reported
    assert await sync.apply_preview(session, business_id=business.id,
                                    channel_id=theirs.channel_id, preview=first, now=T0) == 0
    own = ChannelPreview("my_shop", "My Shop", 500, _posts(1, [("Salom", 300)] * 3, T0))
    await sync.apply_preview(session, business_id=business.id, channel_id=mine.channel_id,
                             preview=own, now=T0)
    week = T0 + timedelta(days=7)
    new = [("Juma kuni -20% chegirma!", 1100), ("Lavash katta endi 35 000 so'm", 1050),
           ("Mijozimiz 12 ta lavash yedi 😱", 9000)]
    second = ChannelPreview("lavash_house", "Lavash House", 1200,
                            first.posts + _posts(9, new, week))
    assert await sync.apply_preview(session, business_id=business.id,
                                    channel_id=theirs.channel_id, preview=second,
                                    now=week) == 4
    kinds = sorted(a.kind for a in await competitors.recent_activities(
        session, business_id=business.id, limit=10))
    assert kinds == [ActivityKind.FOLLOWER_SURGE, ActivityKind.PRICE_CHANGE,
                     ActivityKind.PROMOTION, ActivityKind.VIRAL]
    # posts are stored once with their views updated; prices kept as history
    again = ChannelPreview("lavash_house", "Lavash House", 1210,
                           [PreviewPost(p.post_id, p.posted_at, p.text, (p.views or 0) + 5)
                            for p in second.posts])
    assert await sync.apply_preview(session, business_id=business.id,
                                    channel_id=theirs.channel_id, preview=again,
                                    now=week + timedelta(hours=1)) == 0
    assert await session.scalar(select(func.count()).select_from(PublicPost).where(
        PublicPost.channel_id == theirs.channel_id)) == 11
    assert await session.scalar(select(PublicPost.views).where(
        PublicPost.channel_id == theirs.channel_id, PublicPost.post_id == 11)) == 9005
    assert await session.scalar(select(func.count()).select_from(PublicChannelSnapshot)) == 4
    assert await session.scalar(select(func.count()).select_from(CompetitorPrice)) == 3
    # the own channel's week of posts and views reached marketing analytics
    snap = await session.scalar(select(ChannelSnapshot))
    assert snap is not None and (snap.posts, snap.views) == (3, 900)

    alerts = await sync.take_alerts(session, business_id=business.id, now=week)
    assert sorted(a.kind for a in alerts) == kinds and not await sync.take_alerts(
        session, business_id=business.id, now=week)
    price = next(a for a in alerts if a.kind is ActivityKind.PRICE_CHANGE)
    assert (price.detail["old"], price.detail["new"], price.priority) == (32000, 35000, "high")
    # another promotion the same day is folded; the next day it alerts again
    later = ChannelPreview("lavash_house", "Lavash House", 1210, again.posts + _posts(
        12, [("Aksiya: 1+1 shaurma", 1000)], week + timedelta(hours=3)))
    await sync.apply_preview(session, business_id=business.id, channel_id=theirs.channel_id,
                             preview=later, now=week + timedelta(hours=3))
    assert await sync.take_alerts(session, business_id=business.id,
                                  now=week + timedelta(hours=3)) == []
    last = ChannelPreview("lavash_house", "Lavash House", 1210, later.posts + _posts(
        13, [("Skidka 10% studentlarga", 1000)], week + timedelta(hours=30)))
    await sync.apply_preview(session, business_id=business.id, channel_id=theirs.channel_id,
                             preview=last, now=week + timedelta(hours=30))
    assert [a.kind for a in await sync.take_alerts(
        session, business_id=business.id, now=week + timedelta(hours=30))] == [
        ActivityKind.PROMOTION]

    facts = await swot.facts(session, business_id=business.id,
                             competitor_id=created.competitor.id, now=week)
    assert (facts.subscribers, facts.own_subscribers, facts.promotions_30d) == (1210, 500, 3)
    codes = {p.code for p in swot.rule_points(facts)}
    assert {"bigger_audience", "they_raised_prices", "viral_content", "discounting"} <= codes
    data = await report.weekly_data(session, business_id=business.id, now=week)
    lavash = data.channels[0]
    assert (lavash.name, lavash.own, data.channels[1].own) == ("Lavash House", False, True)
    assert lavash.change_pct == pytest.approx(21.0)
    assert data.top_posts[0].views == 9005
    # retention: history older than the cut goes, the competitor and its numbers stay
    removed = await sync.purge_before(session, business_id=business.id,
                                      before=week + timedelta(days=2))
    assert removed["public_posts"] == 16 and removed["competitor_activities"] == 6
    assert (await competitors.get_competitor(session, business_id=business.id,
                                             competitor_id=created.competitor.id)
            ).channel.subscribers == 1210  # type: ignore[union-attr]


def test_swot_parsing() -> None:
    parsed = swot.parse_swot('```json\n{"strengths": ["Big"], "weaknesses": [], '
                             '"opportunities": ["x"], "threats": ["y"]}\n```')
    assert parsed == {"strengths": ["Big"], "weaknesses": [], "opportunities": ["x"],
                      "threats": ["y"]}
    assert swot.parse_swot("no json") is None
    assert swot.parse_swot('{"strengths": "x"}') is None
    assert swot.parse_edit("• one\n- two\n\n3) three") == ["one", "two", "three"]
