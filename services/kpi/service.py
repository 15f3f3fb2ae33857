"""The KPI engine over the aggregates: ``DailyStat`` (per day and channel), ``Customer`` totals,
channel snapshots and an indexed count of leads by stage — never a scan of orders."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services import goals as goals_service
from services.db.models import (
    AnalyticsSettings,
    Business,
    ChannelSnapshot,
    Customer,
    DailyStat,
    Lead,
    MarketingChannel,
    User,
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


async def business_timezone(session: AsyncSession, *, business_id: int) -> str:
    """The reporting time zone: the analytics setting, else the owner's, else Tashkent."""
    row = (await session.execute(
        select(AnalyticsSettings.timezone, User.timezone)
        .select_from(Business)
        .join(User, User.id == Business.owner_id)
        .outerjoin(AnalyticsSettings, AnalyticsSettings.business_id == Business.id)
        .where(Business.id == business_id))).first()
    if row is None:
        raise NotFound(entity="business", id=business_id)
    return row[0] or row[1] or DEFAULT_TIMEZONE


async def period_for(session: AsyncSession, *, business_id: int, kind: PeriodKind | str,
                     start: date | None = None, end: date | None = None,
                     now: datetime | None = None) -> Period:
    """The period of ``kind`` ending today in the business's time zone."""
    tz = await business_timezone(session, business_id=business_id)
    return make_period(kind, today=local_today(tz, now=now), timezone=tz, start=start, end=end)


# ------------------------------------------------------------------------------- reading


_SUMS = (DailyStat.spend, DailyStat.impressions, DailyStat.clicks, DailyStat.leads,
         DailyStat.won_leads, DailyStat.orders, DailyStat.revenue, DailyStat.new_customers)


def _totals(row: tuple[object, ...]) -> Totals:
    return Totals(*(int(v or 0) for v in row))  # type: ignore[call-overload]


async def _daily(session: AsyncSession, business_id: int, lo: date, hi: date
                 ) -> dict[date, Totals]:
    rows = await session.execute(
        select(DailyStat.day, *(func.sum(c) for c in _SUMS))
        .where(DailyStat.business_id == business_id, DailyStat.day >= lo, DailyStat.day <= hi)
        .group_by(DailyStat.day))
    return {row[0]: _totals(tuple(row[1:])) for row in rows}


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


async def _has_data(session: AsyncSession, business_id: int) -> bool:
    found = await session.scalar(
        select(DailyStat.day).where(DailyStat.business_id == business_id).limit(1))
    if found is not None:
        return True
    return await session.scalar(
        select(Customer.id).where(Customer.business_id == business_id).limit(1)) is not None


async def _count_customers(session: AsyncSession, business_id: int, *,
                           last_from: datetime | None = None) -> int:
    query = select(func.count()).select_from(Customer).where(Customer.business_id == business_id)
    if last_from is not None:
        query = query.where(Customer.last_order_at >= last_from)
    return int(await session.scalar(query) or 0)


async def _churn(session: AsyncSession, business_id: int, *, end: date, tz: str, window: int,
                 daily: dict[date, Totals]) -> ChurnResult:
    """Monthly churn for the 30 days ending ``end``. A customer is active at a moment when
    they bought within the repeat window before it; at the start = active at the month's
    start and already a customer then; lost = of those, no purchase in the window by the
    month's end. Read from the customers' current last order (a lost customer who came back
    later no longer counts as lost)."""
    start = end - timedelta(days=CHURN_MONTH_DAYS - 1)
    start_utc = local_midnight_utc(start, tz)
    end_utc = local_midnight_utc(end + timedelta(days=1), tz)
    w = timedelta(days=window)
    active = await _count_customers(session, business_id, last_from=start_utc - w)
    newer = sum(t.new_customers for d, t in daily.items() if d >= start)
    at_start = max(0, active - newer)
    lost = int(await session.scalar(
        select(func.count()).select_from(Customer).where(
            Customer.business_id == business_id, Customer.last_order_at >= start_utc - w,
            Customer.last_order_at < end_utc - w, Customer.first_order_at < start_utc)) or 0)
    return ChurnResult(f.churn_rate(lost, at_start), at_start, min(lost, at_start), window)


async def _first_day(session: AsyncSession, business_id: int) -> date | None:
    first: date | None = await session.scalar(
        select(func.min(DailyStat.day)).where(DailyStat.business_id == business_id,
                                             DailyStat.orders > 0))
    return first


async def _clv(session: AsyncSession, business_id: int, *, end: date, tz: str,
               assumptions: Assumptions, daily: dict[date, Totals], churn: ChurnResult,
               first_day: date | None, customers: int) -> ClvEstimate:
    """CLV as of ``end``: AOV, purchases a year and lifespan from the last year of history
    (lifespan = 1 / yearly churn) when there are ≥ 90 days and ≥ 20 customers; otherwise
    the owner's assumptions (or the defaults). The margin is always the owner's."""
    margin_assumed = assumptions.gross_margin_pct is None
    margin = float(DEFAULT_MARGIN_PCT if margin_assumed else assumptions.gross_margin_pct or 0)
    history_days = 0 if first_day is None else max(0, (end - first_day).days + 1)
    window_days = max(1, min(365, history_days))
    lo = end - timedelta(days=window_days - 1)
    year = _sum(daily, lo, end)
    aov = f.aov(year.revenue, year.orders)
    if history_days >= MIN_HISTORY_DAYS and customers >= MIN_HISTORY_CUSTOMERS:
        buyers = await _count_customers(session, business_id,
                                        last_from=local_midnight_utc(lo, tz))
        ppy = f.ratio(year.orders * 365, buyers * window_days)
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


