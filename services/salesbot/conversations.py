"""Customer conversations with a business bot (SPEC §3.9): the record, the transcript, the
funnel stage (forward only; model-classified moves need confidence ≥ 0.7), the hand-off state
and the monthly message limit.

Hand-off state lives in the conversation row, never in a prompt: while it is ``waiting`` or
``active`` the bot itself stays silent and the customer's messages go to the operators.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Literal

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services import plans, teams
from services.db.base import utcnow
from services.db.models import Business, Lead, Membership, SalesConversation, SalesMessage
from services.errors import Conflict, LimitExceeded, NotFound
from services.plans import Resource
from services.salesbot.intents import Intent

# ``session.info`` key: ids of the conversations this session created (first contact)
NEW_CONVERSATIONS = "salesbot.new_conversations"

STAGES = ("awareness", "interest", "consideration", "intent", "purchase", "post_purchase")
MODEL_CONFIDENCE = 0.7
REMINDER_AFTER = timedelta(minutes=15)
TRANSCRIPT_LINES = 20
MESSAGE_MAX = 4000
WARN_LEVELS = (80, 100)

Author = Literal["customer", "bot", "operator"]

# The stage a customer's intent shows they have reached (never a move backwards).
INTENT_STAGE: dict[Intent, str] = {
    Intent.GREETING: "awareness",
    Intent.PRODUCT: "interest",
    Intent.PRICING: "consideration",
    Intent.DELIVERY: "consideration",
    Intent.PAYMENT: "consideration",
    Intent.ORDER: "intent",
}


class Handoff(StrEnum):
    NONE = "none"
    WAITING = "waiting"  # flagged, no operator has answered yet
    ACTIVE = "active"  # an operator has it; the bot is silent


def next_stage(current: str, target: str, *, confidence: float = 1.0,
               by_model: bool = False) -> str:
    """The stage after a proposed move: forward only; a model's guess needs ≥ 0.7."""
    if target not in STAGES or current not in STAGES:
        return current
    if by_model and confidence < MODEL_CONFIDENCE:
        return current
    return target if STAGES.index(target) > STAGES.index(current) else current


def advance(conversation: SalesConversation, target: str, *, confidence: float = 1.0,
            by_model: bool = False) -> bool:
    """Move the conversation forward to ``target`` if allowed; True when it moved."""
    new = next_stage(conversation.stage, target, confidence=confidence, by_model=by_model)
    if new == conversation.stage:
        return False
    conversation.stage = new
    return True


def lead_score(*, stage: str, has_phone: bool, messages_in: int) -> int:
    """0–100: how far along the funnel (up to 60), a phone (25), engagement (up to 15)."""
    position = STAGES.index(stage) if stage in STAGES else 0
    return min(100, position * 12 + (25 if has_phone else 0) + min(messages_in, 5) * 3)


async def open_conversation(session: AsyncSession, *, business_id: int, bot_id: int,
                            chat_id: int, name: str = "", username: str | None = None,
                            language: str | None = None) -> SalesConversation:
    """The conversation of this chat with this bot, created on first contact."""
    row = await session.scalar(select(SalesConversation).where(
        SalesConversation.bot_id == bot_id, SalesConversation.customer_chat_id == chat_id))
    if row is not None and row.business_id == business_id:
        if name and row.customer_name != name[:128]:
            row.customer_name = name[:128]
        if username != row.customer_username:
            row.customer_username = username
        if language and not row.language:
            row.language = language
        return row
    if row is not None:  # the bot moved to another business: a fresh conversation
        await session.delete(row)
        await session.flush()
    row = SalesConversation(business_id=business_id, bot_id=bot_id, customer_chat_id=chat_id,
                            customer_name=name[:128], customer_username=username,
                            language=language, stage="awareness", handoff=Handoff.NONE.value,
                            messages_in=0, messages_out=0)
    session.add(row)
    await session.flush()
    session.info.setdefault(NEW_CONVERSATIONS, set()).add(row.id)
    return row


