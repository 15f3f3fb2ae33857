"""Sales data in (SPEC §3.4): leads, customers and orders.

Every write keeps ``DailyStat`` and the customer's totals current in the same transaction.
Each created lead consumes the plan's monthly ``leads_per_month`` counter atomically, here, so
the owner bot, import and the sales chatbot are all held to it. Callers own the transaction
and the writable-subscription check.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services import aggregates, plans
from services.amocrm import hooks as crm
from services.db.base import utcnow
from services.db.models import Customer, Lead, MarketingChannel, Order
from services.errors import InvalidInput, NotFound
from services.marketing import kind_for_alias
from services.plans import Resource
from services.validation import clean_text, parse_amount, parse_email, parse_phone

STAGES = ("awareness", "interest", "consideration", "intent", "purchase", "post_purchase")
# Target conversion from the previous stage, percent (SPEC §3.4).
STAGE_TARGETS = {"awareness": 100, "interest": 60, "consideration": 35, "intent": 20,
                 "purchase": 12, "post_purchase": None}
STATUSES = ("new", "contacted", "qualified", "won", "lost")
ORDER_STATUSES = ("paid", "cancelled", "refunded")
SOURCES = ("chat", "import", "chatbot", "api")
NAME_MAX = 120
UTM_MAX = 120
MAX_AMOUNT = 10**13
MAX_ITEMS = 50
_PHONE_IN_TEXT = re.compile(r"\+?998[\d\s\-()]{8,16}\d")
_LOCAL_PHONE = re.compile(r"(?<![\d+])\d{2}[\s-]?\d{3}[\s-]?\d{2}[\s-]?\d{2}(?!\d)")


# --------------------------------------------------------------------------- views


@dataclass(frozen=True, slots=True)
class LeadView:
    id: int
    name: str
    phone: str | None
    channel_id: int | None
    channel_name: str | None
    utm_source: str | None
    utm_medium: str | None
    utm_campaign: str | None
    stage: str
    status: str
    score: int
    source: str
    day: date
    won_at: datetime | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class CustomerView:
    id: int
    name: str
    phone: str | None
    orders_count: int
    total_spent: int
    first_order_at: datetime | None
    last_order_at: datetime | None


@dataclass(frozen=True, slots=True)
class OrderItem:
    name: str
    qty: int
    price: int  # so'm, per unit

    @property
    def amount(self) -> int:
        return self.qty * self.price


@dataclass(frozen=True, slots=True)
class OrderView:
    id: int
    total: int
    items: tuple[OrderItem, ...]
    status: str
    day: date
    ordered_at: datetime
    channel_id: int | None
    channel_name: str | None
    customer_id: int | None
    customer_name: str | None
    customer_phone: str | None
    source: str


@dataclass(frozen=True, slots=True)
class LeadArgs:
    """``/lead`` arguments: the name, the phone and a trailing channel word, if any."""

    name: str
    phone: str | None
    channel: str | None


@dataclass(frozen=True, slots=True)
class OrderArgs:
    """``/order`` arguments: total, channel word, customer name and phone (optional)."""

    total: int
    channel: str | None
    customer_name: str | None
    phone: str | None


# --------------------------------------------------------------------------- parsing


def parse_name(raw: str, *, field: str = "name") -> str:
    """A person's name: trimmed, 1–120 characters."""
    return clean_text(raw, field=field, max_len=NAME_MAX)


def parse_score(raw: str | int) -> int:
    """A lead score 0–100."""
    value = raw if isinstance(raw, int) else parse_amount(str(raw), field="score")
    if not 0 <= value <= 100:
        raise InvalidInput(field="score", reason="range", min=0, max=100)
    return value


def parse_utm(raw: str) -> tuple[str | None, str | None, str | None]:
    """``source / medium / campaign`` (any of ``/``, ``,`` or spaces between; missing parts
    None), or ``utm_source=…&utm_medium=…`` as in a link."""
    text = raw.strip()
    if "utm_" in text:
        found = dict(re.findall(r"utm_(source|medium|campaign)=([^&\s]+)", text))
        parts = [found.get("source"), found.get("medium"), found.get("campaign")]
    else:
        split = [p for p in re.split(r"\s*[/,|]\s*|\s+", text) if p]
        if not split or len(split) > 3:
            raise InvalidInput(field="utm", reason="utm")
        parts = [*split, None, None][:3]
    if not any(parts):
        raise InvalidInput(field="utm", reason="utm")
    return tuple(  # type: ignore[return-value]
        clean_text(p, field="utm", max_len=UTM_MAX) if p else None for p in parts)


