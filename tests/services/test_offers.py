"""Offer Builder: the value equation (hand-computed table + properties), the stack, pricing,
guarantees, persistence, validation and isolation between businesses."""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncSession

from services import offers
from services.charts.offer_stack import StackChart, StackRow, render_offer_stack
from services.documents.pdf import OnePager, Section, render_one_pager
from services.errors import InvalidInput, NotFound
from services.offers import equation, pricing, stack
from services.offers.equation import Band, Lever, Levers
from tests.factories import make_owner

lever_values = st.integers(min_value=1, max_value=10)
all_levers = st.builds(Levers, d=lever_values, l=lever_values, t=lever_values, e=lever_values)


# --- the value equation, by hand ------------------------------------------------------------

@pytest.mark.parametrize(("d", "l", "t", "e", "value", "score", "band"), [
    (10, 10, 1, 1, Fraction(100), 100, Band.GRAND_SLAM),
    (5, 5, 5, 5, Fraction(1), 10, Band.WEAK),
    (6, 5, 3, 4, Fraction(5, 2), 25, Band.WEAK),  # 25: the top of "weak"
    (7, 6, 3, 4, Fraction(7, 2), 35, Band.AVERAGE),
    (5, 5, 2, 5, Fraction(5, 2), 25, Band.WEAK),
    (6, 6, 2, 3, Fraction(6), 60, Band.GOOD),
    (9, 8, 3, 3, Fraction(8), 80, Band.GRAND_SLAM),
    (3, 4, 5, 6, Fraction(2, 5), 4, Band.WEAK),
    (1, 1, 10, 10, Fraction(1, 100), 0, Band.WEAK),
    (5, 3, 4, 4, Fraction(15, 16), 9, Band.WEAK),  # 9.375 → 9
    (1, 1, 4, 5, Fraction(1, 20), 1, Band.WEAK),  # 0.5 rounds half up → 1
    (5, 5, 4, 5, Fraction(5, 4), 13, Band.WEAK),  # 12.5 → 13 (not banker's 12)
    (3, 3, 1, 2, Fraction(9, 2), 45, Band.AVERAGE),
    (5, 3, 1, 3, Fraction(5), 50, Band.AVERAGE),  # 50: the top of "average"
    (8, 8, 3, 3, Fraction(64, 9), 71, Band.GOOD),  # 71.1 → 71
    (5, 3, 1, 2, Fraction(15, 2), 75, Band.GOOD),  # 75: the top of "good"
    (2, 9, 1, 1, Fraction(18), 100, Band.GRAND_SLAM),  # capped at 100
])
def test_value_score_and_band_by_hand(d: int, l: int, t: int, e: int,  # noqa: E741
                                      value: Fraction, score: int, band: Band) -> None:
    levers = Levers(d=d, l=l, t=t, e=e)
    assert equation.value(levers) == value
    assert equation.score(levers) == score
    assert equation.band(score) == band


@pytest.mark.parametrize(("score", "band"), [
    (0, Band.WEAK), (25, Band.WEAK), (26, Band.AVERAGE), (50, Band.AVERAGE), (51, Band.GOOD),
    (75, Band.GOOD), (76, Band.GRAND_SLAM), (100, Band.GRAND_SLAM)])
def test_band_edges(score: int, band: Band) -> None:
    assert equation.band(score) == band


