"""The KPI formulas, bands and scores: hand-computed cases and properties (hypothesis)."""

from __future__ import annotations

import math
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.errors import InvalidInput
from services.kpi import formulas as f
from services.kpi.periods import PeriodKind, make_period
from services.kpi.scoring import (
    HealthBand,
    LeadBand,
    Segment,
    Stage,
    funnel,
    health_score,
    lead_score,
    segment,
)

HUGE = 10**15
amounts = st.one_of(st.none(), st.integers(min_value=0, max_value=HUGE),
                    st.floats(allow_nan=True, allow_infinity=True))

# (function, arguments, expected) — worked out by hand from the SPEC formulas.
CASES = [
    (f.engagement_rate, (150, 5000), 3.0),
    (f.ctr, (250, 10_000), 2.5),
    (f.cpc, (500_000, 250), 2000.0),
    (f.cpm, (500_000, 10_000), 50_000.0),
    (f.roas, (3_000_000, 1_000_000), 3.0),
    (f.conversion_rate, (12, 400), 3.0),
    (f.cpl, (1_000_000, 40), 25_000.0),
    (f.share, (30, 120), 25.0),
    (f.cac, (2_000_000, 8), 250_000.0),
    (f.aov, (4_500_000, 30), 150_000.0),
    (f.clv, (150_000, 4, 2, 40), 480_000.0),
    (f.ltv_cac, (480_000, 160_000), 3.0),
    (f.roi, (3_000_000, 1_000_000), 200.0),
    (f.roi, (500_000, 1_000_000), -50.0),
    (f.churn_rate, (6, 200), 3.0),
    (f.lead_conversion, (15, 120), 12.5),
    (f.cac, (1_000_000, 0), None),
    (f.roas, (1_000_000, 0), None),
    (f.roi, (0, 0), None),
    (f.aov, (None, 10), None),
    (f.clv, (150_000, None, 2, 40), None),
    (f.ctr, (HUGE, HUGE), 100.0),
]


@pytest.mark.parametrize(("fn", "args", "expected"), CASES)
def test_hand_computed_cases(fn, args, expected) -> None:
    result = fn(*args)
    if expected is None:
        assert result is None
    else:
        assert result == pytest.approx(expected)


BAND_CASES = [
    (f.ltv_cac_band, 0.5, f.LtvCacBand.LOSING), (f.ltv_cac_band, 2, f.LtvCacBand.WEAK),
    (f.ltv_cac_band, 3, f.LtvCacBand.TARGET), (f.ltv_cac_band, 6, f.LtvCacBand.UNDER_INVESTING),
    (f.roas_band, 0.9, f.RoasBand.LOSING), (f.roas_band, 1.5, f.RoasBand.LOW),
    (f.roas_band, 2.5, f.RoasBand.FAIR), (f.roas_band, 4, f.RoasBand.TARGET),
    (f.roas_band, 5.5, f.RoasBand.EXCELLENT), (f.roi_band, -10, f.RoiBand.LOSING),
    (f.roi_band, 50, f.RoiBand.BELOW_TARGET), (f.roi_band, 150, f.RoiBand.TARGET),
    (f.churn_band, 2, f.ChurnBand.GREAT), (f.churn_band, 4, f.ChurnBand.TARGET),
    (f.churn_band, 6, f.ChurnBand.HIGH), (f.churn_band, 9, f.ChurnBand.CRITICAL),
    (f.conversion_band, 3, f.ConversionBand.LOW), (f.conversion_band, 12.5,
                                                   f.ConversionBand.TARGET),
    (f.engagement_band, 0.5, f.EngagementBand.LOW), (f.engagement_band, 7,
                                                     f.EngagementBand.EXCELLENT),
    (f.roas_band, None, None),
]


@pytest.mark.parametrize(("fn", "value", "band"), BAND_CASES)
def test_bands_from_the_spec_table(fn, value, band) -> None:
    assert fn(value) is band


def test_cac_band_is_relative_to_clv() -> None:
    assert f.cac_band(100_000, 480_000) is f.CacBand.GOOD
    assert f.cac_band(200_000, 480_000) is f.CacBand.HIGH
    assert f.cac_band(500_000, 480_000) is f.CacBand.LOSING
    assert f.cac_band(100_000, None) is None
    assert f.cac_band(None, 480_000) is None


