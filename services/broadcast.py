"""Admin broadcasts (SPEC §6): segments, recipients, enqueueing through the outbox, progress.

A broadcast's recipients are outbox rows with ``batch = "bc:<id>"`` and a per-recipient
``dedup_key``, all written in the transaction that confirms it; the progress (and the final
counts) are read back from those rows, so a restart resumes where the outbox stands.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Select, and_, func, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services import outbox
from services.db.base import utcnow
from services.db.models import Broadcast, OutboxMessage, Plan, Subscription, User
from services.errors import InvalidInput, NotFound
from services.validation import clean_text, parse_url

SEGMENT_KINDS = ("all", "plan", "language", "inactive")
LANGUAGES = ("uz", "uz_Cyrl", "ru", "en")
INACTIVE_DAYS = (7, 30, 90)
MAX_BUTTONS = 3
ENQUEUE_CHUNK = 1000
KIND = "broadcast"
LIVE_SUBSCRIPTIONS = ("trialing", "active", "past_due")


@dataclass(frozen=True, slots=True)
class Segment:
    """Who receives it: everyone, one plan's subscribers, one language, or the inactive."""

    kind: str = "all"
    value: str = ""

    def to_json(self) -> dict[str, str]:
        return {"kind": self.kind, "value": self.value}


@dataclass(frozen=True, slots=True)
class Progress:
    """A broadcast with its delivery counts."""

    id: int
    bot_id: int
    locale: str
    status: str
    total: int
    sent: int
    blocked: int
    failed: int
    remaining: int
    progress_chat_id: int | None
    progress_message_id: int | None

    @property
    def done(self) -> bool:
        return self.remaining == 0


def batch_of(broadcast_id: int) -> str:
    return f"bc:{broadcast_id}"


def parse_buttons(text: str) -> list[tuple[str, str]]:
    """``Title - https://link`` lines into at most three URL buttons."""
    buttons: list[tuple[str, str]] = []
    for line in (ln.strip() for ln in text.splitlines()):
        if not line:
            continue
        title, sep, url = line.rpartition(" - ")
        if not sep:
            raise InvalidInput(field="buttons", reason="url")
        buttons.append((clean_text(title, field="buttons", max_len=40),
                        parse_url(url, field="buttons")))
    if not buttons:
        raise InvalidInput(field="buttons", reason="empty")
    if len(buttons) > MAX_BUTTONS:
        raise InvalidInput(field="buttons", reason="too_many", max=MAX_BUTTONS)
    return buttons


def build_payload(*, text: str | None, photo_file_id: str | None,
                  buttons: list[tuple[str, str]]) -> dict[str, Any]:
    """The outbox payload every recipient gets (a photo is sent by its Telegram file id)."""
    markup = ({"inline_keyboard": [[{"text": t, "url": u}] for t, u in buttons]}
              if buttons else None)
    if photo_file_id:
        payload: dict[str, Any] = {"method": "sendPhoto", "photo": photo_file_id}
        if text:
            payload["caption"] = text
        if markup:
            payload["reply_markup"] = markup
        return payload
    if not text:
        raise InvalidInput(field="text", reason="empty")
    return outbox.text_payload(text, reply_markup=markup)


def _recipients(segment: Segment) -> Select[Any]:
    now = utcnow()
    query = select(User.id).where(
        User.status == "active",
        or_(User.blocked_at.is_(None), User.last_seen_at > User.blocked_at))
    if segment.kind == "plan":
        query = query.join(Subscription, Subscription.user_id == User.id).join(
            Plan, Plan.id == Subscription.plan_id).where(
            and_(Plan.code == segment.value, Subscription.status.in_(LIVE_SUBSCRIPTIONS)))
    elif segment.kind == "language":
        query = query.where(User.language == segment.value)
    elif segment.kind == "inactive":
        query = query.where(User.last_seen_at < now - timedelta(days=int(segment.value)))
    elif segment.kind != "all":
        raise InvalidInput(field="segment", reason="choice")
    return query


async def plan_codes(session: AsyncSession) -> list[str]:
    """Active plan codes, in their display order."""
    return list(await session.scalars(
        select(Plan.code).where(Plan.is_active.is_(True)).order_by(Plan.sort_order)))


async def count_recipients(session: AsyncSession, *, segment: Segment) -> int:
    """How many users a broadcast to ``segment`` would reach now."""
    return int(await session.scalar(
        select(func.count()).select_from(_recipients(segment).subquery())) or 0)


async def start(session: AsyncSession, *, author_id: int, bot_id: int, locale: str,
                payload: dict[str, Any], segment: Segment) -> Progress:
    """Create the broadcast and queue one outbox message per recipient (one transaction)."""
    broadcast = Broadcast(author_id=author_id, bot_id=bot_id, payload=payload,
                          segment=segment.to_json(), locale=locale, status="sending")
    session.add(broadcast)
    await session.flush()
    batch = batch_of(broadcast.id)
    ids = list(await session.scalars(_recipients(segment).order_by(User.id)))
    now = utcnow()
    for start_at in range(0, len(ids), ENQUEUE_CHUNK):
        await session.execute(insert(OutboxMessage), [
            {"bot_id": bot_id, "chat_id": uid, "kind": KIND, "payload": payload,
             "dedup_key": f"{batch}:{uid}", "batch": batch, "status": outbox.PENDING,
             "attempts": 0, "due_at": now, "created_at": now}
            for uid in ids[start_at:start_at + ENQUEUE_CHUNK]])
    broadcast.total = len(ids)
    await session.flush()
    return _progress(broadcast, outbox.BatchCounts(pending=len(ids)))


async def set_progress_message(session: AsyncSession, *, broadcast_id: int, chat_id: int,
                               message_id: int) -> None:
    """Remember the admin's progress message, edited as delivery goes on."""
    broadcast = await session.get(Broadcast, broadcast_id)
    if broadcast is None:
        raise NotFound(what="broadcast")
    broadcast.progress_chat_id, broadcast.progress_message_id = chat_id, message_id
    await session.flush()


async def active(session: AsyncSession) -> list[Progress]:
    """Broadcasts still sending, with counts read from the outbox; a finished one is marked
    done (its final counts stored) and returned once more with ``status == "done"``."""
    result = []
    for broadcast in await session.scalars(
            select(Broadcast).where(Broadcast.status == "sending").order_by(Broadcast.id)):
        counts = await outbox.batch_counts(session, batch=batch_of(broadcast.id))
        broadcast.sent, broadcast.blocked, broadcast.failed = (
            counts.sent, counts.blocked, counts.failed)
        if counts.remaining == 0:
            broadcast.status, broadcast.finished_at = "done", utcnow()
        result.append(_progress(broadcast, counts))
    await session.flush()
    return result


def _progress(broadcast: Broadcast, counts: outbox.BatchCounts) -> Progress:
    return Progress(id=broadcast.id, bot_id=broadcast.bot_id, locale=broadcast.locale,
                    status=broadcast.status,
                    total=broadcast.total, sent=counts.sent, blocked=counts.blocked,
                    failed=counts.failed, remaining=counts.remaining,
                    progress_chat_id=broadcast.progress_chat_id,
                    progress_message_id=broadcast.progress_message_id)
