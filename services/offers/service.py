"""Offers: create, read, edit and delete, scoped to the business; the AI facts summary."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from fractions import Fraction

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.db.models import Offer
from services.errors import InvalidInput, NotFound
from services.offers import equation, pricing
from services.offers.equation import Band, Lever, LeverMove, Levers
from services.offers.guarantees import CUSTOM, GuaranteeType
from services.offers.stack import MAX_BONUSES, Bonus, stated_value, value_ratio
from services.validation import clean_text, parse_amount, parse_date

MAX_OFFERS = 20
NAME_MAX = 120
TEXT_MAX = 300
GUARANTEE_MAX = 1000
MAX_SCARCITY = 1_000_000
_LEVER_COLUMNS = {Lever.DREAM: "lever_d", Lever.LIKELIHOOD: "lever_l", Lever.TIME: "lever_t",
                  Lever.EFFORT: "lever_e"}


class OfferField(StrEnum):
    """The basics an owner can change after creating an offer (``update_basics``)."""

    NAME = "name"
    CORE_PRODUCT = "core_product"
    DREAM_OUTCOME = "dream_outcome"
    PRICE = "price"


@dataclass(frozen=True, slots=True)
class OfferView:
    id: int
    name: str
    core_product: str
    dream_outcome: str
    price: int
    lever_d: int | None
    lever_l: int | None
    lever_t: int | None
    lever_e: int | None
    bonuses: tuple[Bonus, ...]
    urgency_deadline: date | None
    scarcity_count: int | None
    guarantee_type: str | None
    guarantee_text: str | None
    unit_cost: int | None
    target_margin: int | None
    competitor_prices: tuple[int, ...]
    updated_at: datetime

    def lever(self, lever: Lever) -> int | None:
        value: int | None = getattr(self, _LEVER_COLUMNS[lever])
        return value

    @property
    def levers(self) -> Levers | None:
        """All four levers, or None while any is unset."""
        if None in (self.lever_d, self.lever_l, self.lever_t, self.lever_e):
            return None
        return Levers(d=self.lever_d or 0, l=self.lever_l or 0, t=self.lever_t or 0,
                      e=self.lever_e or 0)

    @property
    def score(self) -> int | None:
        levers = self.levers
        return None if levers is None else equation.score(levers)

    @property
    def band(self) -> Band | None:
        score = self.score
        return None if score is None else equation.band(score)

    @property
    def value(self) -> Fraction | None:
        levers = self.levers
        return None if levers is None else equation.value(levers)

    @property
    def next_lever(self) -> LeverMove | None:
        levers = self.levers
        return None if levers is None else equation.next_lever(levers)

    @property
    def stated_value(self) -> int:
        return stated_value(self.price, self.bonuses)

    @property
    def value_ratio(self) -> Fraction:
        return value_ratio(self.price, self.bonuses)

    def pricing(self) -> pricing.PricingResult:
        """The pricing calculator's figures from the saved inputs."""
        return pricing.analyse(price=self.price, unit_cost=self.unit_cost,
                               target_margin=self.target_margin,
                               competitor_prices=list(self.competitor_prices),
                               stated_value=self.stated_value, score=self.score)


def _view(o: Offer) -> OfferView:
    bonuses = tuple(Bonus(str(b["name"]), int(b["value"])) for b in (o.bonuses or []))
    return OfferView(
        id=o.id, name=o.name, core_product=o.core_product, dream_outcome=o.dream_outcome,
        price=o.price, lever_d=o.lever_d, lever_l=o.lever_l, lever_t=o.lever_t,
        lever_e=o.lever_e, bonuses=bonuses, urgency_deadline=o.urgency_deadline,
        scarcity_count=o.scarcity_count, guarantee_type=o.guarantee_type,
        guarantee_text=o.guarantee_text, unit_cost=o.unit_cost, target_margin=o.target_margin,
        competitor_prices=tuple(int(p) for p in (o.competitor_prices or [])),
        updated_at=o.updated_at)


def parse_name(raw: str) -> str:
    """An offer's name: trimmed, 1–120 characters."""
    return clean_text(raw, field="name", max_len=NAME_MAX)


def parse_text(raw: str, *, field: str) -> str:
    """A core product or dream outcome: trimmed, 1–300 characters."""
    return clean_text(raw, field=field, max_len=TEXT_MAX)


def parse_deadline(raw: str, *, today: date) -> date:
    """An urgency deadline (``31.12.2026``), today or later."""
    deadline = parse_date(raw, field="deadline")
    if deadline < today:
        raise InvalidInput(field="deadline", reason="past")
    return deadline


def parse_scarcity(raw: str) -> int:
    """How many are available: 1–1 000 000."""
    return parse_amount(raw, field="scarcity", minimum=1, maximum=MAX_SCARCITY)


