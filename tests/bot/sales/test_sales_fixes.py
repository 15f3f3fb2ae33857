"""Regressions of the sales-chatbot QA fixes (issue 5): quantities in orders, an item that
is not on the list, Reply on a closed conversation's card."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.config import Settings
from services.db.models import Order, SalesConversation
from services.salesbot.quantity import MAX_QTY, parse_quantity
from services.salesbot.texts import translate as t
from tests.bot.sales.harness import running_platform
from tests.conftest import Database
from tests.factories import make_owner

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
