"""The public-page sync (SPEC §3.5): store what a channel's page shows, detect activities, and
pick the alerts the owner gets (at most one per competitor and kind in 24 hours).

The first reading of a channel is its baseline: posts, prices and views are stored, and
nothing is reported about the past. Later readings report what is new. The network call
happens outside these functions (the job), so no transaction stays open across it.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.competitors import detection
from services.competitors.service import ActivityKind
from services.competitors.telegram_preview import ChannelPreview, PreviewPost
from services.db.models import (
    ChannelSnapshot,
    Competitor,
    CompetitorActivity,
    CompetitorPrice,
    CompetitorSyncRun,
    MarketingChannel,
    PublicChannel,
    PublicChannelSnapshot,
    PublicPost,
)
from services.errors import NotFound
from services.integrations.meta import CompetitorProfile

FRESH = timedelta(days=7)  # posts this recent are still checked for virality
MEDIAN_WINDOW = 50
ALERT_WINDOW = timedelta(hours=24)
ALERTING = frozenset({ActivityKind.FOLLOWER_SURGE, ActivityKind.PROMOTION,
                      ActivityKind.PRICE_CHANGE, ActivityKind.VIRAL})
PRIORITY = {ActivityKind.PROMOTION: "high", ActivityKind.PRICE_CHANGE: "high",
            ActivityKind.FOLLOWER_SURGE: "medium", ActivityKind.VIRAL: "medium",
            ActivityKind.NEW_PRODUCT: "low"}
TEXT_MAX = 4000
EXCERPT = 160


@dataclass(frozen=True, slots=True)
class SyncTarget:
    channel_id: int
    business_id: int
    competitor_id: int | None
    username: str
    newest_post_id: int | None
    platform: str = "telegram"


@dataclass(frozen=True, slots=True)
class Alert:
    activity_id: int
    competitor_id: int
    competitor_name: str
    kind: ActivityKind
    priority: str
    detail: dict[str, Any]


# ----------------------------------------------------------------------------- targets


async def businesses_with_channels(session: AsyncSession) -> list[int]:
    """Businesses that track at least one public channel."""
    rows = await session.scalars(select(PublicChannel.business_id).distinct()
                                 .order_by(PublicChannel.business_id))
    return list(rows)


async def sync_targets(session: AsyncSession, *, business_id: int) -> list[SyncTarget]:
    """The business's channels with the newest stored post (pages stop there)."""
    newest = (select(PublicPost.channel_id, func.max(PublicPost.post_id).label("top"))
              .where(PublicPost.business_id == business_id)
              .group_by(PublicPost.channel_id).subquery())
    rows = await session.execute(
        select(PublicChannel, newest.c.top)
        .outerjoin(newest, newest.c.channel_id == PublicChannel.id)
        .where(PublicChannel.business_id == business_id).order_by(PublicChannel.id))
    return [SyncTarget(c.id, c.business_id, c.competitor_id, c.username,
                       int(top) if top is not None else None, c.platform) for c, top in rows]


def preview_from_instagram(profile: CompetitorProfile) -> ChannelPreview:
    """An Instagram account read through business discovery, as a channel reading: followers
    are its subscribers, captions its posts' text and likes + comments its posts' reach, so
    the same detectors (promotions, prices, new products, viral, follower surges) apply."""
    posts = []
    for item in profile.recent:
        digits = item.id.split("_")[0]
        post_id = int(digits) if digits.isdigit() else zlib.crc32(item.id.encode())
        posts.append(PreviewPost(post_id, item.timestamp, item.caption,
                                 item.likes + item.comments))
    posts.sort(key=lambda p: p.post_id)
    return ChannelPreview(profile.username, None, profile.followers, posts)


# ----------------------------------------------------------------------------- runs


async def start_run(session: AsyncSession, *, business_id: int, now: datetime) -> int:
    run = CompetitorSyncRun(business_id=business_id, started_at=now, status="running")
    session.add(run)
    await session.flush()
    return run.id


