"""Ask AI (SPEC §3.7): a chat with a marketing advisor that knows the business."""

from handlers.owner.ask.steps import router

__all__ = ["router"]
