"""Customer-experience regressions found in the QA pass over the sales chatbot (pure logic,
no database)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.i18n import make_i18n
from handlers.sales.steps import render_answer
from services.salesbot.answers import ProductCard, SalesAnswer


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
