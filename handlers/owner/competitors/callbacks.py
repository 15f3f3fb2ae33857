"""Callback data: shared with the alert job, so it lives in ``bot.competitor_texts``."""

from bot.competitor_texts import CompetitorAction, CompetitorCB

__all__ = ["CompetitorAction", "CompetitorCB"]
