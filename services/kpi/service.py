"""The KPI engine over the aggregates: ``DailyStat`` (per day and channel), ``Customer`` totals,
channel snapshots and an indexed count of leads by stage — never a scan of orders."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Executable,
    Integer,
    ScalarSelect,
    Select,
    String,
    case,
    cast,
    func,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from services import goals as goals_service
from services.aggregates import business_timezone  # the one reader (cached per session)
from services.db.models import (
    AnalyticsSettings,
    Business,
    ChannelSnapshot,
    Customer,
    DailyStat,
    Lead,
    MarketingChannel,
    SalesConversation,
)
from services.errors import InvalidInput, NotFound
from services.goals import GoalView
from services.kpi import formulas as f
from services.kpi.formulas import Change, Tone
from services.kpi.periods import Period, PeriodKind, local_midnight_utc, local_today, make_period
from services.kpi.scoring import FunnelStep, HealthScore, Segment, funnel, health_score
from services.validation import parse_int

DEFAULT_TIMEZONE = "Asia/Tashkent"
# CLV and churn come from the business's own history once it is long and wide enough.
MIN_HISTORY_DAYS = 90
MIN_HISTORY_CUSTOMERS = 20
# Used where neither history nor the owner's assumptions give a number.
DEFAULT_MARGIN_PCT = 30
DEFAULT_PURCHASES_PER_YEAR = 2.0
DEFAULT_LIFESPAN_YEARS = 2.0
MAX_LIFESPAN_YEARS = 5.0  # a 0% churn would mean forever; cap the lifetime
CHURN_MONTH_DAYS = 30


class KpiName(StrEnum):
    REVENUE = "revenue"
    LEADS = "leads"
    ORDERS = "orders"
    SPEND = "spend"
    NEW_CUSTOMERS = "new_customers"
    CAC = "cac"
    AOV = "aov"
    CLV = "clv"
    LTV_CAC = "ltv_cac"
    ROAS = "roas"
    ROI = "roi"
    CHURN = "churn"
    LEAD_CONVERSION = "lead_conversion"
    ENGAGEMENT = "engagement"
    CPL = "cpl"


# KPIs with one value per day (the small chart of /kpi); the others are period-level.
DAILY_KPIS = frozenset({KpiName.REVENUE, KpiName.LEADS, KpiName.ORDERS, KpiName.SPEND,
                        KpiName.NEW_CUSTOMERS, KpiName.CAC, KpiName.AOV, KpiName.ROAS,
                        KpiName.ROI, KpiName.LEAD_CONVERSION, KpiName.CPL})


class ClvSource(StrEnum):
    HISTORY = "history"  # the business's own orders and customers
    ASSUMPTIONS = "assumptions"  # history too short: the owner's assumptions
    DEFAULTS = "defaults"  # history too short and no assumptions entered: built-in defaults


@dataclass(frozen=True, slots=True)
class Totals:
    """Sums of ``DailyStat`` over some days."""

    spend: int = 0
    impressions: int = 0
    clicks: int = 0
    leads: int = 0
    won_leads: int = 0
    orders: int = 0
    revenue: int = 0
    new_customers: int = 0

    def __add__(self, other: Totals) -> Totals:
        return Totals(*(getattr(self, x.name) + getattr(other, x.name) for x in fields(self)))


@dataclass(frozen=True, slots=True)
class Assumptions:
    """Owner-entered numbers used where history is too short, and the reporting time zone."""

    gross_margin_pct: int | None
    purchases_per_year: float | None
    lifespan_years: float | None
    repeat_window_days: int
    timezone: str | None


@dataclass(frozen=True, slots=True)
class ChurnResult:
    """Monthly churn for the 30 days ending ``end``: lost / customers at the start × 100."""

    value: float | None
    at_start: int
    lost: int
    window_days: int


@dataclass(frozen=True, slots=True)
class ClvEstimate:
    value: float | None
    aov: float | None
    purchases_per_year: float | None
    lifespan_years: float | None
    margin_pct: float
    source: ClvSource
    margin_assumed: bool  # no margin entered: DEFAULT_MARGIN_PCT was used
    history_days: int
    customers: int


@dataclass(frozen=True, slots=True)
class KpiCard:
    name: KpiName
    value: float | None
    previous: float | None
    change: Change
    band: StrEnum | None
    tone: Tone | None


@dataclass(frozen=True, slots=True)
class DayPoint:
    day: date
    revenue: int
    spend: int


@dataclass(frozen=True, slots=True)
class ChannelRow:
    channel_id: int  # 0: not attributed
    name: str | None
    kind: str | None
    spend: int
    leads: int
    orders: int
    revenue: int
    roi: float | None
    roas: float | None
    cpl: float | None
    ctr: float | None
    cpc: float | None
    cpm: float | None
    conversion_rate: float | None  # leads / clicks × 100
    lead_share: float | None
    revenue_share: float | None


@dataclass(frozen=True, slots=True)
class ChatbotStats:
    """The sales chatbot in the period: conversations with activity, and hand-offs asked."""

    conversations: int = 0
    handoffs: int = 0


@dataclass(frozen=True, slots=True)
class Dashboard:
    business_id: int
    period: Period
    has_data: bool  # anything ever recorded (spend, leads, orders, customers)
    totals: Totals
    previous_totals: Totals
    cards: dict[KpiName, KpiCard]
    series: list[DayPoint]
    funnel: list[FunnelStep]
    channels: list[ChannelRow]
    goals: list[GoalView]
    clv: ClvEstimate
    churn: ChurnResult
    health: HealthScore
    chatbot: ChatbotStats = ChatbotStats()


@dataclass(frozen=True, slots=True)
class KpiResult:
    name: KpiName
    period: Period
    has_data: bool
    card: KpiCard
    series: list[tuple[date, float | None]]  # empty for period-level KPIs
    clv: ClvEstimate

    @property
    def value(self) -> float | None:
        return self.card.value

    @property
    def band(self) -> StrEnum | None:
        return self.card.band

    @property
    def change(self) -> Change:
        return self.card.change


@dataclass(frozen=True, slots=True)
class Power4Split:
    counts: dict[Segment, int] = field(default_factory=dict)
    repeat_window_days: int = 60


# --------------------------------------------------------------------------- settings


async def get_assumptions(session: AsyncSession, *, business_id: int) -> Assumptions:
    """The business's assumptions (defaults when nothing was entered yet)."""
    row = await session.get(AnalyticsSettings, business_id)
    if row is None:
        return Assumptions(None, None, None, 60, None)
    return Assumptions(row.gross_margin_pct, row.purchases_per_year, row.lifespan_years,
                       row.repeat_window_days, row.timezone)


