"""Outer middlewares: de-dup, throttling, DB session, user context; inner: permissions."""

from bot.middlewares.context import ContextMiddleware
from bot.middlewares.database import DbSessionMiddleware
from bot.middlewares.dedup import DedupMiddleware
from bot.middlewares.permissions import PermissionMiddleware
from bot.middlewares.throttling import ThrottlingMiddleware

__all__ = [
    "ContextMiddleware",
    "DbSessionMiddleware",
    "DedupMiddleware",
    "PermissionMiddleware",
    "ThrottlingMiddleware",
]