async def finish_run(session: AsyncSession, *, run_id: int, now: datetime, channels: int,
                     failed: int, activities: int, error: str | None = None) -> None:
    """Close a run: ok, partial (some channels failed) or failed (all did)."""
    run = await session.get(CompetitorSyncRun, run_id)
    if run is None:
        raise NotFound(entity="sync_run", id=run_id)
    run.finished_at = now
    run.channels, run.failed, run.activities = channels, failed, activities
    run.status = "ok" if failed == 0 else ("failed" if failed >= channels else "partial")
    run.error = error[:300] if error else None
    await session.flush()


async def last_run(session: AsyncSession, *, business_id: int) -> CompetitorSyncRun | None:
    return await session.scalar(select(CompetitorSyncRun).where(
        CompetitorSyncRun.business_id == business_id)
        .order_by(CompetitorSyncRun.started_at.desc(), CompetitorSyncRun.id.desc()).limit(1))


async def record_failure(session: AsyncSession, *, business_id: int, channel_id: int,
                         code: str, now: datetime) -> None:
    """The page could not be read: keep the last good numbers, note why and when."""
    channel = await _channel(session, business_id, channel_id)
    channel.last_attempt_at = now
    channel.last_error = code[:64]
    await session.flush()


async def _channel(session: AsyncSession, business_id: int, channel_id: int) -> PublicChannel:
    channel = await session.scalar(select(PublicChannel).where(
        PublicChannel.business_id == business_id, PublicChannel.id == channel_id))
    if channel is None:
        raise NotFound(entity="public_channel", id=channel_id)
    return channel


# ----------------------------------------------------------------------------- applying


async def _activity(session: AsyncSession, channel: PublicChannel, kind: ActivityKind,
                    ref: str, now: datetime, detail: dict[str, Any],
                    post_id: int | None = None) -> bool:
    """Record an activity once (its ``ref`` identifies it); True when it is new."""
    assert channel.competitor_id is not None
    exists = await session.scalar(select(CompetitorActivity.id).where(
        CompetitorActivity.competitor_id == channel.competitor_id,
        CompetitorActivity.kind == kind.value, CompetitorActivity.ref == ref))
    if exists is not None:
        return False
    session.add(CompetitorActivity(
        business_id=channel.business_id, competitor_id=channel.competitor_id, kind=kind.value,
        ref=ref[:120], post_id=post_id, detail=detail, detected_at=now,
        alert_status=None if kind in ALERTING else "quiet"))
    return True