def _parse_decimal(raw: str, *, field: str, minimum: float, maximum: float) -> float:
    text = raw.strip().replace(",", ".").replace(" ", "").rstrip("%")
    try:
        value = float(text)
    except ValueError as exc:
        raise InvalidInput(field=field, reason="number") from exc
    if not f.finite(value) or not minimum <= value <= maximum:
        raise InvalidInput(field=field, reason="range", min=minimum, max=maximum)
    return round(value, 2)


ASSUMPTION_FIELDS = ("gross_margin_pct", "purchases_per_year", "lifespan_years",
                     "repeat_window_days")


def parse_assumption(name: str, raw: str) -> int | float:
    """One assumption typed by the owner: margin 1–100 %, purchases a year 0.1–365,
    lifespan 0.1–50 years, repeat window 7–730 days."""
    if name == "gross_margin_pct":
        return parse_int(raw.strip().rstrip("%"), field=name, minimum=1, maximum=100)
    if name == "purchases_per_year":
        return _parse_decimal(raw, field=name, minimum=0.1, maximum=365)
    if name == "lifespan_years":
        return _parse_decimal(raw, field=name, minimum=0.1, maximum=50)
    if name == "repeat_window_days":
        return parse_int(raw, field=name, minimum=7, maximum=730)
    raise InvalidInput(field=name, reason="choice")


