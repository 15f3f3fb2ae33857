"""Marketing data in (SPEC §3.3): channels, spend per channel and day, own Telegram channels.

Every write keeps ``DailyStat`` current in the same transaction (``services.aggregates``).
Callers own the transaction and the writable-subscription check (the owner bot's permission
middleware does it for handlers); limits are enforced here, so every entry point gets them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services import aggregates, plans
from services.db.base import utcnow
from services.db.models import ChannelSnapshot, MarketingChannel, SpendEntry
from services.errors import Conflict, InvalidInput, NotFound
from services.plans import LimitStatus, Resource
from services.validation import clean_text, is_day_word, parse_amount, parse_day, parse_int

KINDS = ("telegram", "instagram", "facebook", "google_ads", "website", "tiktok", "youtube",
         "offline", "other")
# The name a channel gets when it is created from its kind alone (brand names need no
# translation; the UI shows the localized kind next to the name anyway).
DEFAULT_NAMES = {
    "telegram": "Telegram", "instagram": "Instagram", "facebook": "Facebook",
    "google_ads": "Google Ads", "website": "Website", "tiktok": "TikTok",
    "youtube": "YouTube", "offline": "Offline", "other": "Other",
}
# What people type for each kind, in uz (Latin and Cyrillic), ru and en; compared lower-cased
# with spaces, dashes and dots removed.
ALIASES: dict[str, tuple[str, ...]] = {
    "telegram": ("telegram", "tg", "telegramm", "телеграм", "телеграмм", "тг", "телега",
                 "telegramkanal", "телеграмканал", "kanal", "канал"),
    "instagram": ("instagram", "insta", "inst", "ig", "instagramm", "инстаграм", "инстаграмм",
                  "инста", "инст", "инстаграмм"),
    "facebook": ("facebook", "fb", "fbook", "фейсбук", "фб", "facebookads", "meta"),
    "google_ads": ("googleads", "google", "gads", "adwords", "гугл", "гуглэдс", "гуглads",
                   "googleреклама", "гуглреклама", "kontekst", "контекст"),
    "website": ("website", "site", "web", "sayt", "вебсайт", "сайт", "сайтимиз", "ga4"),
    "tiktok": ("tiktok", "tt", "тикток", "тик-ток", "тт"),
    "youtube": ("youtube", "yt", "ютуб", "ютюб", "youtub", "ютуб-канал"),
    "offline": ("offline", "oflayn", "офлайн", "оффлайн", "офлайн-реклама", "banner",
                "баннер", "flyer", "листовки", "radio", "радио", "tv", "тв"),
    "other": ("other", "boshqa", "бошқа", "другое", "прочее", "misc"),
}
_ALIAS_TO_KIND = {re.sub(r"[\s.\-_]", "", alias): kind
                  for kind, aliases in ALIASES.items() for alias in aliases}
_ALIAS_TO_KIND.update({kind.replace("_", ""): kind for kind in KINDS})
NAME_MAX = 120
NOTE_MAX = 300
SOURCES = ("chat", "import", "api", "chatbot", "sync")


@dataclass(frozen=True, slots=True)
class ChannelView:
    id: int
    kind: str
    name: str
    external_ref: str | None
    is_active: bool


@dataclass(frozen=True, slots=True)
class ResolvedChannel:
    channel: ChannelView
    created: bool  # auto-created just now (``limit`` tells how close the plan limit is)
    limit: LimitStatus | None = None


@dataclass(frozen=True, slots=True)
class SpendView:
    id: int
    channel_id: int
    channel_kind: str
    channel_name: str
    day: date
    amount: int
    impressions: int | None
    clicks: int | None
    note: str | None
    source: str


@dataclass(frozen=True, slots=True)
class SpendInput:
    """``/spend`` arguments, parsed: the channel as typed, the amount, the day, the reach."""

    channel: str
    amount: int
    day: date
    impressions: int | None = None
    clicks: int | None = None


def _channel_view(c: MarketingChannel) -> ChannelView:
    return ChannelView(c.id, c.kind, c.name, c.external_ref, c.is_active)


def kind_for_alias(text: str) -> str | None:
    """The channel kind a word names (``insta`` → instagram, ``телеграм`` → telegram)."""
    key = re.sub(r"[\s.\-_]", "", text.strip().lower())
    return _ALIAS_TO_KIND.get(key)


def parse_channel_name(raw: str) -> str:
    """A channel's name: trimmed, 1–120 characters."""
    return clean_text(raw, field="channel_name", max_len=NAME_MAX)


