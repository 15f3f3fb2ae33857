"""Words of /nurture."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot.formatting import number
from services.salesbot.nurture import MAX_DELAY_DAYS, SEND_HOUR, SequenceView, StepView

PREVIEW_LIMIT = 90


def _short(text: str, limit: int = PREVIEW_LIMIT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def sequence_text(view: SequenceView, *, rendered: dict[int, str], pending: int,
                  locale: str) -> str:
    """The sequence screen; ``rendered`` holds each step's text as a customer gets it (HTML)."""
    state = _("🟢 on") if view.enabled else _("⚪️ off")
    lines = [_("🪔 <b>Nurture sequence</b> — {state}").format(state=state), "",
             _("Leads who took a lead magnet and did not buy get these follow-ups from your "
               "sales bot at {hour}:00 in the business's time zone. A reply, a purchase, "
               "/stop or a hand-off to an operator ends them.").format(hour=SEND_HOUR), ""]
    if not view.steps:
        lines.append(_("No steps yet: add one."))
    for step in view.steps:
        note = "" if step.text is not None else " " + _("(default text)")
        lines.append(_("<b>Day {day}</b>{note} — {text}").format(
            day=step.delay_days, note=note, text=_short(rendered[step.id])))
    if pending:
        lines += ["", ngettext("⏳ {count} message is waiting to be sent.",
                               "⏳ {count} messages are waiting to be sent.", pending
                               ).format(count=number(pending, locale))]
    return "\n".join(lines)


def step_text(step: StepView, rendered: str) -> str:
    note = _("Default text, in each customer's language.") if step.text is None else _(
        "Your text, sent as written.")
    return "\n".join([_("📅 <b>Day {day}</b>").format(day=step.delay_days), note, "",
                      rendered])


def ask_text() -> str:
    return _("Send the message text. {business} and {lead_magnet} are replaced by the "
             "business name and the title of the lead magnet the customer took. /cancel "
             "keeps it as it is.")


def ask_delay() -> str:
    return _("On which day after the lead magnet should it go out? Send a number from 1 to "
             "{max}. /cancel keeps it as it is.").format(max=MAX_DELAY_DAYS)


def confirm_delete(step: StepView) -> str:
    return _("Delete the day {day} step? Messages of it still waiting are cancelled.").format(
        day=step.delay_days)