def created_here(session: AsyncSession, conversation: SalesConversation) -> bool:
    """True when ``conversation`` was created by this session (so nothing of it was queued
    by another transaction yet)."""
    return conversation.id in session.info.get(NEW_CONVERSATIONS, ())


async def record(session: AsyncSession, conversation: SalesConversation, *, author: Author,
                 text: str, intent: str | None = None, source: str | None = None,
                 operator_id: int | None = None, at: datetime | None = None) -> None:
    """Append one message to the transcript and keep the counters."""
    moment = at or utcnow()
    session.add(SalesMessage(business_id=conversation.business_id,
                             conversation_id=conversation.id, author=author,
                             text=(text or "")[:MESSAGE_MAX], intent=intent, source=source,
                             operator_id=operator_id, created_at=moment))
    if author == "customer":
        conversation.messages_in = (conversation.messages_in or 0) + 1
        conversation.last_customer_at = moment
    else:
        conversation.messages_out = (conversation.messages_out or 0) + 1
        conversation.last_reply_at = moment
    conversation.updated_at = moment


@dataclass(frozen=True, slots=True)
class Line:
    author: str
    text: str
    at: datetime


async def transcript(session: AsyncSession, *, business_id: int, conversation_id: int,
                     limit: int = TRANSCRIPT_LINES) -> list[Line]:
    """The last ``limit`` messages, oldest first (scoped to the business)."""
    rows = (await session.execute(
        select(SalesMessage.author, SalesMessage.text, SalesMessage.created_at)
        .where(SalesMessage.business_id == business_id,
               SalesMessage.conversation_id == conversation_id)
        .order_by(SalesMessage.id.desc()).limit(limit))).all()
    return [Line(a, t, c) for a, t, c in reversed(rows)]


async def history(session: AsyncSession, conversation: SalesConversation,
                  limit: int = 10) -> list[tuple[str, str]]:
    """(author, text) pairs, oldest first, for the answer composer."""
    lines = await transcript(session, business_id=conversation.business_id,
                             conversation_id=conversation.id, limit=limit)
    return [(line.author, line.text) for line in lines]


async def get_conversation(session: AsyncSession, *, business_id: int,
                           conversation_id: int) -> SalesConversation:
    """One conversation of this business (``NotFound`` otherwise: ids from buttons are never
    trusted)."""
    row = await session.get(SalesConversation, conversation_id)
    if row is None or row.business_id != business_id:
        raise NotFound(entity="sales_conversation", id=conversation_id)
    return row


async def find_conversation(session: AsyncSession, *,
                            conversation_id: int) -> SalesConversation | None:
    """A conversation by id, unscoped: callers then check the actor's membership in its
    business (``operator_business``)."""
    return await session.get(SalesConversation, conversation_id)


# ------------------------------------------------------------------------------- hand-off


def request_handoff(conversation: SalesConversation, *, reason: str) -> bool:
    """Flag the conversation for a human; True when it was not flagged already."""
    if conversation.handoff != Handoff.NONE.value:
        return False
    conversation.handoff = Handoff.WAITING.value
    conversation.handoff_reason = reason[:32]
    conversation.handoff_at = utcnow()
    conversation.handoff_operator_id = None
    conversation.handoff_reminded_at = None
    return True


def was_closed(conversation: SalesConversation) -> bool:
    """True when the conversation had a hand-off that an operator closed and the customer
    has not asked for a person since (asking again flags it ``waiting``)."""
    return conversation.handoff == Handoff.NONE.value and conversation.handoff_at is not None


def take_handoff(conversation: SalesConversation, *, operator_id: int) -> None:
    """An operator answers: the conversation is theirs until closed. ``Conflict`` (reason
    ``closed``) for a closed one: an old card's Reply must not silently re-open it."""
    if was_closed(conversation):
        raise Conflict(reason="closed")
    conversation.handoff = Handoff.ACTIVE.value
    conversation.handoff_operator_id = operator_id
    if conversation.handoff_at is None:
        conversation.handoff_at = utcnow()


