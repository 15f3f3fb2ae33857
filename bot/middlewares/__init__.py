"""Outer middlewares: de-dup, throttling, DB session, user context, access, platform
settings (maintenance, registration); inner: permissions."""

from bot.middlewares.access import AccessMiddleware
from bot.middlewares.context import ContextMiddleware
from bot.middlewares.database import DbSessionMiddleware
from bot.middlewares.dedup import DedupMiddleware
from bot.middlewares.permissions import PermissionMiddleware
from bot.middlewares.platform import PlatformMiddleware
from bot.middlewares.throttling import ThrottlingMiddleware

__all__ = [
    "AccessMiddleware",
    "ContextMiddleware",
    "DbSessionMiddleware",
    "DedupMiddleware",
    "PermissionMiddleware",
    "PlatformMiddleware",
    "ThrottlingMiddleware",
]
