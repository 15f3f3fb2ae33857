"""The Offer Builder (SPEC §3.6, Hormozi's $100M Offers): offers with the value equation, the
value stack, guarantees and pricing. Pure formulas live in the submodules; persistence in
``service``."""

from services.offers.equation import Band, Lever, LeverMove, Levers, band, next_lever, score
from services.offers.guarantees import (
    CUSTOM,
    GUARANTEE_DAYS,
    GUARANTEE_RISK,
    GuaranteeType,
    Risk,
)
from services.offers.pricing import (
    CostPosition,
    MarketPosition,
    PricingResult,
    ValuePosition,
    parse_competitor_prices,
    parse_cost,
    parse_margin,
)
from services.offers.service import (
    MAX_OFFERS,
    OfferField,
    OfferView,
    add_bonus,
    create_offer,
    delete_offer,
    describe_offer,
    ensure_room,
    get_offer,
    list_offers,
    offer_facts,
    parse_bonus_value,
    parse_deadline,
    parse_name,
    parse_scarcity,
    parse_text,
    remove_bonus,
    set_guarantee,
    set_lever,
    set_pricing_inputs,
    set_scarcity,
    set_urgency,
    update_basics,
    update_bonus,
)
from services.offers.stack import MAX_BONUSES, Bonus, suggested_bonus_value

__all__ = [
    "CUSTOM", "GUARANTEE_DAYS", "GUARANTEE_RISK", "MAX_BONUSES", "MAX_OFFERS", "Band", "Bonus",
    "CostPosition", "GuaranteeType", "Lever", "LeverMove", "Levers", "MarketPosition",
    "OfferField", "OfferView", "PricingResult", "Risk", "ValuePosition", "add_bonus", "band",
    "create_offer", "delete_offer", "describe_offer", "ensure_room", "get_offer", "list_offers",
    "next_lever", "offer_facts", "parse_bonus_value", "parse_competitor_prices", "parse_cost",
    "parse_deadline", "parse_margin", "parse_name", "parse_scarcity", "parse_text",
    "remove_bonus", "score", "set_guarantee", "set_lever", "set_pricing_inputs",
    "set_scarcity", "set_urgency", "suggested_bonus_value", "update_basics", "update_bonus",
]
