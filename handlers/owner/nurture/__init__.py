"""Magic Lantern nurture (SPEC §3.9): /nurture shows the follow-up sequence; the owner edits
a step's text or day, adds and deletes steps, previews one and turns the sequence on or off."""

from handlers.owner.nurture.steps import router

__all__ = ["router"]
