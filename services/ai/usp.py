"""USP generator (SPEC §3.1): parse the model's proposals, or pick template formulas."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from services import canvas, profile
from services.ai.parsing import json_object
from services.db.models import Business

USP_COUNT = 3
USP_LIMIT = 1000  # the profile field's limit


@dataclass(frozen=True)
class UspProposal:
    usps: list[str]
    pitch: str


def _clean(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())
    return text[:USP_LIMIT] if text else None


def parse_proposal(text: str) -> UspProposal | None:
    """Three USPs and a pitch from the model's JSON (fences and prose around it tolerated),
    or ``None`` when it is not usable."""
    data = json_object(text)
    if data is None:
        return None
    items = data.get("usps")
    pitch = _clean(data.get("pitch") or data.get("elevator_pitch"))
    if not isinstance(items, list) or pitch is None:
        return None
    usps = [u for u in (_clean(item) for item in items) if u]
    usps = list(dict.fromkeys(usps))[:USP_COUNT]
    if len(usps) < USP_COUNT:
        return None
    return UspProposal(usps=usps, pitch=pitch)


def to_json(proposal: UspProposal) -> str:
    """The shape the model is asked for (the fallback answers in it too)."""
    return json.dumps({"usps": proposal.usps, "pitch": proposal.pitch}, ensure_ascii=False)


class UspTemplate(StrEnum):
    AUDIENCE = "audience"  # who it is for and what they get (Dib: message to the market)
    GUARANTEE = "guarantee"  # the result or we make it right (Hormozi: risk reversal)
    PROOF = "proof"  # years in business (Suby: proof beats claims)
    LOCAL = "local"  # the city's own choice
    SERVICE = "service"  # the industry done without the usual hassle


@dataclass(frozen=True)
class UspBasis:
    """The profile facts the template formulas use, and the three formulas that fit."""

    name: str
    industry: str | None
    city: str | None
    audience: str | None  # the canvas's target market square
    promise: str | None  # the canvas's message square
    years: int | None
    templates: list[UspTemplate]


def basis_of(business: Business, squares: dict[str, str], *, today: date) -> UspBasis:
    """Which formulas fit what the profile has (a pure rule, for tests)."""
    years = None
    if business.founded_on is not None:
        years = today.year - business.founded_on.year - (
            (today.month, today.day) < (business.founded_on.month, business.founded_on.day))
    candidates = [UspTemplate.AUDIENCE, UspTemplate.GUARANTEE]
    if years is not None and years >= 1:
        candidates.append(UspTemplate.PROOF)
    if business.city:
        candidates.append(UspTemplate.LOCAL)
    candidates.append(UspTemplate.SERVICE)
    return UspBasis(
        name=business.name, industry=business.industry, city=business.city or None,
        audience=_clean(squares.get("target_market")), promise=_clean(squares.get("message")),
        years=years if years is not None and years >= 1 else None,
        templates=candidates[:USP_COUNT])


async def usp_basis(session: AsyncSession, *, business_id: int, today: date) -> UspBasis:
    """The template formulas' facts for the business."""
    business = await profile.get_business(session, business_id=business_id)
    squares = await canvas.get_canvas(session, business_id=business_id)
    return basis_of(business, squares, today=today)


async def save_usp(
    session: AsyncSession, *, business_id: int, usp: str, pitch: str | None = None
) -> Business:
    """Store the chosen USP (and elevator pitch), validated like the profile fields."""
    business = await profile.update_field(session, business_id=business_id, field="usp",
                                          raw=usp)
    if pitch is not None:
        business = await profile.update_field(session, business_id=business_id,
                                              field="elevator_pitch", raw=pitch)
    return business
