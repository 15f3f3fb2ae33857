"""The strategy's rule plan and parsing, saving and revisions; diagnostics on hand-computed
cases."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from services import diagnostics, strategy
from services.diagnostics import Horizon, Inputs, Part
from services.errors import InvalidInput, NotFound
from services.kpi.scoring import funnel
from tests.factories import make_owner

BASIS = strategy.Basis(
    revenue_30d=10_000_000, leads_30d=100, lead_conversion=8.0, spend_30d=3_000_000,
    channels=(("Telegram", 2.0, 20_000.0, 1_000_000), ("Instagram", 4.0, 25_000.0, 2_000_000)),
    pain="too little time", dream="a calm business", offers=(("Starter pack", 60, True),
                                                             ("VIP", 80, False)))


def test_the_rule_plan_is_deterministic() -> None:
    plan = strategy.rule_plan(BASIS)
    assert plan == strategy.rule_plan(BASIS)
    assert plan["goals"] == [
        {"kind": "revenue", "target": 11_000_000, "current": 10_000_000},
        {"kind": "leads", "target": 110, "current": 100},
        {"kind": "conversion", "target": 10.0, "current": 8.0}]
    assert [c["channel"] for c in plan["channels"]] == ["Instagram", "Telegram"]
    # ROAS 4 : 2 → 67% : 33% of the 3 000 000 spent in 30 days.
    assert plan["budget"] == [
        {"kind": "budget", "channel": "Instagram", "share": 67, "amount": 2_010_000},
        {"kind": "budget", "channel": "Telegram", "share": 33, "amount": 990_000}]
    assert [(w["theme"], w["subject"]) for w in plan["weeks"]] == [
        ("pain", "too little time"), ("offer", "VIP"), ("proof", "a calm business"),
        ("urgency", "VIP")]
    assert [o["name"] for o in plan["offers"]] == ["VIP", "Starter pack"]


def test_budget_split_by_cpl_then_evenly() -> None:
    by_cpl = strategy.budget_split((("A", None, 10_000.0, 0), ("B", None, 30_000.0, 0)), 400)
    assert [(b["channel"], b["share"]) for b in by_cpl] == [("A", 75), ("B", 25)]
    even = strategy.budget_split((("A", None, None, 0), ("B", None, None, 0),
                                  ("C", None, None, 0)), 300)
    assert [b["share"] for b in even] == [34, 33, 33] and sum(b["share"] for b in even) == 100
    assert strategy.budget_split((), 1000) == []


def test_parse_plan_is_robust() -> None:
    text = ('Here you go:\n```json\n{"goals": ["Revenue 12 mln"], "channels": '
            '[{"name": "Instagram", "why": "best ROAS"}], "weeks": ["W1", "W2", "W3", "W4"], '
            '"offers": "VIP until the 20th", "budget": ["Instagram — 70%"]}\n```')
    plan = strategy.parse_plan(text)
    assert plan is not None
    assert plan["channels"] == [{"text": "Instagram — best ROAS"}]
    assert plan["offers"] == [{"text": "VIP until the 20th"}]
    assert strategy.parse_plan("no json here") is None
    assert strategy.parse_plan('{"goals": ["x"]}') is None  # too few sections
    assert strategy.parse_plan(strategy.to_json(strategy.rule_plan(BASIS))) == \
        strategy.rule_plan(BASIS)


async def test_save_revise_and_edit(session: AsyncSession) -> None:
    business = await make_owner(session, 9601)
    other = await make_owner(session, 9602, name="Other")
    plan = strategy.rule_plan(BASIS)
    first = await strategy.save_plan(session, business_id=business.id, month="2026-12",
                                     plan=plan, source="rules")
    assert first.revisions == 0
    again = await strategy.save_plan(session, business_id=business.id, month="2026-12",
                                     plan=plan, source="ai")
    assert again.id == first.id and again.revisions == 1 and again.source == "ai"
    edited = await strategy.edit_section(session, business_id=business.id, month="2026-12",
                                         section="goals", raw="  Revenue 15 mln \n\n 200 leads")
    assert edited.plan["goals"] == [{"text": "Revenue 15 mln"}, {"text": "200 leads"}]
    assert edited.revisions == 2 and edited.plan["budget"] == plan["budget"]
    with pytest.raises(InvalidInput):
        await strategy.edit_section(session, business_id=business.id, month="2026-12",
                                    section="nope", raw="x")
    with pytest.raises(NotFound):
        await strategy.edit_section(session, business_id=other.id, month="2026-12",
                                    section="goals", raw="x")
    assert await strategy.get_strategy(session, business_id=other.id, month="2026-12") is None


async def test_check_in_compares_month_to_date(session: AsyncSession) -> None:
    business = await make_owner(session, 9603)
    await strategy.save_plan(session, business_id=business.id, month="2026-11",
                             plan=strategy.rule_plan(BASIS), source="rules")
    now = datetime(2026, 11, 15, 7, 0, tzinfo=UTC)
    result = await strategy.check_in(session, business_id=business.id, month="2026-11", now=now)
    assert result.expected_pct == 50  # 15 of 30 days
    assert (result.revenue, result.revenue_goal, result.leads_goal) == (0, 11_000_000, 110)
    view = await strategy.get_strategy(session, business_id=business.id, month="2026-11")
    assert view is not None and len(view.checkins) == 1


def test_diagnostics_scores_a_hand_computed_case() -> None:
    # Reached: 100, 60 (60%), 30 (50%), 10 (33.3%), 4 (40%) — every stage on target.
    d = diagnostics.diagnose_inputs(Inputs(
        best_avatar_completeness=50, best_offer_score=80, channels_with_data=1, roas=1.5,
        funnel=tuple(funnel({"awareness": 40, "interest": 30, "consideration": 20,
                             "intent": 6, "purchase": 4})),
        lead_conversion=4.0, aov=500_000, has_hvco=True))
    assert d.parts == {Part.IDEAL_CUSTOMER: 10, Part.OFFER: 16, Part.CHANNELS: 10,
                       Part.FUNNEL: 20, Part.AUTOMATION: 8}
    assert d.score == 64
    assert d.loss is None  # nothing below target
    assert [(s.horizon, s.part, s.command) for s in d.plan] == [
        (Horizon.TODAY, Part.AUTOMATION, "/hvco"),
        (Horizon.THIS_WEEK, Part.IDEAL_CUSTOMER, "/dreambuyer"),
        (Horizon.NEXT_WEEK, Part.CHANNELS, "/channels"),
        (Horizon.MONTH, Part.OFFER, "/offer")]


def test_diagnostics_money_lost_at_the_weakest_stage() -> None:
    # Reached: 100, 50 (50% of a 60% target), 10 (20% of 35%: the weakest), 5 (50% of 20%),
    # 2 (40% of 12%).
    steps = tuple(funnel({"awareness": 50, "interest": 40, "consideration": 5,
                          "intent": 3, "purchase": 2}))
    d = diagnostics.diagnose_inputs(Inputs(
        best_avatar_completeness=None, best_offer_score=None, channels_with_data=0, roas=None,
        funnel=steps, lead_conversion=5.0, aov=200_000, has_hvco=False))
    assert d.loss is not None
    assert (d.loss.stage, d.loss.previous, d.loss.conversion) == ("consideration", 50, 20.0)
    # (35 − 20)% of 50 leads = 7.5 → 8 short × 5% close × 200 000 AOV.
    assert d.loss.missing_leads == 8 and d.loss.per_month == 80_000
    assert not d.loss.close_rate_assumed
    assert d.parts[Part.FUNNEL] == round(20 * (50 / 60 + 20 / 35 + 1 + 1) / 4) == 17
    assert d.score == d.parts[Part.FUNNEL]


def test_diagnostics_of_an_empty_business() -> None:
    d = diagnostics.diagnose_inputs(Inputs(None, None, 0, None, (), None, None, False))
    assert d.score == 0 and d.loss is None and len(d.plan) == 4
