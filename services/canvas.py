"""The 9-square canvas of the 1-Page Marketing Plan: before, during, after."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.db.models import CanvasSquare
from services.errors import InvalidInput
from services.validation import clean_text

PHASES: dict[str, tuple[str, str, str]] = {
    "before": ("target_market", "message", "media"),
    "during": ("lead_capture", "lead_nurture", "sales_conversion"),
    "after": ("world_class_experience", "lifetime_value", "referrals"),
}
SQUARES: tuple[str, ...] = tuple(s for squares in PHASES.values() for s in squares)
MAX_LEN = 600


async def get_canvas(session: AsyncSession, *, business_id: int) -> dict[str, str]:
    """Every square in canvas order; unfilled squares are empty strings."""
    rows = await session.scalars(
        select(CanvasSquare).where(CanvasSquare.business_id == business_id)
    )
    filled = {r.square: r.content for r in rows}
    return {square: filled.get(square, "") for square in SQUARES}


async def set_square(
    session: AsyncSession, *, business_id: int, square: str, content: str
) -> None:
    """Store one square's text (an empty text or "-" clears it)."""
    if square not in SQUARES:
        raise InvalidInput(field="square", reason="choice")
    text = "" if content.strip() in {"", "-"} else clean_text(
        content, field="square", max_len=MAX_LEN
    )
    row = await session.scalar(
        select(CanvasSquare).where(
            CanvasSquare.business_id == business_id, CanvasSquare.square == square
        )
    )
    if row is None:
        session.add(CanvasSquare(business_id=business_id, square=square, content=text))
    else:
        row.content = text
    await session.flush()


def filled_count(canvas: dict[str, str]) -> int:
    """How many squares have text."""
    return sum(1 for v in canvas.values() if v)


def square_at(number: int) -> str:
    """The square code for its 1-based number on the canvas (1–9)."""
    if not 1 <= number <= len(SQUARES):
        raise InvalidInput(field="square", reason="choice")
    return SQUARES[number - 1]


def phase_of(square: str) -> str:
    """The phase (before / during / after) a square belongs to."""
    for phase, squares in PHASES.items():
        if square in squares:
            return phase
    raise InvalidInput(field="square", reason="choice")
