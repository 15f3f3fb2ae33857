"""Magic Lantern nurture sequences (SPEC §3.9): leads who took a lead magnet and did not buy
get owner-editable follow-ups (default day 1, 3, 7) through the outbox; a reply, a purchase,
``/stop`` or a hand-off ends them.

Interface used by the conversation engine: ``start`` when a HVCO is delivered, ``stop`` on
reply, purchase, ``/stop`` and hand-off.

How a step is kept from a lead who no longer qualifies (docs/decisions.md): ``stop`` cancels
the pending outbox rows when the event happens, and the outbox sender runs
``cancel_unqualified`` in the same transaction that claims due rows, so a step whose
conversation bought, replied, stopped, was handed off or blocked the bot since it was queued
is cancelled even when an event path forgot to call ``stop``.
"""

from __future__ import annotations

import html
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services import outbox, plans
from services.db.base import utcnow
from services.db.models import (
    Business,
    Hvco,
    NurtureSend,
    NurtureSequence,
    NurtureStep,
    Order,
    OutboxMessage,
    SalesConversation,
    SalesMessage,
)
from services.errors import InvalidInput, LimitExceeded, NotFound
from services.kpi import business_timezone
from services.salesbot.conversations import created_here
from services.salesbot.nurture_texts import (
    DEFAULT_DELAYS,
    DEFAULT_TEXTS,
    FALLBACK_LEAD_MAGNET,
)
from services.users import DEFAULT_LANGUAGE

StopReason = Literal["reply", "purchase", "stop", "handoff", "blocked"]

KIND = "nurture"
SEND_HOUR = 10  # local time: late enough not to wake anyone, early enough to be read today
MAX_STEPS = 10
MAX_DELAY_DAYS = 90
MAX_TEXT = 1000
RECORD_BATCH = 1000
REPLY_GRACE = timedelta(minutes=5)
PURCHASED_STAGES = ("purchase", "post_purchase")


@dataclass(frozen=True, slots=True)
class StepView:
    id: int
    delay_days: int
    text: str | None  # None: the default text ``default_index`` in the customer's language
    default_index: int | None


@dataclass(frozen=True, slots=True)
class SequenceView:
    business_id: int
    enabled: bool
    steps: list[StepView]


def _view(step: NurtureStep) -> StepView:
    return StepView(step.id, step.delay_days, step.text, step.default_index)


# ---------------------------------------------------------------- the owner's sequence


# ``session.info`` key: conversations ``start`` queued steps for in this session
STARTED_HERE = "salesbot.nurture_started"


async def _sequence_row(session: AsyncSession, business_id: int) -> NurtureSequence:
    row = await session.get(NurtureSequence, business_id)
    if row is None:
        row = NurtureSequence(business_id=business_id, enabled=True)
        session.add(row)
        for index, delay in enumerate(DEFAULT_DELAYS):
            session.add(NurtureStep(business_id=business_id, delay_days=delay,
                                    default_index=index))
        await session.flush()
    return row


async def _steps(session: AsyncSession, business_id: int) -> list[NurtureStep]:
    return list(await session.scalars(
        select(NurtureStep).where(NurtureStep.business_id == business_id)
        .order_by(NurtureStep.delay_days, NurtureStep.id)))


async def get_sequence(session: AsyncSession, *, business_id: int) -> SequenceView:
    """The business's sequence (the day 1, 3, 7 defaults are created on first use)."""
    row = await _sequence_row(session, business_id)
    return SequenceView(business_id, row.enabled,
                        [_view(s) for s in await _steps(session, business_id)])


async def _step(session: AsyncSession, business_id: int, step_id: int) -> NurtureStep:
    step = await session.scalar(select(NurtureStep).where(
        NurtureStep.id == step_id, NurtureStep.business_id == business_id))
    if step is None:
        raise NotFound(entity="nurture_step", id=step_id)
    return step


async def get_step(session: AsyncSession, *, business_id: int, step_id: int) -> StepView:
    """One step of this business's sequence (NotFound for another business's)."""
    return _view(await _step(session, business_id, step_id))


def _check_delay(delay_days: int) -> None:
    if not 1 <= delay_days <= MAX_DELAY_DAYS:
        raise InvalidInput(field="delay_days", reason="range", min=1,
                           max=MAX_DELAY_DAYS)


