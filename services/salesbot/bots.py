"""Business bots (SPEC §3.9): connect by BotFather token, pause, resume, replace the token,
disconnect; a 401 from Telegram marks a bot revoked.

The token is checked with ``getMe`` through an injectable ``TokenChecker`` (the transport
supplies one that talks to the Bot API), then stored encrypted with a fresh webhook secret.
Disconnecting keeps the row (and its conversations) with the token erased, so reconnecting
the same bot later finds its history. The plan limit ``chatbots`` counts every bot that is
not disconnected.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services import plans
from services.crypto import SecretBox
from services.db.base import utcnow
from services.db.models import Business, SalesBot
from services.errors import Conflict, DomainError, InvalidInput, NotFound
from services.plans import Resource

TOKEN_PATTERN = re.compile(r"^(\d{3,20}):[A-Za-z0-9_-]{20,100}$")
_LOOSE_TOKEN = re.compile(r"\d{3,20}:[A-Za-z0-9_-]{20,100}")


class BotStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"  # by the owner
    REVOKED = "revoked"  # Telegram answered 401: the token no longer works
    DISCONNECTED = "disconnected"  # token erased; history kept


class InvalidBotToken(DomainError):
    """Telegram does not accept the token (``reason``: format / rejected / unreachable)."""

    code = "invalid_bot_token"


@dataclass(frozen=True, slots=True)
class BotIdentity:
    """What ``getMe`` says about a token."""

    id: int
    username: str
    first_name: str


# ``getMe`` for a token: raises ``InvalidBotToken`` (reason "rejected" or "unreachable").
TokenChecker = Callable[[str], Awaitable[BotIdentity]]


@dataclass(frozen=True, slots=True)
class SalesBotView:
    id: int
    business_id: int
    username: str
    title: str
    status: BotStatus
    status_reason: str | None
    created_at: datetime
    updated_at: datetime

    @property
    def running(self) -> bool:
        return self.status == BotStatus.ACTIVE


@dataclass(frozen=True, slots=True)
class RunnableBot:
    """What the runtime needs to serve one bot (secrets decrypted)."""

    id: int
    business_id: int
    username: str
    token: str
    secret: str


def _view(row: SalesBot) -> SalesBotView:
    return SalesBotView(id=row.id, business_id=row.business_id, username=row.username,
                        title=row.title, status=BotStatus(row.status),
                        status_reason=row.status_reason, created_at=row.created_at,
                        updated_at=row.updated_at)


def extract_token(text: str) -> str | None:
    """The first thing in ``text`` shaped like a BotFather token (owners paste whole
    BotFather messages), else None."""
    match = _LOOSE_TOKEN.search(text or "")
    return match.group(0) if match else None


def parse_token(raw: str) -> str:
    """A token in BotFather's format (``<digits>:<35-ish chars>``) or ``InvalidBotToken``."""
    token = (raw or "").strip()
    if not TOKEN_PATTERN.match(token):
        raise InvalidBotToken(reason="format")
    return token


def token_bot_id(token: str) -> int:
    """The bot id is the number before the colon."""
    return int(parse_token(token).split(":", 1)[0])


def new_secret() -> str:
    """A webhook ``secret_token``: 43 characters of ``A-Za-z0-9_-``."""
    return secrets.token_urlsafe(32)


async def count_bots(session: AsyncSession, *, business_id: int) -> int:
    """Bots counted against the plan (everything not disconnected)."""
    return int(await session.scalar(select(func.count()).select_from(SalesBot).where(
        SalesBot.business_id == business_id,
        SalesBot.status != BotStatus.DISCONNECTED.value)) or 0)


async def list_bots(session: AsyncSession, *, business_id: int) -> list[SalesBotView]:
    """This business's bots that are connected (any status but disconnected)."""
    rows = await session.scalars(select(SalesBot).where(
        SalesBot.business_id == business_id,
        SalesBot.status != BotStatus.DISCONNECTED.value).order_by(SalesBot.created_at))
    return [_view(r) for r in rows]


async def _get(session: AsyncSession, business_id: int, bot_id: int) -> SalesBot:
    row = await session.get(SalesBot, bot_id)
    if (row is None or row.business_id != business_id
            or row.status == BotStatus.DISCONNECTED.value):
        raise NotFound(entity="sales_bot", id=bot_id)
    return row


async def get_bot(session: AsyncSession, *, business_id: int, bot_id: int) -> SalesBotView:
    """One connected bot of this business (``NotFound`` otherwise)."""
    return _view(await _get(session, business_id, bot_id))


