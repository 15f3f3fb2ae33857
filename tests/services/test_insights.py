"""Insight rules on crafted facts, and evaluation, 24 h de-duplication and statuses in the DB."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from services import insights
from services.db.models import DailyStat
from services.errors import InvalidInput, NotFound
from services.insights import Facts, Priority, RuleKey, StageFact, UsageFact, Week
from services.insights import rules as r
from tests.factories import make_owner

NOW = datetime(2026, 11, 15, 7, 0, tzinfo=UTC)  # 12:00 in Tashkent
TODAY = date(2026, 11, 15)

QUIET = Facts(now=NOW)
W = Week(revenue=10_000_000, orders=10, leads=40, spend=2_000_000, clicks=400,
         new_customers=5, cpc=5_000, cac=400_000, roas=5.0, engagement=4.0)

FIRING: list[tuple[RuleKey, Priority, Facts]] = [
    (RuleKey.CHURN_HIGH, Priority.CRITICAL, replace(QUIET, churn=8.0, churn_at_start=50,
                                                     churn_lost=4)),
    (RuleKey.ROAS_LOW, Priority.CRITICAL, replace(QUIET, week=replace(W, roas=1.5),
                                                   orders_30d=20)),
    (RuleKey.REVENUE_DROP, Priority.CRITICAL, replace(QUIET, week=replace(W, revenue=7_000_000),
                                                       previous_week=W)),
    (RuleKey.PAYMENT_FAILED, Priority.CRITICAL, replace(QUIET, failed_invoice="BP-1",
                                                         failed_invoice_total=399_000)),
    (RuleKey.CPC_UP, Priority.HIGH, replace(QUIET, week=replace(W, cpc=7_000), previous_week=W)),
    (RuleKey.LEADS_DROP, Priority.HIGH, replace(QUIET, week=replace(W, leads=20),
                                                 previous_week=W)),
    (RuleKey.CAC_UP, Priority.HIGH, replace(QUIET, week=replace(W, cac=500_000),
                                             previous_week=W)),
    (RuleKey.NO_REPEAT, Priority.HIGH, replace(QUIET, customers=40, lapsed_customers=12)),
    (RuleKey.FUNNEL_STAGE_LOW, Priority.HIGH, replace(QUIET, funnel=(
        StageFact("interest", 100, 60, 60.0, 60.0), StageFact("intent", 60, 3, 5.0, 20.0)))),
    (RuleKey.TRIAL_ENDING, Priority.HIGH, replace(QUIET, trial_days_left=2)),
    (RuleKey.USAGE_90, Priority.HIGH, replace(QUIET, usage=(
        UsageFact("leads_per_month", 460, 500, 92),))),
    (RuleKey.ENGAGEMENT_DROP, Priority.MEDIUM, replace(QUIET, week=replace(W, engagement=2.0),
                                                        previous_week=W)),
    (RuleKey.USAGE_80, Priority.MEDIUM, replace(QUIET, usage=(
        UsageFact("channels", 8, 10, 80),))),
    (RuleKey.REVENUE_GROWTH, Priority.LOW, replace(QUIET, week=replace(W, revenue=13_000_000),
                                                    previous_week=W)),
    (RuleKey.GOAL_REACHED, Priority.LOW, replace(QUIET, goals_reached=((7, "200 mln", 200),))),
    (RuleKey.NEW_SEGMENT, Priority.LOW, replace(QUIET, buy_now=12, buy_now_week_ago=8)),
]

# The same signal without enough data behind it: every rule stays silent.
THIN = Week(revenue=1_000_000, orders=1, leads=2, spend=100_000, clicks=10, new_customers=1,
            cpc=10_000, cac=100_000, roas=1.0, engagement=None)
SILENT: list[tuple[RuleKey, Facts]] = [
    (RuleKey.CHURN_HIGH, replace(QUIET, churn=50.0, churn_at_start=4, churn_lost=2)),
    (RuleKey.ROAS_LOW, replace(QUIET, week=THIN, orders_30d=1)),
    (RuleKey.REVENUE_DROP, replace(QUIET, week=replace(THIN, revenue=0), previous_week=THIN)),
    (RuleKey.CPC_UP, replace(QUIET, week=replace(THIN, cpc=50_000), previous_week=THIN)),
    (RuleKey.LEADS_DROP, replace(QUIET, week=replace(THIN, leads=0), previous_week=THIN)),
    (RuleKey.CAC_UP, replace(QUIET, week=replace(THIN, cac=900_000), previous_week=THIN)),
    (RuleKey.NO_REPEAT, replace(QUIET, customers=3, lapsed_customers=3)),
    (RuleKey.FUNNEL_STAGE_LOW, replace(QUIET, funnel=(StageFact("intent", 8, 0, 0.0, 20.0),))),
    (RuleKey.TRIAL_ENDING, replace(QUIET, trial_days_left=5)),
    (RuleKey.USAGE_90, replace(QUIET, usage=(UsageFact("channels", 1, 3, 33),))),
    (RuleKey.ENGAGEMENT_DROP, replace(QUIET, week=replace(W, engagement=None),
                                      previous_week=W)),
    (RuleKey.REVENUE_GROWTH, replace(QUIET, week=replace(THIN, revenue=9_000_000),
                                     previous_week=THIN)),
    (RuleKey.NEW_SEGMENT, replace(QUIET, buy_now=2, buy_now_week_ago=0)),
]


@pytest.mark.parametrize(("key", "priority", "facts"), FIRING, ids=[k for k, _, _ in FIRING])
def test_every_rule_fires_on_crafted_data(key: RuleKey, priority: Priority,
                                          facts: Facts) -> None:
    found = r.evaluate(facts)
    assert [(x.rule, x.priority) for x in found] == [(key, priority)]
    assert found[0].numbers


@pytest.mark.parametrize(("key", "facts"), SILENT, ids=[k for k, _ in SILENT])
def test_rules_stay_silent_on_insufficient_data(key: RuleKey, facts: Facts) -> None:
    assert r.evaluate(facts) == []


def test_no_data_at_all_fires_nothing() -> None:
    assert r.evaluate(QUIET) == []
    assert r.evaluate(replace(QUIET, week=Week(), previous_week=Week())) == []


def test_numbers_of_a_revenue_drop() -> None:
    [finding] = r.evaluate(FIRING[2][2])
    assert finding.numbers == {"pct": -30.0, "current": 7_000_000, "previous": 10_000_000}
    assert finding.trigger_key == "revenue_drop"


def test_funnel_and_usage_triggers_are_per_stage_and_resource() -> None:
    [stage] = r.evaluate(FIRING[8][2])
    assert stage.trigger_key == "funnel_stage_low:intent" and stage.numbers["conversion"] == 5.0
    [usage] = r.evaluate(FIRING[10][2])
    assert usage.trigger_key == "usage_90:leads_per_month"


def test_a_rule_is_one_registered_function() -> None:
    before = list(r.REGISTRY)
    try:
        @r.rule
        def always(f: Facts) -> list[r.Finding]:
            return [r.Finding(RuleKey.GOAL_REACHED, Priority.LOW, {"x": 1}, "custom")]

        assert [x.trigger_key for x in r.evaluate(QUIET)] == ["goal_reached:custom"]
    finally:
        r.REGISTRY[:] = before


def _stat(business_id: int, day: date, **sums: int) -> DailyStat:
    values = {"spend": 0, "impressions": 0, "clicks": 0, "leads": 0, "won_leads": 0,
              "orders": 0, "revenue": 0, "new_customers": 0, **sums}
    return DailyStat(business_id=business_id, day=day, channel_id=0, **values)


async def _seed_drop(session: AsyncSession, business_id: int) -> None:
    """This week 500 000 a day, the week before 1 000 000 a day: revenue −50%."""
    for i in range(7):
        session.add(_stat(business_id, TODAY - timedelta(days=i), orders=1, revenue=500_000))
        session.add(_stat(business_id, TODAY - timedelta(days=i + 7), orders=2,
                          revenue=1_000_000))
    await session.commit()


async def test_evaluate_reads_kpis_and_fires_the_revenue_drop(session: AsyncSession) -> None:
    business = await make_owner(session, 9501)
    other = await make_owner(session, 9502, name="Other")
    await _seed_drop(session, business.id)
    created = await insights.evaluate(session, business_id=business.id, now=NOW)
    assert [(i.rule, i.priority) for i in created] == [(RuleKey.REVENUE_DROP, Priority.CRITICAL)]
    assert created[0].numbers == {"pct": -50.0, "current": 3_500_000, "previous": 7_000_000}
    assert await insights.evaluate(session, business_id=other.id, now=NOW) == []


async def test_the_same_trigger_fires_at_most_once_in_24_hours(session: AsyncSession) -> None:
    business = await make_owner(session, 9503)
    await _seed_drop(session, business.id)
    assert len(await insights.evaluate(session, business_id=business.id, now=NOW)) == 1
    for hours in (1, 12, 23):
        again = await insights.evaluate(session, business_id=business.id,
                                        now=NOW + timedelta(hours=hours))
        assert again == []
    later = await insights.evaluate(session, business_id=business.id,
                                    now=NOW + timedelta(hours=24, minutes=1))
    assert [i.rule for i in later] == [RuleKey.REVENUE_DROP]
    await session.commit()
    assert len(await insights.list_insights(session, business_id=business.id)) == 2


async def test_the_database_refuses_a_twin_in_the_same_slot(session: AsyncSession) -> None:
    business = await make_owner(session, 9504)
    finding = r.Finding(RuleKey.TRIAL_ENDING, Priority.HIGH, {"days": 2})
    [first] = await insights.record(session, business_id=business.id, findings=[finding],
                                    now=NOW)
    # A racing evaluation that did not see the first row: the unique slot stops it.
    from services.db.models import Insight
    twin = Insight(business_id=business.id, rule=finding.rule.value, priority="high",
                   status="new", numbers={}, trigger_key=finding.trigger_key,
                   slot=insights.slot_of(NOW), created_at=NOW)
    from sqlalchemy.exc import IntegrityError
    with pytest.raises(IntegrityError):
        async with session.begin_nested():
            session.add(twin)
    assert first.trigger_key == "trial_ending"


async def test_status_changes_and_ordering(session: AsyncSession) -> None:
    business = await make_owner(session, 9505)
    other = await make_owner(session, 9506, name="Other")
    made = await insights.record(session, business_id=business.id, findings=[
        r.Finding(RuleKey.REVENUE_GROWTH, Priority.LOW, {"pct": 30.0}),
        r.Finding(RuleKey.CHURN_HIGH, Priority.CRITICAL, {"churn": 8.0}),
        r.Finding(RuleKey.CPC_UP, Priority.HIGH, {"pct": 40.0}),
    ], now=NOW)
    listed = await insights.list_insights(session, business_id=business.id)
    assert [i.priority for i in listed] == [Priority.CRITICAL, Priority.HIGH, Priority.LOW]
    top = await insights.top_insights(session, business_id=business.id, limit=2)
    assert [i.rule for i in top] == [RuleKey.CHURN_HIGH, RuleKey.CPC_UP]
    low = made[0]
    assert await insights.mark_seen(session, business_id=business.id,
                                    insight_ids=[i.id for i in made]) == 3
    done = await insights.set_status(session, business_id=business.id, insight_id=low.id,
                                     status="done")
    assert done.status is insights.InsightStatus.DONE
    seen = await insights.set_status(session, business_id=business.id, insight_id=low.id,
                                     status="seen")
    assert seen.status is insights.InsightStatus.DONE  # seen never reopens a closed one
    await insights.set_status(session, business_id=business.id, insight_id=made[1].id,
                              status="dismissed")
    assert [i.rule for i in await insights.list_insights(session, business_id=business.id)
            ] == [RuleKey.CPC_UP]
    assert len(await insights.list_insights(session, business_id=business.id,
                                            include_closed=True)) == 3
    with pytest.raises(NotFound):
        await insights.set_status(session, business_id=other.id, insight_id=low.id,
                                  status="done")
    with pytest.raises(InvalidInput):
        await insights.set_status(session, business_id=business.id, insight_id=low.id,
                                  status="new")