async def _engagement(session: AsyncSession, business_id: int, period: Period) -> float | None:
    """Interactions / members × 100 over every channel's latest snapshot in the period."""
    start, end = period.start_utc(), period.end_utc()
    latest = (select(ChannelSnapshot.channel_id, func.max(ChannelSnapshot.taken_at).label("at"))
              .where(ChannelSnapshot.business_id == business_id,
                     ChannelSnapshot.taken_at >= start, ChannelSnapshot.taken_at < end)
              .group_by(ChannelSnapshot.channel_id).subquery())
    row = (await session.execute(
        select(func.sum(ChannelSnapshot.interactions), func.sum(ChannelSnapshot.members))
        .join(latest, (latest.c.channel_id == ChannelSnapshot.channel_id)
              & (latest.c.at == ChannelSnapshot.taken_at))
        .where(ChannelSnapshot.business_id == business_id))).first()
    return None if row is None else f.engagement_rate(row[0], row[1])


async def _funnel(session: AsyncSession, business_id: int, period: Period) -> list[FunnelStep]:
    stage = case((Lead.status == "won", "purchase"), else_=Lead.stage)
    rows = await session.execute(
        select(stage, func.count())
        .where(Lead.business_id == business_id, Lead.day >= period.start,
               Lead.day <= period.end)
        .group_by(stage))
    return funnel({str(s): int(n) for s, n in rows})


async def _channels(session: AsyncSession, business_id: int, period: Period,
                    totals: Totals) -> list[ChannelRow]:
    rows = (await session.execute(
        select(DailyStat.channel_id, *(func.sum(c) for c in _SUMS))
        .where(DailyStat.business_id == business_id, DailyStat.day >= period.start,
               DailyStat.day <= period.end)
        .group_by(DailyStat.channel_id))).all()
    names = {cid: (name, kind) for cid, name, kind in await session.execute(
        select(MarketingChannel.id, MarketingChannel.name, MarketingChannel.kind)
        .where(MarketingChannel.business_id == business_id))}
    result = []
    for row in rows:
        t = _totals(tuple(row[1:]))
        if t == Totals():
            continue
        name, kind = names.get(row[0], (None, None))
        result.append(ChannelRow(
            row[0], name, kind, t.spend, t.leads, t.orders, t.revenue,
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


async def _compute(session: AsyncSession, business_id: int, period: Period,
                   now: datetime | None) -> _State:
    tz = period.timezone
    prev = period.previous
    today = max(local_today(tz, now=now or datetime.now(UTC)), period.end)
    lo = min(prev.start, prev.end - timedelta(days=364))
    daily = await _daily(session, business_id, lo, today)
    assumptions = await get_assumptions(session, business_id=business_id)
    window = assumptions.repeat_window_days
    first_day = await _first_day(session, business_id)
    customers = await _count_customers(session, business_id)
    values: list[dict[KpiName, float | None]] = []
    clvs: list[ClvEstimate] = []
    churns: list[ChurnResult] = []
    for p in (period, prev):
        churn = await _churn(session, business_id, end=p.end, tz=tz, window=window, daily=daily)
        clv = await _clv(session, business_id, end=p.end, tz=tz, assumptions=assumptions,
                         daily=daily, churn=churn, first_day=first_day, customers=customers)
        er = await _engagement(session, business_id, p)
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
    has_data = bool(daily) or await _has_data(session, business_id)
    return _State(has_data, daily,
                  _sum(daily, period.start, period.end), _sum(daily, prev.start, prev.end),
                  cards, clvs[0], churns[0], values[0][KpiName.ENGAGEMENT])


async def dashboard(session: AsyncSession, *, business_id: int, period: Period,
                    now: datetime | None = None) -> Dashboard:
    """Cards with change vs the previous period and bands, daily revenue and spend, the
    funnel, the channel split, goals progress, CLV, churn and the health score."""
    s = await _compute(session, business_id, period, now)
    series = [DayPoint(d, s.daily.get(d, Totals()).revenue, s.daily.get(d, Totals()).spend)
              for d in period.day_list()]
    cards = s.cards
    health = health_score(
        revenue_growth_pct=cards[KpiName.REVENUE].change.pct,
        lead_conversion_pct=cards[KpiName.LEAD_CONVERSION].value,
        churn_pct=s.churn.value, roas=cards[KpiName.ROAS].value,
        engagement_pct=s.engagement)
    return Dashboard(
        business_id, period, s.has_data, s.totals, s.previous_totals, cards, series,
        await _funnel(session, business_id, period),
        await _channels(session, business_id, period, s.totals),
        await goals_service.list_goals(session, business_id=business_id),
        s.clv, s.churn, health)


async def kpi(session: AsyncSession, *, business_id: int, name: KpiName | str, period: Period,
              now: datetime | None = None) -> KpiResult:
    """One KPI: value, band, change vs the previous period and a daily series."""
    kpi_name = KpiName(name)
    s = await _compute(session, business_id, period, now)
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