def test_change_percent_new_and_undefined() -> None:
    assert f.change(150, 100) == f.Change(50.0)
    assert f.change(50, 100) == f.Change(-50.0)
    assert f.change(-50, -100) == f.Change(50.0)  # ROI from -100% to -50% is better
    assert f.change(10, 0) == f.Change(None, is_new=True)
    assert f.change(0, 0) == f.Change(0.0)
    assert f.change(None, 100) == f.Change(None)
    assert f.change(100, None) == f.Change(None)


@given(amounts, amounts)
def test_formulas_never_raise_and_stay_finite(a, b) -> None:
    for fn in (f.engagement_rate, f.ctr, f.cpc, f.cpm, f.roas, f.conversion_rate, f.cpl,
               f.share, f.cac, f.aov, f.ltv_cac, f.roi, f.churn_rate, f.lead_conversion):
        result = fn(a, b)
        assert result is None or math.isfinite(result)
    assert f.change(a, b).pct is None or math.isfinite(f.change(a, b).pct)
    clv = f.clv(a, b, a, b)
    assert clv is None or math.isfinite(clv)
    if b in (0, None):
        assert f.roas(a, b) is None and f.cac(a, b) is None


BANDINGS = [f.ltv_cac_band, f.roas_band, f.roi_band, f.churn_band, f.conversion_band,
            f.engagement_band]
finite_values = st.floats(min_value=-1e16, max_value=1e16, allow_nan=False)


@given(finite_values, finite_values)
def test_bands_are_monotone(x, y) -> None:
    lo, hi = sorted((x, y))
    for banding in BANDINGS:
        members = list(type(banding(0.0)))
        assert members.index(banding(lo)) <= members.index(banding(hi))
    clv = 1_000_000.0
    order = list(f.CacBand)
    if lo >= 0:
        assert order.index(f.cac_band(lo, clv)) <= order.index(f.cac_band(hi, clv))


@given(st.integers(min_value=0, max_value=HUGE), st.integers(min_value=1, max_value=HUGE))
def test_huge_values_stay_exact_enough(revenue, spend) -> None:
    assert f.roas(revenue, spend) == pytest.approx(revenue / spend)
    assert f.roi(revenue, spend) == pytest.approx((revenue - spend) / spend * 100)


# ------------------------------------------------------------------------------ scores


def test_lead_score_parts_and_bands() -> None:
    cold = lead_score(name="Ali")
    assert (cold.score, cold.fit, cold.band) == (5, 5, LeadBand.COLD)
    full = lead_score(name="Ali", phone="+998901234567", email="a@b.uz", telegram_id=1,
                      channel_id=3, signals={"pricing_asked": True, "hvco_taken": 1,
                                             "order_started": "yes", "catalog_viewed": True,
                                             "return_visit": True, "replied_within_1h": True,
                                             "chatbot_conversation": True,
                                             "messages_3plus": True,
                                             "channel_subscriber": True})
    assert (full.fit, full.behaviour, full.engagement, full.score) == (30, 50, 20, 100)
    assert full.band is LeadBand.READY
    warm = lead_score(phone="+998901234567", signals={"hvco_taken": True, "pricing_asked": 0})
    assert (warm.score, warm.band) == (25, LeadBand.COLD)
    hot = lead_score(phone="+998901234567", name="Vali", signals={
        "order_started": True, "hvco_taken": True, "replied_within_1h": True})
    assert (hot.score, hot.band) == (55, LeadBand.HOT)


@given(st.dictionaries(st.text(max_size=20), st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=5),
    st.lists(st.integers(), max_size=2))), st.one_of(st.none(), st.text(max_size=30)))
def test_lead_score_is_bounded_for_any_signals(signals, text) -> None:
    score = lead_score(name=text, phone=text, email=text, utm_source=text, signals=signals)
    assert 0 <= score.fit <= 30 and 0 <= score.behaviour <= 50 and 0 <= score.engagement <= 20
    assert score.score == score.fit + score.behaviour + score.engagement
    assert 0 <= score.score <= 100