def close_handoff(conversation: SalesConversation) -> bool:
    """Back to the bot; True when there was a hand-off to close."""
    if conversation.handoff == Handoff.NONE.value:
        return False
    conversation.handoff = Handoff.NONE.value
    conversation.handoff_operator_id = None
    conversation.handoff_reminded_at = None
    return True


async def operators(session: AsyncSession, *, business_id: int) -> list[int]:
    """User ids of the team members who may answer customers (the chatbot permission)."""
    rows = (await session.execute(select(Membership.user_id, Membership.role).where(
        Membership.business_id == business_id).order_by(Membership.user_id))).all()
    found = [uid for uid, role in rows
             if teams.has_permission(role, teams.Permission.MANAGE_CHATBOT)]
    owner = await session.scalar(select(Business.owner_id).where(Business.id == business_id))
    if owner is not None and owner not in found:
        found.insert(0, int(owner))
    return found


async def require_operator(session: AsyncSession, *, conversation_id: int,
                           user_id: int) -> SalesConversation:
    """The conversation, if ``user_id`` is an operator of its business; else ``NotFound``
    (a button from another business, or a role that lost the permission)."""
    row = await find_conversation(session, conversation_id=conversation_id)
    if row is None or user_id not in await operators(session, business_id=row.business_id):
        raise NotFound(entity="sales_conversation", id=conversation_id)
    return row


async def due_reminders(session: AsyncSession, *, now: datetime | None = None,
                        after: timedelta = REMINDER_AFTER,
                        limit: int = 200) -> list[SalesConversation]:
    """Hand-offs whose customer has waited more than ``after`` for a human, not reminded
    since their last message; each returned one is marked reminded."""
    moment = now or utcnow()
    cutoff = moment - after
    # the bot's own "a person will answer" does not count: only an operator's message does
    answered = select(SalesMessage.id).where(
        SalesMessage.conversation_id == SalesConversation.id,
        SalesMessage.author == "operator",
        SalesMessage.created_at >= SalesConversation.last_customer_at).exists()
    rows = list(await session.scalars(select(SalesConversation).where(
        SalesConversation.handoff != Handoff.NONE.value,
        SalesConversation.last_customer_at.is_not(None),
        SalesConversation.last_customer_at <= cutoff,
        ~answered,
        or_(SalesConversation.handoff_reminded_at.is_(None),
            SalesConversation.handoff_reminded_at < SalesConversation.last_customer_at),
    ).order_by(SalesConversation.last_customer_at).limit(limit)))
    for row in rows:
        row.handoff_reminded_at = moment
    await session.flush()
    return rows


# ------------------------------------------------------------------------ message limit


@dataclass(frozen=True, slots=True)
class Quota:
    """The monthly message counter after one customer message."""

    allowed: bool  # False: past the limit (fixed reply and hand-off)
    used: int
    limit: int
    warn: int | None  # 80 or 100 when this very message crossed that share, else None


def crossed(used: int, limit: int) -> int | None:
    """The warning level (80, 100) that message number ``used`` crossed, if any."""
    if limit <= 0:
        return None
    hit = None
    for level in WARN_LEVELS:
        if (used - 1) * 100 < limit * level <= used * 100:
            hit = level
    return hit


async def count_message(session: AsyncSession, *, business_id: int) -> Quota:
    """Count one customer message against ``chatbot_messages_per_month`` (atomic)."""
    try:
        status = await plans.consume(session, business_id=business_id,
                                     resource=Resource.CHATBOT_MESSAGES_PER_MONTH)
    except LimitExceeded as exc:
        limit = int(exc.params.get("limit", 0))
        return Quota(False, int(exc.params.get("used", limit)), limit, None)
    if status.unlimited:
        return Quota(True, status.used, status.limit, None)
    return Quota(True, status.used, status.limit, crossed(status.used, status.limit))


