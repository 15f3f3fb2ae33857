"""Sales chatbot stats over a period (SPEC §3.9): conversations, new leads, response rate,
conversion, hand-off rate, per-stage drop-off and messages used against the plan's monthly
limit. Everything is counted by the database (three aggregate queries, on the
``(business_id, created_at)`` indexes); nothing loops over rows in Python.

Definitions (docs/decisions.md):
- the period is the last ``days`` local days of the business (today included);
- *conversations* are those started in the period: conversion, hand-off and the funnel are
  rates of that cohort; *active* counts conversations with any message in the period;
- *response rate*: customer messages of the period followed by a bot or operator message
  (not a nurture follow-up) in the same conversation, over all customer messages of the period;
- *converted*: the conversation reached the purchase stage or its lead has a paid order;
- *drop-off*: a conversation at stage S reached every stage up to S and stopped at S.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, case, distinct, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services import plans
from services.db.base import utcnow
from services.db.models import Lead, Order, SalesBot, SalesConversation, SalesMessage
from services.errors import NotFound
from services.kpi import business_timezone

STAGES = ("awareness", "interest", "consideration", "intent", "purchase", "post_purchase")
PURCHASED = ("purchase", "post_purchase")
PERIODS = (7, 30, 90)


@dataclass(frozen=True, slots=True)
class StageRow:
    stage: str
    reached: int  # conversations that got at least this far
    stopped: int  # of those, how many are still here


@dataclass(frozen=True, slots=True)
class ChatStats:
    business_id: int
    bot_id: int | None
    days: int
    start: datetime  # aware UTC, inclusive
    end: datetime  # aware UTC, exclusive
    timezone: str
    conversations: int = 0
    active: int = 0
    new_leads: int = 0
    customer_messages: int = 0
    answered_messages: int = 0
    converted: int = 0
    handed_off: int = 0
    stages: list[StageRow] = field(default_factory=list)
    messages_used: int = 0
    messages_limit: int = plans.UNLIMITED

    @property
    def response_rate(self) -> float | None:
        return _ratio(self.answered_messages, self.customer_messages)

    @property
    def conversion_rate(self) -> float | None:
        return _ratio(self.converted, self.conversations)

    @property
    def handoff_rate(self) -> float | None:
        return _ratio(self.handed_off, self.conversations)


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def period_bounds(days: int, timezone: str, now: datetime) -> tuple[datetime, datetime]:
    """From local midnight ``days - 1`` days ago up to ``now``."""
    tz = ZoneInfo(timezone)
    first = now.astimezone(tz).date() - timedelta(days=days - 1)
    return datetime.combine(first, time(0), tzinfo=tz).astimezone(UTC), now


def funnel(counts: dict[str, int]) -> list[StageRow]:
    """Reached/stopped per stage from how many conversations are at each stage now."""
    rows, reached = [], sum(counts.get(s, 0) for s in STAGES)
    for stage in STAGES:
        rows.append(StageRow(stage, reached, counts.get(stage, 0)))
        reached -= counts.get(stage, 0)
    return rows


async def chat_stats(session: AsyncSession, *, business_id: int, days: int,
                     bot_id: int | None = None, now: datetime | None = None) -> ChatStats:
    """The business's (or one of its bots') chatbot figures over the last ``days`` days."""
    timezone = await business_timezone(session, business_id=business_id)
    start, end = period_bounds(days, timezone, now or utcnow())
    conv = SalesConversation
    scope: list[ColumnElement[bool]] = [conv.business_id == business_id]
    if bot_id is not None:
        scope.append(conv.bot_id == bot_id)

    # 1. the cohort started in the period, by the stage it is at now. The paid-order leads
    # are one uncorrelated subquery (orders have no lead index; a per-row EXISTS would scan
    # the business's orders once per conversation).
    paid_leads = select(Order.lead_id).where(Order.business_id == business_id,
                                             Order.status == "paid",
                                             Order.lead_id.is_not(None))
    operator_reply = exists().where(SalesMessage.conversation_id == conv.id,
                                    SalesMessage.author == "operator")
    converted = or_(conv.stage.in_(PURCHASED), conv.lead_id.in_(paid_leads))
    handed_off = or_(conv.handoff_at.is_not(None), conv.handoff != "none", operator_reply)
    cohort = await session.execute(
        select(conv.stage, func.count(),
               func.sum(case((converted, 1), else_=0)),
               func.sum(case((handed_off, 1), else_=0)))
        .where(*scope, conv.created_at >= start, conv.created_at < end)
        .group_by(conv.stage))
    by_stage: dict[str, int] = {}
    total_converted = total_handed_off = 0
    for stage, count, n_converted, n_handed_off in cohort:
        by_stage[stage] = by_stage.get(stage, 0) + int(count)
        total_converted += int(n_converted or 0)
        total_handed_off += int(n_handed_off or 0)

    # 2. messages of the period: active conversations and the response rate. A customer
    # message got an answer when its conversation has a later bot/operator message, i.e. its
    # id is below the conversation's last answer (one grouped pass, not a lookup per message;
    # a nurture follow-up is not an answer to what the customer asked).
    msg = SalesMessage
    answers = (select(msg.conversation_id.label("conversation_id"),
                      func.max(msg.id).label("last_id"))
               .where(msg.business_id == business_id, msg.created_at >= start,
                      msg.author.in_(("bot", "operator")),
                      or_(msg.source.is_(None), msg.source != "nurture"))
               .group_by(msg.conversation_id).subquery())
    is_customer = msg.author == "customer"
    answered = and_(is_customer, msg.id < answers.c.last_id)
    messages = (select(func.count(distinct(msg.conversation_id)),
                       func.sum(case((is_customer, 1), else_=0)),
                       func.sum(case((answered, 1), else_=0)))
                .outerjoin(answers, answers.c.conversation_id == msg.conversation_id)
                .where(msg.business_id == business_id, msg.created_at >= start,
                       msg.created_at < end))
    if bot_id is not None:
        messages = messages.join(conv, conv.id == msg.conversation_id).where(
            conv.bot_id == bot_id)
    active, customer_messages, answered_messages = (await session.execute(messages)).one()

    # 3. leads the chatbot captured in the period (the period's leads as one IN list: a join
    # let SQLite drive from leads and look up conversations, which have no lead index)
    period_leads = select(Lead.id).where(Lead.business_id == business_id,
                                         Lead.created_at >= start, Lead.created_at < end)
    new_leads = await session.scalar(
        select(func.count(distinct(conv.lead_id)))
        .where(*scope, conv.lead_id.in_(period_leads)))

    usage = await plans.usage(session, business_id=business_id,
                              resource=plans.Resource.CHATBOT_MESSAGES_PER_MONTH)
    return ChatStats(
        business_id=business_id, bot_id=bot_id, days=days, start=start, end=end,
        timezone=timezone, conversations=sum(by_stage.values()), active=int(active or 0),
        new_leads=int(new_leads or 0), customer_messages=int(customer_messages or 0),
        answered_messages=int(answered_messages or 0), converted=total_converted,
        handed_off=total_handed_off, stages=funnel(by_stage), messages_used=usage.used,
        messages_limit=usage.limit)


async def find_bot(session: AsyncSession, *, business_id: int,
                   username: str) -> tuple[int, str]:
    """The id and username of the business's sales bot ``@username``, in any letter case
    (NotFound for anyone else's)."""
    name = username.strip().lstrip("@").lower()
    found = (await session.execute(select(SalesBot.id, SalesBot.username).where(
        SalesBot.business_id == business_id, func.lower(SalesBot.username) == name))).first()
    if found is None:
        raise NotFound(entity="sales_bot", username=name)
    return int(found[0]), str(found[1])