async def set_assumption(session: AsyncSession, *, business_id: int, name: str, raw: str
                         ) -> Assumptions:
    """Parse and save one assumption (``ASSUMPTION_FIELDS``) typed by the owner."""
    value = parse_assumption(name, raw)
    row = await session.get(AnalyticsSettings, business_id)
    if row is None:
        row = AnalyticsSettings(business_id=business_id, repeat_window_days=60)
        session.add(row)
    setattr(row, name, value)
    await session.flush()
    return await get_assumptions(session, business_id=business_id)


# ------------------------------------------------------------------------------ periods


async def period_for(session: AsyncSession, *, business_id: int, kind: PeriodKind | str,
                     start: date | None = None, end: date | None = None,
                     now: datetime | None = None) -> Period:
    """The period of ``kind`` ending today in the business's time zone."""
    tz = await business_timezone(session, business_id=business_id)
    return make_period(kind, today=local_today(tz, now=now), timezone=tz, start=start, end=end)


# ------------------------------------------------------------------------------- reading
#
# A dashboard is four round trips (plus the goals): the settings, the daily sums (per day for
# the last year and per channel for the period, one UNION ALL), the customer counts (one
# statement of index range counts) and the funnel with engagement and the chatbot (one
# UNION ALL). Every statement is a Core select returning tuples; no ORM instances are built.


_SUMS = (DailyStat.spend, DailyStat.impressions, DailyStat.clicks, DailyStat.leads,
         DailyStat.won_leads, DailyStat.orders, DailyStat.revenue, DailyStat.new_customers)


def _totals(row: Sequence[object]) -> Totals:
    return Totals(*(int(v or 0) for v in row))  # type: ignore[call-overload]


def _sum(daily: dict[date, Totals], lo: date, hi: date) -> Totals:
    sums = [0] * 8
    for day, t in daily.items():
        if lo <= day <= hi:
            sums[0] += t.spend
            sums[1] += t.impressions
            sums[2] += t.clicks
            sums[3] += t.leads
            sums[4] += t.won_leads
            sums[5] += t.orders
            sums[6] += t.revenue
            sums[7] += t.new_customers
    return Totals(*sums)


@dataclass(frozen=True, slots=True)
class _Base:
    assumptions: Assumptions
    first_day: date | None  # first day with an order
    any_stat: bool


async def _base(session: AsyncSession, business_id: int) -> _Base:
    """Assumptions, the first day with orders and whether any daily stat exists: one row."""
    first_day = (select(func.min(DailyStat.day))
                 .where(DailyStat.business_id == business_id, DailyStat.orders > 0)
                 .scalar_subquery())
    any_stat = (select(DailyStat.day).where(DailyStat.business_id == business_id).limit(1)
                .scalar_subquery())
    row = (await session.execute(
        select(AnalyticsSettings.gross_margin_pct, AnalyticsSettings.purchases_per_year,
               AnalyticsSettings.lifespan_years, AnalyticsSettings.repeat_window_days,
               AnalyticsSettings.timezone, first_day, any_stat)
        .select_from(Business)
        .outerjoin(AnalyticsSettings, AnalyticsSettings.business_id == Business.id)
        .where(Business.id == business_id))).first()
    if row is None:
        raise NotFound(entity="business", id=business_id)
    assumptions = Assumptions(row[0], row[1], row[2], row[3] or 60, row[4])
    return _Base(assumptions, row[5], row[6] is not None)


