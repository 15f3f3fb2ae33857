"""Competitors (SPEC §3.5): CRUD within the plan limit, the own channel, notes and activities.

Callers own the transaction and the writable-subscription check; the plan limit is enforced
here so every entry point gets it. Every query is scoped by ``business_id``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services import plans
from services.competitors.telegram_preview import parse_username
from services.db.base import utcnow
from services.db.models import Competitor, CompetitorActivity, CompetitorOverview, PublicChannel
from services.errors import Conflict, InvalidInput, NotFound
from services.plans import LimitStatus, Resource
from services.validation import clean_text, parse_url

NAME_MAX = 120
NOTES_MAX = 2000
NOTE_MAX = 500
_INSTAGRAM = re.compile(r"^(?!.*\.\.)(?!\.)[A-Za-z0-9._]{1,30}(?<!\.)$")
_INSTAGRAM_LINK = re.compile(
    r"^(?:https?://)?(?:www\.)?instagram\.com/([^/?#\s]+)/?(?:\?.*)?$", re.IGNORECASE)


TELEGRAM, INSTAGRAM = "telegram", "instagram"  # public channel platforms


class Field(StrEnum):
    NAME = "name"
    TELEGRAM = "telegram"
    INSTAGRAM = "instagram"
    WEBSITE = "website"
    NOTES = "notes"


class ActivityKind(StrEnum):
    PROMOTION = "promotion"
    PRICE_CHANGE = "price_change"
    NEW_PRODUCT = "new_product"
    VIRAL = "viral"
    FOLLOWER_SURGE = "follower_surge"


@dataclass(frozen=True, slots=True)
class ChannelState:
    username: str
    title: str | None
    subscribers: int | None
    last_success_at: datetime | None
    last_attempt_at: datetime | None
    last_error: str | None

    @property
    def stale(self) -> bool:
        """The last attempt failed (the owner sees "not synced since …")."""
        return self.last_error is not None


@dataclass(frozen=True, slots=True)
class CompetitorView:
    id: int
    name: str
    telegram: str | None
    instagram: str | None
    website: str | None
    notes: str
    swot: dict[str, list[str]] | None
    swot_source: str | None
    channel: ChannelState | None  # the Telegram channel
    instagram_account: ChannelState | None = None  # read through Instagram business discovery


@dataclass(frozen=True, slots=True)
class ActivityView:
    id: int
    competitor_id: int
    competitor_name: str
    kind: ActivityKind
    detail: dict[str, Any]
    detected_at: datetime
    note: str | None


@dataclass(frozen=True, slots=True)
class Created:
    competitor: CompetitorView
    limit: LimitStatus


# ----------------------------------------------------------------------------- parsing


def parse_name(raw: str) -> str:
    return clean_text(raw, field="competitor_name", max_len=NAME_MAX)


def parse_instagram(raw: str) -> str:
    """``@name``, ``name`` or an instagram.com link → ``name``."""
    text = raw.strip()
    match = _INSTAGRAM_LINK.match(text)
    if match:
        text = match.group(1)
    text = text.removeprefix("@")
    if not _INSTAGRAM.match(text):
        raise InvalidInput(field="instagram", reason="instagram_handle")
    return text.lower()


def parse_field(field: Field, raw: str) -> str:
    """Validate one field's typed value (``InvalidInput`` with a reason per field)."""
    if field is Field.NAME:
        return parse_name(raw)
    if field is Field.TELEGRAM:
        return parse_username(raw)
    if field is Field.INSTAGRAM:
        return parse_instagram(raw)
    if field is Field.WEBSITE:
        return parse_url(raw, field="website")
    return clean_text(raw, field="notes", max_len=NOTES_MAX)


# ----------------------------------------------------------------------------- reading


def _state(channel: PublicChannel | None) -> ChannelState | None:
    if channel is None:
        return None
    return ChannelState(channel.username, channel.title, channel.subscribers,
                        channel.last_success_at, channel.last_attempt_at, channel.last_error)


def _view(c: Competitor, channels: dict[str, PublicChannel]) -> CompetitorView:
    swot = c.swot if isinstance(c.swot, dict) else None
    return CompetitorView(c.id, c.name, c.telegram, c.instagram, c.website, c.notes or "",
                          swot, c.swot_source, _state(channels.get(TELEGRAM)),
                          _state(channels.get(INSTAGRAM)))


async def _channels_of(session: AsyncSession, business_id: int, competitor_id: int
                       ) -> dict[str, PublicChannel]:
    return {c.platform: c for c in await session.scalars(select(PublicChannel).where(
        PublicChannel.business_id == business_id,
        PublicChannel.competitor_id == competitor_id))}


async def _get(session: AsyncSession, business_id: int, competitor_id: int) -> Competitor:
    row = await session.scalar(select(Competitor).where(
        Competitor.business_id == business_id, Competitor.id == competitor_id))
    if row is None:
        raise NotFound(entity="competitor", id=competitor_id)
    return row


