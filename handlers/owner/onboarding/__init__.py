"""Onboarding wizard: /start for new users, /newbusiness for another business."""

from handlers.owner.onboarding.steps import router

__all__ = ["router"]