async def _daily_and_channels(session: AsyncSession, business_id: int, lo: date, hi: date,
                              period: Period | None
                              ) -> tuple[dict[date, Totals], list[tuple[int, str | None,
                                                                        str | None, Totals]]]:
    """Sums per day over ``lo..hi`` and, with ``period``, per channel (with its name) over
    the period — one statement."""
    by_day = (select(literal(0).label("part"), DailyStat.day.label("day"),
                     cast(null(), Integer).label("channel_id"),
                     cast(null(), String).label("name"), cast(null(), String).label("kind"),
                     *(func.sum(c) for c in _SUMS))
              .where(DailyStat.business_id == business_id, DailyStat.day >= lo,
                     DailyStat.day <= hi)
              .group_by(DailyStat.day))
    query: Executable = by_day
    if period is not None:
        by_channel = (select(literal(1), cast(null(), Date), DailyStat.channel_id,
                             MarketingChannel.name, MarketingChannel.kind,
                             *(func.sum(c) for c in _SUMS))
                      .select_from(DailyStat)
                      .outerjoin(MarketingChannel,
                                 (MarketingChannel.id == DailyStat.channel_id)
                                 & (MarketingChannel.business_id == business_id))
                      .where(DailyStat.business_id == business_id,
                             DailyStat.day >= period.start, DailyStat.day <= period.end)
                      .group_by(DailyStat.channel_id, MarketingChannel.name,
                                MarketingChannel.kind))
        query = union_all(by_day, by_channel)
    daily: dict[date, Totals] = {}
    channels: list[tuple[int, str | None, str | None, Totals]] = []
    for row in await session.execute(query):
        if row[0] == 0:
            day = row[1]
            daily[day if isinstance(day, date) else date.fromisoformat(day)] = _totals(row[5:])
        else:
            channels.append((int(row[2]), row[3], row[4], _totals(row[5:])))
    return daily, channels


@dataclass(frozen=True, slots=True)
class _Bounds:
    """The moments the churn and CLV counts of one period compare last orders with."""

    churn_start: date  # first day of the churn month
    active_from: datetime  # last order on or after: active at the month's start
    lost_before: datetime  # last order before: lapsed by the month's end
    first_before: datetime  # first order before: already a customer at the month's start
    buyers_from: datetime  # last order on or after: bought in the CLV year
    window_days: int  # the CLV year's length (≤ 365)


def _bounds(end: date, tz: str, window: int, first_day: date | None) -> _Bounds:
    start = end - timedelta(days=CHURN_MONTH_DAYS - 1)
    start_utc = local_midnight_utc(start, tz)
    w = timedelta(days=window)
    history_days = 0 if first_day is None else max(0, (end - first_day).days + 1)
    window_days = max(1, min(365, history_days))
    lo = end - timedelta(days=window_days - 1)
    return _Bounds(start, start_utc - w, local_midnight_utc(end + timedelta(days=1), tz) - w,
                   start_utc, local_midnight_utc(lo, tz), window_days)


def _customer_count(business_id: int, *conditions: ColumnElement[bool]) -> ScalarSelect[int]:
    return (select(func.count()).select_from(Customer)
            .where(Customer.business_id == business_id, *conditions).scalar_subquery())


async def _customer_counts(session: AsyncSession, business_id: int, bounds: Sequence[_Bounds]
                           ) -> tuple[int, list[tuple[int, int, int]]]:
    """All customers, and per period (active at the churn month's start, lost by its end,
    buyers in the CLV year): index range counts on (business_id, last_order_at,
    first_order_at), one statement."""
    last = Customer.last_order_at
    columns = [_customer_count(business_id)]
    for b in bounds:
        columns += [
            _customer_count(business_id, last >= b.active_from),
            _customer_count(business_id, last >= b.active_from, last < b.lost_before,
                            Customer.first_order_at < b.first_before),
            _customer_count(business_id, last >= b.buyers_from)]
    row = (await session.execute(select(*columns))).one()
    values = [int(v or 0) for v in row]
    return values[0], [(values[i], values[i + 1], values[i + 2])
                       for i in range(1, len(values), 3)]


def _churn(counts: tuple[int, int, int], b: _Bounds, window: int,
           daily: dict[date, Totals]) -> ChurnResult:
    """Monthly churn for the 30 days ending the period. A customer is active at a moment when
    they bought within the repeat window before it; at the start = active at the month's
    start and already a customer then; lost = of those, no purchase in the window by the
    month's end. Read from the customers' current last order (a lost customer who came back
    later no longer counts as lost)."""
    active, lost, _ = counts
    newer = sum(t.new_customers for d, t in daily.items() if d >= b.churn_start)
    at_start = max(0, active - newer)
    return ChurnResult(f.churn_rate(lost, at_start), at_start, min(lost, at_start), window)


