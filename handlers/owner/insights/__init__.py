"""Insights (SPEC §3.7): /insights lists the rule alerts by priority with their status."""

from handlers.owner.insights.steps import router

__all__ = ["router"]