def _check_text(text: str) -> str:
    text = text.strip()
    if not text:
        raise InvalidInput(field="text", reason="empty")
    if len(text) > MAX_TEXT:
        raise InvalidInput(field="text", reason="too_long", max=MAX_TEXT)
    return text


async def set_enabled(session: AsyncSession, *, business_id: int, enabled: bool) -> bool:
    """Turn the sequence on or off; off also cancels every step still waiting to be sent."""
    row = await _sequence_row(session, business_id)
    row.enabled = enabled
    if not enabled:
        await _cancel_sends(session, NurtureSend.business_id == business_id, "disabled")
    await session.flush()
    return enabled


async def add_step(session: AsyncSession, *, business_id: int, delay_days: int,
                   text: str) -> StepView:
    """A new step (for conversations started from now on)."""
    await _sequence_row(session, business_id)
    _check_delay(delay_days)
    text = _check_text(text)
    count = await session.scalar(select(func.count()).select_from(NurtureStep)
                                 .where(NurtureStep.business_id == business_id))
    if (count or 0) >= MAX_STEPS:
        raise InvalidInput(field="steps", reason="too_many", max=MAX_STEPS)
    step = NurtureStep(business_id=business_id, delay_days=delay_days, text=text)
    session.add(step)
    await session.flush()
    return _view(step)


async def update_step(session: AsyncSession, *, business_id: int, step_id: int,
                      text: str | None = None, delay_days: int | None = None) -> StepView:
    """Change a step's text and/or delay; what is already queued for it follows the change."""
    step = await _step(session, business_id, step_id)
    if delay_days is not None:
        _check_delay(delay_days)
        step.delay_days = delay_days
    if text is not None:
        step.text = _check_text(text)
    await session.flush()
    await _requeue_step(session, step)
    return _view(step)


async def delete_step(session: AsyncSession, *, business_id: int, step_id: int) -> None:
    """Remove a step; its pending sends are cancelled."""
    step = await _step(session, business_id, step_id)
    await _cancel_sends(session, NurtureSend.step_id == step.id, "deleted")
    await session.delete(step)
    await session.flush()


# ---------------------------------------------------------------- texts and times


def language_of(conversation_language: str | None) -> str:
    return conversation_language if conversation_language in DEFAULT_TEXTS else DEFAULT_LANGUAGE


def render_step(step: StepView | NurtureStep, *, language: str, business_name: str,
                lead_magnet: str | None) -> str:
    """The step's message as HTML: the owner's text or the default in ``language``, with
    ``{business}`` and ``{lead_magnet}`` filled in (everything escaped)."""
    language = language_of(language)
    if step.text is not None:
        template = step.text
    else:
        texts = DEFAULT_TEXTS[language]
        template = texts[(step.default_index or 0) % len(texts)]
    title = lead_magnet or FALLBACK_LEAD_MAGNET[language]
    # replace, not str.format: an owner's text may hold braces of its own
    return (html.escape(template, quote=False)
            .replace("{business}", html.escape(business_name, quote=False))
            .replace("{lead_magnet}", html.escape(title, quote=False)))


def due_at(started_at: datetime, delay_days: int, timezone: str) -> datetime:
    """``delay_days`` local days after the lead magnet went out, at ``SEND_HOUR`` local."""
    tz = ZoneInfo(timezone)
    day = started_at.astimezone(tz).date() + timedelta(days=delay_days)
    return datetime.combine(day, time(SEND_HOUR), tzinfo=tz).astimezone(UTC)


async def _sample(session: AsyncSession, business_id: int) -> tuple[str, str | None]:
    name = await session.scalar(select(Business.name).where(Business.id == business_id))
    title = await session.scalar(select(Hvco.title).where(Hvco.business_id == business_id)
                                 .order_by(Hvco.id.desc()).limit(1))
    return name or "", title


async def previews(session: AsyncSession, *, business_id: int,
                   language: str) -> dict[int, str]:
    """Every step as a customer speaking ``language`` would get it (the newest lead magnet's
    title stands in for the conversation's), by step id."""
    name, title = await _sample(session, business_id)
    return {step.id: render_step(step, language=language, business_name=name,
                                 lead_magnet=title)
            for step in await _steps(session, business_id)}


