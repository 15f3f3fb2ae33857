"""Team (SPEC §1): members and roles, invite links, role changes and removal."""

from handlers.owner.team.steps import router

__all__ = ["router"]
