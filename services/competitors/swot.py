"""SWOT per competitor (and overall): the facts the AI drafts from, the rule draft used when
the AI is off, and the parser for the model's JSON. Rule points are codes with parameters;
the transport words them in the owner's language."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.ai.parsing import json_object
from services.competitors.service import get_competitor, list_competitors, own_channel
from services.db.models import CompetitorActivity, CompetitorPrice, PublicChannel, PublicPost

QUADRANTS = ("strengths", "weaknesses", "opportunities", "threats")
POINT_MAX = 200
POINTS_MAX = 5

INSTRUCTIONS = (
    "You are a marketing analyst for a small business in Uzbekistan. Draft a SWOT of the "
    "competitor described in the facts, from the point of view of the business that watches "
    "it: strengths and weaknesses of the competitor, opportunities and threats for our "
    "business. 2-4 short, concrete points per quadrant, grounded in the facts only. Answer "
    "in the user's language with JSON only: "
    '{"strengths": [...], "weaknesses": [...], "opportunities": [...], "threats": [...]}')
OVERALL_INSTRUCTIONS = INSTRUCTIONS.replace(
    "of the competitor described in the facts", "of our business against all the competitors "
    "described in the facts").replace("strengths and weaknesses of the competitor",
                                      "strengths and weaknesses of our business")


@dataclass(frozen=True, slots=True)
class SwotFacts:
    name: str
    subscribers: int | None
    own_subscribers: int | None
    posts_per_week: float
    own_posts_per_week: float | None
    promotions_30d: int
    price_changes_30d: int
    price_rises_30d: int
    viral_30d: int
    new_products_30d: int
    items_priced: int
    notes: str
    has_website: bool
    has_instagram: bool

    def as_text(self) -> str:
        """The facts for the model (English, not user-facing)."""
        lines = [f"Competitor: {self.name}",
                 f"Telegram subscribers: {self.subscribers}",
                 f"Our Telegram subscribers: {self.own_subscribers}",
                 f"Competitor posts per week (last 4 weeks): {self.posts_per_week:.1f}",
                 f"Our posts per week: {self.own_posts_per_week}",
                 f"Promotions in 30 days: {self.promotions_30d}",
                 f"Price changes in 30 days: {self.price_changes_30d} "
                 f"({self.price_rises_30d} rises)",
                 f"Viral posts in 30 days: {self.viral_30d}",
                 f"New products in 30 days: {self.new_products_30d}",
                 f"Items with a published price: {self.items_priced}",
                 f"Website: {'yes' if self.has_website else 'no'}; "
                 f"Instagram: {'yes' if self.has_instagram else 'no'}"]
        if self.notes:
            lines.append(f"Owner's notes: {self.notes[-600:]}")
        return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class RulePoint:
    quadrant: str
    code: str
    params: dict[str, int | float | str]


async def _posts_per_week(session: AsyncSession, business_id: int, channel_id: int | None,
                          now: datetime) -> float:
    if channel_id is None:
        return 0.0
    count = await session.scalar(select(func.count()).select_from(PublicPost).where(
        PublicPost.business_id == business_id, PublicPost.channel_id == channel_id,
        PublicPost.posted_at > now - timedelta(days=28)))
    return int(count or 0) / 4


async def _channel_id(session: AsyncSession, business_id: int, competitor_id: int | None
                      ) -> int | None:
    query = select(PublicChannel.id).where(PublicChannel.business_id == business_id)
    query = query.where(PublicChannel.competitor_id == competitor_id if competitor_id
                        else PublicChannel.competitor_id.is_(None))
    # the Telegram channel first: its views are what the SWOT facts compare
    return await session.scalar(query.order_by(PublicChannel.platform != "telegram",
                                               PublicChannel.id).limit(1))


async def facts(session: AsyncSession, *, business_id: int, competitor_id: int,
                now: datetime) -> SwotFacts:
    """What is known of one competitor, next to the business's own channel."""
    competitor = await get_competitor(session, business_id=business_id,
                                      competitor_id=competitor_id)
    own = await own_channel(session, business_id=business_id)
    own_id = await _channel_id(session, business_id, None)
    their_id = await _channel_id(session, business_id, competitor_id)
    since = now - timedelta(days=30)
    kinds = dict(list(await session.execute(
        select(CompetitorActivity.kind, func.count()).where(
            CompetitorActivity.business_id == business_id,
            CompetitorActivity.competitor_id == competitor_id,
            CompetitorActivity.detected_at > since).group_by(CompetitorActivity.kind))))
    changes = [c.detail for c in await session.scalars(select(CompetitorActivity).where(
        CompetitorActivity.business_id == business_id,
        CompetitorActivity.competitor_id == competitor_id,
        CompetitorActivity.kind == "price_change", CompetitorActivity.detected_at > since))]
    items = await session.scalar(select(func.count(func.distinct(CompetitorPrice.item_key)))
                                 .where(CompetitorPrice.business_id == business_id,
                                        CompetitorPrice.competitor_id == competitor_id))
    return SwotFacts(
        name=competitor.name,
        subscribers=competitor.channel.subscribers if competitor.channel else None,
        own_subscribers=own.subscribers if own else None,
        posts_per_week=await _posts_per_week(session, business_id, their_id, now),
        own_posts_per_week=(await _posts_per_week(session, business_id, own_id, now)
                            if own_id else None),
        promotions_30d=int(kinds.get("promotion", 0)),
        price_changes_30d=len(changes),
        price_rises_30d=sum(1 for d in changes if int(d.get("new", 0)) > int(d.get("old", 0))),
        viral_30d=int(kinds.get("viral", 0)),
        new_products_30d=int(kinds.get("new_product", 0)),
        items_priced=int(items or 0), notes=competitor.notes,
        has_website=competitor.website is not None,
        has_instagram=competitor.instagram is not None)