@pytest.mark.parametrize(("levers", "lever", "current", "target", "after"), [
    (Levers(5, 5, 5, 5), Lever.TIME, 5, 4, 13),  # D+1 → 12, T−1 → 12.5 → 13; T before E
    (Levers(6, 6, 2, 3), Lever.TIME, 2, 1, 100),  # T 2→1 doubles the value
    (Levers(2, 3, 1, 1), Lever.DREAM, 2, 3, 90),  # T and E are already at 1
    (Levers(10, 1, 2, 2), Lever.LIKELIHOOD, 1, 2, 50),  # L, T, E tie at 50: L first
    (Levers(10, 2, 4, 4), Lever.LIKELIHOOD, 2, 3, 19),  # L+1 → 18.75; T−1 → 16.7
])
def test_next_lever_by_hand(levers: Levers, lever: Lever, current: int, target: int,
                            after: int) -> None:
    move = equation.next_lever(levers)
    assert move is not None
    assert (move.lever, move.current, move.target, move.score_after) == (
        lever, current, target, after)
    assert move.score_before == equation.score(levers)
    assert move.raise_it == (lever in (Lever.DREAM, Lever.LIKELIHOOD))


def test_nothing_to_pull_at_100() -> None:
    assert equation.next_lever(Levers(10, 10, 1, 1)) is None
    assert equation.next_lever(Levers(2, 9, 1, 1)) is None


def test_levers_are_1_to_10() -> None:
    for bad in (0, 11):
        with pytest.raises(ValueError):
            Levers(bad, 5, 5, 5)


# --- the value equation, properties ---------------------------------------------------------

@given(all_levers)
def test_score_is_0_to_100_and_matches_its_band(levers: Levers) -> None:
    score = equation.score(levers)
    assert 0 <= score <= 100
    assert abs(min(Fraction(100), equation.value(levers) * 10) - score) <= Fraction(1, 2)
    low, high = {Band.WEAK: (0, 25), Band.AVERAGE: (26, 50), Band.GOOD: (51, 75),
                 Band.GRAND_SLAM: (76, 100)}[equation.band(score)]
    assert low <= score <= high


@given(all_levers, st.sampled_from(list(Lever)))
def test_each_lever_moves_the_score_its_way(levers: Levers, lever: Lever) -> None:
    target = equation.one_step(levers, lever)
    if target is None:
        return
    moved = levers.with_lever(lever, target)
    assert equation.value(moved) > equation.value(levers)
    assert equation.score(moved) >= equation.score(levers)


@given(all_levers)
def test_next_lever_is_the_best_single_step(levers: Levers) -> None:
    move = equation.next_lever(levers)
    before = equation.score(levers)
    if before == 100:
        assert move is None
        return
    assert move is not None
    assert move.score_after >= before
    assert abs(move.target - move.current) == 1
    for lever in Lever:
        target = equation.one_step(levers, lever)
        if target is not None:
            assert equation.score(levers.with_lever(lever, target)) <= move.score_after


@given(all_levers)
def test_swapping_d_with_l_and_t_with_e_keeps_the_score(levers: Levers) -> None:
    swapped = Levers(d=levers.l, l=levers.d, t=levers.e, e=levers.t)
    assert equation.score(swapped) == equation.score(levers)


# --- stack and pricing ----------------------------------------------------------------------

def test_bonus_suggestions_are_30_30_20_percent_rounded_up() -> None:
    assert [stack.suggested_bonus_value(1_000_000, i) for i in range(3)] == [
        300_000, 300_000, 200_000]
    assert stack.suggested_bonus_value(99_900, 0) == 30_000  # 29 970 → 30 000
    with pytest.raises(ValueError):
        stack.suggested_bonus_value(1_000_000, 3)
    bonuses = [stack.Bonus("Checklist", 300_000), stack.Bonus("Templates", 200_000)]
    assert stack.stated_value(1_000_000, bonuses) == 1_500_000
    assert stack.value_ratio(1_000_000, bonuses) == Fraction(3, 2)


@pytest.mark.parametrize(("cost", "margin", "price"), [
    (600_000, 40, 1_000_000), (100_000, 0, 100_000), (70_000, 30, 100_000),
    (123_456, 50, 247_000),  # 246 912 → rounded up to 247 000
])
def test_cost_plus_by_hand(cost: int, margin: int, price: int) -> None:
    assert pricing.cost_plus(cost, margin) == price