# --------------------------------------------------------------------------- channels


async def list_channels(session: AsyncSession, *, business_id: int,
                        include_inactive: bool = False) -> list[ChannelView]:
    """The business's channels, active first, in creation order."""
    query = select(MarketingChannel).where(MarketingChannel.business_id == business_id)
    if not include_inactive:
        query = query.where(MarketingChannel.is_active.is_(True))
    rows = await session.scalars(query.order_by(MarketingChannel.id))
    return sorted((_channel_view(c) for c in rows), key=lambda c: (not c.is_active, c.id))


async def _active_count(session: AsyncSession, business_id: int) -> int:
    return int(await session.scalar(
        select(func.count()).select_from(MarketingChannel).where(
            MarketingChannel.business_id == business_id, MarketingChannel.is_active.is_(True))
    ) or 0)


async def channel_usage(session: AsyncSession, *, business_id: int) -> LimitStatus:
    """Active channels against the plan's ``channels`` limit (with the 80/90% warning)."""
    return await plans.limit_status(session, business_id=business_id,
                                    resource=Resource.CHANNELS,
                                    used=await _active_count(session, business_id))


async def _get(session: AsyncSession, business_id: int, channel_id: int) -> MarketingChannel:
    channel = await session.scalar(select(MarketingChannel).where(
        MarketingChannel.id == channel_id, MarketingChannel.business_id == business_id))
    if channel is None:
        raise NotFound(entity="channel", id=channel_id)
    return channel


async def get_channel(session: AsyncSession, *, business_id: int,
                      channel_id: int) -> ChannelView:
    """One channel of this business; ``NotFound`` for another business's id."""
    return _channel_view(await _get(session, business_id, channel_id))


async def _name_taken(session: AsyncSession, business_id: int, kind: str, name: str,
                      exclude: int | None = None) -> bool:
    query = select(MarketingChannel.id).where(
        MarketingChannel.business_id == business_id, MarketingChannel.kind == kind,
        func.lower(MarketingChannel.name) == name.lower())
    if exclude is not None:
        query = query.where(MarketingChannel.id != exclude)
    return await session.scalar(query.limit(1)) is not None


async def create_channel(session: AsyncSession, *, business_id: int, kind: str,
                         name: str | None = None, external_ref: str | None = None
                         ) -> ResolvedChannel:
    """Add a channel within the plan's limit (``LimitExceeded`` past it); a duplicate name of
    the same kind raises ``Conflict(reason="duplicate")``."""
    if kind not in KINDS:
        raise InvalidInput(field="kind", reason="choice")
    clean = parse_channel_name(name) if name else DEFAULT_NAMES[kind]
    if await _name_taken(session, business_id, kind, clean):
        raise Conflict(reason="duplicate", name=clean)
    status = await plans.check_limit(session, resource=Resource.CHANNELS,
                                     used=await _active_count(session, business_id),
                                     business_id=business_id)
    channel = MarketingChannel(business_id=business_id, kind=kind, name=clean,
                               external_ref=external_ref, is_active=True)
    session.add(channel)
    await session.flush()
    return ResolvedChannel(_channel_view(channel), created=True, limit=status)


