"""HVCO service: codes, drafts, recommendations, the sales bot's entry points, isolation."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from services import hvco
from services.errors import Conflict, InvalidInput, NotFound
from services.hvco import DraftText, HvcoStatus, HvcoType, Reason, TopicIdea
from tests.conftest import Database
from tests.factories import make_owner

DRAFT = DraftText("Coffee checklist", ("One", "Two", "Three", "Four", "Five"), "Get it free!")


async def _make(session: AsyncSession, business_id: int, **kwargs: object) -> hvco.HvcoView:
    values: dict[str, object] = {"hvco_type": HvcoType.CHECKLIST, "topic": "Picking beans",
                                 "draft": DRAFT, "source": "fallback", **kwargs}
    view = await hvco.create_hvco(session, business_id=business_id, **values)  # type: ignore[arg-type]
    await session.commit()
    return view


def test_the_conversion_table_is_the_spec() -> None:
    assert {t.value: (c.low, c.high) for t, c in hvco.CONVERSION.items()} == {
        "ebook": (15, 25), "checklist": (20, 35), "video": (25, 40), "webinar": (30, 50),
        "template": (25, 40), "quiz": (35, 50), "consult": (40, 60), "calc": (30, 45)}


def test_codes_are_valid_start_parameters_and_random() -> None:
    codes = {hvco.new_code() for _ in range(500)}
    assert len(codes) == 500
    for code in codes:
        assert code.startswith("hv_") and len(code) <= 64
        assert hvco.CODE_PATTERN.match(code)


def test_deep_link() -> None:
    assert hvco.deep_link("hv_abc", "@coffee_bot") == "https://t.me/coffee_bot?start=hv_abc"


@pytest.mark.parametrize(("industry", "model", "goal", "first", "reasons"), [
    ("services", "b2c", "sales", HvcoType.CONSULTATION, (Reason.INDUSTRY, Reason.GOAL)),
    ("manufacturing", "b2b", "sales", HvcoType.CALCULATOR,
     (Reason.INDUSTRY, Reason.MODEL, Reason.GOAL)),
    ("retail", "b2c", "leads", HvcoType.QUIZ, (Reason.INDUSTRY, Reason.MODEL, Reason.GOAL)),
    ("education", "b2c", "brand", HvcoType.VIDEO_COURSE, (Reason.INDUSTRY, Reason.GOAL)),
    ("it", "b2b", "retention", HvcoType.TEMPLATE, (Reason.INDUSTRY, Reason.MODEL, Reason.GOAL)),
])
def test_recommendations_follow_the_profile(industry: str, model: str, goal: str,
                                             first: HvcoType, reasons: tuple[Reason, ...]
                                             ) -> None:
    recs = hvco.recommend_types(industry=industry, model=model, primary_goal=goal)
    assert 2 <= len(recs) <= 3 and len({r.type for r in recs}) == len(recs)
    assert recs[0].type == first
    assert recs[0].reasons == reasons


def test_b2b_gets_calculator_or_template() -> None:
    recs = hvco.recommend_types(industry="other", model="b2b", primary_goal=None)
    assert [r.type for r in recs] == [HvcoType.CALCULATOR, HvcoType.TEMPLATE, HvcoType.WEBINAR]
    assert hvco.recommend_types(industry=None, model=None, primary_goal=None) == []


def test_topic_ideas() -> None:
    assert hvco.topic_ideas(hvco_type=HvcoType.CONSULTATION, primary_goal="leads")[0] == (
        TopicIdea.CHECKUP)
    assert hvco.topic_ideas(hvco_type=HvcoType.CONSULTATION, primary_goal="sales")[0] == (
        TopicIdea.COST)
    for kind in HvcoType:
        assert len(hvco.topic_ideas(hvco_type=kind, primary_goal=None)) == 3


@pytest.mark.parametrize("kind", list(HvcoType))
def test_fallback_plans_are_deterministic_per_type(kind: HvcoType) -> None:
    plan = hvco.fallback_plan(hvco_type=kind)
    assert plan == hvco.fallback_plan(hvco_type=kind)
    assert 5 <= len(plan.outline) <= 7 and len(set(plan.outline)) == len(plan.outline)
    assert plan.conversion == hvco.CONVERSION[kind]
    assert plan.outline[-1] in {hvco.OutlinePoint.NEXT, hvco.OutlinePoint.BONUS}


def test_fallback_outlines_differ_between_types() -> None:
    outlines = {hvco.fallback_plan(hvco_type=k).outline for k in HvcoType}
    assert len(outlines) == len(HvcoType)


def test_parse_draft_json_is_robust() -> None:
    good = ('Here you go:\n```json\n{"title": "7 mistakes", "outline": ["1. First", "- Second",'
            ' "Third", "", 4], "post": "Get it now"}\n```')
    draft = hvco.parse_draft_json(good)
    assert draft == DraftText("7 mistakes", ("First", "Second", "Third", "4"), "Get it now")
    long = hvco.parse_draft_json(
        '{"title": "%s", "outline": ["a","b","c","d","e","f","g","h"], "post": "p"}' % ("x" * 300))
    assert long is not None and len(long.title) == 120 and len(long.outline) == 7
    for bad in ("", "no json here", "{not json}", '["a"]', '{"title": "t", "outline": "x",'
                ' "post": "p"}', '{"title": "", "outline": ["a","b","c"], "post": "p"}',
                '{"title": "t", "outline": ["a"], "post": "p"}'):
        assert hvco.parse_draft_json(bad) is None, bad
    assert hvco.parse_draft_json(hvco.draft_json(DRAFT)) == DRAFT


def test_validation() -> None:
    assert hvco.parse_outline("1. One\n\n• Two\n3) Three") == ("One", "Two", "Three")
    with pytest.raises(InvalidInput) as err:
        hvco.parse_outline("x" * 201)
    assert err.value.reason == "too_long" and err.value.params["max"] == 200
    with pytest.raises(InvalidInput) as err:
        hvco.parse_outline("\n".join(str(i) + "a" for i in range(11)))
    assert err.value.reason == "too_many"
    with pytest.raises(InvalidInput):
        hvco.parse_title("t" * 121)
    with pytest.raises(InvalidInput):
        hvco.parse_post("p" * 3501)
    hvco.check_file_size(10 * 1024 * 1024)
    with pytest.raises(InvalidInput) as err:
        hvco.check_file_size(10 * 1024 * 1024 + 1)
    assert err.value.reason == "file_too_big"
    assert hvco.looks_like_url("example.uz/guide.pdf") and hvco.looks_like_url("https://x.uz")
    assert not hvco.looks_like_url("read the guide") and not hvco.looks_like_url("hello")


async def test_create_list_and_edit(session: AsyncSession) -> None:
    business = await make_owner(session, 6101)
    first = await _make(session, business.id)
    assert first.status == HvcoStatus.DRAFT and first.leads_count == 0
    assert first.outline == DRAFT.outline and first.source == "fallback"
    second = await _make(session, business.id, hvco_type="quiz", source="ai")
    assert first.code != second.code and second.source == "ai"
    edited = await hvco.update_outline(session, business_id=business.id, hvco_id=first.id,
                                       raw="A\nB")
    assert edited.outline == ("A", "B")
    await hvco.update_title(session, business_id=business.id, hvco_id=first.id, raw="  New  ")
    assert (await hvco.get_hvco(session, business_id=business.id,
                                hvco_id=first.id)).title == "New"
    with pytest.raises(InvalidInput):
        await _make(session, business.id, hvco_type="podcast")


async def test_activation_needs_a_deliverable(session: AsyncSession) -> None:
    business = await make_owner(session, 6102)
    item = await _make(session, business.id)
    with pytest.raises(Conflict):
        await hvco.set_status(session, business_id=business.id, hvco_id=item.id,
                              status="active")
    with pytest.raises(InvalidInput):
        await hvco.attach_file(session, business_id=business.id, hvco_id=item.id,
                               file_id="F", file_name="a.pdf", file_size=11 * 2**20)
    await hvco.attach_file(session, business_id=business.id, hvco_id=item.id, file_id="F1",
                           file_name="guide.pdf", file_size=1000)
    withurl = await hvco.attach_url(session, business_id=business.id, hvco_id=item.id,
                                    raw="example.uz/guide")
    assert (withurl.file_id, withurl.url) == ("F1", "https://example.uz/guide")
    active = await hvco.set_status(session, business_id=business.id, hvco_id=item.id,
                                   status=HvcoStatus.ACTIVE)
    assert active.status == HvcoStatus.ACTIVE
    cleared = await hvco.clear_deliverable(session, business_id=business.id, hvco_id=item.id)
    assert not cleared.has_deliverable and cleared.status == HvcoStatus.DRAFT


async def test_resolve_only_active_codes(session: AsyncSession) -> None:
    business = await make_owner(session, 6103)
    item = await _make(session, business.id)
    assert await hvco.resolve_code(session, code=item.code) is None  # draft
    await hvco.attach_text(session, business_id=business.id, hvco_id=item.id, raw="Here it is")
    await hvco.set_status(session, business_id=business.id, hvco_id=item.id, status="active")
    resolved = await hvco.resolve_code(session, code=item.code)
    assert resolved is not None and resolved.id == item.id and resolved.text == "Here it is"
    await hvco.set_status(session, business_id=business.id, hvco_id=item.id, status="archived")
    assert await hvco.resolve_code(session, code=item.code) is None
    assert await hvco.resolve_code(session, code="hv_nope") is None
    assert await hvco.resolve_code(session, code="inv_" + item.code[3:]) is None
    assert await hvco.resolve_code(session, code="bad code!") is None


async def test_record_lead_is_an_atomic_increment(db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 6104)
        item = await _make(s, business.id)

    async def one() -> int:
        async with db.sessionmaker.begin() as s:
            return await hvco.record_lead(s, hvco_id=item.id)

    counts = []
    for _ in range(3):  # sequential rounds of concurrent increments (SQLite has one writer)
        counts += await asyncio.gather(one(), one())
    assert sorted(counts) == [1, 2, 3, 4, 5, 6]
    async with db.sessionmaker() as s:
        assert (await hvco.get_hvco(s, business_id=business.id,
                                    hvco_id=item.id)).leads_count == 6
        with pytest.raises(NotFound):
            await hvco.record_lead(s, hvco_id=item.id + 999)


async def test_another_business_cannot_touch_it(session: AsyncSession) -> None:
    victim = await make_owner(session, 6105)
    attacker = await make_owner(session, 6106)
    item = await _make(session, victim.id)
    for call in (
        hvco.get_hvco(session, business_id=attacker.id, hvco_id=item.id),
        hvco.update_title(session, business_id=attacker.id, hvco_id=item.id, raw="x"),
        hvco.attach_text(session, business_id=attacker.id, hvco_id=item.id, raw="x"),
        hvco.set_status(session, business_id=attacker.id, hvco_id=item.id, status="archived"),
        hvco.delete_hvco(session, business_id=attacker.id, hvco_id=item.id),
    ):
        with pytest.raises(NotFound):
            await call
    assert await hvco.list_hvcos(session, business_id=attacker.id) == []
    assert [v.id for v in await hvco.list_hvcos(session, business_id=victim.id)] == [item.id]


async def test_facts_and_the_cap(session: AsyncSession) -> None:
    business = await make_owner(session, 6107)
    assert await hvco.hvco_facts(session, business_id=business.id) == (
        "Lead magnets (HVCO): none yet.")
    item = await _make(session, business.id)
    await hvco.record_lead(session, hvco_id=item.id)
    facts = await hvco.hvco_facts(session, business_id=business.id)
    assert "0 active, 1 draft, 0 archived; 1 leads in total" in facts
    assert "'Coffee checklist': checklist (20-35% expected), draft, 1 leads" in facts
    for _ in range(hvco.MAX_HVCOS - 1):
        await _make(session, business.id)
    with pytest.raises(InvalidInput) as err:
        await _make(session, business.id)
    assert err.value.reason == "too_many"