def parse_bonus_value(raw: str) -> int:
    """A bonus's stated value in so'm; at least 1 000."""
    return parse_amount(raw, field="bonus_value", minimum=pricing.ROUND_TO,
                        maximum=pricing.MAX_PRICE)


async def list_offers(session: AsyncSession, *, business_id: int) -> list[OfferView]:
    """The business's offers, oldest first."""
    rows = await session.scalars(
        select(Offer).where(Offer.business_id == business_id).order_by(Offer.id))
    return [_view(o) for o in rows]


async def ensure_room(session: AsyncSession, *, business_id: int) -> None:
    """Raise ``InvalidInput(reason="too_many")`` when the business has ``MAX_OFFERS`` offers."""
    count = await session.scalar(
        select(func.count()).select_from(Offer).where(Offer.business_id == business_id))
    if (count or 0) >= MAX_OFFERS:
        raise InvalidInput(field="offer", reason="too_many", max=MAX_OFFERS)


async def create_offer(session: AsyncSession, *, business_id: int, name: str,
                       core_product: str, dream_outcome: str, price: str) -> OfferView:
    """Add an offer; every value is raw user input (``price`` like ``1.2 mln``)."""
    await ensure_room(session, business_id=business_id)
    offer = Offer(business_id=business_id, name=parse_name(name),
                  core_product=parse_text(core_product, field="core_product"),
                  dream_outcome=parse_text(dream_outcome, field="dream_outcome"),
                  price=pricing.parse_price(price), bonuses=[], competitor_prices=[])
    session.add(offer)
    await session.flush()
    return _view(offer)


async def _get(session: AsyncSession, business_id: int, offer_id: int) -> Offer:
    offer = await session.scalar(
        select(Offer).where(Offer.id == offer_id, Offer.business_id == business_id))
    if offer is None:
        raise NotFound(entity="offer", id=offer_id)
    return offer


async def get_offer(session: AsyncSession, *, business_id: int, offer_id: int) -> OfferView:
    """One offer of this business; ``NotFound`` for another business's offer id."""
    return _view(await _get(session, business_id, offer_id))


async def update_basics(session: AsyncSession, *, business_id: int, offer_id: int,
                        field: str, raw: str) -> OfferView:
    """Change the name, core product, dream outcome or price from raw user input."""
    offer = await _get(session, business_id, offer_id)
    if field == OfferField.NAME:
        offer.name = parse_name(raw)
    elif field in (OfferField.CORE_PRODUCT, OfferField.DREAM_OUTCOME):
        setattr(offer, field, parse_text(raw, field=field))
    elif field == OfferField.PRICE:
        offer.price = pricing.parse_price(raw)
    else:
        raise InvalidInput(field=field, reason="choice")
    await session.flush()
    return _view(offer)


async def set_lever(session: AsyncSession, *, business_id: int, offer_id: int, lever: str,
                    value: int) -> OfferView:
    """Set one value-equation lever (``d``, ``l``, ``t``, ``e``) to 1–10."""
    try:
        column = _LEVER_COLUMNS[Lever(lever)]
    except ValueError as exc:
        raise InvalidInput(field="lever", reason="choice") from exc
    if not equation.LEVER_MIN <= value <= equation.LEVER_MAX:
        raise InvalidInput(field="lever", reason="range", min=equation.LEVER_MIN,
                           max=equation.LEVER_MAX)
    offer = await _get(session, business_id, offer_id)
    setattr(offer, column, value)
    await session.flush()
    return _view(offer)


async def add_bonus(session: AsyncSession, *, business_id: int, offer_id: int, name: str,
                    value: int) -> OfferView:
    """Append a bonus (at most three) with its stated value in so'm."""
    offer = await _get(session, business_id, offer_id)
    bonuses = list(offer.bonuses or [])
    if len(bonuses) >= MAX_BONUSES:
        raise InvalidInput(field="bonus", reason="too_many", max=MAX_BONUSES)
    bonuses.append({"name": _bonus_name(name), "value": _bonus_value(value)})
    offer.bonuses = bonuses  # a new list, so the JSON column is seen as changed
    await session.flush()
    return _view(offer)


def _bonus_name(name: str) -> str:
    return clean_text(name, field="bonus_name", max_len=NAME_MAX)


def _bonus_value(value: int) -> int:
    if not pricing.ROUND_TO <= value <= pricing.MAX_PRICE:
        raise InvalidInput(field="bonus_value", reason="range", min=pricing.ROUND_TO,
                           max=pricing.MAX_PRICE)
    return value


async def update_bonus(session: AsyncSession, *, business_id: int, offer_id: int, index: int,
                       name: str | None = None, value: int | None = None) -> OfferView:
    """Rename bonus number ``index`` (0-based) and/or change its stated value; None keeps it."""
    offer = await _get(session, business_id, offer_id)
    bonuses = list(offer.bonuses or [])
    if not 0 <= index < len(bonuses):
        raise NotFound(entity="bonus", id=index)
    bonus = dict(bonuses[index])
    if name is not None:
        bonus["name"] = _bonus_name(name)
    if value is not None:
        bonus["value"] = _bonus_value(value)
    bonuses[index] = bonus
    offer.bonuses = bonuses  # a new list, so the JSON column is seen as changed
    await session.flush()
    return _view(offer)