async def rename_channel(session: AsyncSession, *, business_id: int, channel_id: int,
                         name: str) -> ChannelView:
    """Give a channel a new name (unique per kind)."""
    channel = await _get(session, business_id, channel_id)
    clean = parse_channel_name(name)
    if await _name_taken(session, business_id, channel.kind, clean, exclude=channel.id):
        raise Conflict(reason="duplicate", name=clean)
    channel.name = clean
    await session.flush()
    return _channel_view(channel)


async def set_channel_active(session: AsyncSession, *, business_id: int, channel_id: int,
                             active: bool) -> ChannelView:
    """Deactivate a channel (its history stays) or reactivate it within the plan's limit."""
    channel = await _get(session, business_id, channel_id)
    if active and not channel.is_active:
        await plans.check_limit(session, resource=Resource.CHANNELS,
                                used=await _active_count(session, business_id),
                                business_id=business_id)
    channel.is_active = active
    await session.flush()
    return _channel_view(channel)


async def resolve_channel(session: AsyncSession, *, business_id: int, text: str,
                          create: bool = True) -> ResolvedChannel:
    """The channel a user's word means: an active channel with that name, else the first
    active channel of the kind the word names (``insta``, ``телеграм``…), else — when
    ``create`` — a new (or reactivated) channel of that kind within the plan limit.
    ``NotFound(entity="channel")`` when the word names no channel."""
    word = " ".join(text.split())
    if not word:
        raise NotFound(entity="channel", id=text)
    channels = await list_channels(session, business_id=business_id, include_inactive=True)
    for channel in channels:
        if channel.is_active and channel.name.lower() == word.lower():
            return ResolvedChannel(channel, created=False)
    kind = kind_for_alias(word)
    if kind is None:
        raise NotFound(entity="channel", id=text)
    for channel in channels:
        if channel.is_active and channel.kind == kind:
            return ResolvedChannel(channel, created=False)
    if not create:
        raise NotFound(entity="channel", id=text)
    for channel in channels:  # a deactivated one of that kind comes back rather than a twin
        if channel.kind == kind:
            view = await set_channel_active(session, business_id=business_id,
                                            channel_id=channel.id, active=True)
            return ResolvedChannel(view, created=True,
                                   limit=await channel_usage(session, business_id=business_id))
    return await create_channel(session, business_id=business_id, kind=kind)


# --------------------------------------------------------------------------- spend


def parse_spend_args(text: str, *, today: date) -> SpendInput:
    """``instagram 500 000 yesterday imp=12000 clicks=340``: the channel word first, then the
    amount (``500k``, ``500 ming``, ``1.2 mln``), an optional day and optional
    ``impressions``/``clicks`` as ``key=value`` or ``key:value``."""
    tokens = text.split()
    if len(tokens) < 2:
        raise InvalidInput(field="spend", reason="empty")
    channel, rest = tokens[0], tokens[1:]
    day = today
    reach: dict[str, int] = {}
    amount_tokens = []
    for index, token in enumerate(rest):
        following = rest[index + 1] if index + 1 < len(rest) else ""
        pair = re.fullmatch(r"([^=:]+)[=:](.+)", token)
        if pair:
            field = _REACH_KEYS.get(pair.group(1).lower())
            if field is None:
                raise InvalidInput(field="spend", reason="number")
            reach[field] = parse_int(pair.group(2), field=field)
        elif is_day_word(token) and not _is_unit(following):
            day = parse_day(token, today=today)
        else:
            amount_tokens.append(token)
    amount = parse_amount(" ".join(amount_tokens), field="amount", minimum=1)
    return SpendInput(channel=channel, amount=amount, day=day,
                      impressions=reach.get("impressions"), clicks=reach.get("clicks"))


def _is_unit(word: str) -> bool:
    """``mln`` in ``1.2 mln``: the number before it is an amount, not a date."""
    if not word or not word[0].isalpha():
        return False
    try:
        parse_amount("2 " + word)
    except InvalidInput:
        return False
    return True


