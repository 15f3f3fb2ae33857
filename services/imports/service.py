"""Preview and apply an import. The preview validates every row and checks plan limits
without writing; ``apply_import`` saves all valid rows in one savepoint — any failure rolls
every row back — with bulk inserts and one ``DailyStat`` upsert per (day, channel) built from
the same per-record contributions the single-entry services use."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services import aggregates, marketing, plans, sales
from services.db import tracking
from services.db.base import utcnow
from services.db.models import Customer, Lead, Order, SpendEntry
from services.errors import InvalidInput, LimitExceeded, NotFound
from services.imports.mapping import Field, Kind, missing_required
from services.imports.reader import Table
from services.imports.rows import Record, RowError, parse_rows
from services.plans import Resource

SAMPLE_ROWS = 5
_CHUNK = 500


@dataclass(frozen=True, slots=True)
class LimitBlock:
    """The import would pass a plan limit: ``used`` now, ``adding`` by the import, ``limit``."""

    resource: str
    used: int
    adding: int
    limit: int
    plan: str


@dataclass(frozen=True, slots=True)
class Preview:
    kind: Kind
    mapping: dict[int, Field]
    total_rows: int
    records: list[Record]
    errors: list[RowError]
    missing: list[Field]  # required fields no column is mapped to
    new_channels: list[str]  # channel kinds that will be created
    blocked: LimitBlock | None = None

    @property
    def valid(self) -> int:
        return len(self.records)

    @property
    def sample(self) -> list[Record]:
        return self.records[:SAMPLE_ROWS]

    @property
    def error_rows(self) -> int:
        return len({e.row for e in self.errors})


@dataclass(frozen=True, slots=True)
class ImportResult:
    kind: Kind
    created: int
    skipped: int  # rows with errors, not saved
    customers_created: int = 0
    channels_created: list[str] = field(default_factory=list)


async def _channel_plan(session: AsyncSession, business_id: int, records: list[Record]
                        ) -> tuple[list[Record], list[RowError], list[str]]:
    """Check each channel word: an existing channel, a kind to create, or a row error."""
    known: dict[str, str | None] = {}  # word → kind to create (None: an existing channel)
    for word in {r.channel.lower() for r in records if r.channel}:
        try:
            await marketing.resolve_channel(session, business_id=business_id, text=word,
                                            create=False)
            known[word] = None
        except NotFound:
            kind = marketing.kind_for_alias(word)
            if kind is not None:
                known[word] = kind
    ok: list[Record] = []
    errors: list[RowError] = []
    for record in records:
        if record.channel and record.channel.lower() not in known:
            errors.append(RowError(record.row, "", Field.CHANNEL.value, "channel",
                                   {"value": record.channel}))
        else:
            ok.append(record)
    new = sorted({k for k in known.values() if k is not None})
    return ok, errors, new


async def _blocked(session: AsyncSession, business_id: int, kind: Kind, records: list[Record],
                   new_channels: list[str]) -> LimitBlock | None:
    if kind is Kind.LEADS and records:
        usage = await plans.usage(session, business_id=business_id,
                                  resource=Resource.LEADS_PER_MONTH)
        if not usage.unlimited and usage.used + len(records) > usage.limit:
            return LimitBlock(usage.resource, usage.used, len(records), usage.limit, usage.plan)
    if new_channels:
        status = await marketing.channel_usage(session, business_id=business_id)
        if not status.unlimited and status.used + len(new_channels) > status.limit:
            return LimitBlock(status.resource, status.used, len(new_channels), status.limit,
                              status.plan)
    return None


async def preview(session: AsyncSession, *, business_id: int, table: Table, kind: Kind,
                  mapping: dict[int, Field]) -> Preview:
    """Validate the file as it would be imported (nothing is written)."""
    missing = missing_required(kind, mapping)
    if missing:
        return Preview(kind, mapping, len(table.rows), [], [], missing, [])
    today = await sales.business_today(session, business_id=business_id)
    records, errors = parse_rows(table, kind=kind, mapping=mapping, today=today)
    records, channel_errors, new_channels = await _channel_plan(session, business_id, records)
    headers = {f: table.headers[i] for i, f in mapping.items()}
    errors += [RowError(e.row, headers.get(Field.CHANNEL, ""), e.field, e.reason, e.params)
               for e in channel_errors]
    if kind is Kind.CUSTOMERS:
        records, duplicate_errors = await _new_customers_only(session, business_id, records,
                                                              headers.get(Field.PHONE, ""))
        errors += duplicate_errors
    errors.sort(key=lambda e: e.row)
    blocked = await _blocked(session, business_id, kind, records, new_channels)
    return Preview(kind, mapping, len(table.rows), records, errors, [], new_channels, blocked)


async def _existing_customers(session: AsyncSession, business_id: int,
                              phones: Iterable[str]) -> dict[str, Customer]:
    """Customers by phone (the first one by id, as ``find_or_create_customer`` picks)."""
    found: dict[str, Customer] = {}
    wanted = sorted(set(phones))
    for start in range(0, len(wanted), _CHUNK):
        rows = await session.scalars(select(Customer).where(
            Customer.business_id == business_id,
            Customer.phone.in_(wanted[start:start + _CHUNK])).order_by(Customer.id))
        for customer in rows:
            if customer.phone:
                found.setdefault(customer.phone, customer)
    return found


async def _new_customers_only(session: AsyncSession, business_id: int, records: list[Record],
                              column: str) -> tuple[list[Record], list[RowError]]:
    existing = await _existing_customers(session, business_id,
                                         (r.phone for r in records if r.phone))
    seen: set[str] = set()
    ok, errors = [], []
    for record in records:
        if record.phone and (record.phone in existing or record.phone in seen):
            errors.append(RowError(record.row, column, Field.PHONE.value, "duplicate",
                                   {"value": record.phone}))
            continue
        if record.phone:
            seen.add(record.phone)
        ok.append(record)
    return ok, errors


async def apply_import(session: AsyncSession, *, business_id: int, table: Table, kind: Kind,
                       mapping: dict[int, Field], created_by: int | None = None
                       ) -> ImportResult:
    """Save every valid row of the file, all or nothing (a savepoint); rows with errors are
    skipped and counted. ``LimitExceeded`` before anything is written when the import would
    pass the leads-per-month or channels limit; ``InvalidInput(reason="nothing")`` when no
    row is valid."""
    checked = await preview(session, business_id=business_id, table=table, kind=kind,
                            mapping=mapping)
    if checked.missing:
        raise InvalidInput(field=checked.missing[0].value, reason="required")
    if checked.blocked is not None:
        b = checked.blocked
        raise LimitExceeded(resource=b.resource, used=b.used, limit=b.limit, plan=b.plan,
                            adding=b.adding)
    if not checked.records:
        raise InvalidInput(field="file", reason="nothing")
    async with session.begin_nested():
        channels, created_channels = await _resolve_channels(session, business_id,
                                                             checked.records)
        if kind is Kind.SPEND:
            await _save_spend(session, business_id, checked.records, channels, created_by)
            customers = 0
        elif kind is Kind.LEADS:
            await _save_leads(session, business_id, checked.records, channels, created_by)
            customers = 0
        elif kind is Kind.ORDERS:
            customers = await _save_orders(session, business_id, checked.records, channels)
        else:
            customers = await _save_customers(session, business_id, checked.records, channels)
    return ImportResult(kind, len(checked.records), checked.error_rows,
                        customers_created=customers, channels_created=created_channels)


async def _resolve_channels(session: AsyncSession, business_id: int, records: list[Record]
                            ) -> tuple[dict[str, int], list[str]]:
    """Channel word → id through ``marketing.resolve_channel`` (creating kinds within the
    plan limit, exactly as a typed ``/spend`` does)."""
    ids: dict[str, int] = {}
    created: list[str] = []
    for word in sorted({r.channel.lower() for r in records if r.channel}):
        resolved = await marketing.resolve_channel(session, business_id=business_id,
                                                   text=word)
        ids[word] = resolved.channel.id
        if resolved.created:
            created.append(resolved.channel.name)
    return ids, created


def _channel_id(record: Record, channels: dict[str, int]) -> int | None:
    return channels[record.channel.lower()] if record.channel else None


def _columns(obj: object, names: tuple[str, ...]) -> dict[str, object]:
    return {name: getattr(obj, name) for name in names}


_SPEND_COLUMNS = ("business_id", "channel_id", "day", "amount", "impressions", "clicks",
                  "note", "source", "created_by")
_LEAD_COLUMNS = ("business_id", "name", "phone", "email", "channel_id", "utm_source",
                 "utm_medium", "utm_campaign", "stage", "status", "score", "owner_user_id",
                 "source", "day", "won_at", "created_at", "signals")
_ORDER_COLUMNS = ("business_id", "customer_id", "channel_id", "items", "total", "status",
                  "ordered_at", "day", "source")


async def _bulk_insert(session: AsyncSession, model: type, rows: list[dict[str, object]]
                       ) -> None:
    """One executemany per chunk (no RETURNING): the fast path for thousands of rows."""
    table = model.__table__  # type: ignore[attr-defined]
    connection = await session.connection()
    # Core executemany skips the ORM events, so say what was written, as they would.
    session.sync_session.info[tracking.WROTE] = True
    for listener in session.sync_session.info.get(tracking.ON_CHANGE, ()):
        listener(session.sync_session, [], {table.name})
    for start in range(0, len(rows), _CHUNK * 4):
        await connection.execute(table.insert(), rows[start:start + _CHUNK * 4])


async def _save_spend(session: AsyncSession, business_id: int, records: list[Record],
                      channels: dict[str, int], created_by: int | None) -> None:
    entries = []
    for r in records:
        channel_id = _channel_id(r, channels)
        assert channel_id is not None and r.day is not None and r.amount is not None
        entries.append(SpendEntry(business_id=business_id, channel_id=channel_id, day=r.day,
                                  amount=r.amount, impressions=r.impressions, clicks=r.clicks,
                                  note=r.note, source="import", created_by=created_by))
    change = aggregates.Contribution()
    for entry in entries:  # transient records: the same contribution add_spend applies
        change.merge(aggregates.of_spend(entry))
    await _bulk_insert(session, SpendEntry, [_columns(e, _SPEND_COLUMNS) for e in entries])
    await aggregates.apply(session, business_id=business_id, change=change)


def _moment(day: date | None, today: date, now: datetime, timezone: str) -> datetime:
    """A row dated today happened now; an earlier day at noon, business time (as the
    order form does)."""
    if day is None or day == today:
        return now
    return datetime.combine(day, time(12), tzinfo=ZoneInfo(timezone))


async def _save_leads(session: AsyncSession, business_id: int, records: list[Record],
                      channels: dict[str, int], created_by: int | None) -> None:
    await plans.consume(session, business_id=business_id, resource=Resource.LEADS_PER_MONTH,
                        amount=len(records))
    timezone = await aggregates.business_timezone(session, business_id=business_id)
    now = utcnow()
    today = aggregates.local_date(now, timezone)
    leads = []
    for r in records:
        moment = _moment(r.day, today, now, timezone)
        status = r.status or "new"
        leads.append(Lead(
            business_id=business_id, name=r.name or r.phone or "", phone=r.phone,
            email=r.email, channel_id=_channel_id(r, channels), utm_source=r.utm_source,
            utm_medium=r.utm_medium, utm_campaign=r.utm_campaign, stage=r.stage or "awareness",
            status=status, score=0, owner_user_id=created_by, source="import",
            day=aggregates.local_date(moment, timezone),
            won_at=moment if status == "won" else None, created_at=moment, signals={}))
    change = aggregates.Contribution()
    for lead in leads:
        change.merge(aggregates.of_lead(lead, timezone))
    await _bulk_insert(session, Lead, [_columns(lead, _LEAD_COLUMNS) for lead in leads])
    await aggregates.apply(session, business_id=business_id, change=change)


def _customer_key(r: Record) -> str | None:
    return f"p:{r.phone}" if r.phone else f"n:{r.name}" if r.name else None


@dataclass(slots=True)
class _Buyer:
    """A customer's totals as the import moves them (``first``: ordered_at, is-new, position
    — new rows sort after every existing order of the same moment, as their ids would)."""

    id: int
    orders_count: int
    total_spent: int
    first_order_at: datetime | None
    last_order_at: datetime | None
    first: tuple[datetime, int, int, aggregates.Cell] | None = None
    changed: bool = False


async def _buyers(session: AsyncSession, business_id: int, records: list[Record],
                  channels: dict[str, int]) -> tuple[dict[str, _Buyer], int]:
    """One customer per phone (an existing one when the phone is known) and, for rows with a
    name but no phone, one per distinct name in the file (new customers are inserted)."""
    existing = await _existing_customers(session, business_id,
                                         (r.phone for r in records if r.phone))
    buyers: dict[str, _Buyer] = {}
    for phone, c in existing.items():
        buyer = _Buyer(c.id, c.orders_count, c.total_spent, c.first_order_at, c.last_order_at)
        if c.orders_count:
            row = (await session.execute(
                select(Order.ordered_at, Order.day, Order.channel_id)
                .where(Order.customer_id == c.id, Order.status == "paid")
                .order_by(Order.ordered_at, Order.id).limit(1))).first()
            if row is not None:
                buyer.first = (row[0], 0, 0, (row[1], row[2] or 0))
        buyers[f"p:{phone}"] = buyer
        session.expire(c)  # its totals are rewritten below by a bulk UPDATE
    fresh: dict[str, dict[str, object]] = {}
    for r in records:
        key = _customer_key(r)
        if key is None or key in buyers or key in fresh:
            continue
        fresh[key] = {"business_id": business_id,
                      "name": sales.parse_name(r.name or r.phone or ""), "phone": r.phone,
                      "source_channel_id": _channel_id(r, channels), "orders_count": 0,
                      "total_spent": 0}
    keys = list(fresh)
    for start in range(0, len(keys), _CHUNK):
        chunk = keys[start:start + _CHUNK]
        ids = await session.scalars(
            insert(Customer).returning(Customer.id, sort_by_parameter_order=True),
            [fresh[k] for k in chunk])
        for key, customer_id in zip(chunk, ids, strict=True):
            buyers[key] = _Buyer(customer_id, 0, 0, None, None)
    return buyers, len(keys)


async def _save_orders(session: AsyncSession, business_id: int, records: list[Record],
                       channels: dict[str, int]) -> int:
    buyers, created = await _buyers(session, business_id, records, channels)
    timezone = await aggregates.business_timezone(session, business_id=business_id)
    now = utcnow()
    today = aggregates.local_date(now, timezone)
    change = aggregates.Contribution()
    before = {b.id: b.first for b in buyers.values()}
    rows = []
    for position, r in enumerate(records):
        key = _customer_key(r)
        buyer = buyers[key] if key else None
        moment = _moment(r.day, today, now, timezone)
        order = Order(business_id=business_id, customer_id=buyer.id if buyer else None,
                      channel_id=_channel_id(r, channels), items=[], total=r.amount,
                      status=r.status or "paid", ordered_at=moment,
                      day=aggregates.local_date(moment, timezone), source="import")
        change.merge(aggregates.of_order(order))
        rows.append(_columns(order, _ORDER_COLUMNS))
        if buyer is None or order.status != "paid":
            continue
        buyer.changed = True
        buyer.orders_count += 1
        buyer.total_spent += order.total
        if buyer.first_order_at is None or moment < buyer.first_order_at:
            buyer.first_order_at = moment
        if buyer.last_order_at is None or moment > buyer.last_order_at:
            buyer.last_order_at = moment
        candidate = (moment, 1, position, (order.day, order.channel_id or 0))
        if buyer.first is None or candidate[:3] < buyer.first[:3]:
            buyer.first = candidate
    await _bulk_insert(session, Order, rows)
    updates = []
    for buyer in {b.id: b for b in buyers.values()}.values():
        if not buyer.changed:
            continue
        old = before.get(buyer.id)
        if buyer.first is not None and (old is None or old[3] != buyer.first[3]):
            change.merge(aggregates.of_first_order(buyer.first[3]))
            if old is not None:
                change.merge(aggregates.of_first_order(old[3]), -1)
        updates.append({"id": buyer.id, "orders_count": buyer.orders_count,
                        "total_spent": buyer.total_spent,
                        "first_order_at": buyer.first_order_at,
                        "last_order_at": buyer.last_order_at})
    for start in range(0, len(updates), _CHUNK * 4):
        await session.execute(update(Customer), updates[start:start + _CHUNK * 4])
    await aggregates.apply(session, business_id=business_id, change=change)
    return created


async def _save_customers(session: AsyncSession, business_id: int, records: list[Record],
                          channels: dict[str, int]) -> int:
    await _bulk_insert(session, Customer, [
        {"business_id": business_id, "name": sales.parse_name(r.name or r.phone or ""),
         "phone": r.phone, "email": r.email, "source_channel_id": _channel_id(r, channels),
         "orders_count": 0, "total_spent": 0} for r in records])
    return len(records)