def find_phone(text: str, *, local: bool = True) -> tuple[str | None, str]:
    """A phone number inside ``text`` (normalised) and the text without it."""
    for pattern in (_PHONE_IN_TEXT, _LOCAL_PHONE) if local else (_PHONE_IN_TEXT,):
        match = pattern.search(text)
        if match:
            phone = parse_phone(match.group(0))
            return phone, " ".join((text[: match.start()] + " " + text[match.end():]).split())
    return None, " ".join(text.split())


def parse_lead_args(text: str) -> LeadArgs:
    """``Aziza Karimova +998 90 123 45 67 insta``: a name, a phone anywhere, and a last word
    that names a channel kind (``insta``, ``телеграм``…)."""
    phone, rest = find_phone(text)
    words = rest.split()
    channel = None
    if len(words) > 1 and kind_for_alias(words[-1]) is not None:
        channel = words.pop()
    if not words:
        raise InvalidInput(field="name", reason="empty")
    return LeadArgs(name=parse_name(" ".join(words)), phone=phone, channel=channel)


def parse_order_args(text: str) -> OrderArgs:
    """``250 000 instagram Aziza +998901234567``: the total first (``250k``, ``1.2 mln``),
    then an optional channel word, a customer name and a phone."""
    phone, rest = find_phone(text, local=False)
    words = rest.split()
    total, used = None, 0
    for count in range(min(4, len(words)), 0, -1):
        try:
            total = parse_amount(" ".join(words[:count]), field="total", minimum=1,
                                 maximum=MAX_AMOUNT)
        except InvalidInput:
            continue
        used = count
        break
    if total is None:
        raise InvalidInput(field="total", reason="number")
    words = words[used:]
    channel = None
    if words and kind_for_alias(words[0]) is not None:
        channel = words.pop(0)
    name = parse_name(" ".join(words), field="customer") if words else None
    return OrderArgs(total=total, channel=channel, customer_name=name, phone=phone)


def parse_items(text: str) -> tuple[OrderItem, ...]:
    """Order lines, one per line or ``;``: ``Latte 2 x 25 000`` or ``Cake 30 000``."""
    items = []
    for raw in re.split(r"[\n;]+", text):
        line = raw.strip()
        if not line:
            continue
        match = re.fullmatch(r"(.+?)\s+(\d{1,4})\s*[x×*хХ]\s*(.+)", line)
        if match:
            name, qty, price = match.group(1), int(match.group(2)), match.group(3)
        else:
            words = line.split()
            name, qty, price = "", 1, ""
            for count in range(min(3, len(words) - 1), 0, -1):
                try:
                    parse_amount(" ".join(words[-count:]), field="price", minimum=1)
                except InvalidInput:
                    continue
                name, price = " ".join(words[:-count]), " ".join(words[-count:])
                break
            if not price:
                raise InvalidInput(field="items", reason="items")
        if qty < 1:
            raise InvalidInput(field="qty", reason="range", min=1, max=9999)
        items.append(OrderItem(name=clean_text(name, field="item", max_len=NAME_MAX), qty=qty,
                               price=parse_amount(price, field="price", minimum=1,
                                                  maximum=MAX_AMOUNT)))
    if not items:
        raise InvalidInput(field="items", reason="empty")
    if len(items) > MAX_ITEMS:
        raise InvalidInput(field="items", reason="too_many", max=MAX_ITEMS)
    return tuple(items)


# --------------------------------------------------------------------------- helpers


async def _channel(session: AsyncSession, business_id: int,
                   channel_id: int | None) -> MarketingChannel | None:
    if channel_id is None:
        return None
    channel = await session.scalar(select(MarketingChannel).where(
        MarketingChannel.id == channel_id, MarketingChannel.business_id == business_id))
    if channel is None:
        raise NotFound(entity="channel", id=channel_id)
    return channel


async def _channel_names(session: AsyncSession, business_id: int) -> dict[int, str]:
    rows = await session.execute(select(MarketingChannel.id, MarketingChannel.name).where(
        MarketingChannel.business_id == business_id))
    return {int(k): str(v) for k, v in rows}


