"""Business profile (SPEC §3.1): the card, field-by-field editing and the logo."""

from handlers.owner.profile.steps import router

__all__ = ["router"]