async def preview(session: AsyncSession, *, business_id: int, step_id: int,
                  language: str) -> str:
    """One step as :func:`previews` shows it."""
    step = await _step(session, business_id, step_id)
    name, title = await _sample(session, business_id)
    return render_step(step, language=language, business_name=name, lead_magnet=title)


# ---------------------------------------------------------------- the engine's interface


def _qualifies() -> list[ColumnElement[bool]]:
    """SQL conditions: the conversation still wants nurturing."""
    conv = SalesConversation
    return [conv.stopped_at.is_(None), conv.blocked_at.is_(None), conv.handoff == "none",
            conv.stage.not_in(PURCHASED_STAGES),
            ~exists().where(Order.lead_id == conv.lead_id,
                            Order.business_id == conv.business_id,
                            Order.status == "paid")]


def dedup_key(conversation_id: int, hvco_id: int | None, step_id: int) -> str:
    return f"nurture:{conversation_id}:{hvco_id or 0}:{step_id}"


async def start(session: AsyncSession, conversation: SalesConversation, *,
                now: datetime | None = None) -> int:
    """Schedule this business's sequence for the conversation; returns how many steps were
    queued (0 when it is off, the lead no longer qualifies or it was queued before)."""
    session.info.setdefault(STARTED_HERE, set()).add(conversation.id)
    moment = now or utcnow()
    business_id = conversation.business_id
    row = await _sequence_row(session, business_id)
    if not row.enabled:
        return 0
    qualifies = await session.scalar(select(SalesConversation.id).where(
        SalesConversation.id == conversation.id, *_qualifies()))
    if qualifies is None:
        return 0
    steps = await _steps(session, business_id)
    name = await session.scalar(select(Business.name).where(Business.id == business_id))
    title = None
    if conversation.hvco_id is not None:
        title = await session.scalar(select(Hvco.title).where(
            Hvco.id == conversation.hvco_id, Hvco.business_id == business_id))
    timezone = await business_timezone(session, business_id=business_id)
    language = language_of(conversation.language)
    queued = 0
    for step in steps:
        text = render_step(step, language=language, business_name=name or "",
                           lead_magnet=title)
        outbox_id = await outbox.enqueue(
            session, bot_id=conversation.bot_id, chat_id=conversation.customer_chat_id,
            kind=KIND, payload=outbox.text_payload(text), business_id=business_id,
            dedup_key=dedup_key(conversation.id, conversation.hvco_id, step.id),
            batch=f"nurture:{business_id}",
            due_at=due_at(moment, step.delay_days, timezone))
        if outbox_id is None:
            continue
        session.add(NurtureSend(outbox_id=outbox_id, business_id=business_id,
                                conversation_id=conversation.id, step_id=step.id,
                                started_at=moment, reply_cutoff=moment + REPLY_GRACE))
        queued += 1
    await session.flush()
    return queued


async def _cancel_sends(session: AsyncSession, where: ColumnElement[bool], reason: str) -> int:
    ids = select(NurtureSend.outbox_id).where(where)
    return await outbox.cancel(session, where=OutboxMessage.id.in_(ids),
                               reason=f"nurture: {reason}")


async def stop(session: AsyncSession, conversation: SalesConversation,
               reason: StopReason) -> int:
    """Cancel whatever is still pending for the conversation (idempotent); returns how many.

    A conversation this session created has nothing pending unless ``start`` ran in this
    session too: no statement then (the customer's first message is the hot path)."""
    if created_here(session, conversation) and conversation.id not in session.info.get(
            STARTED_HERE, ()):
        return 0
    return await _cancel_sends(session, and_(
        NurtureSend.conversation_id == conversation.id,
        NurtureSend.business_id == conversation.business_id), reason)


async def stop_many(session: AsyncSession, conversation_ids: Collection[int],
                    reason: StopReason) -> int:
    """``stop`` for several conversations in one statement (their business already checked
    by the caller); returns how many sends were cancelled."""
    if not conversation_ids:
        return 0
    return await _cancel_sends(session, NurtureSend.conversation_id.in_(
        sorted(conversation_ids)), reason)


