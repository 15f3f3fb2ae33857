"""Dream Buyer (SPEC §3.2): the nine-question wizard, avatar cards, Power 4% and ideas."""

from handlers.owner.dream_buyer.steps import router

__all__ = ["router"]