_REACH_KEYS = {
    "imp": "impressions", "impressions": "impressions", "views": "impressions",
    "показы": "impressions", "показов": "impressions", "korish": "impressions",
    "ko'rish": "impressions", "кўриш": "impressions", "clicks": "clicks", "click": "clicks",
    "клики": "clicks", "кликов": "clicks", "klik": "clicks", "kliklar": "clicks",
    "клик": "clicks",
}


def _spend_view(e: SpendEntry, c: MarketingChannel) -> SpendView:
    return SpendView(e.id, e.channel_id, c.kind, c.name, e.day, e.amount, e.impressions,
                     e.clicks, e.note, e.source)


def _check_reach(impressions: int | None, clicks: int | None) -> None:
    for name, value in (("impressions", impressions), ("clicks", clicks)):
        if value is not None and not 0 <= value <= 10**12:
            raise InvalidInput(field=name, reason="range", min=0, max=10**12)


async def add_spend(session: AsyncSession, *, business_id: int, channel_id: int, amount: int,
                    day: date, impressions: int | None = None, clicks: int | None = None,
                    note: str | None = None, source: str = "chat",
                    created_by: int | None = None) -> SpendView:
    """Record money spent on a channel on a (business-local) day."""
    channel = await _get(session, business_id, channel_id)
    if amount < 1 or amount > 10**15:
        raise InvalidInput(field="amount", reason="range", min=1, max=10**15)
    _check_reach(impressions, clicks)
    entry = SpendEntry(business_id=business_id, channel_id=channel.id, day=day, amount=amount,
                       impressions=impressions, clicks=clicks,
                       note=clean_text(note, field="note", max_len=NOTE_MAX) if note else None,
                       source=source if source in SOURCES else "chat", created_by=created_by)
    session.add(entry)
    await session.flush()
    await aggregates.apply(session, business_id=business_id, change=aggregates.of_spend(entry))
    return _spend_view(entry, channel)


async def _get_spend(session: AsyncSession, business_id: int, entry_id: int) -> SpendEntry:
    entry = await session.scalar(select(SpendEntry).where(
        SpendEntry.id == entry_id, SpendEntry.business_id == business_id))
    if entry is None:
        raise NotFound(entity="spend", id=entry_id)
    return entry


async def get_spend(session: AsyncSession, *, business_id: int, entry_id: int) -> SpendView:
    """One spend entry of this business."""
    entry = await _get_spend(session, business_id, entry_id)
    return _spend_view(entry, await _get(session, business_id, entry.channel_id))


async def list_spend(session: AsyncSession, *, business_id: int, limit: int = 10
                     ) -> list[SpendView]:
    """The most recent spend entries (latest day first)."""
    rows = await session.execute(
        select(SpendEntry, MarketingChannel)
        .join(MarketingChannel, MarketingChannel.id == SpendEntry.channel_id)
        .where(SpendEntry.business_id == business_id)
        .order_by(SpendEntry.day.desc(), SpendEntry.id.desc()).limit(limit))
    return [_spend_view(e, c) for e, c in rows]


async def update_spend(session: AsyncSession, *, business_id: int, entry_id: int,
                       amount: int | None = None, day: date | None = None,
                       channel_id: int | None = None, impressions: int | None = None,
                       clicks: int | None = None) -> SpendView:
    """Change a spend entry (``None`` leaves a field as it is); daily stats follow."""
    entry = await _get_spend(session, business_id, entry_id)
    before = aggregates.of_spend(entry)
    if channel_id is not None:
        entry.channel_id = (await _get(session, business_id, channel_id)).id
    if amount is not None:
        if amount < 1 or amount > 10**15:
            raise InvalidInput(field="amount", reason="range", min=1, max=10**15)
        entry.amount = amount
    _check_reach(impressions, clicks)
    if day is not None:
        entry.day = day
    if impressions is not None:
        entry.impressions = impressions
    if clicks is not None:
        entry.clicks = clicks
    await session.flush()
    await aggregates.apply(session, business_id=business_id,
                           change=aggregates.of_spend(entry) - before)
    return await get_spend(session, business_id=business_id, entry_id=entry.id)