def _source(source: str) -> str:
    return source if source in SOURCES else "chat"


async def _local_day(session: AsyncSession, business_id: int, moment: datetime) -> date:
    timezone = await aggregates.business_timezone(session, business_id=business_id)
    return aggregates.local_date(moment, timezone)


async def business_today(session: AsyncSession, *, business_id: int) -> date:
    """Today in the business's reporting time zone."""
    return await _local_day(session, business_id, utcnow())


# --------------------------------------------------------------------------- leads


def _lead_view(lead: Lead, names: dict[int, str]) -> LeadView:
    return LeadView(
        lead.id, lead.name, lead.phone, lead.channel_id,
        names.get(lead.channel_id) if lead.channel_id else None, lead.utm_source,
        lead.utm_medium, lead.utm_campaign, lead.stage, lead.status, lead.score, lead.source,
        lead.day, lead.won_at, lead.created_at)


async def create_lead(
    session: AsyncSession,
    *,
    business_id: int,
    name: str,
    phone: str | None = None,
    email: str | None = None,
    telegram_id: int | None = None,
    channel_id: int | None = None,
    utm_source: str | None = None,
    utm_medium: str | None = None,
    utm_campaign: str | None = None,
    stage: str = "awareness",
    status: str = "new",
    score: int = 0,
    owner_user_id: int | None = None,
    source: str = "chat",
    arrived_at: datetime | None = None,
) -> LeadView:
    """Add a lead: validates and normalises (phone to ``+998XXXXXXXXX``), consumes one unit
    of the monthly leads limit (``LimitExceeded`` when used up) and counts it in the daily
    stats of the day it arrived (``arrived_at``, default now)."""
    clean_name = parse_name(name)
    clean_phone = parse_phone(phone) if phone else None
    clean_email = parse_email(email) if email else None
    if stage not in STAGES:
        raise InvalidInput(field="stage", reason="choice")
    if status not in STATUSES:
        raise InvalidInput(field="status", reason="choice")
    utm = [clean_text(u, field="utm", max_len=UTM_MAX) if u else None
           for u in (utm_source, utm_medium, utm_campaign)]
    channel = await _channel(session, business_id, channel_id)
    moment = arrived_at or utcnow()
    await plans.consume(session, business_id=business_id, resource=Resource.LEADS_PER_MONTH)
    lead = Lead(
        business_id=business_id, name=clean_name, phone=clean_phone, email=clean_email,
        telegram_id=telegram_id, channel_id=channel.id if channel else None,
        utm_source=utm[0], utm_medium=utm[1], utm_campaign=utm[2], stage=stage,
        status=status, score=parse_score(score), owner_user_id=owner_user_id,
        source=_source(source), day=await _local_day(session, business_id, moment),
        won_at=moment if status == "won" else None, created_at=moment, signals={},
    )
    session.add(lead)
    await session.flush()
    timezone = await aggregates.business_timezone(session, business_id=business_id)
    await aggregates.apply(session, business_id=business_id,
                           change=aggregates.of_lead(lead, timezone))
    await crm.changed(session, "lead", lead.id, business_id)
    return _lead_view(lead, await _channel_names(session, business_id))


async def _get_lead(session: AsyncSession, business_id: int, lead_id: int) -> Lead:
    lead = await session.scalar(select(Lead).where(Lead.id == lead_id,
                                                   Lead.business_id == business_id))
    if lead is None:
        raise NotFound(entity="lead", id=lead_id)
    return lead


async def get_lead(session: AsyncSession, *, business_id: int, lead_id: int) -> LeadView:
    """One lead of this business; ``NotFound`` for another business's id."""
    lead = await _get_lead(session, business_id, lead_id)
    return _lead_view(lead, await _channel_names(session, business_id))


async def list_leads(session: AsyncSession, *, business_id: int, status: str | None = None,
                     limit: int = 10) -> list[LeadView]:
    """The most recent leads, optionally of one status."""
    query = select(Lead).where(Lead.business_id == business_id)
    if status is not None:
        query = query.where(Lead.status == status)
    rows = await session.scalars(query.order_by(Lead.created_at.desc(), Lead.id.desc())
                                 .limit(limit))
    names = await _channel_names(session, business_id)
    return [_lead_view(lead, names) for lead in rows]


async def count_leads(session: AsyncSession, *, business_id: int) -> int:
    """All leads of the business."""
    return int(await session.scalar(select(func.count()).select_from(Lead).where(
        Lead.business_id == business_id)) or 0)


