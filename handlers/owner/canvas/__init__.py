"""The 9-square canvas of the 1-Page Marketing Plan (SPEC §3.1): one image, square editing."""

from handlers.owner.canvas.steps import router

__all__ = ["router"]