def test_competitor_stats_and_positions() -> None:
    stats = pricing.competitor_stats([300_000, 100_000, 200_000, 250_000])
    assert stats == pricing.CompetitorStats(4, 100_000, 225_000, 300_000)
    assert pricing.competitor_stats([]) is None
    assert pricing.market_position(90_000, stats) == pricing.MarketPosition.BELOW_MIN
    assert pricing.market_position(200_000, stats) == pricing.MarketPosition.BELOW_MEDIAN
    assert pricing.market_position(225_000, stats) == pricing.MarketPosition.AT_MEDIAN
    assert pricing.market_position(300_000, stats) == pricing.MarketPosition.ABOVE_MEDIAN
    assert pricing.market_position(300_001, stats) == pricing.MarketPosition.ABOVE_MAX
    assert pricing.market_position(1, None) == pricing.MarketPosition.NO_DATA


def test_value_based_price_formula() -> None:
    # 35 % of the stated value at score 0, 50 % at 50, 65 % at 100.
    assert pricing.value_based_price(1_800_000, 0) == 630_000
    assert pricing.value_based_price(1_800_000, 50) == 900_000
    assert pricing.value_based_price(1_800_000, 100) == 1_170_000
    assert pricing.value_based_price(1_000_000, 37) == 461_000


def test_analyse_where_the_price_sits() -> None:
    result = pricing.analyse(price=1_000_000, unit_cost=600_000, target_margin=50,
                             competitor_prices=[800_000, 1_200_000, 900_000],
                             stated_value=1_800_000, score=None)
    assert result.cost_plus_price == 1_200_000
    assert result.current_margin == 40
    assert result.cost == pricing.CostPosition.BELOW_TARGET
    assert result.competitors == pricing.CompetitorStats(3, 800_000, 900_000, 1_200_000)
    assert result.market == pricing.MarketPosition.ABOVE_MEDIAN
    assert (result.score, result.score_assumed, result.value_share) == (50, True, 50)
    assert result.value_based_price == 900_000
    assert result.value == pricing.ValuePosition.ABOVE_VALUE
    loss = pricing.analyse(price=500_000, unit_cost=600_000, target_margin=None,
                           competitor_prices=[], stated_value=2_000_000, score=100)
    assert loss.cost == pricing.CostPosition.BELOW_COST and loss.current_margin == -20
    assert loss.market == pricing.MarketPosition.NO_DATA
    assert loss.value == pricing.ValuePosition.BELOW_VALUE
    near = pricing.analyse(price=1_000_000, unit_cost=None, target_margin=None,
                           competitor_prices=[], stated_value=2_000_000, score=50)
    assert near.value == pricing.ValuePosition.AT_VALUE and near.cost_plus_price is None


@pytest.mark.parametrize(("raw", "prices"), [
    ("250 000, 300 000, 1.2 mln", [250_000, 300_000, 1_200_000]),
    ("250k; 300k\n1,250,000", [250_000, 300_000, 1_250_000]),
    ("99 000", [99_000]),
])
def test_competitor_prices_parsing(raw: str, prices: list[int]) -> None:
    assert offers.parse_competitor_prices(raw) == prices


@pytest.mark.parametrize(("call", "raw", "reason"), [
    (offers.parse_competitor_prices, "cheap, dear", "number"),
    (offers.parse_competitor_prices, " ; ", "empty"),
    (offers.parse_competitor_prices, "; ".join(["1000"] * 11), "too_many"),
    (offers.parse_margin, "96", "range"),
    (offers.parse_margin, "forty", "number"),
    (offers.parse_cost, "-5", "number"),
    (pricing.parse_price, "500", "range"),
])
def test_pricing_inputs_are_validated(call: object, raw: str, reason: str) -> None:
    with pytest.raises(InvalidInput) as err:
        call(raw)  # type: ignore[operator]
    assert err.value.reason == reason


def test_money_inputs_accept_the_usual_forms() -> None:
    assert [pricing.parse_price(x) for x in ("250 000", "250k", "1.2 mln", "1 500 000 so'm")] == [
        250_000, 250_000, 1_200_000, 1_500_000]
    assert offers.parse_margin("40%") == 40


