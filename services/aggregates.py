"""``DailyStat``: the per-day, per-channel sums dashboards read, kept current by every write.

Each raw record *contributes* to some (day, channel) cells: a spend entry its amount and reach,
a lead one lead on its arrival day (and one won lead on the day it was won), a paid order one
order and its total, and a customer's first paid order one new customer. A write computes the
record's contribution before and after the change and applies the difference with an atomic
upsert (``INSERT … ON CONFLICT DO UPDATE SET x = x + excluded.x``) in the caller's transaction,
so concurrent writers never lose an increment. ``recompute`` rebuilds the table from the raw
records (repair, and the yardstick of the property test).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.db.models import (
    AnalyticsSettings,
    Business,
    DailyStat,
    Lead,
    Order,
    SpendEntry,
    User,
)
from services.errors import NotFound

DEFAULT_TIMEZONE = "Asia/Tashkent"
METRICS = ("spend", "impressions", "clicks", "leads", "won_leads", "orders", "revenue",
           "new_customers")
Cell = tuple[date, int]  # (business-local day, channel id; 0 = not attributed)


@dataclass(slots=True)
class Contribution:
    """Sums per (day, channel) cell; ``+``/``-`` combine contributions."""

    cells: dict[Cell, dict[str, int]] = field(default_factory=dict)

    def add(self, day: date, channel_id: int | None, **values: int) -> Contribution:
        cell = self.cells.setdefault((day, channel_id or 0), defaultdict(int))
        for name, value in values.items():
            cell[name] += value
        return self

    def merge(self, other: Contribution, sign: int = 1) -> Contribution:
        """Add ``other`` (``sign=-1``: subtract it) into this contribution, in place."""
        for (day, channel), values in other.cells.items():
            self.add(day, channel, **{k: sign * v for k, v in values.items()})
        return self

    def __sub__(self, other: Contribution) -> Contribution:
        return Contribution().merge(self).merge(other, -1)


TIMEZONE_CACHE = "business_timezone"  # session.info key: {business_id: zone}


async def business_timezone(session: AsyncSession, *, business_id: int) -> str:
    """The business's reporting time zone: its analytics setting, else the owner's, else
    Asia/Tashkent. Read once per session (a session is one update or one job);
    ``forget_timezones`` drops the cache when a zone changes."""
    cache: dict[int, str] = session.info.setdefault(TIMEZONE_CACHE, {})
    found = cache.get(business_id)
    if found is not None:
        return found
    row = (await session.execute(
        select(AnalyticsSettings.timezone, User.timezone)
        .select_from(Business)
        .join(User, User.id == Business.owner_id)
        .outerjoin(AnalyticsSettings, AnalyticsSettings.business_id == Business.id)
        .where(Business.id == business_id)
    )).first()
    if row is None:
        raise NotFound(entity="business", id=business_id)
    zone = DEFAULT_TIMEZONE
    for candidate in row:
        if candidate:
            try:
                ZoneInfo(candidate)
            except (ZoneInfoNotFoundError, ValueError):
                continue
            zone = str(candidate)
            break
    cache[business_id] = zone
    return zone


def forget_timezones(session: AsyncSession) -> None:
    """Drop the session's cached business time zones (after a user or business zone change)."""
    session.info.pop(TIMEZONE_CACHE, None)


def local_date(moment: datetime, timezone: str) -> date:
    """The calendar day of an aware datetime in ``timezone``."""
    return moment.astimezone(ZoneInfo(timezone)).date()


def of_spend(entry: SpendEntry | None) -> Contribution:
    """What one spend entry adds to the daily stats."""
    if entry is None:
        return Contribution()
    return Contribution().add(entry.day, entry.channel_id, spend=entry.amount,
                              impressions=entry.impressions or 0, clicks=entry.clicks or 0)


def of_lead(lead: Lead | None, timezone: str) -> Contribution:
    """One lead on its arrival day, and one won lead on the day it was won."""
    result = Contribution()
    if lead is None:
        return result
    result.add(lead.day, lead.channel_id, leads=1)
    if lead.status == "won" and lead.won_at is not None:
        result.add(local_date(lead.won_at, timezone), lead.channel_id, won_leads=1)
    return result