def _excerpt(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= EXCERPT else flat[: EXCERPT - 1] + "…"


async def _known_prices(session: AsyncSession, business_id: int, competitor_id: int
                        ) -> dict[str, int]:
    rows = await session.execute(
        select(CompetitorPrice.item_key, CompetitorPrice.price)
        .where(CompetitorPrice.business_id == business_id,
               CompetitorPrice.competitor_id == competitor_id)
        .order_by(CompetitorPrice.seen_at, CompetitorPrice.id))
    return {key: int(price) for key, price in rows}  # the latest price wins


async def _subscribers_week_ago(session: AsyncSession, channel: PublicChannel, now: datetime
                                ) -> int | None:
    value = await session.scalar(
        select(PublicChannelSnapshot.subscribers).where(
            PublicChannelSnapshot.business_id == channel.business_id,
            PublicChannelSnapshot.channel_id == channel.id,
            PublicChannelSnapshot.taken_at <= now - timedelta(days=7))
        .order_by(PublicChannelSnapshot.taken_at.desc()).limit(1))
    return None if value is None else int(value)


def _week_ref(now: datetime) -> str:
    """A surge is one activity per ISO week: a grown channel stays grown for days."""
    year, week, _ = now.isocalendar()
    return f"surge:{year}-W{week:02d}"


async def apply_preview(session: AsyncSession, *, business_id: int, channel_id: int,
                        preview: ChannelPreview, now: datetime) -> int:
    """Store one reading of a channel and detect what is new; returns new activities."""
    channel = await _channel(session, business_id, channel_id)
    baseline = channel.last_success_at is None
    channel.title = (preview.title or channel.title or "")[:200] or None
    channel.last_attempt_at = channel.last_success_at = now
    channel.last_error = None
    found = 0
    if preview.subscribers is not None:
        week_ago = await _subscribers_week_ago(session, channel, now)
        channel.subscribers = preview.subscribers
        session.add(PublicChannelSnapshot(business_id=business_id, channel_id=channel.id,
                                          taken_at=now, subscribers=preview.subscribers))
        surge = detection.follower_surge(preview.subscribers, week_ago)
        if surge is not None and channel.competitor_id is not None:
            found += await _activity(session, channel, ActivityKind.FOLLOWER_SURGE,
                                     _week_ref(now), now,
                                     {"pct": round(surge, 1), "now": preview.subscribers,
                                      "before": week_ago, "platform": channel.platform})
    stored = {p.post_id: p for p in await session.scalars(select(PublicPost).where(
        PublicPost.channel_id == channel.id,
        PublicPost.post_id.in_([p.post_id for p in preview.posts])))}
    known = (await _known_prices(session, business_id, channel.competitor_id)
             if channel.competitor_id is not None else {})
    history = {int(pid): int(v) for pid, v in await session.execute(
        select(PublicPost.post_id, PublicPost.views).where(
            PublicPost.channel_id == channel.id, PublicPost.views.is_not(None))
        .order_by(PublicPost.post_id.desc()).limit(MEDIAN_WINDOW)) if v is not None}
    for post in preview.posts:
        row = stored.get(post.post_id)
        if row is not None:
            if post.views is not None:
                row.views = post.views
                row.updated_at = now
            continue
        posted_at = post.posted_at or now
        findings = detection.analyse(post.text, post.views, known_prices=known,
                                     typical_views=None)
        session.add(PublicPost(business_id=business_id, channel_id=channel.id,
                               post_id=post.post_id, posted_at=posted_at,
                               text=post.text[:TEXT_MAX], views=post.views,
                               is_promotion=findings.promotion, first_seen_at=now,
                               updated_at=now))
        if channel.competitor_id is None:
            continue
        for mention in findings.prices:
            key = detection.match_item(mention.item_key, known) or mention.item_key
            session.add(CompetitorPrice(business_id=business_id,
                                        competitor_id=channel.competitor_id, item_key=key,
                                        item_name=mention.item_name[:120],
                                        price=mention.amount, post_id=post.post_id,
                                        seen_at=posted_at))
            known[key] = mention.amount
        if baseline:
            continue
        base = {"post_id": post.post_id, "username": channel.username,
                "platform": channel.platform, "excerpt": _excerpt(post.text)}
        if findings.promotion:
            found += await _activity(session, channel, ActivityKind.PROMOTION,
                                     f"post:{post.post_id}", now, base, post.post_id)
        if findings.new_product:
            found += await _activity(session, channel, ActivityKind.NEW_PRODUCT,
                                     f"post:{post.post_id}", now, base, post.post_id)
        for change in findings.changes:
            found += await _activity(
                session, channel, ActivityKind.PRICE_CHANGE,
                f"post:{post.post_id}:{change.item_key}"[:120], now,
                {**base, "item": change.item_name, "old": change.old, "new": change.new,
                 "pct": round(change.pct, 1)}, post.post_id)
    await session.flush()
    if channel.competitor_id is not None and not baseline:
        found += await _viral(session, channel, preview, history, now)
    if channel.competitor_id is None:
        await _own_channel_snapshot(session, channel, preview, now)
    await session.flush()
    return found


async def _viral(session: AsyncSession, channel: PublicChannel, preview: ChannelPreview,
                 history: dict[int, int], now: datetime) -> int:
    """Fresh posts with views ≥ 3× the channel's median (of the latest posts, this reading's
    views included)."""
    pool = dict(history)
    pool.update({p.post_id: p.views for p in preview.posts if p.views is not None})
    latest = [pool[k] for k in sorted(pool, reverse=True)[:MEDIAN_WINDOW]]
    typical = detection.channel_median(latest)
    found = 0
    for post in preview.posts:
        fresh = post.posted_at is None or now - post.posted_at <= FRESH
        if fresh and detection.is_viral(post.views, typical):
            found += await _activity(
                session, channel, ActivityKind.VIRAL, f"post:{post.post_id}", now,
                {"post_id": post.post_id, "username": channel.username,
                 "platform": channel.platform,
                 "excerpt": _excerpt(post.text), "views": post.views,
                 "median": round(typical or 0)}, post.post_id)
    return found


async def _own_channel_snapshot(session: AsyncSession, channel: PublicChannel,
                                preview: ChannelPreview, now: datetime) -> None:
    """The own channel's post views also feed marketing analytics (SPEC §3.3): a snapshot of
    the week's posts and views on the business's Telegram marketing channel, when it has one."""
    target = await session.scalar(select(MarketingChannel.id).where(
        MarketingChannel.business_id == channel.business_id,
        MarketingChannel.kind == "telegram", MarketingChannel.is_active.is_(True))
        .order_by(MarketingChannel.id).limit(1))
    if target is None:
        return
    week = [p for p in preview.posts
            if p.posted_at is not None and now - p.posted_at <= FRESH]
    session.add(ChannelSnapshot(business_id=channel.business_id, channel_id=target,
                                taken_at=now, members=None, posts=len(week),
                                views=sum(p.views or 0 for p in week)))


# ----------------------------------------------------------------------------- alerts


async def take_alerts(session: AsyncSession, *, business_id: int, now: datetime
                      ) -> list[Alert]:
    """Activities the owner has not heard about: one alert per competitor and kind, and none
    when that kind was sent for that competitor in the last 24 h (the rest are folded)."""
    pending = list(await session.execute(
        select(CompetitorActivity, Competitor.name)
        .join(Competitor, Competitor.id == CompetitorActivity.competitor_id)
        .where(CompetitorActivity.business_id == business_id,
               CompetitorActivity.alert_status.is_(None))
        .order_by(CompetitorActivity.detected_at.desc(), CompetitorActivity.id.desc())))
    alerts: list[Alert] = []
    taken: set[tuple[int, str]] = set()
    for activity, name in pending:
        pair = (activity.competitor_id, activity.kind)
        recent = pair in taken or await session.scalar(
            select(CompetitorActivity.id).where(
                CompetitorActivity.business_id == business_id,
                CompetitorActivity.competitor_id == activity.competitor_id,
                CompetitorActivity.kind == activity.kind,
                CompetitorActivity.alert_status == "sent",
                CompetitorActivity.alerted_at > now - ALERT_WINDOW).limit(1)) is not None
        activity.alerted_at = now
        if recent:
            activity.alert_status = "folded"
            continue
        activity.alert_status = "sent"
        taken.add(pair)
        kind = ActivityKind(activity.kind)
        alerts.append(Alert(activity.id, activity.competitor_id, name, kind, PRIORITY[kind],
                            dict(activity.detail or {})))
    await session.flush()
    return alerts


_HANDLE = re.compile(r"^[A-Za-z0-9_]+$")


def post_link(username: str, post_id: int, base_url: str = "https://t.me") -> str | None:
    """The public link of a post."""
    if not _HANDLE.match(username):
        return None
    return f"{base_url.rstrip('/')}/{username}/{post_id}"


async def purge_before(session: AsyncSession, *, business_id: int, before: datetime
                       ) -> dict[str, int]:
    """Delete the business's competitor history older than ``before`` (plan retention);
    competitors, channels and their latest numbers stay. Returns rows removed per table."""
    statements = {
        "public_posts": delete(PublicPost).where(PublicPost.business_id == business_id,
                                                 PublicPost.posted_at < before),
        "public_channel_snapshots": delete(PublicChannelSnapshot).where(
            PublicChannelSnapshot.business_id == business_id,
            PublicChannelSnapshot.taken_at < before),
        "competitor_prices": delete(CompetitorPrice).where(
            CompetitorPrice.business_id == business_id, CompetitorPrice.seen_at < before),
        "competitor_activities": delete(CompetitorActivity).where(
            CompetitorActivity.business_id == business_id,
            CompetitorActivity.detected_at < before),
        "competitor_sync_runs": delete(CompetitorSyncRun).where(
            CompetitorSyncRun.business_id == business_id, CompetitorSyncRun.started_at < before),
    }
    removed = {}
    for table, statement in statements.items():
        result = await session.execute(statement.execution_options(synchronize_session=False))
        removed[table] = int(result.rowcount)  # type: ignore[attr-defined]
    return removed
