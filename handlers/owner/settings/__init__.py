"""Settings: interface language (and the command menu with it) and time zone."""

from handlers.owner.settings.steps import router

__all__ = ["router"]
