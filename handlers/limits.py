"""Plan-limit warnings shown after an action that used a counted resource."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _

from handlers import labels
from services.plans import LimitStatus


def limit_warning(status: LimitStatus) -> str | None:
    """"You have used 90% of …" at the 80% and 90% marks, else None."""
    if status.warning is None:
        return None
    return _("⚠️ You have used {used} of {limit} “{resource}” on your {plan} plan ({percent}%). "
             "See /plan to upgrade.").format(
        used=status.used, limit=status.limit, resource=labels.resource(status.resource),
        plan=status.plan.title(), percent=status.percent)