async def all_facts(session: AsyncSession, *, business_id: int, now: datetime
                    ) -> list[SwotFacts]:
    """Facts for every competitor (the overall SWOT)."""
    return [await facts(session, business_id=business_id, competitor_id=c.id, now=now)
            for c in await list_competitors(session, business_id=business_id)]


def rule_points(f: SwotFacts) -> list[RulePoint]:
    """The SWOT the rules draft from the numbers alone."""
    points: list[RulePoint] = []

    def add(quadrant: str, code: str, **params: int | float | str) -> None:
        points.append(RulePoint(quadrant, code, params))

    if f.subscribers and f.own_subscribers:
        if f.subscribers > f.own_subscribers:
            add("strengths", "bigger_audience", theirs=f.subscribers, ours=f.own_subscribers)
        else:
            add("weaknesses", "smaller_audience", theirs=f.subscribers, ours=f.own_subscribers)
    elif f.subscribers:
        add("strengths", "audience", theirs=f.subscribers)
    if f.posts_per_week >= 5:
        add("strengths", "posts_often", per_week=round(f.posts_per_week, 1))
    elif f.subscribers is not None:
        add("weaknesses", "posts_rarely", per_week=round(f.posts_per_week, 1))
        add("opportunities", "out_post")
    if f.viral_30d:
        add("strengths", "viral_content", count=f.viral_30d)
    if f.promotions_30d >= 2:
        add("threats", "discounting", count=f.promotions_30d)
        add("opportunities", "compete_on_value")
    elif f.promotions_30d == 1:
        add("threats", "promotion_running")
    if f.price_rises_30d:
        add("opportunities", "they_raised_prices", count=f.price_rises_30d)
    if f.price_changes_30d > f.price_rises_30d:
        add("threats", "they_cut_prices", count=f.price_changes_30d - f.price_rises_30d)
    if f.new_products_30d:
        add("threats", "new_products", count=f.new_products_30d)
    if f.items_priced:
        add("strengths", "open_prices", count=f.items_priced)
    else:
        add("weaknesses", "hidden_prices")
    if not f.has_website:
        add("weaknesses", "no_website")
    if not any(p.quadrant == "opportunities" for p in points):
        add("opportunities", "watch_and_differ")
    if not any(p.quadrant == "threats" for p in points):
        add("threats", "quiet_now")
    return points


def parse_swot(text: str) -> dict[str, list[str]] | None:
    """Four quadrants from the model's JSON (fences tolerated), or None when not usable."""
    data = json_object(text)
    if data is None:
        return None
    result: dict[str, list[str]] = {}
    for quadrant in QUADRANTS:
        items = data.get(quadrant)
        if not isinstance(items, list):
            return None
        clean = [" ".join(str(i).split())[:POINT_MAX] for i in items if str(i).strip()]
        result[quadrant] = clean[:POINTS_MAX]
    if not any(result.values()):
        return None
    return result


def to_json(swot: dict[str, list[str]]) -> str:
    return json.dumps({q: swot.get(q, []) for q in QUADRANTS}, ensure_ascii=False)


def parse_edit(text: str) -> list[str]:
    """The owner's edit of one quadrant: one point per line (bullets stripped)."""
    points = [re.sub(r"^[\s•\-*–—\d.)]+", "", line).strip() for line in text.splitlines()]
    return [p[:POINT_MAX] for p in points if p][:POINTS_MAX]
