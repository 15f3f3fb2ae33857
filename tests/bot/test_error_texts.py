"""Validation messages as the user reads them (pure: no database, no bot)."""

from __future__ import annotations

from bot.i18n import make_i18n
from handlers.errors import describe_invalid
from services.errors import InvalidInput


def test_range_bounds_are_formatted_and_counts_get_a_count_example() -> None:
    i18n = make_i18n()
    with i18n.context(), i18n.use_locale("en"):
        text = describe_invalid(InvalidInput(field="employees", reason="range", min=0,
                                             max=1_000_000))
        assert text == "The number must be between 0 and 1,000,000."
        assert "mln" not in describe_invalid(InvalidInput(field="employees", reason="count"))
