"""What other screens (the dashboard) show under their numbers about synced data: the website
traffic GA4 brought for the period, and a line per integration with a gap ("not synced
since …", spend in a foreign currency without a rate) so a gap is never silent."""

from __future__ import annotations

from datetime import date

from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.formatting import day, moment, number, percent
from handlers.owner.integrations.texts import NAMES, error_text
from services import integrations, kpi
from services.db.base import utcnow
from services.integrations import Traffic


async def sync_gaps(session: AsyncSession, *, business_id: int, locale: str) -> str | None:
    """One line per integration with a gap, or None when every connection is current."""
    now = utcnow()
    views = await integrations.list_connections(session, business_id=business_id, now=now)
    stale = [v for v in views if v.stale(now)]
    unpriced = [v for v in views if v.needs_rate]
    if not stale and not unpriced:
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
    for view in unpriced:
        lines.append(_("⚠️ {name} spend is in {currency} and not counted: set its so'm rate")
                     .format(name=NAMES[view.kind], currency=view.currency))
    lines.append(_("The numbers above miss what was not synced. /integrations"))
    return "\n".join(lines)


def traffic_text(traffic: Traffic, *, locale: str) -> str:
    """"🌐 Website (Google Analytics), <start> – <end>: … sessions, … conversions"."""
    line = _("🌐 Website (Google Analytics), {start} – {end}: {sessions} sessions, "
             "{conversions} conversions").format(
        start=day(traffic.start, locale), end=day(traffic.end, locale),
        sessions=number(traffic.sessions, locale),
        conversions=number(traffic.conversions, locale))
    if traffic.bounce_rate is not None:
        line += _(", bounce rate {rate}").format(rate=percent(traffic.bounce_rate / 100, locale))
    return line


async def website_line(session: AsyncSession, *, business_id: int, start: date, end: date,
                       locale: str) -> str | None:
    """GA4's website traffic over ``start..end``, or None when none was synced."""
    traffic = await integrations.website_traffic(session, business_id=business_id,
                                                 start=start, end=end)
    return None if traffic is None else traffic_text(traffic, locale=locale)


async def sync_notes(session: AsyncSession, *, business_id: int, start: date, end: date,
                     locale: str) -> str | None:
    """The website traffic line and the gaps, as one message (None when neither applies)."""
    parts = [await website_line(session, business_id=business_id, start=start, end=end,
                                locale=locale),
             await sync_gaps(session, business_id=business_id, locale=locale)]
    text = "\n\n".join(p for p in parts if p)
    return text or None
