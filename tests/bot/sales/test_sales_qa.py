"""Customer-experience regressions found in the QA pass over the sales chatbot (pure logic,
no database)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.i18n import make_i18n
from handlers.sales.steps import (
    is_cancel,
    is_courtesy,
    is_yes,
    render_answer,
    typed_phone,
)
from services.db.models import Order, SalesConversation
from services.salesbot.answers import ProductCard, SalesAnswer
from services.salesbot.language import detect_language
from services.salesbot.texts import translate as t
from services.teams import Role
from tests.bot.sales.harness import running_platform
from tests.conftest import Database
from tests.factories import add_member, make_owner

TOKEN = "5550031:AAH-chilonzor-coffee-token-qa"


@pytest.fixture()
def english() -> Iterator[None]:
    i18n = make_i18n()
    with i18n.context(), i18n.use_locale("en"):
        yield


@pytest.mark.usefixtures("english")
def test_a_product_answer_lists_each_product_once() -> None:
    latte = ProductCard("Latte", 28_000, "Double espresso with steamed milk, 350 ml")
    named = SalesAnswer("• Latte — 28 000 so'm\nDouble espresso with steamed milk, 350 ml",
                        "kb", [latte])
    body = render_answer(named, "uz")
    assert body.count("Latte") == 1 and body.count("Double espresso") == 1
    croissant = ProductCard("Croissant", 18_000)
    listed = SalesAnswer("Our prices:\n• Latte — 28 000 so'm\n• Croissant — 18 000 so'm",
                         "template", [latte, croissant])
    body = render_answer(listed, "en")
    assert body.startswith("Our prices:")
    assert body.count("Latte") == 1 and body.count("Croissant") == 1
    # an answer without cards keeps its text as it is
    plain = SalesAnswer("We deliver in Tashkent.\n• within 2 hours", "kb")
    assert render_answer(plain, "en") == "We deliver in Tashkent.\n• within 2 hours"


def test_the_written_language_is_recognised_only_when_clear() -> None:
    assert detect_language("Салом! Нархлар қанча?") == "uz_Cyrl"
    assert detect_language("салом, нархи канча?") == "uz_Cyrl"  # a Russian keyboard
    assert detect_language("Хочу заказать два латте") == "ru"
    assert detect_language("skolko stoit dostavka?") == "ru"
    assert detect_language("latte narxi qancha?") == "uz"
    assert detect_language("Do you deliver to Chilonzor?") == "en"
    for unclear in ("ok", "Latte", "👍👍", "Assalomu alaykum!", "+998 90 123 45 67", ""):
        assert detect_language(unclear) is None, unclear


def test_the_written_language_on_the_labelled_messages() -> None:
    """The intents set carries each message's language: a wrong switch is rare (undecided
    messages keep the conversation's language)."""
    rows = [json.loads(line) for line in
            (Path(__file__).parents[2] / "data" / "intents.jsonl").read_text().splitlines()]
    guesses = [(row["lang"], detect_language(row["text"])) for row in rows]
    wrong = sum(1 for lang, guess in guesses if guess is not None and guess != lang)
    right = sum(1 for lang, guess in guesses if guess == lang)
    assert wrong <= len(rows) // 100 and right >= len(rows) * 7 // 10


def test_cancel_words() -> None:
    for cancel in ("bekor", "Bekor qilish", "Отмена!", "отменить", "бекор", "cancel ❌"):
        assert is_cancel(cancel), cancel
    for other in ("buyurtmani bekor qilmoqchiman emas, latte olaman", "latte", ""):
        assert not is_cancel(other), other


def test_a_typed_phone_counts_as_a_shared_one() -> None:
    assert typed_phone("90 123 45 67") == "+998901234567"
    assert typed_phone("+998 (90) 123-45-67") == "+998901234567"
    for other in ("2 latte", "12345", "+1 202 555 0143", "my number is 901234567"):
        assert typed_phone(other) is None, other