def of_order(order: Order | None) -> Contribution:
    """A paid order counts once with its total; cancelled and refunded ones count nothing."""
    if order is None or order.status != "paid":
        return Contribution()
    return Contribution().add(order.day, order.channel_id, orders=1, revenue=order.total)


def of_first_order(first: Cell | None) -> Contribution:
    """A customer counts as new on the day (and channel) of their first paid order."""
    if first is None:
        return Contribution()
    return Contribution().add(first[0], first[1], new_customers=1)


async def first_paid_order(session: AsyncSession, *, customer_id: int | None) -> Cell | None:
    """(day, channel) of the customer's first paid order, or None."""
    if customer_id is None:
        return None
    row = (await session.execute(
        select(Order.day, Order.channel_id)
        .where(Order.customer_id == customer_id, Order.status == "paid")
        .order_by(Order.ordered_at, Order.id).limit(1)
    )).first()
    return None if row is None else (row[0], row[1] or 0)


def _insert(session: AsyncSession):  # type: ignore[no-untyped-def]
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


async def apply(session: AsyncSession, *, business_id: int, change: Contribution) -> None:
    """Add ``change`` to the business's daily stats (atomic upserts, no read-modify-write)."""
    insert = _insert(session)
    for (day, channel_id), values in sorted(change.cells.items()):
        deltas = {name: int(values.get(name, 0)) for name in METRICS}
        if not any(deltas.values()):
            continue
        stmt = insert(DailyStat).values(business_id=business_id, day=day,
                                        channel_id=channel_id, **deltas)
        stmt = stmt.on_conflict_do_update(
            index_elements=["business_id", "day", "channel_id"],
            set_={name: getattr(DailyStat, name) + getattr(stmt.excluded, name)
                  for name, value in deltas.items() if value},
        )
        await session.execute(stmt)


async def expected(session: AsyncSession, *, business_id: int) -> dict[Cell, dict[str, int]]:
    """The daily stats as the raw records say they should be (non-zero cells only)."""
    timezone = await business_timezone(session, business_id=business_id)
    total = Contribution()
    for entry in await session.scalars(
            select(SpendEntry).where(SpendEntry.business_id == business_id)):
        total.merge(of_spend(entry))
    for lead in await session.scalars(select(Lead).where(Lead.business_id == business_id)):
        total.merge(of_lead(lead, timezone))
    firsts: dict[int, tuple[datetime, int, Cell]] = {}
    for order in await session.scalars(select(Order).where(Order.business_id == business_id)):
        total.merge(of_order(order))
        if order.status == "paid" and order.customer_id is not None:
            key = (order.ordered_at, order.id, (order.day, order.channel_id or 0))
            current = firsts.get(order.customer_id)
            if current is None or key[:2] < current[:2]:
                firsts[order.customer_id] = key
    for _, _, cell in firsts.values():
        total.merge(of_first_order(cell))
    return _nonzero(total.cells.items())


async def stored(session: AsyncSession, *, business_id: int) -> dict[Cell, dict[str, int]]:
    """The daily stats as stored (non-zero cells only)."""
    rows = await session.scalars(select(DailyStat).where(DailyStat.business_id == business_id))
    return _nonzero(((r.day, r.channel_id), {m: getattr(r, m) for m in METRICS}) for r in rows)


def _nonzero(items: Iterable[tuple[Cell, dict[str, int]]]) -> dict[Cell, dict[str, int]]:
    result = {}
    for cell, values in items:
        clean = {m: int(values.get(m, 0)) for m in METRICS}
        if any(clean.values()):
            result[cell] = clean
    return result


async def recompute(session: AsyncSession, *, business_id: int) -> int:
    """Rebuild the business's daily stats from the raw records; returns the number of cells."""
    cells = await expected(session, business_id=business_id)
    await session.execute(delete(DailyStat).where(DailyStat.business_id == business_id))
    for (day, channel_id), values in cells.items():
        session.add(DailyStat(business_id=business_id, day=day, channel_id=channel_id,
                              **values))
    await session.flush()
    return len(cells)
