"""The weekly competitor report's numbers: subscribers trend, posts and promotions per week,
and the top posts, for every tracked channel (the competitors' and the business's own)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.db.models import Competitor, PublicChannel, PublicChannelSnapshot, PublicPost

WEEKS = 4
TOP_POSTS = 3


@dataclass(frozen=True, slots=True)
class TopPost:
    channel: str
    username: str
    post_id: int
    views: int
    excerpt: str
    promotion: bool


@dataclass(frozen=True, slots=True)
class ChannelSeries:
    name: str  # the competitor's name; "" for the business's own channel
    username: str
    own: bool
    days: list[date]
    subscribers: list[int | None]  # the last reading of each day
    posts_per_week: list[int]  # oldest week first
    promotions_per_week: list[int]

    @property
    def change_pct(self) -> float | None:
        """Subscribers now against the first reading of the period."""
        values = [v for v in self.subscribers if v is not None]
        if len(values) < 2 or not values[0]:
            return None
        return (values[-1] - values[0]) / values[0] * 100


@dataclass(frozen=True, slots=True)
class WeeklyData:
    week_start: date
    week_end: date
    channels: list[ChannelSeries] = field(default_factory=list)
    top_posts: list[TopPost] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not any(any(v is not None for v in c.subscribers) or any(c.posts_per_week)
                       for c in self.channels)


async def weekly_data(session: AsyncSession, *, business_id: int, now: datetime,
                      timezone: str = "Asia/Tashkent", weeks: int = WEEKS) -> WeeklyData:
    """The last ``weeks`` weeks (ending today, business-local) of every tracked channel."""
    tz = ZoneInfo(timezone)
    today = now.astimezone(tz).date()
    first = today - timedelta(days=7 * weeks - 1)
    days = [first + timedelta(days=i) for i in range(7 * weeks)]
    since = datetime.combine(first, datetime.min.time(), tz)
    rows = await session.execute(
        select(PublicChannel, Competitor.name)
        .outerjoin(Competitor, Competitor.id == PublicChannel.competitor_id)
        .where(PublicChannel.business_id == business_id)
        .order_by(PublicChannel.competitor_id.is_(None), PublicChannel.id))
    series: list[ChannelSeries] = []
    top: list[TopPost] = []
    week_start = today - timedelta(days=6)
    for channel, name in rows:
        by_day: dict[date, int] = {}
        for taken, subs in await session.execute(
                select(PublicChannelSnapshot.taken_at, PublicChannelSnapshot.subscribers)
                .where(PublicChannelSnapshot.business_id == business_id,
                       PublicChannelSnapshot.channel_id == channel.id,
                       PublicChannelSnapshot.taken_at >= since)
                .order_by(PublicChannelSnapshot.taken_at)):
            by_day[taken.astimezone(tz).date()] = int(subs)
        posts_week = [0] * weeks
        promos_week = [0] * weeks
        for post in await session.scalars(select(PublicPost).where(
                PublicPost.business_id == business_id, PublicPost.channel_id == channel.id,
                PublicPost.posted_at >= since)):
            local = post.posted_at.astimezone(tz).date()
            index = (local - first).days // 7
            if 0 <= index < weeks:
                posts_week[index] += 1
                promos_week[index] += int(post.is_promotion)
            # top posts are ranked by Telegram views; Instagram reach (likes) is not comparable
            if local >= week_start and post.views and channel.platform == "telegram":
                top.append(TopPost(name or channel.title or channel.username, channel.username,
                                   post.post_id, int(post.views),
                                   " ".join(post.text.split())[:120], post.is_promotion))
        label = f"{name} (Instagram)" if name and channel.platform == "instagram" else name
        series.append(ChannelSeries(label or "", channel.username, channel.competitor_id is None,
                                    days, [by_day.get(d) for d in days], posts_week,
                                    promos_week))
    top.sort(key=lambda p: p.views, reverse=True)
    return WeeklyData(week_start, today, series, top[:TOP_POSTS])
