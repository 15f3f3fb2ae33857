"""The sync engine: one run of one connection, and which connections are due.

A run takes the connection's lease (an atomic ``UPDATE … WHERE lease_until < now``: a row
lock on PostgreSQL, the write lock on SQLite), so a run never overlaps itself whatever process
starts it; the network call happens outside any transaction; the results are written in one
transaction with the run record, the breaker and "last successful sync". Spreading: each
business has a fixed minute of the hour (``slot_minute``) and is due once its latest slot is
past its last run, so a missed hour is caught up at the next tick rather than lost.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services import aggregates, marketing
from services.crypto import SecretBox
from services.db.base import utcnow
from services.db.models import IntegrationConnection, IntegrationDaily, IntegrationSyncRun
from services.errors import DomainError
from services.integrations import currency, spend
from services.integrations.breaker import Breaker, BreakerPolicy
from services.integrations.connections import decrypt, encrypt, ensure_channel, reprice
from services.integrations.errors import AuthExpired, CircuitOpen, IntegrationError
from services.integrations.types import IntegrationClient, Kind, SyncData

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=15)  # longer than any run; a crashed run frees it after this


SPREAD = 37  # coprime with 60: any 60 consecutive ids take the 60 minutes once each


def slot_minute(business_id: int) -> int:
    """The business's fixed minute of the hour. Ids are sequential, so a multiplier coprime
    with 60 spreads them exactly evenly (a hash would leave some minutes twice as busy), and
    neighbours (often one owner's businesses) land 37 minutes apart."""
    return business_id * SPREAD % 60


def latest_slot(business_id: int, now: datetime) -> datetime:
    """The most recent slot time at or before ``now``."""
    slot = now.replace(minute=slot_minute(business_id), second=0, microsecond=0)
    return slot if slot <= now else slot - timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class RunResult:
    connection_id: int
    status: str  # ok / error / skipped / busy / inactive
    items: int = 0
    error: str | None = None


@dataclass
class SyncEngine:
    """Runs syncs with the clients per kind; ``now`` is injectable for tests."""

    sessionmaker: async_sessionmaker[AsyncSession]
    clients: Mapping[Kind, IntegrationClient]
    box: SecretBox
    policy: BreakerPolicy = field(default_factory=BreakerPolicy)
    days_back: int = 7
    now: Callable[[], datetime] = utcnow

    async def due(self) -> list[int]:
        """Active connections whose hourly slot has come since their last run."""
        now = self.now()
        async with self.sessionmaker() as session:
            last = (select(IntegrationSyncRun.connection_id,
                           func.max(IntegrationSyncRun.started_at).label("at"))
                    .group_by(IntegrationSyncRun.connection_id).subquery())
            rows = (await session.execute(
                select(IntegrationConnection.id, IntegrationConnection.business_id, last.c.at)
                .outerjoin(last, last.c.connection_id == IntegrationConnection.id)
                .where(IntegrationConnection.status == "active")
                .order_by(IntegrationConnection.id))).all()
        due = []
        for connection_id, business_id, at in rows:
            if at is None or at < latest_slot(business_id, now):
                due.append(connection_id)
        return due

    async def run(self, connection_id: int, *, trigger: str = "schedule") -> RunResult:
        """One sync of one connection (see the module doc); never raises for API trouble."""
        started = await self._start(connection_id, trigger)
        if isinstance(started, RunResult):
            return started
        run_id, kind, business_id, account_ref, credentials = started
        now = self.now()
        tz = await self._timezone(business_id)
        until = aggregates.local_date(now, tz)
        since = until - timedelta(days=self.days_back - 1)
        try:
            data = await self.clients[kind].fetch(account_ref=account_ref,
                                                  credentials=credentials, since=since,
                                                  until=until)
        except IntegrationError as exc:
            return await self._failed(business_id, connection_id, run_id, exc)
        except Exception as exc:  # a bug must not leave the lease and the run hanging
            log.exception("business %s: %s sync crashed", business_id, kind)
            return await self._failed(business_id, connection_id, run_id,
                                      IntegrationError(detail=type(exc).__name__))
        try:
            async with self.sessionmaker.begin() as session:
                items = await self._store(session, connection_id, data)
                await self._finish(session, connection_id, run_id, status="ok", items=items)
        except DomainError as exc:  # e.g. the channel limit was lowered meanwhile
            return await self._failed(business_id, connection_id, run_id, exc)
        return RunResult(connection_id, "ok", items)

    async def _timezone(self, business_id: int) -> str:
        async with self.sessionmaker() as session:
            return await aggregates.business_timezone(session, business_id=business_id)

    async def _start(self, connection_id: int, trigger: str
                     ) -> RunResult | tuple[int, Kind, int, str, dict[str, object]]:
        now = self.now()
        async with self.sessionmaker.begin() as session:
            row = await session.get(IntegrationConnection, connection_id)
            if row is None or row.status != "active":
                return RunResult(connection_id, "inactive")
            breaker = Breaker(row.failures, row.breaker_open_until)
            if not breaker.allows(now):
                session.add(IntegrationSyncRun(
                    business_id=row.business_id, connection_id=row.id, kind=row.kind,
                    trigger=trigger, started_at=now, finished_at=now, status="skipped",
                    error=CircuitOpen.code))
                return RunResult(connection_id, "skipped", error=CircuitOpen.code)
            taken = await session.execute(
                update(IntegrationConnection)
                .where(IntegrationConnection.id == connection_id,
                       or_(IntegrationConnection.lease_until.is_(None),
                           IntegrationConnection.lease_until < now))
                .values(lease_until=now + LEASE)
                .execution_options(synchronize_session=False))
            if getattr(taken, "rowcount", 0) != 1:
                return RunResult(connection_id, "busy")
            run = IntegrationSyncRun(business_id=row.business_id, connection_id=row.id,
                                     kind=row.kind, trigger=trigger, started_at=now)
            session.add(run)
            await session.flush()
            return run.id, Kind(row.kind), row.business_id, row.account_ref, decrypt(self.box,
                                                                                      row)

    async def _finish(self, session: AsyncSession, connection_id: int, run_id: int, *,
                      status: str, items: int = 0, error: DomainError | None = None) -> None:
        now = self.now()
        row = await session.get(IntegrationConnection, connection_id, with_for_update=True)
        run = await session.get(IntegrationSyncRun, run_id)
        assert row is not None and run is not None
        run.finished_at, run.status, run.items = now, status, items
        breaker = Breaker(row.failures, row.breaker_open_until)
        if error is None:
            breaker = breaker.success()
            row.last_success_at, row.last_error = now, None
        else:
            run.error = error.code
            run.detail = str(error.params.get("detail") or "")[:300] or None
            row.last_error = error.code
            if isinstance(error, AuthExpired):
                row.status = "auth_expired"  # waits for the owner, not for a timer
            else:
                breaker = breaker.failure(now, self.policy)
        row.failures, row.breaker_open_until = breaker.failures, breaker.open_until
        row.lease_until = None

    async def _failed(self, business_id: int, connection_id: int, run_id: int,
                      error: DomainError) -> RunResult:
        async with self.sessionmaker.begin() as session:
            await self._finish(session, connection_id, run_id, status="error", error=error)
        log.warning("business %s: sync of connection %s failed: %s", business_id,
                    connection_id, error)
        return RunResult(connection_id, "error", error=error.code)

    async def _store(self, session: AsyncSession, connection_id: int, data: SyncData) -> int:
        row = await session.get(IntegrationConnection, connection_id)
        assert row is not None
        business_id = row.business_id
        if row.channel_id is None:  # the channel was deleted: make it again
            row.channel_id = await ensure_channel(session, business_id=business_id,
                                                  kind=Kind(row.kind))
        channel_id = row.channel_id
        if data.credentials is not None:
            row.credentials_encrypted = encrypt(self.box, data.credentials)
        if data.account_name:
            row.account_name = data.account_name[:200]
        if data.currency and data.currency != (row.currency or currency.HOME):
            # another currency than the days stored so far were booked in (so'm, when it was
            # not known yet): a rate for the old one means nothing, and every stored day is
            # booked again — dollars once taken as so'm are taken back
            row.currency, row.fx_rate_milli, row.fx_rate_set_at = data.currency, None, None
            await reprice(session, row)
        elif data.currency:
            row.currency = data.currency
        items = 0
        existing = {(d.day, d.key): d for d in await session.scalars(
            select(IntegrationDaily).where(
                IntegrationDaily.connection_id == connection_id,
                IntegrationDaily.day.in_({r.day for r in data.rows})))} if data.rows else {}
        for item in data.rows:
            daily = existing.get((item.day, item.key))
            if daily is None:
                daily = IntegrationDaily(business_id=business_id, connection_id=connection_id,
                                         day=item.day, key=item.key)
                session.add(daily)
                existing[(item.day, item.key)] = daily
            values: dict[str, object] = dict(item.values)
            som = item.cost
            if item.cost_micros is not None:  # money in the ad account's currency
                values["cost_micros"] = item.cost_micros
                values["currency"] = row.currency or currency.HOME
                som = currency.to_som(item.cost_micros, row.currency, row.fx_rate_milli)
            daily.name, daily.values = item.name, values
            if item.cost is not None or item.cost_micros is not None:
                await spend.book(session, business_id=business_id, channel_id=channel_id,
                                 daily=daily, som=som, impressions=item.impressions,
                                 clicks=item.clicks)
            items += 1
        if data.audience is not None:
            a = data.audience
            await marketing.record_snapshot(session, business_id=business_id,
                                            channel_id=channel_id, members=a.members,
                                            posts=a.posts, views=a.views,
                                            interactions=a.interactions, taken_at=self.now())
            items += 1
        await session.flush()
        return items
