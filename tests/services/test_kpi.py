"""The KPI engine over the aggregate tables, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from services import goals, kpi
from services.db.models import (
    ChannelSnapshot,
    Customer,
    DailyStat,
    Lead,
    MarketingChannel,
)
from services.errors import InvalidInput, NotFound
from services.kpi import ClvSource, KpiName, PeriodKind, Segment
from services.kpi.formulas import ChurnBand, RoasBand, RoiBand
from tests.factories import make_owner

# 12:00 in Tashkent on 15 Nov 2026; the business's today is 15 Nov.
NOW = datetime(2026, 11, 15, 7, 0, tzinfo=UTC)
TODAY = date(2026, 11, 15)


async def _channel(session: AsyncSession, business_id: int, name: str, kind: str) -> int:
    channel = MarketingChannel(business_id=business_id, kind=kind, name=name)
    session.add(channel)
    await session.flush()
    return channel.id


def _stat(business_id: int, day: date, channel_id: int = 0, **sums: int) -> DailyStat:
    values = {"spend": 0, "impressions": 0, "clicks": 0, "leads": 0, "won_leads": 0,
              "orders": 0, "revenue": 0, "new_customers": 0, **sums}
    return DailyStat(business_id=business_id, day=day, channel_id=channel_id, **values)


async def _seed_week(session: AsyncSession, business_id: int) -> tuple[int, int]:
    """Last 7 days (9–15 Nov) and the 7 before, on two channels."""
    insta = await _channel(session, business_id, "Instagram", "instagram")
    tg = await _channel(session, business_id, "Our channel", "telegram")
    for i in range(7):
        day = TODAY - timedelta(days=i)
        session.add(_stat(business_id, day, insta, spend=200_000, impressions=10_000,
                          clicks=200, leads=4, won_leads=1, orders=2, revenue=600_000,
                          new_customers=1))
        session.add(_stat(business_id, day, tg, spend=100_000, leads=2, orders=1,
                          revenue=300_000))
        prev = day - timedelta(days=7)
        session.add(_stat(business_id, prev, insta, spend=300_000, leads=3, orders=1,
                          revenue=450_000, new_customers=1))
    await session.flush()
    return insta, tg


async def test_dashboard_cards_series_channels_and_funnel(session: AsyncSession) -> None:
    business = await make_owner(session, 9101)
    other = await make_owner(session, 9102, name="Other")
    await _seed_week(session, business.id)
    session.add(_stat(other.id, TODAY, spend=9_999_999, revenue=1, leads=1000))
    for i, (stage, status) in enumerate([("awareness", "new")] * 4 + [("interest", "new")] * 3
                                        + [("intent", "qualified")] * 2 + [("intent", "won")]):
        session.add(Lead(business_id=business.id, name=f"L{i}", stage=stage, status=status,
                         day=TODAY - timedelta(days=i % 7)))
    session.add(Lead(business_id=business.id, name="old", stage="purchase", status="won",
                     day=TODAY - timedelta(days=30)))
    await goals.create_goal(session, business_id=business.id, metric="revenue",
                            title="200 mln", target="200 mln", deadline=None)
    await session.commit()

    period = await kpi.period_for(session, business_id=business.id, kind=PeriodKind.DAYS_7,
                                  now=NOW)
    board = await kpi.dashboard(session, business_id=business.id, period=period, now=NOW)
    assert board.has_data
    assert board.totals.revenue == 7 * 900_000 and board.totals.spend == 7 * 300_000
    assert board.previous_totals.revenue == 7 * 450_000
    revenue = board.cards[KpiName.REVENUE]
    assert (revenue.value, revenue.previous, revenue.change.pct) == (6_300_000, 3_150_000, 100)
    leads = board.cards[KpiName.LEADS]
    assert (leads.value, leads.previous) == (42, 21)
    cac = board.cards[KpiName.CAC]
    assert cac.value == pytest.approx(300_000) and cac.previous == pytest.approx(300_000)
    assert cac.change.pct == 0
    roi = board.cards[KpiName.ROI]
    assert roi.value == pytest.approx(200.0) and roi.band is RoiBand.TARGET
    assert roi.previous == pytest.approx(50.0) and roi.change.pct == pytest.approx(300.0)
    roas = board.cards[KpiName.ROAS]
    assert roas.value == pytest.approx(3.0) and roas.band is RoasBand.TARGET
    assert board.cards[KpiName.AOV].value == pytest.approx(300_000)
    assert board.cards[KpiName.LEAD_CONVERSION].value == pytest.approx(100 * 7 / 42)
    assert [p.day for p in board.series] == period.day_list()
    assert {(p.revenue, p.spend) for p in board.series} == {(900_000, 300_000)}
    by_name = {c.name: c for c in board.channels}
    assert by_name["Instagram"].revenue == 4_200_000
    assert by_name["Instagram"].revenue_share == pytest.approx(200 / 3)
    assert by_name["Instagram"].lead_share == pytest.approx(200 / 3)
    assert by_name["Instagram"].ctr == pytest.approx(2.0)
    assert by_name["Instagram"].cpc == pytest.approx(1000)
    assert by_name["Our channel"].roi == pytest.approx(200.0)
    assert [s.reached for s in board.funnel] == [10, 6, 3, 3, 1]
    assert board.funnel[1].on_target is True
    assert board.funnel[4].conversion == pytest.approx(100 / 3)
    assert [g.title for g in board.goals] == ["200 mln"]
    assert board.health.score is not None


async def test_an_empty_business_has_no_data_and_no_errors(session: AsyncSession) -> None:
    business = await make_owner(session, 9103)
    for kind in PeriodKind:
        if kind is PeriodKind.CUSTOM:
            continue
        period = await kpi.period_for(session, business_id=business.id, kind=kind, now=NOW)
        board = await kpi.dashboard(session, business_id=business.id, period=period, now=NOW)
        assert not board.has_data
        assert board.cards[KpiName.REVENUE].value == 0
        assert board.cards[KpiName.CAC].value is None
        assert board.cards[KpiName.ROI].change.pct is None
        assert board.cards[KpiName.REVENUE].change.pct == 0
        assert board.channels == [] and board.health.score is None
        assert board.clv.source is ClvSource.DEFAULTS
    for name in KpiName:
        result = await kpi.kpi(session, business_id=business.id, name=name, period=period,
                               now=NOW)
        assert result.name is name


async def test_change_is_new_when_the_previous_period_was_empty(session: AsyncSession) -> None:
    business = await make_owner(session, 9104)
    session.add(_stat(business.id, TODAY, spend=100_000, revenue=500_000, orders=1, leads=2))
    await session.commit()
    period = await kpi.period_for(session, business_id=business.id, kind="7d", now=NOW)
    board = await kpi.dashboard(session, business_id=business.id, period=period, now=NOW)
    assert board.cards[KpiName.REVENUE].change.is_new
    assert board.cards[KpiName.ROI].change.is_new is False
    assert board.cards[KpiName.ROI].change.pct is None  # ROI undefined before


async def _customers(session: AsyncSession, business_id: int, n: int, *, first: datetime,
                     last: datetime, orders: int = 2, spent: int = 600_000) -> None:
    for i in range(n):
        session.add(Customer(business_id=business_id, name=f"C{i}", first_order_at=first,
                             last_order_at=last, orders_count=orders, total_spent=spent))
    await session.flush()


async def test_clv_falls_back_to_assumptions_when_history_is_short(session: AsyncSession
                                                                    ) -> None:
    business = await make_owner(session, 9105)
    session.add(_stat(business.id, TODAY - timedelta(days=10), orders=10, revenue=2_000_000,
                      spend=500_000, new_customers=5))
    await _customers(session, business.id, 5, first=NOW - timedelta(days=10),
                     last=NOW - timedelta(days=10), orders=2)
    await kpi.set_assumption(session, business_id=business.id, name="gross_margin_pct",
                             raw="40%")
    await kpi.set_assumption(session, business_id=business.id, name="purchases_per_year",
                             raw="6")
    saved = await kpi.set_assumption(session, business_id=business.id, name="lifespan_years",
                                     raw="1,5")
    assert (saved.gross_margin_pct, saved.purchases_per_year, saved.lifespan_years) == (
        40, 6.0, 1.5)
    await session.commit()
    period = await kpi.period_for(session, business_id=business.id, kind="30d", now=NOW)
    result = await kpi.kpi(session, business_id=business.id, name="clv", period=period, now=NOW)
    assert result.clv.source is ClvSource.ASSUMPTIONS and not result.clv.margin_assumed
    # AOV 200 000 × 6 a year × 1.5 years × 40%
    assert result.value == pytest.approx(720_000)
    cac = await kpi.kpi(session, business_id=business.id, name=KpiName.CAC, period=period,
                        now=NOW)
    assert cac.value == pytest.approx(100_000)
    assert cac.band is kpi.formulas.CacBand.GOOD
    ratio = await kpi.kpi(session, business_id=business.id, name=KpiName.LTV_CAC,
                          period=period, now=NOW)
    assert ratio.value == pytest.approx(7.2)


async def test_clv_and_churn_from_history(session: AsyncSession) -> None:
    business = await make_owner(session, 9106)
    start = TODAY - timedelta(days=199)
    for i in range(200):  # one order a day of 100 000 so'm
        session.add(_stat(business.id, start + timedelta(days=i), orders=1, revenue=100_000))
    # 40 customers: 36 bought in the last 30 days; 4 last bought 80 days ago (lost this month
    # with the 60-day window)
    await _customers(session, business.id, 36, first=NOW - timedelta(days=190),
                     last=NOW - timedelta(days=5), orders=5)
    await _customers(session, business.id, 4, first=NOW - timedelta(days=190),
                     last=NOW - timedelta(days=80), orders=1)
    await session.commit()
    period = await kpi.period_for(session, business_id=business.id, kind="30d", now=NOW)
    churn = await kpi.kpi(session, business_id=business.id, name="churn", period=period,
                          now=NOW)
    assert churn.value == pytest.approx(10.0) and churn.band is ChurnBand.CRITICAL
    assert churn.series == []
    clv = (await kpi.kpi(session, business_id=business.id, name="clv", period=period,
                         now=NOW)).clv
    assert clv.source is ClvSource.HISTORY and clv.margin_assumed
    assert clv.history_days == 200 and clv.customers == 40
    assert clv.aov == pytest.approx(100_000)
    assert clv.purchases_per_year == pytest.approx(200 * 365 / (40 * 200))
    assert clv.lifespan_years == pytest.approx(100 / 10 / 12)
    expected = 100_000 * clv.purchases_per_year * clv.lifespan_years * 0.30
    assert clv.value == pytest.approx(expected)
    split = await kpi.power4_segments(session, business_id=business.id, now=NOW)
    assert split.counts == {Segment.BUY_NOW: 36, Segment.NURTURE: 4, Segment.DORMANT: 0}


async def test_kpi_daily_series_and_engagement(session: AsyncSession) -> None:
    business = await make_owner(session, 9107)
    insta, _ = await _seed_week(session, business.id)
    session.add(ChannelSnapshot(business_id=business.id, channel_id=insta,
                                taken_at=NOW - timedelta(days=20), members=1000,
                                interactions=10))
    session.add(ChannelSnapshot(business_id=business.id, channel_id=insta,
                                taken_at=NOW - timedelta(hours=2), members=2000,
                                interactions=90))
    await session.commit()
    period = await kpi.period_for(session, business_id=business.id, kind="7d", now=NOW)
    roas = await kpi.kpi(session, business_id=business.id, name="roas", period=period, now=NOW)
    assert [v for _, v in roas.series] == [pytest.approx(3.0)] * 7
    er = await kpi.kpi(session, business_id=business.id, name="engagement", period=period,
                       now=NOW)
    assert er.value == pytest.approx(4.5) and er.card.previous is None


async def test_assumptions_are_validated(session: AsyncSession) -> None:
    business = await make_owner(session, 9108)
    with pytest.raises(InvalidInput) as exc:
        await kpi.set_assumption(session, business_id=business.id, name="gross_margin_pct",
                                 raw="150")
    assert exc.value.reason == "range"
    with pytest.raises(InvalidInput):
        await kpi.set_assumption(session, business_id=business.id, name="lifespan_years",
                                 raw="forever")
    with pytest.raises(InvalidInput):
        await kpi.set_assumption(session, business_id=business.id, name="timezone", raw="x")
    saved = await kpi.set_assumption(session, business_id=business.id,
                                     name="repeat_window_days", raw="45")
    assert saved.repeat_window_days == 45
    assert (await kpi.get_assumptions(session, business_id=business.id)).gross_margin_pct is None


async def test_unknown_business(session: AsyncSession) -> None:
    with pytest.raises(NotFound):
        await kpi.period_for(session, business_id=987_654, kind="7d")


async def test_dashboard_counts_the_chatbots_conversations_of_the_period(
        session: AsyncSession) -> None:
    from services.db.models import SalesBot, SalesConversation

    business = await make_owner(session, 9141)
    other = await make_owner(session, 9142, name="Other")
    for b, bot_id in ((business, 7_000_001), (other, 7_000_002)):
        session.add(SalesBot(id=bot_id, business_id=b.id, username=f"b{bot_id}_bot",
                             token_encrypted="x", secret_encrypted="y"))
    await session.flush()
    inside, before = NOW - timedelta(days=2), NOW - timedelta(days=20)
    for chat, (bot_id, biz, updated, handoff_at) in enumerate([
            (7_000_001, business.id, inside, inside), (7_000_001, business.id, inside, None),
            (7_000_001, business.id, inside, before), (7_000_001, business.id, before, None),
            (7_000_002, other.id, inside, inside)]):
        session.add(SalesConversation(business_id=biz, bot_id=bot_id, customer_chat_id=chat,
                                      updated_at=updated, handoff_at=handoff_at,
                                      handoff="active" if handoff_at else "none"))
    session.add(_stat(business.id, TODAY, revenue=1))
    await session.flush()
    period = await kpi.period_for(session, business_id=business.id, kind="7d", now=NOW)
    board = await kpi.dashboard(session, business_id=business.id, period=period, now=NOW)
    assert board.chatbot == kpi.ChatbotStats(conversations=3, handoffs=1)
    quiet = await make_owner(session, 9143, name="Quiet")
    period = await kpi.period_for(session, business_id=quiet.id, kind="7d", now=NOW)
    board = await kpi.dashboard(session, business_id=quiet.id, period=period, now=NOW)
    assert board.chatbot == kpi.ChatbotStats()