async def connect(session: AsyncSession, *, business_id: int, token: str, user_id: int,
                  checker: TokenChecker, box: SecretBox) -> SalesBotView:
    """Check the token with ``getMe`` and store the bot, active, under this business.

    ``LimitExceeded`` past the plan's bot count; ``Conflict`` when the bot already serves
    another business (or this one)."""
    clean = parse_token(token)
    bot_id = int(clean.split(":", 1)[0])
    existing = await session.get(SalesBot, bot_id)
    if existing is not None and existing.status != BotStatus.DISCONNECTED.value:
        reason = "this_business" if existing.business_id == business_id else "other_business"
        raise Conflict(reason=reason)
    await plans.require_writable(session, business_id=business_id)
    await plans.check_limit(session, resource=Resource.CHATBOTS, business_id=business_id,
                            used=await count_bots(session, business_id=business_id))
    identity = await checker(clean)
    if identity.id != bot_id:
        raise InvalidBotToken(reason="rejected")
    if existing is not None and existing.business_id != business_id:
        # A bot another business disconnected: its old conversations stay with that business.
        await session.delete(existing)
        await session.flush()
        existing = None
    row = existing or SalesBot(id=bot_id, business_id=business_id)
    row.username = identity.username
    row.title = identity.first_name[:128]
    row.token_encrypted = box.encrypt(clean)
    row.secret_encrypted = box.encrypt(new_secret())
    row.status = BotStatus.ACTIVE.value
    row.status_reason = None
    row.connected_by = user_id
    if existing is None:
        session.add(row)
    await session.flush()
    return _view(row)


async def replace_token(session: AsyncSession, *, business_id: int, bot_id: int, token: str,
                        checker: TokenChecker, box: SecretBox) -> SalesBotView:
    """A new token for the same bot (after /revoke in BotFather): checked, stored, active.
    A token of a different bot is refused (``InvalidInput`` field token, reason other_bot)."""
    row = await _get(session, business_id, bot_id)
    clean = parse_token(token)
    if int(clean.split(":", 1)[0]) != bot_id:
        raise InvalidInput(field="token", reason="other_bot")
    identity = await checker(clean)
    row.username = identity.username
    row.token_encrypted = box.encrypt(clean)
    row.secret_encrypted = box.encrypt(new_secret())
    row.status = BotStatus.ACTIVE.value
    row.status_reason = None
    await session.flush()
    return _view(row)


async def set_paused(session: AsyncSession, *, business_id: int, bot_id: int,
                     paused: bool) -> SalesBotView:
    """Pause (the bot stops answering) or resume; a revoked bot needs a new token instead."""
    row = await _get(session, business_id, bot_id)
    if not paused and row.status == BotStatus.REVOKED.value:
        raise Conflict(reason="revoked")
    row.status = (BotStatus.PAUSED if paused else BotStatus.ACTIVE).value
    row.status_reason = None
    await session.flush()
    return _view(row)


async def disconnect(session: AsyncSession, *, business_id: int, bot_id: int) -> None:
    """Erase the token and stop serving the bot; its conversations stay for the stats."""
    row = await _get(session, business_id, bot_id)
    row.status = BotStatus.DISCONNECTED.value
    row.token_encrypted = ""
    row.secret_encrypted = ""
    row.status_reason = None
    await session.flush()


@dataclass(frozen=True, slots=True)
class Revoked:
    bot_id: int
    business_id: int
    owner_id: int
    username: str


async def mark_revoked(session: AsyncSession, *, bot_id: int, reason: str) -> Revoked | None:
    """Telegram refused the token: status revoked. Returns who to tell, or None when the bot
    was not active (already handled, paused or gone)."""
    row = await session.get(SalesBot, bot_id)
    if row is None or row.status != BotStatus.ACTIVE.value:
        return None
    row.status = BotStatus.REVOKED.value
    row.status_reason = reason[:300]
    row.updated_at = utcnow()
    await session.flush()
    owner_id = await session.scalar(select(Business.owner_id).where(
        Business.id == row.business_id))
    return Revoked(bot_id=row.id, business_id=row.business_id, owner_id=int(owner_id or 0),
                   username=row.username)


def _runnable(row: SalesBot, box: SecretBox) -> RunnableBot:
    return RunnableBot(id=row.id, business_id=row.business_id, username=row.username,
                       token=box.decrypt(row.token_encrypted),
                       secret=box.decrypt(row.secret_encrypted))


async def active_bots(session: AsyncSession, *, box: SecretBox) -> list[RunnableBot]:
    """Every active bot of every business, decrypted, for the runtime."""
    rows = await session.scalars(select(SalesBot).where(
        SalesBot.status == BotStatus.ACTIVE.value).order_by(SalesBot.id))
    return [_runnable(r, box) for r in rows]


async def runnable(session: AsyncSession, *, bot_id: int, box: SecretBox,
                   business_id: int | None = None) -> RunnableBot | None:
    """One bot's token and secret when it has a token (active, paused or revoked), scoped to
    ``business_id`` when given; else None."""
    row = await session.get(SalesBot, bot_id)
    if row is None or not row.token_encrypted:
        return None
    if business_id is not None and row.business_id != business_id:
        return None
    return _runnable(row, box)


async def status_of(session: AsyncSession, *, bot_id: int) -> BotStatus | None:
    """The bot's status, or None when it was never connected."""
    value = await session.scalar(select(SalesBot.status).where(SalesBot.id == bot_id))
    return None if value is None else BotStatus(value)