# --- images and documents -------------------------------------------------------------------

def _chart() -> StackChart:
    return StackChart(
        title="Бариста за 30 дней", rows=[StackRow("Основной продукт", 1_000_000, "1 000 000"),
                                          StackRow("Bonus: Oʻzbekcha", 300_000, "300 000")],
        total_label="Total", total_text="1 300 000", price_label="Price", price=1_000_000,
        price_text="1 000 000", ratio_text="×1.3", notes=["30 days"])


def test_the_stack_image_is_a_png() -> None:
    png = render_offer_stack(_chart())
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10_000


def test_the_one_pager_is_a_pdf_with_the_offer() -> None:
    pdf = render_one_pager(OnePager(
        title="Barista Pro", subtitle="Кофейня «Чилонзор»", highlights=[("Price", "1 000 000")],
        image_png=render_offer_stack(_chart()),
        sections=[Section("Guarantee", ["Oʻzbekcha kafolat: 30 kun"])], footer="BiznesPilot"))
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    assert len(pdf) > 20_000  # fonts and the image are embedded
    assert b"Barista Pro" in pdf  # the document title (metadata) is plain text


# --- persistence ----------------------------------------------------------------------------

async def _offer(session: AsyncSession, business_id: int, **kwargs: str) -> offers.OfferView:
    values = {"name": "Barista in 30 days", "core_product": "Barista course",
              "dream_outcome": "a job in a top café", "price": "1 mln", **kwargs}
    return await offers.create_offer(session, business_id=business_id, **values)


async def test_create_score_and_stack(session: AsyncSession) -> None:
    business = await make_owner(session, 5101)
    offer = await _offer(session, business.id, name="  Barista   in 30 days ")
    assert (offer.name, offer.price, offer.levers, offer.score, offer.bonuses) == (
        "Barista in 30 days", 1_000_000, None, None, ())
    for lever, value in (("d", 9), ("l", 8), ("t", 3)):
        offer = await offers.set_lever(session, business_id=business.id, offer_id=offer.id,
                                       lever=lever, value=value)
    assert offer.levers is None and offer.lever(Lever.TIME) == 3
    offer = await offers.set_lever(session, business_id=business.id, offer_id=offer.id,
                                   lever="e", value=3)
    assert (offer.score, offer.band) == (80, Band.GRAND_SLAM)
    assert offer.next_lever is not None and offer.next_lever.lever == Lever.TIME
    for name, value in (("Checklist", 300_000), ("Templates", 300_000), ("Call", 200_000)):
        offer = await offers.add_bonus(session, business_id=business.id, offer_id=offer.id,
                                       name=name, value=value)
    assert offer.stated_value == 1_800_000 and offer.value_ratio == Fraction(9, 5)
    with pytest.raises(InvalidInput) as err:
        await offers.add_bonus(session, business_id=business.id, offer_id=offer.id,
                               name="Fourth", value=1000)
    assert err.value.reason == "too_many"
    offer = await offers.remove_bonus(session, business_id=business.id, offer_id=offer.id,
                                      index=1)
    assert [b.name for b in offer.bonuses] == ["Checklist", "Call"]
    deadline = date.today() + timedelta(days=10)
    await offers.set_urgency(session, business_id=business.id, offer_id=offer.id,
                             deadline=deadline)
    await offers.set_scarcity(session, business_id=business.id, offer_id=offer.id, count=15)
    await offers.set_guarantee(session, business_id=business.id, offer_id=offer.id,
                               kind="unconditional", text="30 days, no questions asked.")
    await offers.set_pricing_inputs(session, business_id=business.id, offer_id=offer.id,
                                    unit_cost=400_000, target_margin=50,
                                    competitor_prices=[900_000, 1_100_000])
    await session.commit()
    [saved] = await offers.list_offers(session, business_id=business.id)
    assert (saved.urgency_deadline, saved.scarcity_count, saved.guarantee_type) == (
        deadline, 15, "unconditional")
    result = saved.pricing()
    assert (result.cost_plus_price, result.score_assumed, result.value_based_price) == (
        800_000, False, 885_000)  # 1 500 000 × (0.35 + 0.3 × 0.8)
    facts = await offers.offer_facts(session, business_id=business.id)
    assert facts.startswith("Offers (1):")
    assert '"Barista in 30 days": Barista course; dream outcome: a job in a top café' in facts
    assert "score 80/100 (grand_slam)" in facts and "total stated value 1500000 UZS" in facts
    assert "only 15 available" in facts and "guarantee (unconditional)" in facts


