"""Regressions of the sales-chatbot QA fixes (issue 5): quantities in orders, an item that
is not on the list, Reply on a closed conversation's card."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from aiogram.types import Update
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.middlewares import ThrottlingMiddleware
from bot.sales_flood import dropped_recorder
from services.db.models import Business, Order, SalesConversation, SalesMessage
from services.salesbot import answers, knowledge
from services.salesbot.intents import Intent
from services.salesbot.quantity import MAX_QTY, parse_quantity
from services.salesbot.texts import translate as t
from services.teams import Role
from tests.bot.sales.harness import running_platform
from tests.conftest import Database
from tests.factories import add_member, make_owner

TOKEN = "5550032:AAH-chilonzor-coffee-token-fix"
NAMES = ("Latte 0.4", "Beans 1 kg")


@pytest.mark.parametrize(("text", "qty"), [
    ("ikkita latte", 2), ("2 ta latte", 2), ("две латте", 2), ("3 x cappuccino", 3),
    ("3x cappuccino", 3), ("latte 2", 2), ("latte x2", 2), ("иккита латте", 2),
    ("uchta latte olaman", 3), ("I want three lattes", 3), ("Хочу заказать два латте", 2),
    # no quantity: the product's own digits, articles, prices and absurd numbers
    ("latte", None), ("Latte 0.4 kerak", None), ("a latte please", None),
    ("beans 1 kg", None), ("latte on the table", None), ("latte 28000", None),
    (f"latte {MAX_QTY + 1}", None),
])
def test_quantities(text: str, qty: int | None) -> None:
    assert parse_quantity(text, NAMES) == qty


async def test_a_quantity_is_ordered_at_the_line_total(settings: Settings,
                                                      db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 8511, name="Chilonzor Coffee")
    async with running_platform(settings) as p:
        await p.connect(business.id, 8511, TOKEN, "chilonzor_coffee_bot")
        customer = p.customer(TOKEN, 9511, first_name="Aziza", language_code="uz")
        asked = (await customer.send("ikkita latte"))[-1]
        assert asked.text.startswith("Latte 0.4 × 2 — 56\u00a0000 so'm")
        placed = (await customer.send("90 123 45 67"))[-1]
        assert "Latte 0.4 × 2 — 56\u00a0000 so'm" in placed.text
        # several products listed: the quantity goes with the one picked
        listed = (await customer.send("3 ta olaman"))[-1]
        assert listed.text == t("🛒 What would you like to order?", "uz")
        done = (await customer.press(listed.button_texts()[1]))[-1]
        assert "Beans 1 kg × 3 — 720\u00a0000 so'm" in done.text
        async with db.sessionmaker() as s:
            orders = list(await s.scalars(select(Order).order_by(Order.id)))
            assert [(o.total, o.items) for o in orders] == [
                (56_000, [{"name": "Latte 0.4", "qty": 2, "price": 28_000}]),
                (720_000, [{"name": "Beans 1 kg", "qty": 3, "price": 240_000}])]
            assert (await s.scalars(select(SalesConversation))).one().business_id == \
                business.id


# --- an item that is not on the list (pure) ---------------------------------------------------

def _coffee_kb() -> tuple[Business, knowledge.Snapshot]:
    business = Business(name="Chilonzor Coffee", description="Kofe va shirinliklar")
    products = [knowledge.ProductView(1, "Latte", 28_000, "Double espresso, milk", None),
                knowledge.ProductView(2, "Croissant", 18_000, "", None)]
    entries = [knowledge.EntryView(1, knowledge.EntryKind.DELIVERY, "Dostavka bormi?",
                                   "Chilonzor bo'ylab 1 soatda.")]
    return business, knowledge.build_snapshot(entries, products)


@pytest.mark.parametrize(("text", "item"), [
    ("pitsa narxi qancha?", "pitsa"), ("Сколько стоит пицца?", "пицца"),
    ("how much is pizza?", "pizza"), ("Пицца бор ми?", "Пицца"), ("pitsa sotasizmi?", "pitsa"),
    # a product, a word of the business or the knowledge base, a plain list request
    ("latte narxi qancha?", None), ("latte narxi?", None), ("Narxlar qancha?", None),
    ("Prices", None), ("menyu bormi?", None), ("kofe narxi?", None),
    ("dostavka narxi qancha?", None), ("Салом! Нархлар қанча?", None),
    # two unknown words, or a long question: the plain list, nothing claimed
    ("pitsa va burger narxi", None),
    ("men ertaga ofisga kelsam narxi qancha bo'ladi", None),
])
def test_an_item_that_is_not_on_the_list(text: str, item: str | None) -> None:
    business, kb = _coffee_kb()
    assert answers.unlisted_item(business, kb, text) == item


async def test_the_price_list_says_first_that_the_item_is_not_there(session: AsyncSession
                                                                    ) -> None:
    business = await make_owner(session, 8521, name="Chilonzor Coffee")
    await knowledge.add_product(session, business_id=business.id, name="Latte",
                                price=28_000, description="")
    await session.commit()
    for language in ("uz", "ru"):
        said = await answers.compose_answer(session, None, business_id=business.id,
                                            text="pitsa narxi qancha?",
                                            intent=Intent.PRICING, language=language)
        first, *rest = said.text.splitlines()
        assert first == t(answers.NOT_LISTED, language).format(item="pitsa")
        assert rest[0] == t(answers.PRICES_HEADER, language)
        assert [p.name for p in said.products] == ["Latte"]
    plain = await answers.compose_answer(session, None, business_id=business.id,
                                         text="narxlar qancha?", intent=Intent.PRICING,
                                         language="uz")
    assert plain.text.splitlines()[0] == t(answers.PRICES_HEADER, "uz")


# --- Reply on an old card of a closed conversation --------------------------------------------

async def test_reply_on_a_closed_conversations_card_does_not_reopen_it(settings: Settings,
                                                                       db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 8531, name="Chilonzor Coffee")
        await add_member(s, business.id, 8532, Role.MANAGER)
    async with running_platform(settings) as p:
        await p.connect(business.id, 8531, TOKEN, "chilonzor_coffee_bot")
        first, second = p.owner(8531), p.owner(8532)
        await second.send("/start")
        customer = p.customer(TOKEN, 9531, first_name="Aziza")
        await customer.send("operator kerak")
        await p.flush_outbox()
        old_card = second.last_message
        await first.press("✅ Close", message=first.last_message)
        assert await second.press("✍️ Reply", message=old_card) == []
        refused = second.callback_answers[-1]
        assert refused.show_alert and refused.text is not None
        assert refused.text.startswith("This conversation was closed")
        async with db.sessionmaker() as s:
            conversation = (await s.scalars(select(SalesConversation))).one()
            assert conversation.handoff == "none"
        # the customer asks again: the same old card works
        await customer.send("operator kerak")
        prompt = (await second.press("✍️ Reply", message=old_card))[-1]
        assert prompt.text.startswith("✍️ Write your reply to Aziza")
        await second.send("Salom!")
        assert customer.last_message.text == "Salom!"


# --- messages the flood limit drops during a hand-off ----------------------------------------

async def test_the_throttle_hands_every_dropped_update_to_on_drop() -> None:
    seen: list[int] = []
    warned: list[int] = []

    async def handler(event: Any, data: dict[str, Any]) -> str:
        return "handled"

    async def on_drop(update: Update, data: dict[str, Any]) -> None:
        seen.append(update.update_id)

    async def on_flood(update: Update, data: dict[str, Any]) -> None:
        warned.append(update.update_id)

    throttle = ThrottlingMiddleware(rate=2, window=10.0, on_flood=on_flood, on_drop=on_drop,
                                    clock=lambda: 100.0)
    user = SimpleNamespace(id=7)
    results = [await throttle(handler, Update(update_id=i), {"event_from_user": user})
               for i in range(1, 6)]
    assert results == ["handled", "handled", None, None, None]
    assert (seen, warned) == ([3, 4, 5], [3])


def _update(update_id: int, chat_id: int, text: str) -> Update:
    return Update.model_validate({"update_id": update_id, "message": {
        "message_id": update_id, "date": 1_796_000_000, "text": text,
        "chat": {"id": chat_id, "type": "private"},
        "from": {"id": chat_id, "is_bot": False, "first_name": "Aziza"}}})


async def test_a_dropped_message_during_a_handoff_is_recorded_and_relayed(
        settings: Settings, db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 8541, name="Chilonzor Coffee")
    async with running_platform(settings) as p:
        await p.connect(business.id, 8541, TOKEN, "chilonzor_coffee_bot")
        operator = p.owner(8541)
        customer = p.customer(TOKEN, 9541, first_name="Aziza")
        record = dropped_recorder(p.app)
        bot = SimpleNamespace(id=int(TOKEN.split(":")[0]))
        await record(_update(900, 9541, "before any hand-off"), {"bot": bot})  # ignored
        await customer.send("operator kerak")
        await record(_update(901, 9541, "latte sovuq edi"), {"bot": bot})
        await p.flush_outbox()
        assert "latte sovuq edi" in operator.last_message.text
        async with db.sessionmaker() as s:
            said = [m.text for m in await s.scalars(
                select(SalesMessage).where(SalesMessage.author == "customer")
                .order_by(SalesMessage.id))]
            assert said == ["operator kerak", "latte sovuq edi"]
