"""Connection records: which APIs a business connected, with what account, and how syncing
goes. Tokens are stored encrypted (``services.crypto``); nothing here talks to the network."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services import audit, marketing
from services.crypto import SecretBox
from services.db.models import IntegrationConnection, IntegrationDaily, IntegrationSyncRun
from services.errors import InvalidInput, NotFound
from services.integrations import currency, spend
from services.integrations.breaker import Breaker, BreakerState
from services.integrations.types import CHANNEL_KIND, Credentials, Kind

STALE_AFTER = timedelta(hours=2)  # an hourly sync that missed more than one slot
TOKEN_MIN, TOKEN_MAX = 20, 2048
STATUSES = ("active", "auth_expired", "disconnected")


@dataclass(frozen=True, slots=True)
class ConnectionView:
    id: int
    kind: Kind
    status: str
    account_ref: str
    account_name: str | None
    channel_id: int | None
    last_success_at: datetime | None
    last_error: str | None
    breaker: BreakerState
    breaker_open_until: datetime | None
    created_at: datetime
    currency: str | None = None  # the ad account's currency; None = not known (so'm)
    fx_rate_milli: int | None = None  # so'm per unit ×1000, set by the owner
    fx_rate_set_at: datetime | None = None

    @property
    def foreign(self) -> bool:
        """The account's money is not so'm: its spend needs the owner's rate."""
        return currency.is_foreign(self.currency)

    @property
    def needs_rate(self) -> bool:
        """Spend in a foreign currency with no rate yet: it is not counted (and must say so)."""
        return self.foreign and self.fx_rate_milli is None

    def stale(self, now: datetime) -> bool:
        """Not synced for longer than an hourly sync allows (or never, after the first
        hour): the owner is told instead of seeing a silent gap."""
        if self.status == "disconnected":
            return False
        since = self.last_success_at or self.created_at
        return self.status != "active" or now - since > STALE_AFTER


@dataclass(frozen=True, slots=True)
class RunView:
    id: int
    kind: str
    trigger: str
    started_at: datetime
    finished_at: datetime | None
    status: str
    error: str | None
    items: int


def parse_kind(raw: str) -> Kind:
    try:
        return Kind(raw)
    except ValueError as exc:
        raise InvalidInput(field="integration", reason="choice") from exc


def parse_account_ref(kind: Kind, raw: str) -> str:
    """The account id as each API names it: digits for Instagram, Facebook and GA4
    (``properties/123`` accepted), ``123-456-7890`` for a Google Ads customer."""
    text = raw.strip()
    if kind is Kind.GOOGLE_ADS:
        digits = re.sub(r"[\s-]", "", text)
        if not re.fullmatch(r"\d{10}", digits):
            raise InvalidInput(field="customer_id", reason="format")
        return digits
    if kind is Kind.GA4:
        text = text.removeprefix("properties/")
    if not re.fullmatch(r"\d{3,25}", text):
        raise InvalidInput(field="account_id", reason="format")
    return text


def parse_secret(raw: str, *, field: str = "token") -> str:
    """A pasted token or secret: one word of 20–2048 printable characters."""
    text = raw.strip()
    if not text:
        raise InvalidInput(field=field, reason="empty")
    if any(c.isspace() for c in text) or not text.isprintable() or \
            not TOKEN_MIN <= len(text) <= TOKEN_MAX:
        raise InvalidInput(field=field, reason="format")
    return text


def parse_client_id(raw: str) -> str:
    """A Google OAuth client id (``….apps.googleusercontent.com``)."""
    text = raw.strip()
    if not re.fullmatch(r"[\w.-]{5,200}\.apps\.googleusercontent\.com", text):
        raise InvalidInput(field="client_id", reason="format")
    return text


def _view(row: IntegrationConnection, now: datetime) -> ConnectionView:
    return ConnectionView(row.id, Kind(row.kind), row.status, row.account_ref, row.account_name,
                          row.channel_id, row.last_success_at, row.last_error,
                          Breaker(row.failures, row.breaker_open_until).state(now),
                          row.breaker_open_until, row.created_at, row.currency,
                          row.fx_rate_milli, row.fx_rate_set_at)


def decrypt(box: SecretBox, row: IntegrationConnection) -> Credentials:
    """The connection's credentials (a JSON object, stored encrypted)."""
    data = json.loads(box.decrypt(row.credentials_encrypted))
    if not isinstance(data, dict):
        raise ValueError("credentials are not an object")
    return data


def encrypt(box: SecretBox, credentials: Credentials) -> str:
    return box.encrypt(json.dumps(credentials, separators=(",", ":")))


async def _row(session: AsyncSession, business_id: int, kind: Kind) -> IntegrationConnection:
    row = await session.scalar(select(IntegrationConnection).where(
        IntegrationConnection.business_id == business_id, IntegrationConnection.kind == kind,
        IntegrationConnection.status != "disconnected"))
    if row is None:
        raise NotFound(entity="integration", id=str(kind))
    return row


async def ensure_channel(session: AsyncSession, *, business_id: int, kind: Kind) -> int:
    """The marketing channel the integration writes into (made or reactivated as needed,
    within the plan's channel limit)."""
    resolved = await marketing.resolve_channel(session, business_id=business_id,
                                               text=CHANNEL_KIND[kind])
    return resolved.channel.id


