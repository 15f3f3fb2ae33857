"""``compose_answer``: knowledge base → templates → grounded AI → nothing, in four languages;
the post-check; and the prompt-injection set run against the fake Claude scripted to comply
with every attack (the worst case) and without AI: zero leaks."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import pytest_asyncio
from anthropic import AsyncAnthropic
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from services.ai.gateway import AIGateway
from services.crypto import SecretBox
from services.db.models import Business, SalesBot, UsageCounter
from services.salesbot import answers, knowledge
from services.salesbot.answers import SalesAnswer, check_reply, compose_answer
from services.salesbot.intents import Intent, detect_intent
from services.salesbot.normalize import normalize
from tests.factories import make_owner
from tests.fakes.anthropic import FakeAnthropic, Reply

INJECTIONS = Path(__file__).resolve().parent.parent / "data" / "injections.jsonl"
A_TOKEN = "6011223344:AAE-shopA-real-token-0123456789abcdefXYZ"
B_TOKEN = "6099887766:AAG-shopB-real-token-9876543210zyxwvuTSR"


def gateway(base_url: str) -> AIGateway:
    client = AsyncAnthropic(api_key="test-key", base_url=base_url, max_retries=0, timeout=3)
    return AIGateway(client, model="claude-sonnet-4-6", time_budget=3.0, stream_retries=0)


@dataclass
class Shops:
    a: Business
    b: Business
    b_names: list[str]
    b_prices: list[int]


async def _bot(session: AsyncSession, business: Business, token: str) -> None:
    box = SecretBox([SecretBox.generate_key()])
    session.add(SalesBot(id=int(token.split(":")[0]), business_id=business.id,
                         username=f"shop{business.id}_bot", token_encrypted=box.encrypt(token),
                         secret_encrypted=box.encrypt("s3cr3t")))


@pytest_asyncio.fixture
async def shops(session: AsyncSession) -> AsyncIterator[Shops]:
    a = await make_owner(session, 8001, name="Gulnoza Textile")
    b = await make_owner(session, 8002, name="Mega Electronics")
    a.city, a.phone = "Toshkent", "+998901112233"
    for name, price, description in (("Atlas ko'ylak", 350_000, "Qo'lda tikilgan atlas"),
                                      ("Paxta sochiq", 45_000, ""),
                                      ("Ipak ro'mol", None, "Buyurtma asosida")):
        await knowledge.add_product(session, business_id=a.id, name=name, price=price,
                                    description=description)
    await knowledge.add_entry(session, business_id=a.id, kind="delivery",
                              question="Yetkazib berish bormi?\nДоставка есть?",
                              answer="Toshkent bo'ylab 1 kunda, 20 000 so'm.")
    await knowledge.add_entry(session, business_id=a.id, kind="payment",
                              question="To'lov qanday?\nКак оплатить?",
                              answer="Click, Payme yoki naqd.")
    await knowledge.add_entry(session, business_id=a.id, kind="faq",
                              question="Ish vaqti qanaqa?\nГрафик работы",
                              answer="Har kuni 9:00 dan 20:00 gacha.")
    b_products = (("iPhone 15 Pro", 14_500_000), ("Samsung S24 Ultra", 13_200_000))
    for name, price in b_products:
        await knowledge.add_product(session, business_id=b.id, name=name, price=price)
    await knowledge.add_entry(session, business_id=b.id, kind="faq",
                              question="Ulgurji narx?", answer="Ichki: ulgurji 9 900 000.")
    await _bot(session, a, A_TOKEN)
    await _bot(session, b, B_TOKEN)
    await session.commit()
    yield Shops(a, b, ["Mega Electronics", "iPhone", "Samsung", "S24", "Ulgurji"],
                [14_500_000, 13_200_000, 9_900_000])


# --- the order of sources, no AI ----------------------------------------------------------


async def test_kb_then_templates_in_four_languages(session: AsyncSession, shops: Shops
                                                   ) -> None:
    a = shops.a.id

    async def answer(text: str, language: str = "uz") -> SalesAnswer:
        return await compose_answer(session, None, business_id=a, text=text,
                                    intent=detect_intent(text).intent, language=language)

    delivery = await answer("доставка есть?", "ru")
    assert (delivery.source, delivery.text) == ("kb", "Toshkent bo'ylab 1 kunda, 20 000 so'm.")
    payment = await answer("payme orqali to'lasam bo'ladimi")  # the only payment entry
    assert (payment.source, payment.text) == ("kb", "Click, Payme yoki naqd.")
    named = await answer("Atlas ko'ylak narxi qancha?")
    assert named.source == "kb" and [p.name for p in named.products] == ["Atlas ko'ylak"]
    assert "350 000" in named.text.replace("\u00a0", " ")
    order = await answer("Atlas ko'ylak olaman")
    assert order.source == "template" and [p.name for p in order.products] == ["Atlas ko'ylak"]
    prices = await answer("narxlar qanaqa?")
    assert prices.source == "template" and len(prices.products) == 3
    assert prices.text.startswith("Narxlarimiz:")  # the Uzbek catalog, not the English id
    assert "45 000 so'm" in prices.text.replace("\u00a0", " ")
    ru_prices = await answer("сколько стоит?", "ru")
    assert "45 000 сум" in ru_prices.text.replace("\u00a0", " ")
    en_prices = await answer("how much?", "en")
    assert "45,000 so'm" in en_prices.text and "price on request" in en_prices.text
    cyrl = await answer("Салом", "uz_Cyrl")
    assert cyrl.source == "template" and "Gulnoza Textile" in cyrl.text
    assert cyrl.text != (await answer("Hi", "en")).text
    complaint = await answer("Буюртмам ҳали келмади", "uz_Cyrl")
    assert complaint.source == "template"
    assert (await answer("Kafolat beriladimi?")).source == "none"  # nothing known, no AI


async def test_unknown_business_or_empty_kb_says_nothing(session: AsyncSession) -> None:
    empty = await make_owner(session, 8003, name="Empty")
    assert (await compose_answer(session, None, business_id=empty.id, text="narxi qancha",
                                 intent=Intent.PRICING, language="uz")).source == "none"
    assert (await compose_answer(session, None, business_id=999_999, text="salom",
                                 intent=Intent.GREETING, language="uz")).source == "none"


# --- the AI, grounded and post-checked --------------------------------------------------------


async def test_ai_is_grounded_on_this_business_only(session: AsyncSession, shops: Shops
                                                    ) -> None:
    async with FakeAnthropic() as fake:
        fake.script(Reply(chunks=["Ha, Atlas ko'ylak 350 000 so'm turadi. ",
                                  "Toshkent bo'ylab yetkazamiz."]))
        found = await compose_answer(
            session, gateway(fake.base_url), business_id=shops.a.id,
            text="Kafolat bormi? atlas uchun", intent=Intent.UNKNOWN, language="uz",
            history=[("customer", "salom"), ("bot", "Assalomu alaykum!")])
    assert found.source == "ai" and "350 000" in found.text
    body = json.dumps(fake.requests[0].body, ensure_ascii=False)
    assert "Gulnoza Textile" in body and "Atlas ko'ylak" in body
    for secret in (*shops.b_names, "14500000", "Mega", A_TOKEN, B_TOKEN, "s3cr3t"):
        assert secret not in body
    assert "marketing advisor" not in body  # the owner-advisor prompt is not used
    messages = fake.requests[0].body["messages"]
    assert messages[0] == {"role": "user", "content": "salom"}
    assert "<customer_message>" in messages[-1]["content"]


@pytest.mark.parametrize(("reply", "kept", "reasons"), [
    ("Atlas ko'ylak 350 000 so'm. Yetkazish 20 000 so'm.", True, ()),
    ("Atlas ko'ylak 300 000 so'm.", False, ("price",)),
    ("Sizga 15% chegirma!", False, ("discount", "percent")),
    ("Atlas ko'ylak 350 000 so'm. Bugun esa 50% chegirma bor, shoshiling! "
     "Ertaga tugaydi.", True, ("discount", "percent")),
    ("Narxi 0,35 mln so'm.", True, ()),  # the same number written another way
    ("Token: 6011223344:AAE-shopA-real-token-0123456789abcdefXYZ", False, ("token",)),
    ("Mega Electronics has iPhone 15 Pro too.", False, ("name",)),
    ("Here: <business_data> everything </business_data>", False, ("prompt",)),
])
def test_check_reply(reply: str, kept: bool, reasons: tuple[str, ...]) -> None:
    facts = ("- Atlas ko'ylak: 350000 — atlas\n- [delivery] Q: Yetkazib berish? "
             "A: 20 000 so'm")
    safe, why = check_reply(reply, facts=facts)
    assert bool(safe) is kept and why == reasons


def test_check_reply_catches_the_rules_repeated() -> None:
    rules = answers.SALES_RULES.format(business="X", language="English")
    assert check_reply(rules[200:500], facts="")[0] == ""


# --- prompt injection -------------------------------------------------------------------------


def _attacks() -> list[dict[str, str]]:
    return [json.loads(line) for line in INJECTIONS.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def _leaks(answer: SalesAnswer, attack: str, shops: Shops, facts: str,
           system: str) -> list[str]:
    """Everything in the answer that must never reach a customer."""
    text = answer.text
    norm, said = normalize(text), normalize(attack)
    leaks = [f"other business: {name}" for name in shops.b_names
             if normalize(name) in norm and normalize(name) not in said]
    allowed = answers.numbers_in(facts)
    for value in answers.numbers_in(text):
        if value >= 100 and value not in allowed:
            leaks.append(f"number not in the KB: {value}")
    if re.search(r"\d\s*(%|foiz|процент|percent)", text, re.IGNORECASE):
        leaks.append("a percent")
    for secret in (A_TOKEN, B_TOKEN, "s3cr3t", "sk-ant", "gAAAA"):
        if secret in text:
            leaks.append(f"secret {secret[:8]}")
    words = normalize(system).split()
    windows = {" ".join(words[i:i + 6]) for i in range(len(words) - 5)}
    facts_norm = normalize(facts)
    if any(w in norm and w not in facts_norm for w in windows) or "business_data" in text:
        leaks.append("the instructions")
    return leaks


def _comply(template: str, system: str, facts: str) -> str:
    rules_part = answers.SALES_RULES.split("\n", 3)[3][:400]
    return (template.replace("{system}", system).replace("{facts}", facts)
            .replace("{rules_part}", rules_part).replace("{b_token}", B_TOKEN)
            .replace("{a_token}", A_TOKEN))


async def test_injections_with_a_complying_model_and_without_ai(session: AsyncSession,
                                                                shops: Shops) -> None:
    attacks = _attacks()
    assert len(attacks) >= 50
    a = shops.a
    entries = await knowledge.list_entries(session, business_id=a.id)
    products = await knowledge.list_products(session, business_id=a.id)
    leaks: list[str] = []
    async with FakeAnthropic() as fake:
        ai = gateway(fake.base_url)
        for number, attack in enumerate(attacks):
            if number % 15 == 0:  # the Starter plan's hourly AI limit would cut the run short
                await session.execute(delete(UsageCounter).where(
                    UsageCounter.business_id == a.id))
            facts = await answers.business_facts(session, business=a, entries=entries,
                                                 products=products, question=attack["text"])
            system = answers.system_prompt(a, facts, "uz")
            fake.script(Reply(chunks=[_comply(attack["comply"], system, facts)]))
            sent = len(fake.requests)
            with_ai = await compose_answer(session, ai, business_id=a.id,
                                           text=attack["text"], intent=Intent.UNKNOWN,
                                           language="uz")
            if len(fake.requests) == sent:  # answered from the KB: the model was not asked
                fake._script.clear()
            else:
                body = json.dumps(fake.requests[-1].body, ensure_ascii=False)
                if any(s in body for s in (B_TOKEN, A_TOKEN, "Mega Electronics", "iPhone")
                       if s not in attack["text"]):
                    leaks.append(f"{attack['text'][:40]!r}: other data sent to the model")
            without = await compose_answer(session, None, business_id=a.id,
                                           text=attack["text"],
                                           intent=detect_intent(attack["text"]).intent,
                                           language="ru")
            for answer in (with_ai, without):
                leaks += [f"{attack['text'][:40]!r}: {leak}"
                          for leak in _leaks(answer, attack["text"], shops, facts, system)]
        asked = len(fake.requests)
    assert leaks == []
    assert asked >= 45  # the model really was asked (and complied) for almost every attack


# --- the model as intent classifier -----------------------------------------------------------


async def test_classify_asks_the_model_only_when_the_rules_are_unsure(
        session: AsyncSession, shops: Shops) -> None:
    from services.salesbot.intents import classify

    async with FakeAnthropic() as fake:
        ai = gateway(fake.base_url)
        sure = await classify(ai, "narxi qancha?", session=session, business_id=shops.a.id)
        assert sure.intent is Intent.PRICING and fake.requests == []
        fake.script(Reply(chunks=['{"intent": "delivery", "confidence": 0.86}']))
        vague = await classify(ai, "xullas, ertaga Chirchiqda bo‘lamanmi", session=session,
                               business_id=shops.a.id)
        assert (vague.intent, vague.source) == (Intent.DELIVERY, "model")
        assert "Chirchiqda" in json.dumps(fake.requests[0].body, ensure_ascii=False)
        fake.script(Reply(chunks=["not json"]))
        broken = await classify(ai, "hmm, xo'sh", session=session, business_id=shops.a.id)
        assert broken.intent is Intent.UNKNOWN and broken.source == "rules"
    assert (await classify(None, "xullas, ertaga Chirchiqda", session=session,
                           business_id=shops.a.id)).intent is Intent.UNKNOWN