async def test_offer_facts_without_offers(session: AsyncSession) -> None:
    business = await make_owner(session, 5102)
    assert await offers.offer_facts(session, business_id=business.id) == (
        "Offers: none defined yet.")


@pytest.mark.parametrize(("kwargs", "field", "reason"), [
    ({"name": " "}, "name", "empty"),
    ({"name": "x" * 121}, "name", "too_long"),
    ({"core_product": ""}, "core_product", "empty"),
    ({"dream_outcome": "y" * 301}, "dream_outcome", "too_long"),
    ({"price": "free"}, "price", "number"),
    ({"price": "999"}, "price", "range"),
])
async def test_create_is_validated(session: AsyncSession, kwargs: dict[str, str], field: str,
                                   reason: str) -> None:
    business = await make_owner(session, 5103)
    with pytest.raises(InvalidInput) as err:
        await _offer(session, business.id, **kwargs)
    assert (err.value.field, err.value.reason) == (field, reason)


async def test_edits_are_validated(session: AsyncSession) -> None:
    business = await make_owner(session, 5104)
    offer = await _offer(session, business.id)
    bad_calls = [
        offers.set_lever(session, business_id=business.id, offer_id=offer.id, lever="x",
                         value=5),
        offers.set_lever(session, business_id=business.id, offer_id=offer.id, lever="d",
                         value=11),
        offers.set_guarantee(session, business_id=business.id, offer_id=offer.id,
                             kind="forever", text="…"),
        offers.set_scarcity(session, business_id=business.id, offer_id=offer.id, count=0),
        offers.update_basics(session, business_id=business.id, offer_id=offer.id,
                             field="business_id", raw="1"),
    ]
    for call in bad_calls:
        with pytest.raises(InvalidInput):
            await call
    with pytest.raises(InvalidInput) as err:
        offers.parse_deadline("01.01.2020", today=date(2026, 12, 1))
    assert err.value.reason == "past"
    assert offers.parse_scarcity("25") == 25
    updated = await offers.update_basics(session, business_id=business.id, offer_id=offer.id,
                                         field="price", raw="1.5 mln")
    assert updated.price == 1_500_000


async def test_edit_the_basics_with_the_creation_rules(session: AsyncSession) -> None:
    business = await make_owner(session, 5109)
    offer = await _offer(session, business.id)
    ids = {"business_id": business.id, "offer_id": offer.id}
    offer = await offers.update_basics(session, **ids, field=offers.OfferField.NAME,
                                       raw="  Barista   Pro ")
    offer = await offers.update_basics(session, **ids, field="core_product",
                                       raw="A 6-week course")
    offer = await offers.update_basics(session, **ids, field="dream_outcome",
                                       raw="Own coffee cart")
    await session.commit()
    saved = await offers.get_offer(session, **ids)
    assert (saved.name, saved.core_product, saved.dream_outcome, saved.price) == (
        "Barista Pro", "A 6-week course", "Own coffee cart", 1_000_000)
    for field, raw, reason in (("name", "   ", "empty"), ("name", "x" * 121, "too_long"),
                               ("core_product", "", "empty"),
                               ("dream_outcome", "y" * 301, "too_long"),
                               ("price", "cheap", "number")):
        with pytest.raises(InvalidInput) as err:
            await offers.update_basics(session, **ids, field=field, raw=raw)
        assert (err.value.field, err.value.reason) == (field, reason)
    assert await offers.get_offer(session, **ids) == saved  # nothing half-saved


