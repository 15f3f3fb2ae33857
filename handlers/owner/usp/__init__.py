"""USP generator (SPEC §3.1): three USPs and an elevator pitch; the owner picks or writes one."""

from handlers.owner.usp.steps import router

__all__ = ["router"]