async def get_competitor(session: AsyncSession, *, business_id: int, competitor_id: int
                         ) -> CompetitorView:
    """One competitor of the business (``NotFound`` for another business's id)."""
    row = await _get(session, business_id, competitor_id)
    return _view(row, await _channels_of(session, business_id, row.id))


async def list_competitors(session: AsyncSession, *, business_id: int) -> list[CompetitorView]:
    """The business's competitors with their channel's latest numbers, oldest first."""
    rows = list(await session.scalars(select(Competitor).where(
        Competitor.business_id == business_id).order_by(Competitor.id)))
    channels: dict[int | None, dict[str, PublicChannel]] = {}
    for c in await session.scalars(select(PublicChannel).where(
            PublicChannel.business_id == business_id, PublicChannel.competitor_id.is_not(None))):
        channels.setdefault(c.competitor_id, {})[c.platform] = c
    return [_view(r, channels.get(r.id, {})) for r in rows]


async def _count(session: AsyncSession, business_id: int) -> int:
    return int(await session.scalar(select(func.count()).select_from(Competitor).where(
        Competitor.business_id == business_id)) or 0)


async def usage(session: AsyncSession, *, business_id: int) -> LimitStatus:
    """Competitors against the plan's ``competitors`` limit."""
    return await plans.limit_status(session, business_id=business_id,
                                    resource=Resource.COMPETITORS,
                                    used=await _count(session, business_id))


async def ensure_room(session: AsyncSession, *, business_id: int) -> LimitStatus:
    """Raise ``LimitExceeded`` when one more competitor would pass the plan's limit."""
    return await plans.check_limit(session, resource=Resource.COMPETITORS,
                                   used=await _count(session, business_id),
                                   business_id=business_id)


# ----------------------------------------------------------------------------- writing


async def _name_taken(session: AsyncSession, business_id: int, name: str,
                      exclude: int | None = None) -> bool:
    query = select(Competitor.id).where(Competitor.business_id == business_id,
                                        func.lower(Competitor.name) == name.lower())
    if exclude is not None:
        query = query.where(Competitor.id != exclude)
    return await session.scalar(query.limit(1)) is not None


async def _set_channel(session: AsyncSession, business_id: int, competitor_id: int | None,
                       username: str | None, platform: str = "telegram") -> None:
    """Point the competitor (or, with None, the business itself) at a channel of
    ``platform``; a new name starts a new history."""
    query = select(PublicChannel).where(PublicChannel.business_id == business_id,
                                        PublicChannel.platform == platform)
    query = query.where(PublicChannel.competitor_id == competitor_id if competitor_id
                        else PublicChannel.competitor_id.is_(None))
    current = list(await session.scalars(query))
    if username and any(c.username.lower() == username.lower() for c in current):
        return
    for channel in current:
        await session.delete(channel)
    if username:
        session.add(PublicChannel(business_id=business_id, competitor_id=competitor_id,
                                  platform=platform, username=username))
    await session.flush()


async def create_competitor(session: AsyncSession, *, business_id: int, name: str,
                            telegram: str | None = None, instagram: str | None = None,
                            website: str | None = None, notes: str = "") -> Created:
    """Add a competitor within the plan's limit; values are validated again here."""
    clean = parse_name(name)
    if await _name_taken(session, business_id, clean):
        raise Conflict(reason="duplicate", name=clean)
    status = await ensure_room(session, business_id=business_id)
    row = Competitor(
        business_id=business_id, name=clean,
        telegram=parse_username(telegram) if telegram else None,
        instagram=parse_instagram(instagram) if instagram else None,
        website=parse_url(website) if website else None,
        notes=clean_text(notes, field="notes", max_len=NOTES_MAX, min_len=0) if notes else "")
    session.add(row)
    await session.flush()
    await _set_channel(session, business_id, row.id, row.telegram)
    await _set_channel(session, business_id, row.id, row.instagram, INSTAGRAM)
    return Created(await get_competitor(session, business_id=business_id,
                                        competitor_id=row.id), status)


async def update_competitor(session: AsyncSession, *, business_id: int, competitor_id: int,
                            field: Field, value: str | None) -> CompetitorView:
    """Change one field (``None`` clears an optional one)."""
    row = await _get(session, business_id, competitor_id)
    clean = parse_field(field, value) if value else None
    if field is Field.NAME:
        if clean is None:
            raise InvalidInput(field="competitor_name", reason="empty")
        if await _name_taken(session, business_id, clean, exclude=row.id):
            raise Conflict(reason="duplicate", name=clean)
        row.name = clean
    elif field is Field.NOTES:
        row.notes = clean or ""
    else:
        setattr(row, field.value, clean)
        if field is Field.TELEGRAM:
            await _set_channel(session, business_id, row.id, clean)
        elif field is Field.INSTAGRAM:
            await _set_channel(session, business_id, row.id, clean, INSTAGRAM)
    row.updated_at = utcnow()
    await session.flush()
    return await get_competitor(session, business_id=business_id, competitor_id=row.id)