# ------------------------------------------------------------------------------ stats


async def open_handoffs(session: AsyncSession, *, business_id: int) -> int:
    """Conversations waiting for or held by a human."""
    return int(await session.scalar(select(func.count()).select_from(SalesConversation).where(
        SalesConversation.business_id == business_id,
        SalesConversation.handoff != Handoff.NONE.value)) or 0)


async def count_conversations(session: AsyncSession, *, business_id: int) -> int:
    return int(await session.scalar(select(func.count()).select_from(SalesConversation).where(
        SalesConversation.business_id == business_id)) or 0)


def ensure_not_stopped(conversation: SalesConversation) -> None:
    """Raise ``Conflict`` when the customer sent /stop (pushes must not reach them)."""
    if conversation.stopped_at is not None:
        raise Conflict(reason="stopped")


# ------------------------------------------------------------------------- leads, orders


async def capture_lead(session: AsyncSession, conversation: SalesConversation, *,
                       phone: str | None = None, hvco_code: str | None = None) -> int:
    """Create or update the conversation's lead (source chatbot, stage and score from the
    conversation); a lead magnet's code tags it (``utm_source`` hvco, ``utm_campaign`` the
    code). Returns the lead id. ``LimitExceeded`` when the monthly leads are used up."""
    from services import sales

    has_phone = bool(phone)
    if conversation.lead_id is not None:
        current = await session.get(Lead, conversation.lead_id)
        if current is not None and current.business_id == conversation.business_id:
            has_phone = has_phone or bool(current.phone)
            score = lead_score(stage=conversation.stage, has_phone=has_phone,
                               messages_in=conversation.messages_in or 0)
            await sales.update_lead(session, business_id=conversation.business_id,
                                    lead_id=current.id, phone=phone,
                                    stage=conversation.stage, score=max(score, current.score))
            if hvco_code and not current.utm_campaign:
                current.utm_source, current.utm_campaign = "hvco", hvco_code
            return current.id
    score = lead_score(stage=conversation.stage, has_phone=has_phone,
                       messages_in=conversation.messages_in or 0)
    lead = await sales.create_lead(
        session, business_id=conversation.business_id,
        name=conversation.customer_name or phone or f"Telegram {conversation.customer_chat_id}",
        phone=phone, telegram_id=conversation.customer_chat_id, stage=conversation.stage,
        score=score, source="chatbot", utm_source="hvco" if hvco_code else "telegram_bot",
        utm_campaign=hvco_code)
    conversation.lead_id = lead.id
    await session.flush()
    return lead.id


async def lead_phone(session: AsyncSession, conversation: SalesConversation) -> str | None:
    """The phone the customer shared, if any."""
    if conversation.lead_id is None:
        return None
    lead = await session.get(Lead, conversation.lead_id)
    return lead.phone if lead is not None else None


async def place_order(session: AsyncSession, conversation: SalesConversation, *, name: str,
                      price: int, qty: int = 1) -> int:
    """Record the customer's order of one knowledge-base product (the price comes from the
    knowledge base, never from the customer): a customer for the phone, the order (source
    chatbot), the lead won, the stage purchase. Returns the order id."""
    from services import sales

    phone = await lead_phone(session, conversation)
    customer, _created = await sales.find_or_create_customer(
        session, business_id=conversation.business_id, phone=phone,
        name=conversation.customer_name or None, telegram_id=conversation.customer_chat_id)
    order = await sales.create_order(
        session, business_id=conversation.business_id, customer_id=customer.id,
        lead_id=conversation.lead_id,
        items=(sales.OrderItem(name=name[:120], qty=max(1, qty), price=price),),
        source="chatbot")
    advance(conversation, "purchase")
    if conversation.lead_id is not None:
        await sales.update_lead(session, business_id=conversation.business_id,
                                lead_id=conversation.lead_id, stage="purchase", status="won",
                                score=100)
    return order.id