def _clv(end: date, b: _Bounds, buyers: int, *, assumptions: Assumptions,
         daily: dict[date, Totals], churn: ChurnResult, first_day: date | None,
         customers: int) -> ClvEstimate:
    """CLV as of ``end``: AOV, purchases a year and lifespan from the last year of history
    (lifespan = 1 / yearly churn) when there are ≥ 90 days and ≥ 20 customers; otherwise
    the owner's assumptions (or the defaults). The margin is always the owner's."""
    margin_assumed = assumptions.gross_margin_pct is None
    margin = float(DEFAULT_MARGIN_PCT if margin_assumed else assumptions.gross_margin_pct or 0)
    history_days = 0 if first_day is None else max(0, (end - first_day).days + 1)
    year = _sum(daily, end - timedelta(days=b.window_days - 1), end)
    aov = f.aov(year.revenue, year.orders)
    if history_days >= MIN_HISTORY_DAYS and customers >= MIN_HISTORY_CUSTOMERS:
        ppy = f.ratio(year.orders * 365, buyers * b.window_days)
        monthly = churn.value
        lifespan = MAX_LIFESPAN_YEARS if not monthly else min(
            MAX_LIFESPAN_YEARS, max(1 / 12, 100 / monthly / 12))
        return ClvEstimate(f.clv(aov, ppy, lifespan, margin), aov, ppy, lifespan, margin,
                           ClvSource.HISTORY, margin_assumed, history_days, customers)
    entered = assumptions.purchases_per_year is not None or assumptions.lifespan_years is not None
    ppy = assumptions.purchases_per_year or DEFAULT_PURCHASES_PER_YEAR
    lifespan = assumptions.lifespan_years or DEFAULT_LIFESPAN_YEARS
    source = ClvSource.ASSUMPTIONS if entered else ClvSource.DEFAULTS
    return ClvEstimate(f.clv(aov, ppy, lifespan, margin), aov, ppy, lifespan, margin, source,
                       margin_assumed, history_days, customers)


def _engagement_arm(business_id: int, period: Period, tag: str) -> Select[*tuple[Any, ...]]:
    """Interactions and members summed over every channel's latest snapshot in the period."""
    start, end = period.start_utc(), period.end_utc()
    latest = (select(ChannelSnapshot.channel_id, func.max(ChannelSnapshot.taken_at).label("at"))
              .where(ChannelSnapshot.business_id == business_id,
                     ChannelSnapshot.taken_at >= start, ChannelSnapshot.taken_at < end)
              .group_by(ChannelSnapshot.channel_id).subquery())
    return (select(literal(tag), cast(null(), String), func.sum(ChannelSnapshot.interactions),
                   func.sum(ChannelSnapshot.members))
            .join(latest, (latest.c.channel_id == ChannelSnapshot.channel_id)
                  & (latest.c.at == ChannelSnapshot.taken_at))
            .where(ChannelSnapshot.business_id == business_id))


async def _engagement_and_funnel(session: AsyncSession, business_id: int, period: Period,
                                 *, funnel_too: bool
                                 ) -> tuple[list[float | None], list[FunnelStep], ChatbotStats]:
    """Engagement rate of the period and the previous one, and (``funnel_too``) the
    period's leads per stage (index-only on ``ix_leads_business_day_stage``) and the sales
    chatbot's conversations: one UNION ALL. A lead counts for its stage; a won lead as a
    purchase."""
    arms: list[Select[*tuple[Any, ...]]] = [_engagement_arm(business_id, period, "e0"),
                               _engagement_arm(business_id, period.previous, "e1")]
    if funnel_too:
        stage = case((Lead.status == "won", "purchase"), else_=Lead.stage)
        arms.append(select(literal("f"), stage, func.count(), cast(null(), Integer))
                    .where(Lead.business_id == business_id, Lead.day >= period.start,
                           Lead.day <= period.end)
                    .group_by(stage))
        start, end = period.start_utc(), period.end_utc()
        handoff = case(((SalesConversation.handoff_at >= start)
                        & (SalesConversation.handoff_at < end), 1), else_=0)
        arms.append(select(literal("c"), cast(null(), String), func.count(), func.sum(handoff))
                    .where(SalesConversation.business_id == business_id,
                           SalesConversation.updated_at >= start,
                           SalesConversation.updated_at < end))
    engagement: list[float | None] = [None, None]
    stages: dict[str, int] = {}
    chatbot = ChatbotStats()
    for tag, key, a, b in await session.execute(union_all(*arms)):
        if tag == "f":
            stages[str(key)] = int(a)
        elif tag == "c":
            chatbot = ChatbotStats(int(a or 0), int(b or 0))
        else:
            engagement[int(tag[1])] = f.engagement_rate(a, b)
    return engagement, funnel(stages) if funnel_too else [], chatbot