async def test_edit_one_bonus(session: AsyncSession) -> None:
    business = await make_owner(session, 5110)
    offer = await _offer(session, business.id)
    ids = {"business_id": business.id, "offer_id": offer.id}
    for name, value in (("Checklist", 300_000), ("Templates", 300_000)):
        await offers.add_bonus(session, **ids, name=name, value=value)
    offer = await offers.update_bonus(session, **ids, index=1, name=" Recipe  book ")
    assert [(b.name, b.value) for b in offer.bonuses] == [
        ("Checklist", 300_000), ("Recipe book", 300_000)]
    offer = await offers.update_bonus(session, **ids, index=0, value=450_000)
    offer = await offers.update_bonus(session, **ids, index=0)  # nothing given: unchanged
    await session.commit()
    saved = await offers.get_offer(session, **ids)
    assert [(b.name, b.value) for b in saved.bonuses] == [
        ("Checklist", 450_000), ("Recipe book", 300_000)]
    assert saved.stated_value == 1_750_000
    with pytest.raises(InvalidInput) as err:
        await offers.update_bonus(session, **ids, index=0, name="Ok", value=999)
    assert (err.value.field, err.value.reason) == ("bonus_value", "range")
    with pytest.raises(InvalidInput) as err:
        await offers.update_bonus(session, **ids, index=0, name="  ")
    assert err.value.reason == "empty"
    for index in (2, -1):
        with pytest.raises(NotFound):
            await offers.update_bonus(session, **ids, index=index, name="Ghost")
    assert (await offers.get_offer(session, **ids)).bonuses == saved.bonuses


async def test_at_most_twenty_offers(session: AsyncSession) -> None:
    business = await make_owner(session, 5105)
    for i in range(offers.MAX_OFFERS):
        await _offer(session, business.id, name=f"Offer {i}")
    with pytest.raises(InvalidInput) as err:
        await _offer(session, business.id)
    assert err.value.reason == "too_many"


async def test_another_business_offer_ids_are_not_found(session: AsyncSession) -> None:
    victim = await make_owner(session, 5106)
    attacker = await make_owner(session, 5107)
    offer = await _offer(session, victim.id)
    other = {"business_id": attacker.id, "offer_id": offer.id}
    calls = [
        offers.get_offer(session, **other),
        offers.set_lever(session, **other, lever="d", value=10),
        offers.add_bonus(session, **other, name="x", value=1000),
        offers.remove_bonus(session, **other, index=0),
        offers.set_urgency(session, **other, deadline=None),
        offers.set_scarcity(session, **other, count=None),
        offers.set_guarantee(session, **other, kind="implied", text="x"),
        offers.set_pricing_inputs(session, **other, unit_cost=1, target_margin=1,
                                  competitor_prices=[]),
        offers.update_basics(session, **other, field="name", raw="Mine"),
        offers.update_basics(session, **other, field="dream_outcome", raw="Mine"),
        offers.update_bonus(session, **other, index=0, name="Mine"),
        offers.delete_offer(session, **other),
    ]
    for call in calls:
        with pytest.raises(NotFound):
            await call
    assert await offers.list_offers(session, business_id=attacker.id) == []
    kept = await offers.get_offer(session, business_id=victim.id, offer_id=offer.id)
    assert kept.name == "Barista in 30 days" and kept.lever_d is None


async def test_delete(session: AsyncSession) -> None:
    business = await make_owner(session, 5108)
    offer = await _offer(session, business.id)
    await offers.delete_offer(session, business_id=business.id, offer_id=offer.id)
    assert await offers.list_offers(session, business_id=business.id) == []
