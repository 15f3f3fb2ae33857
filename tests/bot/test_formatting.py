"""babel formatting helpers (no database)."""

from __future__ import annotations

from datetime import date

from bot.formatting import month


def test_a_month_is_named_in_the_locale_not_as_yyyy_mm() -> None:
    assert month("2026-12", "en") == "December 2026"
    assert month("2026-12", "ru").startswith("декабрь 2026")
    assert month(date(2026, 12, 5), "uz").startswith("dekabr")
    assert month("2026-12", "uz_Cyrl").startswith("декабр")


def test_chart_axes_shorten_numbers_in_the_readers_language() -> None:
    from services.charts.render import compact_number

    assert compact_number(1_400_000, "en") == "1.4M"
    assert compact_number(1_400_000, "uz") == "1,4\u00a0mln"
    assert compact_number(800_000, "ru") == "800\u00a0тыс."
    assert compact_number(0, "uz") == "0"


def test_generic_channel_names_are_shown_in_the_readers_language() -> None:
    from bot.formatting import channel_name
    from bot.i18n import make_i18n

    i18n = make_i18n()
    with i18n.context(), i18n.use_locale("ru"):
        assert channel_name("Offline") != "Offline"
        assert channel_name("Instagram") == "Instagram"  # brands stay
        assert channel_name("Кофе-бар") == "Кофе-бар"