def test_health_score_parts_scaled_below_threshold() -> None:
    full = health_score(revenue_growth_pct=15, lead_conversion_pct=12, churn_pct=3, roas=4,
                        engagement_pct=5)
    assert (full.score, full.band) == (100, HealthBand.EXCELLENT)
    half = health_score(revenue_growth_pct=5, lead_conversion_pct=5, churn_pct=10, roas=1.5,
                        engagement_pct=1.5)
    assert (half.score, half.band) == (50, HealthBand.NEEDS_WORK)
    shrinking = health_score(revenue_growth_pct=-30, lead_conversion_pct=2, churn_pct=None,
                             roas=None, engagement_pct=None)
    assert shrinking.score == 10 and shrinking.band is HealthBand.CRITICAL  # (0 + 4) × 5 / 2
    assert health_score(revenue_growth_pct=None, lead_conversion_pct=None, churn_pct=3,
                        roas=None, engagement_pct=None).score is None


@given(*(st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True))
         for _ in range(5)))
def test_health_score_is_bounded(a, b, c, d, e) -> None:
    result = health_score(revenue_growth_pct=a, lead_conversion_pct=b, churn_pct=c, roas=d,
                          engagement_pct=e)
    assert result.score is None or 0 <= result.score <= 100


def test_power4_segments_by_recency_and_frequency() -> None:
    assert segment(days_since_last_order=10, orders_count=3, repeat_window_days=60) is \
        Segment.BUY_NOW
    assert segment(days_since_last_order=10, orders_count=1, repeat_window_days=60) is \
        Segment.NURTURE
    assert segment(days_since_last_order=100, orders_count=5, repeat_window_days=60) is \
        Segment.NURTURE
    assert segment(days_since_last_order=121, orders_count=5, repeat_window_days=60) is \
        Segment.DORMANT
    assert segment(days_since_last_order=None, orders_count=0, repeat_window_days=60) is \
        Segment.DORMANT


def test_funnel_counts_leads_that_reached_each_stage() -> None:
    steps = funnel({"awareness": 40, "interest": 30, "consideration": 15, "intent": 5,
                    "purchase": 8, "post_purchase": 2})
    assert [s.reached for s in steps] == [100, 60, 30, 15, 10]
    assert [s.stage for s in steps][-1] is Stage.PURCHASE
    assert steps[1].conversion == pytest.approx(60.0) and steps[1].on_target is True
    assert steps[2].conversion == pytest.approx(50.0) and steps[2].on_target is True
    assert steps[4].conversion == pytest.approx(66.67, abs=0.01)
    empty = funnel({})
    assert [s.reached for s in empty] == [0] * 5 and empty[1].conversion is None


def test_periods_and_their_previous() -> None:
    today = date(2026, 11, 15)
    week = make_period(PeriodKind.DAYS_7, today=today)
    assert (week.start, week.end, week.days) == (date(2026, 11, 9), today, 7)
    assert (week.previous.start, week.previous.end) == (date(2026, 11, 2), date(2026, 11, 8))
    month = make_period(PeriodKind.MONTH, today=today)
    assert (month.start, month.previous.start) == (date(2026, 11, 1), date(2026, 10, 17))
    assert make_period(PeriodKind.QUARTER, today=today).start == date(2026, 10, 1)
    assert make_period(PeriodKind.YEAR, today=today).start == date(2026, 1, 1)
    assert make_period(PeriodKind.TODAY, today=today).previous.end == date(2026, 11, 14)
    custom = make_period(PeriodKind.CUSTOM, today=today, start=date(2026, 10, 1),
                         end=date(2026, 10, 31))
    assert custom.previous.start == date(2026, 8, 31)
    # a range typed the other way round is the same range
    flipped = make_period(PeriodKind.CUSTOM, today=today, start=date(2026, 10, 31),
                          end=date(2026, 10, 1))
    assert (flipped.start, flipped.end) == (date(2026, 10, 1), date(2026, 10, 31))
    with pytest.raises(InvalidInput):
        make_period(PeriodKind.CUSTOM, today=today, start=date(2020, 10, 2),
                    end=date(2026, 10, 1))
    tashkent = make_period(PeriodKind.TODAY, today=today, timezone="Asia/Tashkent")
    assert tashkent.start_utc().hour == 19  # local midnight is 19:00 UTC the day before
