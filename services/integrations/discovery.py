"""Competitors' public Instagram numbers through the owner's own Instagram connection
(``business_discovery``): the entry point the competitors module calls."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.crypto import SecretBox
from services.db.models import IntegrationConnection
from services.errors import NotFound
from services.integrations.connections import decrypt
from services.integrations.meta import CompetitorProfile, InstagramClient
from services.integrations.types import Kind


async def instagram_competitor(session: AsyncSession, *, box: SecretBox,
                               client: InstagramClient, business_id: int,
                               username: str) -> CompetitorProfile:
    """Followers, media count and recent media of ``username`` (an Instagram business or
    creator account), read with this business's Instagram connection. ``NotFound`` when the
    business has no working Instagram connection; ``IntegrationError`` subclasses for API
    trouble (an unknown or personal account comes back as ``BadResponse``)."""
    row = await session.scalar(select(IntegrationConnection).where(
        IntegrationConnection.business_id == business_id,
        IntegrationConnection.kind == Kind.INSTAGRAM,
        IntegrationConnection.status == "active"))
    if row is None:
        raise NotFound(entity="integration", id=str(Kind.INSTAGRAM))
    return await client.competitor(account_ref=row.account_ref,
                                   credentials=decrypt(box, row), username=username)
