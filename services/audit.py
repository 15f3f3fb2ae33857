"""The audit log: security-relevant events, written in the caller's transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.db.models import AuditLog


async def record(
    session: AsyncSession,
    *,
    action: str,
    user_id: int | None,
    business_id: int | None = None,
    **details: Any,
) -> None:
    """Append one audit entry."""
    session.add(AuditLog(action=action, user_id=user_id, business_id=business_id, details=details))