async def delete_spend(session: AsyncSession, *, business_id: int, entry_id: int) -> None:
    """Remove a spend entry; daily stats follow."""
    entry = await _get_spend(session, business_id, entry_id)
    await aggregates.apply(session, business_id=business_id,
                           change=aggregates.Contribution() - aggregates.of_spend(entry))
    await session.delete(entry)
    await session.flush()


# --------------------------------------------------------------------------- Telegram channel


async def register_telegram_channel(session: AsyncSession, *, business_id: int, chat_id: int,
                                    title: str) -> ResolvedChannel:
    """The owner made the bot an admin of their channel: register it (or bring it back) as a
    ``telegram`` channel keyed by the chat id, within the plan limit."""
    ref = str(chat_id)
    existing = await session.scalar(select(MarketingChannel).where(
        MarketingChannel.business_id == business_id, MarketingChannel.kind == "telegram",
        MarketingChannel.external_ref == ref))
    if existing is not None:
        was_active = existing.is_active
        view = await set_channel_active(session, business_id=business_id,
                                        channel_id=existing.id, active=True)
        return ResolvedChannel(view, created=not was_active)
    name = clean_text(title or ref, field="channel_name", max_len=NAME_MAX)
    if await _name_taken(session, business_id, "telegram", name):
        name = clean_text(f"{name} ({ref})", field="channel_name", max_len=NAME_MAX)
    return await create_channel(session, business_id=business_id, kind="telegram", name=name,
                                external_ref=ref)


async def unregister_telegram_channel(session: AsyncSession, *, chat_id: int) -> list[int]:
    """The bot lost admin rights in a channel: deactivate it wherever it is registered;
    returns the business ids affected."""
    rows = list(await session.scalars(select(MarketingChannel).where(
        MarketingChannel.kind == "telegram", MarketingChannel.external_ref == str(chat_id),
        MarketingChannel.is_active.is_(True))))
    for channel in rows:
        channel.is_active = False
    await session.flush()
    return [c.business_id for c in rows]


@dataclass(frozen=True, slots=True)
class SyncTarget:
    business_id: int
    channel_id: int
    chat_id: int


async def telegram_sync_targets(session: AsyncSession) -> list[SyncTarget]:
    """Active Telegram channels registered with a chat id, for the hourly members reading."""
    rows = await session.execute(
        select(MarketingChannel.business_id, MarketingChannel.id, MarketingChannel.external_ref)
        .where(MarketingChannel.kind == "telegram", MarketingChannel.is_active.is_(True),
               MarketingChannel.external_ref.is_not(None))
        .order_by(MarketingChannel.id))
    targets = []
    for business_id, channel_id, ref in rows:
        if ref and re.fullmatch(r"-?\d+", ref):
            targets.append(SyncTarget(business_id, channel_id, int(ref)))
    return targets


async def record_snapshot(session: AsyncSession, *, business_id: int, channel_id: int,
                          members: int | None = None, posts: int | None = None,
                          views: int | None = None, interactions: int | None = None,
                          taken_at: datetime | None = None) -> None:
    """Store one reading of a channel's audience."""
    channel = await _get(session, business_id, channel_id)
    session.add(ChannelSnapshot(business_id=business_id, channel_id=channel.id,
                                taken_at=taken_at or utcnow(), members=members, posts=posts,
                                views=views, interactions=interactions))
    await session.flush()


async def latest_members(session: AsyncSession, *, business_id: int, channel_id: int
                         ) -> int | None:
    """The most recent members reading of a channel, or None."""
    value = await session.scalar(
        select(ChannelSnapshot.members).where(
            ChannelSnapshot.business_id == business_id, ChannelSnapshot.channel_id == channel_id,
            ChannelSnapshot.members.is_not(None))
        .order_by(ChannelSnapshot.taken_at.desc(), ChannelSnapshot.id.desc()).limit(1))
    return None if value is None else int(value)
