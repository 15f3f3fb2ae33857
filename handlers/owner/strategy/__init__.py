"""Monthly strategy and diagnostics (SPEC §3.7): /strategy and /diagnostics."""

from handlers.owner.strategy.steps import router

__all__ = ["router"]
