"""The strategy check-in in the reader's language: used by the 📊 button of /strategy and by
the weekly push (``bot.checkin_jobs``), which may not import ``handlers``."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _

from bot.formatting import money, number
from services.strategy import CheckIn


def _pct(value: float, locale: str) -> str:
    return number(float(value), locale) + "%"


def checkin_text(c: CheckIn, locale: str) -> str:
    lines = [_("📊 <b>Check-in</b> — {expected} of the month has passed.").format(
        expected=_pct(c.expected_pct, locale))]
    if c.revenue_goal:
        lines.append(_("Revenue {current} of {goal} ({pct}).").format(
            current=money(c.revenue, locale), goal=money(c.revenue_goal, locale),
            pct=_pct(c.revenue * 100 // c.revenue_goal, locale)))
    if c.leads_goal:
        lines.append(_("Leads {current} of {goal} ({pct}).").format(
            current=number(c.leads, locale), goal=number(c.leads_goal, locale),
            pct=_pct(c.leads * 100 // c.leads_goal, locale)))
    if not c.revenue_goal and not c.leads_goal:
        lines.append(_("The plan has no revenue or leads goal to compare with yet."))
    behind = [g for g, v in ((c.revenue_goal, c.revenue), (c.leads_goal, c.leads))
              if g and v * 100 // g < c.expected_pct]
    lines.append(_("Behind the plan: push this week's offer harder and check /insights.")
                 if behind else _("On track. Keep going."))
    return "\n".join(lines)


def weekly_checkin_text(c: CheckIn, locale: str) -> str:
    """The Monday push: the check-in with how to see the plan or stop these messages."""
    return "\n".join([_("🗓 <b>Weekly strategy check-in</b>"), "", checkin_text(c, locale), "",
                      _("/strategy — the month's plan; /report settings — turn these "
                        "check-ins off.")])