async def connect(session: AsyncSession, *, box: SecretBox, business_id: int, kind: Kind,
                  account_ref: str, account_name: str | None, credentials: Credentials,
                  user_id: int | None, now: datetime, currency_code: str | None = None
                  ) -> ConnectionView:
    """Store a checked connection (replacing an earlier one of the same kind); its breaker
    starts closed and the next sync slot picks it up. ``currency_code`` is the ad account's
    currency when the test call read one; a rate set for another currency is dropped."""
    channel_id = await ensure_channel(session, business_id=business_id, kind=kind)
    row = await session.scalar(select(IntegrationConnection).where(
        IntegrationConnection.business_id == business_id, IntegrationConnection.kind == kind))
    if row is None:
        row = IntegrationConnection(business_id=business_id, kind=kind, created_at=now)
        session.add(row)
    elif row.account_ref != account_ref:
        row.last_success_at = None  # another account: its history starts again
    if row.last_success_at is None:
        row.created_at = now  # "not synced yet" counts from this connection, not an old one
    row.account_ref, row.account_name = account_ref, account_name
    changed = currency_code is not None and currency_code != (row.currency or currency.HOME)
    if changed:
        row.currency, row.fx_rate_milli, row.fx_rate_set_at = currency_code, None, None
    elif currency_code is not None:
        row.currency = currency_code
    row.channel_id, row.status = channel_id, "active"
    row.credentials_encrypted = encrypt(box, credentials)
    row.failures, row.breaker_open_until, row.lease_until, row.last_error = 0, None, None, None
    row.created_by = user_id
    await session.flush()
    if changed:  # the days synced so far were booked in another currency
        await reprice(session, row)
    await audit.record(session, action="integration.connect", user_id=user_id,
                       business_id=business_id, kind=str(kind), account=account_ref)
    return _view(row, now)


async def disconnect(session: AsyncSession, *, business_id: int, kind: Kind,
                     user_id: int | None, now: datetime) -> None:
    """Forget the tokens and stop syncing; the metrics already synced stay."""
    row = await _row(session, business_id, kind)
    row.status, row.credentials_encrypted, row.lease_until = "disconnected", "", None
    await session.flush()
    await audit.record(session, action="integration.disconnect", user_id=user_id,
                       business_id=business_id, kind=str(kind))


async def list_connections(session: AsyncSession, *, business_id: int, now: datetime
                           ) -> list[ConnectionView]:
    """The business's live connections (not the disconnected ones), in ``Kind`` order."""
    rows = await session.scalars(select(IntegrationConnection).where(
        IntegrationConnection.business_id == business_id,
        IntegrationConnection.status != "disconnected"))
    order = list(Kind)
    return sorted((_view(r, now) for r in rows), key=lambda v: order.index(v.kind))


async def get_connection(session: AsyncSession, *, business_id: int, kind: Kind,
                         now: datetime) -> ConnectionView:
    """One live connection of this business; ``NotFound`` otherwise."""
    return _view(await _row(session, business_id, kind), now)


async def stale_connections(session: AsyncSession, *, business_id: int, now: datetime
                            ) -> list[ConnectionView]:
    """Connections whose data has a gap ("Instagram not synced since …")."""
    return [c for c in await list_connections(session, business_id=business_id, now=now)
            if c.stale(now)]


async def recent_runs(session: AsyncSession, *, business_id: int, kind: Kind | None = None,
                      limit: int = 10) -> list[RunView]:
    """The latest sync runs of the business (one integration with ``kind``)."""
    query = select(IntegrationSyncRun).where(IntegrationSyncRun.business_id == business_id)
    if kind is not None:
        query = query.where(IntegrationSyncRun.kind == kind)
    rows = await session.scalars(query.order_by(IntegrationSyncRun.started_at.desc(),
                                                IntegrationSyncRun.id.desc()).limit(limit))
    return [RunView(r.id, r.kind, r.trigger, r.started_at, r.finished_at, r.status, r.error,
                    r.items) for r in rows]


async def set_rate(session: AsyncSession, *, business_id: int, kind: Kind, rate_milli: int,
                   user_id: int | None, now: datetime) -> ConnectionView:
    """The owner's so'm rate for the account's currency (``currency.parse_rate`` checked
    it). Every stored day of the connection is priced again with it at once, so the
    dashboard does not wait for the next sync and one rate covers the whole history."""
    row = await _row(session, business_id, kind)
    if not currency.is_foreign(row.currency):
        raise InvalidInput(field="rate", reason="not_foreign")
    row.fx_rate_milli, row.fx_rate_set_at = rate_milli, now
    await reprice(session, row)
    await session.flush()
    await audit.record(session, action="integration.fx_rate", user_id=user_id,
                       business_id=business_id, kind=str(kind), currency=row.currency,
                       rate=str(currency.rate_value(rate_milli)))
    return _view(row, now)


async def reprice(session: AsyncSession, row: IntegrationConnection) -> None:
    """Book every stored day's cost of the connection again with its currency and rate (no
    rate for a foreign currency: the entries go). Days synced before currencies were read
    kept whole units only (``cost``); they are taken as that many units of the currency."""
    if row.channel_id is None:
        row.channel_id = await ensure_channel(session, business_id=row.business_id,
                                              kind=Kind(row.kind))
    days = await session.scalars(select(IntegrationDaily).where(
        IntegrationDaily.business_id == row.business_id,
        IntegrationDaily.connection_id == row.id).order_by(IntegrationDaily.day))
    code = row.currency or currency.HOME
    for daily in days:
        micros = _int(daily.values.get("cost_micros"))
        if micros is None:
            whole = _int(daily.values.get("cost"))
            if whole is None:
                continue  # no money on this row (GA4, Meta)
            micros = whole * 1_000_000
        if daily.values.get("currency") != code:
            daily.values = {**daily.values, "cost_micros": micros, "currency": code}
        await spend.book(session, business_id=row.business_id, channel_id=row.channel_id,
                         daily=daily,
                         som=currency.to_som(micros, row.currency, row.fx_rate_milli),
                         impressions=_int(daily.values.get("impressions")),
                         clicks=_int(daily.values.get("clicks")))


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