async def update_lead(
    session: AsyncSession,
    *,
    business_id: int,
    lead_id: int,
    name: str | None = None,
    phone: str | None = None,
    channel_id: int | None = None,
    stage: str | None = None,
    status: str | None = None,
    score: int | None = None,
) -> LeadView:
    """Change a lead (``None`` leaves a field as it is). Status ``won`` stamps ``won_at``
    (now) and counts a won lead that day; leaving ``won`` takes it back."""
    lead = await _get_lead(session, business_id, lead_id)
    timezone = await aggregates.business_timezone(session, business_id=business_id)
    before = aggregates.of_lead(lead, timezone)
    if name is not None:
        lead.name = parse_name(name)
    if phone is not None:
        lead.phone = parse_phone(phone)
    if channel_id is not None:
        lead.channel_id = (await _channel(session, business_id, channel_id)).id  # type: ignore[union-attr]
    if stage is not None:
        if stage not in STAGES:
            raise InvalidInput(field="stage", reason="choice")
        lead.stage = stage
    if status is not None:
        if status not in STATUSES:
            raise InvalidInput(field="status", reason="choice")
        if status == "won" and lead.status != "won":
            lead.won_at = utcnow()
        elif status != "won":
            lead.won_at = None
        lead.status = status
    if score is not None:
        lead.score = parse_score(score)
    await session.flush()
    await aggregates.apply(session, business_id=business_id,
                           change=aggregates.of_lead(lead, timezone) - before)
    await crm.changed(session, "lead", lead.id, business_id)
    return _lead_view(lead, await _channel_names(session, business_id))


async def delete_lead(session: AsyncSession, *, business_id: int, lead_id: int) -> None:
    """Remove a lead; its daily counts go with it (the monthly limit unit stays used)."""
    lead = await _get_lead(session, business_id, lead_id)
    timezone = await aggregates.business_timezone(session, business_id=business_id)
    await aggregates.apply(session, business_id=business_id,
                           change=aggregates.Contribution() - aggregates.of_lead(lead, timezone))
    await session.delete(lead)
    await session.flush()
    await crm.deleted(session, "lead", lead_id, business_id)  # its deal closes as lost


# --------------------------------------------------------------------------- customers


def _customer_view(c: Customer) -> CustomerView:
    return CustomerView(c.id, c.name, c.phone, c.orders_count, c.total_spent,
                        c.first_order_at, c.last_order_at)


async def find_or_create_customer(
    session: AsyncSession, *, business_id: int, phone: str | None = None,
    name: str | None = None, telegram_id: int | None = None,
    source_channel_id: int | None = None,
) -> tuple[CustomerView, bool]:
    """The customer with this phone (or Telegram id), else a new one; ``(customer, created)``.
    A new customer without a name is named by the phone."""
    clean_phone = parse_phone(phone) if phone else None
    for column, value in ((Customer.phone, clean_phone), (Customer.telegram_id, telegram_id)):
        if value is None:
            continue
        found = await session.scalar(select(Customer).where(
            Customer.business_id == business_id, column == value).order_by(Customer.id)
            .limit(1))
        if found is not None:
            return _customer_view(found), False
    if not name and not clean_phone:
        raise InvalidInput(field="customer", reason="empty")
    channel = await _channel(session, business_id, source_channel_id)
    customer = Customer(business_id=business_id, name=parse_name(name or clean_phone or ""),
                        phone=clean_phone, telegram_id=telegram_id,
                        source_channel_id=channel.id if channel else None,
                        orders_count=0, total_spent=0)
    session.add(customer)
    await session.flush()
    await crm.changed(session, "customer", customer.id, business_id)
    return _customer_view(customer), True


async def get_customer(session: AsyncSession, *, business_id: int,
                       customer_id: int) -> CustomerView:
    """One customer of this business."""
    return _customer_view(await _get_customer(session, business_id, customer_id))


async def _get_customer(session: AsyncSession, business_id: int,
                        customer_id: int) -> Customer:
    customer = await session.scalar(select(Customer).where(
        Customer.id == customer_id, Customer.business_id == business_id))
    if customer is None:
        raise NotFound(entity="customer", id=customer_id)
    return customer


