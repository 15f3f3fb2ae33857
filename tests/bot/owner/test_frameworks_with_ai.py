"""Dream Buyer, lead magnets and the Godfather offer with a model (the fake Claude server):
the model's answer is used when it is good, and every failure falls back to the rules."""

from __future__ import annotations

import json

from services import dream_buyer, offers
from tests.conftest import Database, Telegram
from tests.factories import make_owner
from tests.fakes.anthropic import Fail, FakeAnthropic, Malformed, Reply

OFFLINE_RU = "Ответ без ИИ"


async def _avatar(db: Database, user_id: int, language: str = "en") -> int:
    async with db.sessionmaker() as s:
        business = await make_owner(s, user_id, language=language)
        avatar, _ = await dream_buyer.create_avatar(s, business_id=business.id,
                                                    name="Office Olga")
        for field, value in {"frustrations": "Queues every morning",
                             "dreams": "A calm start of the day",
                             "language_jargon": "kofe olib ketaman"}.items():
            await dream_buyer.set_answer(s, business_id=business.id, avatar_id=avatar.id,
                                         field=field, value=value)
        await s.commit()
        return business.id


async def test_dream_buyer_persona_from_the_model_then_a_failure(
        ai_tg: Telegram, db: Database, fake: FakeAnthropic) -> None:
    await _avatar(db, 9201)
    generated = {"persona": "Olga, 29, an analyst who hates queues.",
                 "content_ideas": [f"Idea {n}" for n in range(1, 6)],
                 "ad_hooks": [f"Hook {n}: kofe olib ketaman" for n in range(1, 6)]}
    fake.default = Reply(chunks=[json.dumps(generated)])
    user = ai_tg.user(9201)
    await user.send("/dreambuyer")
    await user.press("👤 Office Olga · 30%")
    shown = await user.press("✨ Persona, ideas and ad hooks")
    text = "\n".join(m.text for m in shown)
    assert "Olga, 29, an analyst who hates queues." in text
    assert "Hook 5: kofe olib ketaman" in text and "Offline answer" not in text
    assert "Office Olga" in fake.requests[-1].body["system"]  # grounded on the avatar
    fake.default = Fail(500)
    again = await user.press("🔄 Regenerate")
    assert "Offline answer" in "\n".join(m.text for m in again)


async def test_lead_magnet_drafted_by_the_model_in_russian(
        ai_tg: Telegram, db: Database, fake: FakeAnthropic) -> None:
    async with db.sessionmaker() as s:
        await make_owner(s, 9202, name="Kofe Uy", language="ru")
    draft = {"title": "Чек-лист: 7 ошибок при выборе зёрен",
             "outline": ["Свежесть обжарки", "Помол", "Вода", "Хранение"],
             "post": "Забирайте бесплатный чек-лист!"}
    fake.default = Reply(chunks=["```json\n", json.dumps(draft, ensure_ascii=False), "\n```"])
    user = ai_tg.user(9202, language_code="ru")
    await user.send("/hvco")
    types = (await user.press(1))[-1]
    await user.press(types.button_texts()[0])
    card = (await user.send("Как выбрать кофейные зёрна"))[-1]
    assert "Чек-лист: 7 ошибок при выборе зёрен" in card.text
    assert "4. Хранение" in card.text and OFFLINE_RU not in card.text
    assert "Answer in Russian" in fake.requests[-1].body["system"]


async def test_godfather_wording_from_the_model_and_when_it_breaks(
        ai_tg: Telegram, db: Database, fake: FakeAnthropic) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 9203)
        offer = await offers.create_offer(s, business_id=business.id, name="Morning Pass",
                                          core_product="20 coffees a month",
                                          dream_outcome="Coffee without a queue",
                                          price="390 000")
        await s.commit()
    fake.default = Reply(chunks=["Get 20 coffees ", "for the price of 15 — or it's free."])
    user = ai_tg.user(9203)
    await user.send("/offer")
    await user.press(f"📦 1. {offer.name}")
    worded = (await user.press("🤝 Godfather offer"))[-1]
    assert "Get 20 coffees for the price of 15 — or it's free." in worded.text
    assert "Offline answer" not in worded.text
    for failure in (Malformed(), Fail(529, "overloaded_error", "Overloaded"),
                    Fail(401, "authentication_error", "bad key")):
        fake.default = failure
        await user.send("/offer")
        await user.press(f"📦 1. {offer.name}")
        fallback = (await user.press("🤝 Godfather offer"))[-1]
        assert "Offline answer" in fallback.text, failure