def _channel_rows(rows: list[tuple[int, str | None, str | None, Totals]],
                  totals: Totals) -> list[ChannelRow]:
    result = []
    for channel_id, name, kind, t in rows:
        if t == Totals():
            continue
        result.append(ChannelRow(
            channel_id, name, kind, t.spend, t.leads, t.orders, t.revenue,
            f.roi(t.revenue, t.spend), f.roas(t.revenue, t.spend), f.cpl(t.spend, t.leads),
            f.ctr(t.clicks, t.impressions), f.cpc(t.spend, t.clicks),
            f.cpm(t.spend, t.impressions), f.conversion_rate(t.leads, t.clicks),
            f.share(t.leads, totals.leads), f.share(t.revenue, totals.revenue)))
    return sorted(result, key=lambda c: (-c.revenue, -c.leads, c.channel_id))


def kpi_values(t: Totals, *, clv: float | None, churn: float | None,
               engagement: float | None) -> dict[KpiName, float | None]:
    """Every KPI from a period's totals and the period-level CLV, churn and engagement."""
    cac = f.cac(t.spend, t.new_customers)
    return {
        KpiName.REVENUE: float(t.revenue), KpiName.LEADS: float(t.leads),
        KpiName.ORDERS: float(t.orders), KpiName.SPEND: float(t.spend),
        KpiName.NEW_CUSTOMERS: float(t.new_customers), KpiName.CAC: cac,
        KpiName.AOV: f.aov(t.revenue, t.orders), KpiName.CLV: clv,
        KpiName.LTV_CAC: f.ltv_cac(clv, cac), KpiName.ROAS: f.roas(t.revenue, t.spend),
        KpiName.ROI: f.roi(t.revenue, t.spend), KpiName.CHURN: churn,
        KpiName.LEAD_CONVERSION: f.lead_conversion(t.won_leads, t.leads),
        KpiName.ENGAGEMENT: engagement, KpiName.CPL: f.cpl(t.spend, t.leads),
    }


def kpi_band(name: KpiName, value: float | None, *, clv: float | None) -> StrEnum | None:
    """The SPEC band of a KPI value (``None`` for KPIs without bands)."""
    if name is KpiName.CAC:
        return f.cac_band(value, clv)
    banding = {KpiName.LTV_CAC: f.ltv_cac_band, KpiName.ROAS: f.roas_band,
               KpiName.ROI: f.roi_band, KpiName.CHURN: f.churn_band,
               KpiName.LEAD_CONVERSION: f.conversion_band,
               KpiName.ENGAGEMENT: f.engagement_band}.get(name)
    return None if banding is None else banding(value)


@dataclass(frozen=True, slots=True)
class _State:
    has_data: bool
    daily: dict[date, Totals]
    totals: Totals
    previous_totals: Totals
    cards: dict[KpiName, KpiCard]
    clv: ClvEstimate
    churn: ChurnResult
    engagement: float | None
    funnel: list[FunnelStep]
    channels: list[ChannelRow]
    chatbot: ChatbotStats


