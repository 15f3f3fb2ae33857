"""Pieces the data-entry forms share: choosing a channel, notes after a save."""

from __future__ import annotations

from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.owner.entry.texts import created_note, limit_note
from services import marketing, plans
from services.errors import InvalidInput
from services.marketing import ResolvedChannel
from services.teams import Permission, require


async def picked_channel(session: AsyncSession, *, business_id: int, value: str
                         ) -> ResolvedChannel:
    """A channel button's value: ``c<id>`` (re-checked against the business) or ``k<kind>``
    (the kind's channel, created on first use within the plan limit)."""
    if value.startswith("c") and value[1:].isdigit():
        channel = await marketing.get_channel(session, business_id=business_id,
                                              channel_id=int(value[1:]))
        return ResolvedChannel(channel, created=False)
    if value.startswith("k") and value[1:] in marketing.KINDS:
        return await marketing.resolve_channel(session, business_id=business_id,
                                               text=value[1:])
    raise InvalidInput(field="channel", reason="choice")


async def send_notes(message: Message, resolved: ResolvedChannel | None, locale: str) -> None:
    """Tell about a channel created on the way, and the plan-limit warning if any."""
    if resolved is None or not resolved.created:
        return
    notes = [created_note(resolved.channel)]
    warning = limit_note(resolved.limit, locale)
    if warning:
        notes.append(warning)
    await message.answer("\n".join(notes))


async def require_write(session: AsyncSession, *, role: str | None, business_id: int,
                        permission: Permission) -> None:
    """What the permission middleware checks for write handlers, for a command that only
    writes when it has arguments (``/spend`` lists, ``/spend insta 500k`` writes)."""
    require(role, permission)
    await plans.require_writable(session, business_id=business_id)