async def delete_competitor(session: AsyncSession, *, business_id: int, competitor_id: int
                            ) -> str:
    """Remove a competitor with its channel history; returns its name."""
    row = await _get(session, business_id, competitor_id)
    name = row.name
    await session.execute(delete(PublicChannel).where(
        PublicChannel.business_id == business_id, PublicChannel.competitor_id == row.id))
    await session.delete(row)
    await session.flush()
    return name


async def set_swot(session: AsyncSession, *, business_id: int, competitor_id: int,
                   swot: dict[str, list[str]], source: str) -> CompetitorView:
    """Store a SWOT (drafted by the AI or the rules, or edited by the owner)."""
    row = await _get(session, business_id, competitor_id)
    row.swot = {k: list(v) for k, v in swot.items()}
    row.swot_source = source
    row.swot_updated_at = utcnow()
    await session.flush()
    return await get_competitor(session, business_id=business_id, competitor_id=row.id)


async def overall_swot(session: AsyncSession, *, business_id: int
                       ) -> tuple[dict[str, list[str]], str] | None:
    """The stored overall SWOT and its source, or None."""
    row = await session.get(CompetitorOverview, business_id)
    if row is None or not isinstance(row.swot, dict):
        return None
    return {k: list(v) for k, v in row.swot.items()}, row.swot_source


async def set_overall_swot(session: AsyncSession, *, business_id: int,
                           swot: dict[str, list[str]], source: str) -> None:
    """Store the overall SWOT (drafted, or edited by the owner)."""
    row = await session.get(CompetitorOverview, business_id)
    if row is None:
        row = CompetitorOverview(business_id=business_id)
        session.add(row)
    row.swot = {k: list(v) for k, v in swot.items()}
    row.swot_source = source
    row.updated_at = utcnow()
    await session.flush()


# ----------------------------------------------------------------------------- own channel


async def own_channel(session: AsyncSession, *, business_id: int) -> ChannelState | None:
    """The business's own public channel read from its page, if one is set."""
    return _state(await session.scalar(select(PublicChannel).where(
        PublicChannel.business_id == business_id, PublicChannel.competitor_id.is_(None),
        PublicChannel.platform == TELEGRAM)))


async def set_own_channel(session: AsyncSession, *, business_id: int, username: str | None
                          ) -> ChannelState | None:
    """Set (or with None clear) the own channel whose public page gives post views."""
    clean = parse_username(username) if username else None
    await _set_channel(session, business_id, None, clean)
    return await own_channel(session, business_id=business_id)


# ----------------------------------------------------------------------------- activities


def _activity(a: CompetitorActivity, name: str) -> ActivityView:
    return ActivityView(a.id, a.competitor_id, name, ActivityKind(a.kind), dict(a.detail or {}),
                        a.detected_at, a.note)


async def get_activity(session: AsyncSession, *, business_id: int, activity_id: int
                       ) -> ActivityView:
    """One activity of the business (``NotFound`` for another business's id)."""
    row = await session.execute(
        select(CompetitorActivity, Competitor.name)
        .join(Competitor, Competitor.id == CompetitorActivity.competitor_id)
        .where(CompetitorActivity.business_id == business_id,
               CompetitorActivity.id == activity_id))
    found = row.first()
    if found is None:
        raise NotFound(entity="activity", id=activity_id)
    return _activity(found[0], found[1])


async def recent_activities(session: AsyncSession, *, business_id: int,
                            competitor_id: int | None = None, limit: int = 5
                            ) -> list[ActivityView]:
    """The newest activities (of one competitor, or all), newest first."""
    query = (select(CompetitorActivity, Competitor.name)
             .join(Competitor, Competitor.id == CompetitorActivity.competitor_id)
             .where(CompetitorActivity.business_id == business_id))
    if competitor_id is not None:
        query = query.where(CompetitorActivity.competitor_id == competitor_id)
    rows = await session.execute(query.order_by(CompetitorActivity.detected_at.desc(),
                                                CompetitorActivity.id.desc()).limit(limit))
    return [_activity(a, name) for a, name in rows]


async def add_note(session: AsyncSession, *, business_id: int, activity_id: int, note: str
                   ) -> ActivityView:
    """The owner's response to an activity; it is also added to the competitor's notes."""
    clean = clean_text(note, field="note", max_len=NOTE_MAX)
    row = await session.scalar(select(CompetitorActivity).where(
        CompetitorActivity.business_id == business_id, CompetitorActivity.id == activity_id))
    if row is None:
        raise NotFound(entity="activity", id=activity_id)
    row.note = clean
    competitor = await _get(session, business_id, row.competitor_id)
    stamp = utcnow().date().isoformat()
    combined = f"{competitor.notes}\n{stamp}: {clean}".strip()
    competitor.notes = combined[-NOTES_MAX:]
    await session.flush()
    return await get_activity(session, business_id=business_id, activity_id=row.id)