async def list_customers(session: AsyncSession, *, business_id: int, limit: int = 10
                         ) -> list[CustomerView]:
    """Customers, the most recent buyers first (never-bought ones last)."""
    rows = await session.scalars(
        select(Customer).where(Customer.business_id == business_id)
        .order_by(Customer.last_order_at.is_(None), Customer.last_order_at.desc(),
                  Customer.id.desc()).limit(limit))
    return [_customer_view(c) for c in rows]


async def refresh_customer(session: AsyncSession, *, customer_id: int) -> None:
    """Recount a customer's first/last order, order count and total spent from their paid
    orders (one customer's rows, by index)."""
    customer = await session.get(Customer, customer_id)
    if customer is None:
        return
    paid = (Order.customer_id == customer_id, Order.status == "paid")
    count, total = (await session.execute(
        select(func.count(), func.coalesce(func.sum(Order.total), 0)).where(*paid))).one()
    # the datetimes are read as column values (not aggregates) so they come back aware UTC
    customer.first_order_at = await session.scalar(
        select(Order.ordered_at).where(*paid).order_by(Order.ordered_at).limit(1))
    customer.last_order_at = await session.scalar(
        select(Order.ordered_at).where(*paid).order_by(Order.ordered_at.desc()).limit(1))
    customer.orders_count = int(count or 0)
    customer.total_spent = int(total or 0)
    await session.flush()


# --------------------------------------------------------------------------- orders


def _items(raw: list[dict[str, Any]] | None) -> tuple[OrderItem, ...]:
    return tuple(OrderItem(str(i.get("name", "")), int(i.get("qty", 1)), int(i.get("price", 0)))
                 for i in raw or [])


async def _order_view(session: AsyncSession, order: Order) -> OrderView:
    channel = await session.get(MarketingChannel, order.channel_id) if order.channel_id else None
    customer = await session.get(Customer, order.customer_id) if order.customer_id else None
    return OrderView(
        order.id, order.total, _items(order.items), order.status, order.day, order.ordered_at,
        order.channel_id, channel.name if channel else None, order.customer_id,
        customer.name if customer else None, customer.phone if customer else None,
        order.source)


def _check_total(total: int) -> int:
    if not 1 <= total <= MAX_AMOUNT:
        raise InvalidInput(field="total", reason="range", min=1, max=MAX_AMOUNT)
    return total


async def _moment_for_day(session: AsyncSession, business_id: int, day: date) -> datetime:
    """An order typed for a past day is placed at noon of that day, business time."""
    timezone = await aggregates.business_timezone(session, business_id=business_id)
    now = utcnow()
    if aggregates.local_date(now, timezone) == day:
        return now
    return datetime.combine(day, time(12), tzinfo=ZoneInfo(timezone))


async def _write_order(session: AsyncSession, business_id: int, order: Order | None,
                       change: Callable[[], Awaitable[Order | None]],
                       also: int | None = None) -> Order | None:
    """Run ``change`` (it mutates, adds or deletes the order and returns it or None) and move
    the daily stats and the customers' totals by the difference it made. ``also`` is a
    customer the change links the order to."""
    before = aggregates.of_order(order)
    customers = {cid for cid in (order.customer_id if order else None, also) if cid}
    firsts = {cid: await aggregates.first_paid_order(session, customer_id=cid)
              for cid in customers}
    order = await change()
    await session.flush()
    delta = aggregates.of_order(order) - before
    for customer_id in sorted(customers):
        new = await aggregates.first_paid_order(session, customer_id=customer_id)
        if firsts[customer_id] != new:
            delta.merge(aggregates.of_first_order(new)).merge(
                aggregates.of_first_order(firsts[customer_id]), -1)
        await refresh_customer(session, customer_id=customer_id)
    await aggregates.apply(session, business_id=business_id, change=delta)
    return order


