"""My businesses (SPEC §1): the list with roles, switching, adding another one."""

from handlers.owner.businesses.steps import router

__all__ = ["router"]
