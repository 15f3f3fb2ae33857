"""Dream Buyer use cases against a migrated database, and the rules behind the advice."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from services import dream_buyer
from services.charts.avatar import AvatarSection, render_avatar
from services.dream_buyer import (
    FIELDS,
    AvatarView,
    Channel,
    ChannelAdvice,
    Generation,
    HookKind,
    IdeaKind,
    Tactic,
)
from services.errors import InvalidInput, LimitExceeded, NotFound
from tests.factories import make_owner


def _view(**answers: str) -> AvatarView:
    now = datetime(2026, 12, 1, tzinfo=UTC)
    return AvatarView(id=1, name="Madina", answers=dict(answers), persona_summary=None,
                      content_ideas=(), ad_hooks=(), generated_at=None, generated_source=None,
                      created_at=now, updated_at=now)


async def test_answers_are_saved_one_by_one_and_completeness(session: AsyncSession) -> None:
    business = await make_owner(session, 9101)
    avatar, status = await dream_buyer.create_avatar(session, business_id=business.id,
                                                     name="  Madina  ")
    assert avatar.name == "Madina" and avatar.completeness == 0
    assert (status.used, status.limit, status.warning) == (1, 2, None)
    for number, code in enumerate(FIELDS[:4], 1):
        avatar = await dream_buyer.set_answer(session, business_id=business.id,
                                              avatar_id=avatar.id, field=code,
                                              value=f"answer {number}")
    await session.commit()
    stored = await dream_buyer.get_avatar(session, business_id=business.id, avatar_id=avatar.id)
    assert stored.answered == 4 and stored.completeness == 40
    assert stored.answers["frustrations"] == "answer 4"
    # Demographics and the name do not count towards completeness.
    stored = await dream_buyer.set_answer(session, business_id=business.id,
                                          avatar_id=avatar.id, field="age_range", value="25–34")
    assert stored.completeness == 40
    cleared = await dream_buyer.set_answer(session, business_id=business.id,
                                           avatar_id=avatar.id, field="frustrations", value=None)
    assert cleared.answers["frustrations"] is None and cleared.completeness == 30
    assert [a.id for a in await dream_buyer.list_avatars(session, business_id=business.id)] == [
        avatar.id]


async def test_validation(session: AsyncSession) -> None:
    business = await make_owner(session, 9102)
    with pytest.raises(InvalidInput) as empty:
        await dream_buyer.create_avatar(session, business_id=business.id, name="   ")
    assert empty.value.reason == "empty"
    avatar, _ = await dream_buyer.create_avatar(session, business_id=business.id, name="A")
    with pytest.raises(InvalidInput) as long:
        await dream_buyer.set_answer(session, business_id=business.id, avatar_id=avatar.id,
                                     field="fears", value="x" * (dream_buyer.MAX_ANSWER + 1))
    assert long.value.reason == "too_long" and long.value.params["max"] == 600
    with pytest.raises(InvalidInput):
        await dream_buyer.set_answer(session, business_id=business.id, avatar_id=avatar.id,
                                     field="owner_id", value="1")
    with pytest.raises(InvalidInput):
        await dream_buyer.set_answer(session, business_id=business.id, avatar_id=avatar.id,
                                     field="name", value=None)


async def test_the_plan_limit(session: AsyncSession) -> None:
    business = await make_owner(session, 9103)
    await dream_buyer.create_avatar(session, business_id=business.id, name="One")
    _, status = await dream_buyer.create_avatar(session, business_id=business.id, name="Two")
    assert status.warning == 90 and status.percent == 100
    with pytest.raises(LimitExceeded) as exc:
        await dream_buyer.ensure_room(session, business_id=business.id)
    assert exc.value.params == {"resource": "avatars", "used": 2, "limit": 2, "plan": "starter"}
    with pytest.raises(LimitExceeded):
        await dream_buyer.create_avatar(session, business_id=business.id, name="Three")
    assert await dream_buyer.count_avatars(session, business_id=business.id) == 2


async def test_another_business_avatar_is_not_found(session: AsyncSession) -> None:
    mine = await make_owner(session, 9104)
    theirs = await make_owner(session, 9105)
    avatar, _ = await dream_buyer.create_avatar(session, business_id=theirs.id, name="Theirs")
    with pytest.raises(NotFound):
        await dream_buyer.get_avatar(session, business_id=mine.id, avatar_id=avatar.id)
    with pytest.raises(NotFound):
        await dream_buyer.set_answer(session, business_id=mine.id, avatar_id=avatar.id,
                                     field="fears", value="x")
    with pytest.raises(NotFound):
        await dream_buyer.save_generation(session, business_id=mine.id, avatar_id=avatar.id,
                                          generation=Generation("p", ("a",), ("b",)),
                                          source="ai")
    with pytest.raises(NotFound):
        await dream_buyer.delete_avatar(session, business_id=mine.id, avatar_id=avatar.id)
    assert await dream_buyer.list_avatars(session, business_id=mine.id) == []
    assert await dream_buyer.avatar_facts(session, business_id=mine.id) == ""
    await dream_buyer.delete_avatar(session, business_id=theirs.id, avatar_id=avatar.id)
    assert await dream_buyer.count_avatars(session, business_id=theirs.id) == 0


async def test_generation_is_stored(session: AsyncSession) -> None:
    business = await make_owner(session, 9106)
    avatar, _ = await dream_buyer.create_avatar(session, business_id=business.id, name="A")
    saved = await dream_buyer.save_generation(
        session, business_id=business.id, avatar_id=avatar.id,
        generation=Generation("Persona", ("i1", "i2", "i3"), ("h1", "h2", "h3")),
        source="fallback")
    await session.commit()
    got = await dream_buyer.get_avatar(session, business_id=business.id, avatar_id=avatar.id)
    assert got == saved
    assert (got.persona_summary, got.content_ideas, got.generated_source) == (
        "Persona", ("i1", "i2", "i3"), "fallback")
    assert got.generated_at is not None and got.generated_at.tzinfo is not None


async def test_avatar_facts_for_the_ai_prompt(session: AsyncSession) -> None:
    business = await make_owner(session, 9107)
    avatar, _ = await dream_buyer.create_avatar(session, business_id=business.id,
                                                name="Madina")
    await dream_buyer.set_answer(session, business_id=business.id, avatar_id=avatar.id,
                                 field="fears", value="Fake\nproducts")
    await dream_buyer.create_avatar(session, business_id=business.id, name="Aziz")
    facts = await dream_buyer.avatar_facts(session, business_id=business.id)
    assert facts.splitlines() == [
        "Dream Buyer avatars (2):", "1. Madina", "fears: Fake products", "completeness: 10%",
        "2. Aziz", "completeness: 0%"]


def test_channels_are_found_in_any_language() -> None:
    assert dream_buyer.detect_channels("Инстаграм и телеграм-каналы, YouTube") == [
        Channel.INSTAGRAM, Channel.TELEGRAM, Channel.YOUTUBE]
    assert dream_buyer.detect_channels("Telefon qoʻngʻirogʻi, SMS") == [Channel.PHONE,
                                                                         Channel.SMS]
    assert dream_buyer.detect_channels("friends at the bazaar") == []
    assert dream_buyer.detect_channels(None) == []


def test_power4_splits_the_avatar_channels() -> None:
    advice = dream_buyer.power4(_view(where_online="Instagram, TikTok",
                                      information_sources="Google",
                                      preferred_channel="Telegram, phone",
                                      where_offline="Korzinka"))
    assert (advice.now_percent, advice.later_percent) == (3, 97)
    assert advice.now == (
        ChannelAdvice(Channel.INSTAGRAM, Tactic.DIRECT_ADS),
        ChannelAdvice(Channel.TIKTOK, Tactic.DIRECT_ADS),
        ChannelAdvice(Channel.GOOGLE, Tactic.SEARCH),
        ChannelAdvice(Channel.TELEGRAM, Tactic.DIRECT_MESSAGES),
        ChannelAdvice(Channel.PHONE, Tactic.CALLS),
    )
    assert [(a.channel, a.tactic) for a in advice.later] == [
        (Channel.INSTAGRAM, Tactic.CONTENT), (Channel.TIKTOK, Tactic.CONTENT),
        (Channel.GOOGLE, Tactic.CONTENT), (Channel.TELEGRAM, Tactic.NURTURE),
        (Channel.OFFLINE, Tactic.HVCO)]
    email_only = dream_buyer.power4(_view(preferred_channel="e-mail"))
    assert email_only.now == () and email_only.later == (
        ChannelAdvice(Channel.EMAIL, Tactic.NURTURE),)
    assert not dream_buyer.power4(_view()).has_channels


def test_fallback_rules_are_deterministic_and_reuse_jargon() -> None:
    avatar = _view(frustrations="No time for herself; prices keep rising",
                   dreams="Her own business", fears="Fake products",
                   preferred_channel="WhatsApp", where_online="Instagram",
                   language_jargon="“aksiya bormi?”, dostavka", age_range="25–34")
    plan = dream_buyer.fallback_plan(avatar)
    assert plan == dream_buyer.fallback_plan(avatar)
    assert plan.jargon == ("aksiya bormi?", "dostavka")
    assert plan.demographics == {"age_range": "25–34"}
    assert [(i.kind, i.subject) for i in plan.ideas] == [
        (IdeaKind.MISTAKES, "No time for herself"), (IdeaKind.MISTAKES, "prices keep rising"),
        (IdeaKind.PATH_TO_DREAM, "Her own business"), (IdeaKind.FEAR_ANSWERS, "Fake products"),
        (IdeaKind.CHANNEL_FORMAT, "instagram")]
    assert [(h.kind, h.subject) for h in plan.hooks] == [
        (HookKind.PAIN_QUESTION, "No time for herself"), (HookKind.IMAGINE, "Her own business"),
        (HookKind.FEAR_REVERSAL, "Fake products"), (HookKind.JARGON, "aksiya bormi?"),
        (HookKind.CHANNEL_CTA, "whatsapp")]
    # An empty avatar still gets five of each, from the generic templates.
    empty = dream_buyer.fallback_plan(_view())
    assert len(empty.ideas) == 5 and len(empty.hooks) == 5
    assert all(item.subject == "" for item in (*empty.ideas, *empty.hooks))


@pytest.mark.parametrize("text", [
    '{"persona": "P", "content_ideas": ["a", "b", "c", "d", "e", "f"], '
    '"ad_hooks": ["1", "2", "3"]}',
    'Sure! Here it is:\n```json\n{"persona": "P", "content_ideas": ["a", "b", "c"], '
    '"ad_hooks": ["1", "2", "3"]}\n```\nHope it helps.',
])
def test_model_json_is_parsed_robustly(text: str) -> None:
    parsed = dream_buyer.parse_generation(text)
    assert parsed is not None and parsed.persona == "P"
    assert parsed.content_ideas[:3] == ("a", "b", "c") and len(parsed.content_ideas) <= 5
    assert parsed.ad_hooks == ("1", "2", "3")


@pytest.mark.parametrize("text", [
    "", "Here are some ideas: 1. post more", '{"persona": "P"}', "[1, 2, 3]",
    '{"persona": "", "content_ideas": ["a", "b", "c"], "ad_hooks": ["1", "2", "3"]}',
    '{"persona": "P", "content_ideas": "a, b, c", "ad_hooks": ["1", "2", "3"]}',
    '{"persona": "P", "content_ideas": ["a", 2, null], "ad_hooks": ["1", "2", "3"]}',
    '{"persona": "P", "content_ideas": ["a", "b", "c"], "ad_hooks": ["1", "2", "3"',
])
def test_unusable_model_answers_give_none(text: str) -> None:
    assert dream_buyer.parse_generation(text) is None


def test_the_generation_request_names_language_and_json() -> None:
    request = dream_buyer.generation_request(_view(fears="Fake products"), business_id=7,
                                             locale="ru", business_name="Chilonzor Coffee",
                                             industry="horeca")
    assert request.feature == "dream_buyer" and request.business_id == 7
    assert "Russian" in request.instructions and "JSON" in request.instructions
    assert "Business: Chilonzor Coffee (industry: horeca)" in request.facts
    assert "fears: Fake products" in request.facts


def test_the_card_image_is_a_png() -> None:
    png = render_avatar(name="Мадина", demographics="25–34 · Тошкент",
                        sections=[AvatarSection(title=f"{n}. Title", body="x" * (n * 40))
                                  for n in range(10)],
                        completeness=90, completeness_label="90%", empty_text="—")
    assert png.startswith(b"\x89PNG") and len(png) > 10_000