async def create_order(
    session: AsyncSession,
    *,
    business_id: int,
    total: int | None = None,
    items: tuple[OrderItem, ...] | list[OrderItem] | None = None,
    channel_id: int | None = None,
    customer_id: int | None = None,
    lead_id: int | None = None,
    ordered_at: datetime | None = None,
    day: date | None = None,
    status: str = "paid",
    source: str = "chat",
) -> OrderView:
    """Record an order: ``total``, or ``items`` whose sum is the total; ``day`` (business
    local) or ``ordered_at`` (default now). Customer totals and daily stats follow."""
    lines = tuple(items or ())
    if total is None and not lines:
        raise InvalidInput(field="total", reason="empty")
    amount = _check_total(sum(i.amount for i in lines) if lines else int(total or 0))
    if status not in ORDER_STATUSES:
        raise InvalidInput(field="status", reason="choice")
    channel = await _channel(session, business_id, channel_id)
    customer = (await _get_customer(session, business_id, customer_id)
                if customer_id is not None else None)
    if lead_id is not None:
        await _get_lead(session, business_id, lead_id)
    if ordered_at is None:
        ordered_at = (await _moment_for_day(session, business_id, day) if day is not None
                      else utcnow())
    order_day = await _local_day(session, business_id, ordered_at)

    async def add() -> Order:
        order = Order(business_id=business_id, customer_id=customer.id if customer else None,
                      lead_id=lead_id, channel_id=channel.id if channel else None,
                      items=[{"name": i.name, "qty": i.qty, "price": i.price} for i in lines],
                      total=amount, status=status, ordered_at=ordered_at, day=order_day,
                      source=_source(source))
        session.add(order)
        return order

    order = await _write_order(session, business_id, None, add,
                               also=customer.id if customer else None)
    assert order is not None
    await crm.changed(session, "order", order.id, business_id)
    return await _order_view(session, order)


async def _get_order(session: AsyncSession, business_id: int, order_id: int) -> Order:
    order = await session.scalar(select(Order).where(Order.id == order_id,
                                                     Order.business_id == business_id))
    if order is None:
        raise NotFound(entity="order", id=order_id)
    return order


async def get_order(session: AsyncSession, *, business_id: int, order_id: int) -> OrderView:
    """One order of this business; ``NotFound`` for another business's id."""
    return await _order_view(session, await _get_order(session, business_id, order_id))


async def list_orders(session: AsyncSession, *, business_id: int, limit: int = 10
                      ) -> list[OrderView]:
    """The most recent orders."""
    rows = await session.scalars(select(Order).where(Order.business_id == business_id)
                                 .order_by(Order.ordered_at.desc(), Order.id.desc())
                                 .limit(limit))
    return [await _order_view(session, o) for o in rows]


async def update_order(
    session: AsyncSession,
    *,
    business_id: int,
    order_id: int,
    total: int | None = None,
    items: tuple[OrderItem, ...] | list[OrderItem] | None = None,
    channel_id: int | None = None,
    customer_id: int | None = None,
    day: date | None = None,
    status: str | None = None,
) -> OrderView:
    """Change an order (``None`` leaves a field as it is): its total or items, channel,
    customer, day, or status (``cancelled``/``refunded`` stop counting it)."""
    order = await _get_order(session, business_id, order_id)
    channel = await _channel(session, business_id, channel_id)
    customer = (await _get_customer(session, business_id, customer_id)
                if customer_id is not None else None)
    if status is not None and status not in ORDER_STATUSES:
        raise InvalidInput(field="status", reason="choice")
    moment = await _moment_for_day(session, business_id, day) if day is not None else None

    async def change() -> Order:
        if items:
            order.items = [{"name": i.name, "qty": i.qty, "price": i.price} for i in items]
            order.total = _check_total(sum(i.amount for i in items))
        elif total is not None:
            order.total = _check_total(total)
            order.items = []
        if channel is not None:
            order.channel_id = channel.id
        if customer is not None:
            order.customer_id = customer.id
        if moment is not None and day is not None:
            order.ordered_at, order.day = moment, day
        if status is not None:
            order.status = status
        return order

    await _write_order(session, business_id, order, change,
                       also=customer.id if customer else None)
    await crm.changed(session, "order", order.id, business_id)
    return await _order_view(session, order)


async def set_order_status(session: AsyncSession, *, business_id: int, order_id: int,
                           status: str) -> OrderView:
    """Mark an order paid, cancelled or refunded."""
    return await update_order(session, business_id=business_id, order_id=order_id,
                              status=status)


async def delete_order(session: AsyncSession, *, business_id: int, order_id: int) -> None:
    """Remove an order; the customer's totals and the daily stats follow."""
    order = await _get_order(session, business_id, order_id)
    lead_id = order.lead_id

    async def remove() -> None:
        await session.delete(order)
        return None

    await _write_order(session, business_id, order, remove)
    await crm.deleted(session, "order", order_id, business_id, lead_id=lead_id)
