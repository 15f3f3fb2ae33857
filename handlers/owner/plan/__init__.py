"""Plan (SPEC §5): the current plan and trial, its limits with usage, and the plan comparison."""

from handlers.owner.plan.steps import router

__all__ = ["router"]