async def _compute(session: AsyncSession, business_id: int, period: Period,
                   now: datetime | None, *, full: bool) -> _State:
    """Everything the cards need (and, ``full``, the funnel and the channel split)."""
    tz = period.timezone
    prev = period.previous
    today = max(local_today(tz, now=now or datetime.now(UTC)), period.end)
    lo = min(prev.start, prev.end - timedelta(days=364))
    base = await _base(session, business_id)
    assumptions = base.assumptions
    window = assumptions.repeat_window_days
    daily, channel_sums = await _daily_and_channels(session, business_id, lo, today,
                                                    period if full else None)
    bounds = [_bounds(p.end, tz, window, base.first_day) for p in (period, prev)]
    customers, counts = await _customer_counts(session, business_id, bounds)
    engagement, steps, chatbot = await _engagement_and_funnel(session, business_id, period,
                                                              funnel_too=full)
    values: list[dict[KpiName, float | None]] = []
    clvs: list[ClvEstimate] = []
    churns: list[ChurnResult] = []
    for p, b, c, er in zip((period, prev), bounds, counts, engagement, strict=True):
        churn = _churn(c, b, window, daily)
        clv = _clv(p.end, b, c[2], assumptions=assumptions, daily=daily, churn=churn,
                   first_day=base.first_day, customers=customers)
        values.append(kpi_values(_sum(daily, p.start, p.end), clv=clv.value,
                                 churn=churn.value, engagement=er))
        clvs.append(clv)
        churns.append(churn)
    cards = {}
    for name in KpiName:
        value, previous = values[0][name], values[1][name]
        band = kpi_band(name, value, clv=clvs[0].value)
        cards[name] = KpiCard(name, value, previous, f.change(value, previous), band,
                              f.tone(band))
    has_data = bool(daily) or base.any_stat or customers > 0
    totals = _sum(daily, period.start, period.end)
    return _State(has_data, daily, totals, _sum(daily, prev.start, prev.end),
                  cards, clvs[0], churns[0], values[0][KpiName.ENGAGEMENT], steps,
                  _channel_rows(channel_sums, totals), chatbot)


async def dashboard(session: AsyncSession, *, business_id: int, period: Period,
                    now: datetime | None = None) -> Dashboard:
    """Cards with change vs the previous period and bands, daily revenue and spend, the
    funnel, the channel split, goals progress, CLV, churn and the health score."""
    s = await _compute(session, business_id, period, now, full=True)
    empty = Totals()
    series = [DayPoint(d, s.daily.get(d, empty).revenue, s.daily.get(d, empty).spend)
              for d in period.day_list()]
    cards = s.cards
    health = health_score(
        revenue_growth_pct=cards[KpiName.REVENUE].change.pct,
        lead_conversion_pct=cards[KpiName.LEAD_CONVERSION].value,
        churn_pct=s.churn.value, roas=cards[KpiName.ROAS].value,
        engagement_pct=s.engagement)
    return Dashboard(
        business_id, period, s.has_data, s.totals, s.previous_totals, cards, series,
        s.funnel, s.channels, await goals_service.list_goals(session, business_id=business_id),
        s.clv, s.churn, health, s.chatbot)


async def kpi(session: AsyncSession, *, business_id: int, name: KpiName | str, period: Period,
              now: datetime | None = None) -> KpiResult:
    """One KPI: value, band, change vs the previous period and a daily series."""
    kpi_name = KpiName(name)
    s = await _compute(session, business_id, period, now, full=False)
    series: list[tuple[date, float | None]] = []
    if kpi_name in DAILY_KPIS:
        for d in period.day_list():
            day_values = kpi_values(s.daily.get(d, Totals()), clv=None, churn=None,
                                    engagement=None)
            series.append((d, day_values[kpi_name]))
    return KpiResult(kpi_name, period, s.has_data, s.cards[kpi_name], series, s.clv)


async def power4_segments(session: AsyncSession, *, business_id: int,
                          now: datetime | None = None) -> Power4Split:
    """Customers per Power 4% segment (``scoring.segment`` rules), counted in SQL."""
    window = (await get_assumptions(session, business_id=business_id)).repeat_window_days
    at = now or datetime.now(UTC)
    recent, older = at - timedelta(days=window), at - timedelta(days=2 * window)
    row = (await session.execute(
        select(func.count(),
               func.sum(case(((Customer.last_order_at >= recent)
                              & (Customer.orders_count >= 2), 1), else_=0)),
               func.sum(case((Customer.last_order_at >= older, 1), else_=0)))
        .where(Customer.business_id == business_id))).one()
    total, buy_now, within_two = (int(v or 0) for v in row)
    return Power4Split({Segment.BUY_NOW: buy_now, Segment.NURTURE: within_two - buy_now,
                        Segment.DORMANT: total - within_two}, window)