async def remove_bonus(session: AsyncSession, *, business_id: int, offer_id: int,
                       index: int) -> OfferView:
    """Drop bonus number ``index`` (0-based)."""
    offer = await _get(session, business_id, offer_id)
    bonuses = list(offer.bonuses or [])
    if not 0 <= index < len(bonuses):
        raise NotFound(entity="bonus", id=index)
    del bonuses[index]
    offer.bonuses = bonuses
    await session.flush()
    return _view(offer)


async def set_urgency(session: AsyncSession, *, business_id: int, offer_id: int,
                      deadline: date | None) -> OfferView:
    """Set or clear the urgency deadline."""
    offer = await _get(session, business_id, offer_id)
    offer.urgency_deadline = deadline
    await session.flush()
    return _view(offer)


async def set_scarcity(session: AsyncSession, *, business_id: int, offer_id: int,
                       count: int | None) -> OfferView:
    """Set or clear how many are available."""
    if count is not None and not 1 <= count <= MAX_SCARCITY:
        raise InvalidInput(field="scarcity", reason="range", min=1, max=MAX_SCARCITY)
    offer = await _get(session, business_id, offer_id)
    offer.scarcity_count = count
    await session.flush()
    return _view(offer)


async def set_guarantee(session: AsyncSession, *, business_id: int, offer_id: int,
                        kind: str, text: str) -> OfferView:
    """Save the guarantee: one of the five types (its template already filled in the user's
    language) or ``custom`` with the owner's own words."""
    if kind != CUSTOM and kind not in set(GuaranteeType):
        raise InvalidInput(field="guarantee", reason="choice")
    offer = await _get(session, business_id, offer_id)
    offer.guarantee_type = kind
    offer.guarantee_text = clean_text(text, field="guarantee", max_len=GUARANTEE_MAX)
    await session.flush()
    return _view(offer)


async def set_pricing_inputs(session: AsyncSession, *, business_id: int, offer_id: int,
                             unit_cost: int | None, target_margin: int | None,
                             competitor_prices: list[int]) -> OfferView:
    """Save the pricing calculator's inputs (already parsed)."""
    if unit_cost is not None and not 0 <= unit_cost <= pricing.MAX_PRICE:
        raise InvalidInput(field="unit_cost", reason="range", min=0, max=pricing.MAX_PRICE)
    if target_margin is not None and not 0 <= target_margin <= pricing.MAX_MARGIN:
        raise InvalidInput(field="margin", reason="range", min=0, max=pricing.MAX_MARGIN)
    if len(competitor_prices) > pricing.MAX_COMPETITORS:
        raise InvalidInput(field="competitor_prices", reason="too_many",
                           max=pricing.MAX_COMPETITORS)
    offer = await _get(session, business_id, offer_id)
    offer.unit_cost = unit_cost
    offer.target_margin = target_margin
    offer.competitor_prices = list(competitor_prices)
    await session.flush()
    return _view(offer)


async def delete_offer(session: AsyncSession, *, business_id: int, offer_id: int) -> None:
    """Remove an offer of this business."""
    await session.delete(await _get(session, business_id, offer_id))
    await session.flush()


def describe_offer(offer: OfferView) -> str:
    """One offer in compact English for a model prompt (not user-facing)."""
    parts = [f'"{offer.name}": {offer.core_product}; dream outcome: {offer.dream_outcome}; '
             f"price {offer.price} UZS"]
    if offer.levers is not None:
        parts.append(f"value equation D{offer.lever_d} L{offer.lever_l} T{offer.lever_t} "
                     f"E{offer.lever_e}, score {offer.score}/100 ({offer.band})")
    if offer.bonuses:
        parts.append("bonuses: " + ", ".join(f"{b.name} (stated {b.value} UZS)"
                                             for b in offer.bonuses))
        parts.append(f"total stated value {offer.stated_value} UZS")
    if offer.urgency_deadline is not None:
        parts.append(f"deadline {offer.urgency_deadline.isoformat()}")
    if offer.scarcity_count is not None:
        parts.append(f"only {offer.scarcity_count} available")
    if offer.guarantee_type:
        parts.append(f"guarantee ({offer.guarantee_type}): {offer.guarantee_text}")
    return "; ".join(parts)


async def offer_facts(session: AsyncSession, *, business_id: int) -> str:
    """A compact English summary of the business's offers for the AI prompt."""
    offers = await list_offers(session, business_id=business_id)
    if not offers:
        return "Offers: none defined yet."
    lines = [f"Offers ({len(offers)}):"]
    lines += [f"- {describe_offer(o)}" for o in offers]
    return "\n".join(lines)
