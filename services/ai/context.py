"""``business_facts``: the business's own data, as text the model grounds its answers on.

One builder per section; a new module adds its facts by appending one function to
``SECTIONS`` (e.g. Dream Buyer avatars, offers, KPIs). Builders return ``None`` when they have
nothing to say. The text is data for the model (English labels, the owner's own words).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

from services import canvas, dream_buyer, goals, hvco, offers, profile
from services.errors import NotFound

SectionBuilder = Callable[[AsyncSession, int], Awaitable[str | None]]
VALUE_LIMIT = 600  # characters per field; the canvas's own limit


def _clip(value: object) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= VALUE_LIMIT else text[: VALUE_LIMIT - 1] + "…"


async def profile_section(session: AsyncSession, business_id: int) -> str | None:
    """Every filled profile field, plus how complete the profile is."""
    try:
        business = await profile.get_business(session, business_id=business_id)
    except NotFound:
        return None
    lines = [f"## Business profile ({profile.completeness(business)}% complete)"]
    for field in profile.PROFILE_FIELDS:
        value = getattr(business, field)
        if value not in (None, ""):
            lines.append(f"- {field}: {_clip(value)}")
    for field in ("primary_goal", "team_size"):
        value = getattr(business, field)
        if value:
            lines.append(f"- {field}: {_clip(value)}")
    return "\n".join(lines)


async def canvas_section(session: AsyncSession, business_id: int) -> str | None:
    """The 1-Page Marketing Plan squares, empty ones named as missing."""
    squares = await canvas.get_canvas(session, business_id=business_id)
    filled = canvas.filled_count(squares)
    lines = [f"## 1-Page Marketing Plan canvas ({filled} of {len(squares)} squares filled)"]
    for square, text in squares.items():
        phase = canvas.phase_of(square)
        lines.append(f"- {phase} / {square}: {_clip(text) if text else '(empty)'}")
    return "\n".join(lines)


async def goals_section(session: AsyncSession, business_id: int) -> str | None:
    """Goals with target, progress and deadline."""
    items = await goals.list_goals(session, business_id=business_id)
    if not items:
        return "## Goals\n- (no goals set)"
    lines = ["## Goals"]
    for goal in items:
        status = "reached" if goal.reached_at is not None else f"{goal.percent}% done"
        deadline = f", deadline {goal.deadline.isoformat()}" if goal.deadline else ""
        lines.append(f"- {_clip(goal.title)} (metric {goal.metric}): {goal.current} of "
                     f"{goal.target}, {status}{deadline}")
    return "\n".join(lines)


async def avatars_section(session: AsyncSession, business_id: int) -> str | None:
    """The Dream Buyer avatars (SPEC §3.2), or that none exists yet."""
    facts = await dream_buyer.avatar_facts(session, business_id=business_id)
    return f"## Dream Buyer\n{facts}" if facts else "## Dream Buyer\n- (no avatar yet)"


async def offers_section(session: AsyncSession, business_id: int) -> str | None:
    """The offers with their value-equation scores and stacks (SPEC §3.6)."""
    return "## Offers\n" + await offers.offer_facts(session, business_id=business_id)


async def hvco_section(session: AsyncSession, business_id: int) -> str | None:
    """The lead magnets and their results."""
    return "## Lead magnets\n" + await hvco.hvco_facts(session, business_id=business_id)


SECTIONS: list[SectionBuilder] = [profile_section, canvas_section, goals_section,
                                  avatars_section, offers_section, hvco_section]


async def business_facts(session: AsyncSession, business_id: int) -> str:
    """The business's data for the model, section by section."""
    parts = [await build(session, business_id) for build in SECTIONS]
    return "\n\n".join(part for part in parts if part)
