"""The Offer Builder (SPEC §3.6): offers, value equation, value stack, guarantees, pricing,
the Godfather wording and the one-page PDF."""

from handlers.owner.offers.steps import router

__all__ = ["router"]
