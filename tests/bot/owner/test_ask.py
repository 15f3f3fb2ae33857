"""Ask AI and the USP generator as an owner sees them, with and without a key."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from bot.config import Settings
from bot.emulator import BotAPIEmulator
from services.db.models import AIMessage, Business
from tests.conftest import OWNER_TOKEN, Database, Telegram, running_owner_bot, with_key
from tests.factories import make_owner
from tests.fakes.anthropic import FakeAnthropic, Hang, Reply

OFFLINE = "⚙️ Offline answer — built from rules and templates, no AI key in use."


async def _messages(db: Database, business_id: int) -> list[tuple[str, str, str | None]]:
    async with db.sessionmaker() as s:
        rows = await s.scalars(select(AIMessage).where(AIMessage.business_id == business_id)
                               .order_by(AIMessage.id))
        return [(m.role, m.text, m.source) for m in rows]


async def test_offline_ask_answers_with_rules_in_english(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 9101)
    user = tg.user(9101)
    intro = (await user.send("/ask"))[-1]
    assert "Ask AI" in intro.text and OFFLINE in intro.text
    answer = (await user.send("How do I get more customers?"))[-1]
    assert answer.text.startswith("🧲 More leads")
    assert "Complete your business profile" in answer.text
    assert "Fill the canvas square “Lead capture” (0 of 9 squares are filled)" in answer.text
    assert "📚 Sabri Suby — Sell Like Crazy" in answer.text
    assert answer.text.endswith(OFFLINE)
    assert answer.button_texts() == ["🆕 New conversation", "🏠 Main menu"]
    assert "typing" in user.chat_actions
    stored = await _messages(db, business.id)
    assert stored[0] == ("user", "How do I get more customers?", None)
    assert stored[1][0] == "assistant" and stored[1][2] == "fallback"
    assert "<b>" not in stored[1][1]


async def test_offline_ask_in_russian_and_uzbek(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        await make_owner(s, 9102, language="ru")
        await make_owner(s, 9103, language="uz", name="Navro'z")
    ru = tg.user(9102, language_code="ru")
    await ru.send("/ask")
    answer = (await ru.send("Как увеличить продажи?"))[-1]
    assert "Больше продаж" in answer.text
    assert "Ответ без ИИ" in answer.text
    uz = tg.user(9103, language_code="uz")
    await uz.send("/ask")
    answer = (await uz.send("Narxni qanday belgilayman?"))[-1]
    assert "Narx" in answer.text
    assert "AI kaliti" in answer.text


async def test_ask_streams_drafts_and_remembers(ai_tg: Telegram, db: Database,
                                                fake: FakeAnthropic) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 9104)
    # chunks further apart than the draft throttle, so each one shows as a draft
    fake.default = Reply(chunks=["**Plan**", "\n- Post", " daily", "\n- Track <leads>"],
                         delay=0.45)
    user = ai_tg.user(9104)
    intro = (await user.send("/ask"))[-1]
    assert OFFLINE not in intro.text
    answer = (await user.send("What should I post?"))[-1]
    assert answer.text == "Plan\n• Post daily\n• Track <leads>"
    assert "<b>Plan</b>" in answer.html and "&lt;leads&gt;" in answer.html
    drafts = user.drafts
    assert drafts and drafts[0].text.startswith("Plan")
    assert len({d.draft_id for d in drafts}) == 1
    assert drafts[-1].text.startswith("Plan\n• Post")
    system = fake.requests[0].body["system"]
    assert "Answer in English" in system and "- name: Test Biz" in system
    fake.default = Reply(chunks=["Second answer"])
    await user.send("And then?")
    assert fake.requests[1].body["messages"] == [
        {"role": "user", "content": "What should I post?"},
        {"role": "assistant", "content": "**Plan**\n- Post daily\n- Track <leads>"},
        {"role": "user", "content": "And then?"}]
    assert [m[2] for m in await _messages(db, business.id)] == [None, "ai", None, "ai"]
    new = await user.send("/new")
    assert "New conversation" in new[0].text
    await user.send("Fresh question")
    assert fake.requests[2].body["messages"] == [{"role": "user", "content": "Fresh question"}]


async def test_drafts_failing_fall_back_to_an_edited_message(ai_tg: Telegram, db: Database,
                                                             fake: FakeAnthropic) -> None:
    async with db.sessionmaker() as s:
        await make_owner(s, 9105)
    emulator: BotAPIEmulator = ai_tg.emulator
    emulator.fail_next("sendMessageDraft", 400, "Bad Request: drafts are not allowed")
    fake.default = Reply(chunks=["One", " two", " three"], delay=0.05)
    user = ai_tg.user(9105)
    await user.send("/ask")
    shown = await user.send("Hi?")
    assert [m.text for m in shown] == ["One two three"]
    assert shown[0].edited


async def test_a_model_timeout_ends_with_the_offline_answer(settings: Settings, db: Database,
                                                            fake: FakeAnthropic) -> None:
    from pydantic import SecretStr

    async with db.sessionmaker() as s:
        await make_owner(s, 9106, language="ru")
    fake.default = Hang(10)
    configured = with_key(settings, fake, budget=0.5).model_copy(
        update={"anthropic_api_key": SecretStr("sk-test")})
    async with running_owner_bot(configured) as telegram:
        user = telegram.user(9106, language_code="ru")
        await user.send("/ask")
        answer = (await user.send("Как поднять цены?"))[-1]
        assert "Цены" in answer.text
        assert "ИИ не ответил вовремя" in answer.text
        await telegram.app.ai.close()


async def test_long_answers_are_split(ai_tg: Telegram, db: Database,
                                      fake: FakeAnthropic) -> None:
    async with db.sessionmaker() as s:
        await make_owner(s, 9107)
    line = "word " * 100
    fake.default = Reply(chunks=[line.strip() + "\n" for _ in range(12)])
    user = ai_tg.user(9107)
    await user.send("/ask")
    shown = await user.send("Write a lot")
    assert len(shown) == 2
    assert all(len(m.text) <= 4096 for m in shown)
    assert shown[-1].button_texts() == ["🆕 New conversation", "🏠 Main menu"]


async def test_ask_from_the_main_menu_survives_a_restart(settings: Settings,
                                                         db: Database) -> None:
    async with db.sessionmaker() as s:
        await make_owner(s, 9108)
    async with BotAPIEmulator() as emu:
        emu.add_bot(OWNER_TOKEN, username="biznespilot_test_bot", first_name="BiznesPilot")
        async with running_owner_bot(settings, emu) as telegram:
            user = telegram.user(9108)
            await user.send("/menu")
            await user.press("🤖 Ask AI")
            await user.send("How do I retain customers?")
        async with running_owner_bot(settings, emu) as telegram:
            user = telegram.user(9108)
            answer = (await user.send("Who are my competitors?"))[-1]
            assert "Competitors" in answer.text
            intro = (await user.send("/ask"))[-1]
            assert "(4 messages)" in intro.text


# --- USP ----------------------------------------------------------------------------------


async def _business(db: Database, business_id: int) -> Business:
    async with db.sessionmaker() as s:
        business = await s.get(Business, business_id)
        assert business is not None
        return business


async def test_usp_offline_templates_pick_one(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 9110, name="Kofe Uy")
    user = tg.user(9110)
    shown = (await user.send("/usp"))[-1]
    assert "USP ideas for Kofe Uy" in shown.text
    assert "1. Kofe Uy: retail made for people who value their time" in shown.text
    assert "Elevator pitch" in shown.text and OFFLINE in shown.text
    assert shown.button_texts()[:3] == ["✅ 1", "✅ 2", "✅ 3"]
    done = await user.press("✅ 2")
    assert "✓ USP 2 chosen" in done[0].text
    assert "Saved to your profile" in done[-1].text
    saved = await _business(db, business.id)
    assert saved.usp is not None and saved.usp.startswith("Kofe Uy promises")
    assert saved.elevator_pitch is not None and "We are Kofe Uy" in saved.elevator_pitch


async def test_usp_with_the_model_in_russian_and_typing_my_own(ai_tg: Telegram, db: Database,
                                                               fake: FakeAnthropic) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 9111, language="ru")
    proposal = {"usps": ["Кофе за 3 минуты", "Зёрна из Эфиопии", "Кофе <и> выпечка"],
                "pitch": "Мы варим кофе."}
    fake.default = Reply(chunks=["```json\n", json.dumps(proposal, ensure_ascii=False),
                                 "\n```"])
    user = ai_tg.user(9111, language_code="ru")
    shown = (await user.send("/usp"))[-1]
    assert "3. Кофе <и> выпечка" in shown.text and "&lt;и&gt;" in shown.html
    assert "Мы варим кофе." in shown.text
    assert "Ответ без ИИ" not in shown.text
    assert "stream" not in fake.requests[0].body
    assert "Answer in Russian" in fake.requests[0].body["system"]
    await user.send("Лучший кофе в Чиланзаре")
    saved = await _business(db, business.id)
    assert saved.usp == "Лучший кофе в Чиланзаре"
    fake.default = Reply(chunks=["not json at all"])
    again = (await user.send("/usp"))[-1]
    assert "Ответ без ИИ" in again.text  # unusable JSON: the templates answer


async def test_usp_needs_the_profile_permission(tg: Telegram, db: Database) -> None:
    from services import teams
    from tests.factories import add_member

    async with db.sessionmaker() as s:
        business = await make_owner(s, 9112)
        await add_member(s, business.id, 9113, teams.Role.VIEWER)
    viewer = tg.user(9113)
    denied: list[Any] = await viewer.send("/usp")
    assert "can't edit the business" in denied[-1].text
    assert "Ask AI" in (await viewer.send("/ask"))[-1].text


async def test_usp_opens_from_the_profile_card(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        await make_owner(s, 9120, name="Non Uyi")
    user = tg.user(9120)
    card = (await user.send("/profile"))[-1]
    assert "💡 USP generator" in card.button_texts()
    shown = (await user.press("💡 USP generator"))[-1]
    assert "USP ideas for Non Uyi" in shown.text
