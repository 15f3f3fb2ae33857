"""The "not synced since …" line other screens (the dashboard) show under their numbers, so a
gap in synced data is never silent."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.formatting import moment
from handlers.owner.integrations.texts import NAMES, error_text
from services import integrations, kpi
from services.db.base import utcnow


async def sync_gaps(session: AsyncSession, *, business_id: int, locale: str) -> str | None:
    """One line per integration with a gap, or None when every connection is current."""
    now = utcnow()
    stale = await integrations.stale_connections(session, business_id=business_id, now=now)
    if not stale:
        return None
    tz = await kpi.business_timezone(session, business_id=business_id)
    lines = []
    for view in stale:
        if view.last_success_at is None:
            line = _("⚠️ {name} not synced yet").format(name=NAMES[view.kind])
        else:
            line = _("⚠️ {name} not synced since {moment}").format(
                name=NAMES[view.kind], moment=moment(view.last_success_at, locale, tz))
        if view.last_error:
            line += f" ({error_text(view.last_error)})"
        lines.append(line)
    lines.append(_("The numbers above miss what was not synced. /integrations"))
    return "\n".join(lines)
