"""Magic Lantern nurture sequences (SPEC §3.9): leads who took a lead magnet and did not buy
get owner-editable follow-ups (default day 1, 3, 7) through the outbox; a reply, a purchase or
``/stop`` ends them.

Interface used by the conversation engine: ``start`` when a HVCO is delivered, ``stop`` on
reply, purchase and ``/stop``.
"""

from __future__ import annotations

from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from services.db.models import SalesConversation

StopReason = Literal["reply", "purchase", "stop", "handoff"]


async def start(session: AsyncSession, conversation: SalesConversation) -> None:
    """Schedule this business's sequence for the conversation (idempotent). Placeholder."""
    del session, conversation


async def stop(session: AsyncSession, conversation: SalesConversation,
               reason: StopReason) -> None:
    """Cancel whatever is still pending for the conversation (idempotent). Placeholder."""
    del session, conversation, reason