async def cancel_unqualified(session: AsyncSession, now: datetime) -> int:
    """The send-time check (an outbox claim guard): cancel due nurture steps whose
    conversation no longer qualifies, or whose customer wrote after the steps were queued;
    then count the rest against the monthly message limit (cancelling what is past it) and
    write them to the transcript. Returns how many were cancelled."""
    conv = SalesConversation
    stale = (
        select(NurtureSend.outbox_id)
        .join(OutboxMessage, OutboxMessage.id == NurtureSend.outbox_id)
        .join(conv, conv.id == NurtureSend.conversation_id)
        .join(NurtureSequence, NurtureSequence.business_id == NurtureSend.business_id)
        .where(OutboxMessage.status == outbox.PENDING, OutboxMessage.due_at <= now,
               or_(~and_(*_qualifies()),
                   conv.last_customer_at > NurtureSend.reply_cutoff,
                   NurtureSequence.enabled.is_(False))))
    cancelled = await outbox.cancel(session, where=OutboxMessage.id.in_(stale),
                                    reason="nurture: no longer qualifies")
    return cancelled + await _record_due(session, now)


async def _record_due(session: AsyncSession, now: datetime) -> int:
    """Each due step once: one chatbot message of the plan's monthly limit (past the limit
    it is cancelled: nurture is optional, unlike a reply) and a ``nurture`` transcript line.
    Bounded by ``RECORD_BATCH`` per claim."""
    rows = (await session.execute(
        select(NurtureSend, OutboxMessage.payload)
        .join(OutboxMessage, OutboxMessage.id == NurtureSend.outbox_id)
        .where(OutboxMessage.status == outbox.PENDING, OutboxMessage.due_at <= now,
               NurtureSend.recorded_at.is_(None))
        .order_by(OutboxMessage.due_at, OutboxMessage.id).limit(RECORD_BATCH))).all()
    over: list[int] = []
    full: set[int] = set()
    for send, payload in rows:
        if send.business_id not in full:
            try:
                await plans.consume(session, business_id=send.business_id,
                                    resource=plans.Resource.CHATBOT_MESSAGES_PER_MONTH)
            except LimitExceeded:
                full.add(send.business_id)
        if send.business_id in full:
            over.append(send.outbox_id)
            continue
        send.recorded_at = now
        session.add(SalesMessage(business_id=send.business_id,
                                 conversation_id=send.conversation_id, author="bot",
                                 text=html.unescape(str(payload.get("text", ""))),
                                 source="nurture", created_at=now))
        await session.execute(
            update(SalesConversation).where(SalesConversation.id == send.conversation_id)
            .values(messages_out=SalesConversation.messages_out + 1, last_reply_at=now)
            .execution_options(synchronize_session=False))
    await session.flush()
    if not over:
        return 0
    return await outbox.cancel(session, where=OutboxMessage.id.in_(over),
                               reason="nurture: monthly message limit reached")


async def _requeue_step(session: AsyncSession, step: NurtureStep) -> None:
    """Re-render and re-time the pending sends of an edited step (bounded: one row per
    conversation still inside its sequence)."""
    rows = (await session.execute(
        select(OutboxMessage, NurtureSend.started_at, SalesConversation.language,
               SalesConversation.hvco_id)
        .join(NurtureSend, NurtureSend.outbox_id == OutboxMessage.id)
        .join(SalesConversation, SalesConversation.id == NurtureSend.conversation_id)
        .where(NurtureSend.step_id == step.id, NurtureSend.business_id == step.business_id,
               OutboxMessage.status == outbox.PENDING))).all()
    if not rows:
        return
    name = await session.scalar(select(Business.name).where(Business.id == step.business_id))
    timezone = await business_timezone(session, business_id=step.business_id)
    titles = {hvco_id: title for hvco_id, title in await session.execute(
        select(Hvco.id, Hvco.title).where(Hvco.business_id == step.business_id))}
    for message, started_at, language, hvco_id in rows:
        message.payload = outbox.text_payload(render_step(
            step, language=language_of(language), business_name=name or "",
            lead_magnet=titles.get(hvco_id) if hvco_id is not None else None))
        message.due_at = due_at(started_at, step.delay_days, timezone)
    await session.flush()


async def pending_count(session: AsyncSession, *, business_id: int) -> int:
    """How many nurture messages of the business are waiting to be sent."""
    return int(await session.scalar(
        select(func.count()).select_from(NurtureSend)
        .join(OutboxMessage, OutboxMessage.id == NurtureSend.outbox_id)
        .where(NurtureSend.business_id == business_id,
               OutboxMessage.status == outbox.PENDING)) or 0)