async def test_replies_follow_the_written_language_and_a_typed_phone_places_the_order(
        settings: Settings, db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 8501, name="Chilonzor Coffee")
    # six updates a customer in this test's window, then the flood notice
    settings = settings.model_copy(update={"flood_rate": 6, "flood_window_seconds": 600.0})
    async with running_platform(settings) as p:
        await p.connect(business.id, 8501, TOKEN, "chilonzor_coffee_bot")
        # Telegram in English, the customer writes Uzbek in Cyrillic, then Russian
        customer = p.customer(TOKEN, 9501, first_name="Aziza", language_code="en")
        prices = (await customer.send("Салом! Нархлар қанча?"))[-1]
        assert "28\u00a0000 сўм" in prices.text
        assert prices.button_texts() == [t("🛒 Order", "uz_Cyrl"), t("👤 Operator", "uz_Cyrl")]
        asked = (await customer.send("Хочу заказать латте"))[-1]
        assert asked.text == t("🛒 What would you like to order?", "ru")
        picked = (await customer.press(asked.button_texts()[0]))[-1]
        assert "28\u00a0000 сум" in picked.text
        # the number typed instead of pressing the share button
        placed = (await customer.send("90 123 45 67"))[-1]
        assert placed.text.startswith("✅ Заказ №") and "+998901234567" in placed.text
        # changing one's mind half-way through an order
        again = (await customer.send("Хочу заказать латте"))[-1]
        assert again.text == t("🛒 What would you like to order?", "ru")
        cancelled = (await customer.send("Отмена!"))[-1]
        assert cancelled.text.startswith("Хорошо, заказ отменён")
        assert t("🛒 Order", "ru") in cancelled.button_texts()
        # the seventh message in the window: told to slow down, not silence
        slow = await customer.send("а доставка?")
        assert [m.text for m in slow] == [t(
            "🐢 Too many messages at once. Please wait a few seconds.", "ru")]
        async with db.sessionmaker() as s:
            order = (await s.scalars(select(Order))).one()
            assert (order.business_id, order.total) == (business.id, 28_000)
            conversation = (await s.scalars(select(SalesConversation))).one()
            assert conversation.language == "ru"


async def test_a_second_operator_on_the_same_card_is_warned(settings: Settings,
                                                            db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 8701, name="Chilonzor Coffee")
        await add_member(s, business.id, 8702, Role.MANAGER)
    async with running_platform(settings) as p:
        await p.connect(business.id, 8701, TOKEN, "chilonzor_coffee_bot")
        first, second = p.owner(8701, first_name="Dilnoza"), p.owner(8702)
        await second.send("/start")  # a team member has a chat with the owner bot
        customer = p.customer(TOKEN, 9701, first_name="Aziza")
        # a photo of the product with the question in its caption
        asked = (await customer.send_photo(b"\x89PNG latte", caption="shu narxi qancha?"))[-1]
        assert "Latte 0.4" in asked.text and "so'm" in asked.text
        thanks = (await customer.send("Rahmat!"))[-1]  # thanks: not "I have no answer"
        assert thanks.text == t("😊 You're welcome! Write here any time if you need anything.",
                                "uz")
        # "ha" after "Shall I connect you with a person?" is a yes
        offer = (await customer.send("kafolat muddati qanday?"))[-1]
        assert offer.text == t("I don't have an answer to that yet. Shall I connect you with "
                               "a person? You can also look at the menu.", "uz")
        assert (await customer.send("ha"))[-1].text.startswith("🙋")
        # /start while a person has it: no menu promising the bot's help
        assert (await customer.send("/start"))[-1].text == t(
            "A person from our team has your conversation — just write here.", "uz")
        await p.flush_outbox()
        first_card, second_card = first.last_message, second.last_message
        assert first_card.button_texts() == second_card.button_texts() == ["✍️ Reply",
                                                                           "✅ Close"]
        prompt = (await first.press("✍️ Reply", message=first_card))[-1]
        assert prompt.text.startswith("✍️ Write your reply to Aziza")
        await first.send("Salom, I'm here")
        await customer.send_photo(b"\x89PNG broken cup", caption="mana bu")
        await p.flush_outbox()
        # the caption reaches the operator, the kind in the customer's language
        assert "[rasm xabar] mana bu" in first.last_message.text
        taken = (await second.press("✍️ Reply", message=second_card))[-1]
        assert taken.text.startswith("⚠️ Dilnoza is already answering this customer")


def test_thanks_and_emoji_are_courtesy_not_questions() -> None:
    for polite in ("Rahmat!", "katta rahmat 🙏", "Спасибо большое", "thank you :)", "👍",
                   "😊😊", "раҳмат"):
        assert is_courtesy(polite), polite
    for other in ("?", "ha", "ok", "rahmat, narxi qancha?", "спасибо, а доставка есть?"):
        assert not is_courtesy(other), other
    for yes in ("Ha", "xo'p", "Да, пожалуйста", "yes please!", "ҳа"):
        assert is_yes(yes), yes
    assert not is_yes("ha, lekin narxi qancha?")
