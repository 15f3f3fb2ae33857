"""The 9-square canvas: storage per business, validation, and the rendered image."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from services import canvas
from services.charts.canvas import CanvasCell, _wrap, render_canvas
from services.errors import InvalidInput
from tests.factories import make_owner


async def test_an_empty_canvas_has_nine_squares_in_order(session: AsyncSession) -> None:
    business = await make_owner(session, 4001)
    squares = await canvas.get_canvas(session, business_id=business.id)
    assert list(squares) == list(canvas.SQUARES)
    assert len(squares) == 9 and set(squares.values()) == {""}
    assert canvas.filled_count(squares) == 0


async def test_set_update_and_clear_a_square(session: AsyncSession) -> None:
    business = await make_owner(session, 4002)
    other = await make_owner(session, 4003)
    await canvas.set_square(session, business_id=business.id, square="media",
                            content="  Instagram reels  ")
    await canvas.set_square(session, business_id=business.id, square="referrals",
                            content="A free coffee\nfor each friend")
    await canvas.set_square(session, business_id=business.id, square="media",
                            content="Telegram channel")
    squares = await canvas.get_canvas(session, business_id=business.id)
    assert squares["media"] == "Telegram channel"
    assert squares["referrals"] == "A free coffee\nfor each friend"
    assert canvas.filled_count(squares) == 2
    # Another business's canvas is separate.
    assert canvas.filled_count(await canvas.get_canvas(session, business_id=other.id)) == 0
    await canvas.set_square(session, business_id=business.id, square="media", content="-")
    squares = await canvas.get_canvas(session, business_id=business.id)
    assert squares["media"] == "" and canvas.filled_count(squares) == 1


async def test_square_validation(session: AsyncSession) -> None:
    business = await make_owner(session, 4004)
    with pytest.raises(InvalidInput) as info:
        await canvas.set_square(session, business_id=business.id, square="media",
                                content="x" * (canvas.MAX_LEN + 1))
    assert (info.value.reason, info.value.params["max"]) == ("too_long", canvas.MAX_LEN)
    with pytest.raises(InvalidInput) as info:
        await canvas.set_square(session, business_id=business.id, square="pricing",
                                content="x")
    assert info.value.reason == "choice"
    await canvas.set_square(session, business_id=business.id, square="media",
                            content="x" * canvas.MAX_LEN)


def test_square_numbers_and_phases() -> None:
    assert canvas.square_at(1) == "target_market"
    assert canvas.square_at(9) == "referrals"
    for number in (0, 10, -1):
        with pytest.raises(InvalidInput):
            canvas.square_at(number)
    assert [canvas.phase_of(s) for s in canvas.SQUARES] == ["before"] * 3 + ["during"] * 3 + [
        "after"] * 3
    with pytest.raises(InvalidInput):
        canvas.phase_of("pricing")


def test_render_canvas_is_a_png() -> None:
    cells = [CanvasCell(title=f"Square {i}", body="Кофе ☕ " * i) for i in range(9)]
    png = render_canvas(title="Test — 1-Page Marketing Plan", phases=("Before", "During",
                                                                       "After"),
                        cells=cells, empty_text="Not filled in yet")
    assert png.startswith(b"\x89PNG")
    assert len(png) > 10_000
    with pytest.raises(ValueError):
        render_canvas(title="x", phases=("a", "b", "c"), cells=cells[:8], empty_text="-")


def test_long_square_text_is_cut_with_an_ellipsis() -> None:
    text = _wrap("word " * 200, width=44, lines=9)
    assert len(text.splitlines()) == 9 and text.endswith("…")
    assert _wrap("one\ntwo", width=44, lines=9) == "one\ntwo"
