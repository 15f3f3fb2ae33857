"""Goals (SPEC §3.1): metric, target, deadline and progress tracking."""

from handlers.owner.goals.steps import router

__all__ = ["router"]
