"""The spend entry one synced day's cost makes (daily stats follow through
``services.marketing``): created, updated, or removed when the cost is gone or cannot be
priced in so'm."""

from __future__ import annotations

from contextlib import suppress

from sqlalchemy.ext.asyncio import AsyncSession

from services import marketing
from services.db.models import IntegrationDaily
from services.errors import DomainError


async def book(session: AsyncSession, *, business_id: int, channel_id: int,
               daily: IntegrationDaily, som: int | None, impressions: int | None,
               clicks: int | None) -> None:
    """Make ``daily.spend_entry_id`` say ``som`` (None or < 1: no entry)."""
    entry_id = daily.spend_entry_id
    note = (daily.name or daily.key or "")[:300] or None
    if entry_id is not None:
        if som is None or som < 1:
            with suppress(DomainError):  # removed by hand meanwhile
                await marketing.delete_spend(session, business_id=business_id,
                                             entry_id=entry_id)
            daily.spend_entry_id = None
            return
        try:
            await marketing.update_spend(session, business_id=business_id, entry_id=entry_id,
                                         amount=som, impressions=impressions, clicks=clicks)
            return
        except DomainError:  # removed by hand meanwhile: make it again
            pass
    if som is None or som < 1:
        daily.spend_entry_id = None
        return
    view = await marketing.add_spend(session, business_id=business_id, channel_id=channel_id,
                                     amount=som, day=daily.day, impressions=impressions,
                                     clicks=clicks, note=note, source="sync")
    daily.spend_entry_id = view.id
