"""Words of /report: what owners type after it (4 languages) and the settings screen."""

from __future__ import annotations

import re

from aiogram.utils.i18n import gettext as _

from services.reports import ReportKind

SETTINGS = "settings"
KIND_ALIASES: dict[str, ReportKind | str] = {}
for _kind, _words in {
    ReportKind.DAILY: "daily day kunlik kun кунлик кун день ежедневный дневной",
    ReportKind.WEEKLY: "weekly week haftalik hafta ҳафталик ҳафта неделя недельный "
                       "еженедельный",
    ReportKind.MONTHLY: "monthly month oylik oy ойлик ой месяц месячный ежемесячный",
    ReportKind.QUARTERLY: "quarterly quarter choraklik chorak чораклик чорак квартал "
                          "квартальный",
    SETTINGS: "settings sozlamalar созламалар настройки",
}.items():
    for _word in _words.split():
        KIND_ALIASES[_word] = _kind

_APOSTROPHES = re.compile("[ʻ‘’`ʼ]")


def parse_args(raw: str) -> ReportKind | str | None:
    """``weekly``, ``oylik``, ``квартал``, ``settings``…; nothing typed = the weekly report."""
    text = _APOSTROPHES.sub("'", (raw or "").strip().lower())
    if not text:
        return ReportKind.WEEKLY
    return KIND_ALIASES.get(text)


def usage_text() -> str:
    return _("Send <code>/report</code> with daily, weekly, monthly or quarterly — for example "
             "<code>/report monthly</code>. <code>/report settings</code> turns scheduled "
             "reports on or off for you.")


def preparing_text() -> str:
    return _("⏳ Preparing the report…")


def choose_text() -> str:
    return _("🗓 <b>Reports</b>\n\nWhich report would you like now? Scheduled ones arrive "
             "by themselves; ⚙️ Notifications chooses which you get.")


def settings_text(*, enabled: bool, checkin: bool = False) -> str:
    state = _("You get them.") if enabled else _("You don't get them.")
    checkin_state = (_("Weekly strategy check-in (Mondays 09:00, when the month has a plan): "
                       "on.") if checkin
                     else _("Weekly strategy check-in (Mondays 09:00, when the month has a "
                            "plan): off."))
    return "\n".join([
        _("🗓 <b>Scheduled reports</b>"), "",
        _("Every day at 09:00 a daily brief, on Mondays the weekly report, on the 1st the "
          "monthly report and each quarter a quarterly review — in the business's time "
          "zone, with charts and a comparison with the previous period and your goals."),
        "", state, checkin_state])
