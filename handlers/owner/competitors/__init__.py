"""Competitor intelligence (SPEC §3.5): /competitors — list, add, edit, remove, view with the
trend, SWOT, notes, the own channel, the weekly report, and the alert buttons."""

from handlers.owner.competitors.steps import router

__all__ = ["router"]
