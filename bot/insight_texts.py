"""Insights in words: title, why (the numbers) and what to do (a framework-based action with
the command that does it), in the reader's language.

Shared by /insights (handlers) and the alert job (bot): the job has no gettext context, so it
renders inside ``i18n.use_locale``. Lives in ``bot`` because ``bot`` may not import handlers.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from aiogram.utils.i18n import gettext as _

from bot.formatting import money, number
from services.insights import InsightStatus, InsightView, Priority, RuleKey


@dataclass(frozen=True, slots=True)
class InsightText:
    title: str
    why: str
    action: str


PRIORITY_ICON = {Priority.CRITICAL: "🔴", Priority.HIGH: "🟠", Priority.MEDIUM: "🟡",
                 Priority.LOW: "🟢"}


def priority_label(priority: Priority) -> str:
    return {Priority.CRITICAL: _("Critical — act now"),
            Priority.HIGH: _("High — within 24 hours"),
            Priority.MEDIUM: _("Medium — within 48 hours"),
            Priority.LOW: _("Low — this week")}[priority]


def status_label(status: InsightStatus) -> str:
    return {InsightStatus.NEW: _("🆕 new"), InsightStatus.SEEN: _("👀 seen"),
            InsightStatus.DONE: _("✅ done"), InsightStatus.DISMISSED: _("🙈 dismissed")}[status]


def _pct(value: object, locale: str) -> str:
    return number(abs(float(value)), locale) + "%"  # type: ignore[arg-type]


def _num(value: object, locale: str) -> str:
    return number(float(value) if isinstance(value, float) else int(value), locale)  # type: ignore[call-overload]


def _stage(code: str) -> str:
    return {"awareness": _("Awareness"), "interest": _("Interest"),
            "consideration": _("Consideration"), "intent": _("Intent"),
            "purchase": _("Purchase")}.get(code, code)


def _resource(code: str) -> str:
    return {"channels": _("Marketing channels"),
            "leads_per_month": _("Leads per month")}.get(code, code)


def render(insight: InsightView, locale: str) -> InsightText:
    """The words for one insight (call inside a gettext context)."""
    n, loc = insight.numbers, locale
    key = insight.rule
    if key is RuleKey.CHURN_HIGH:
        return InsightText(
            _("Churn is {churn} — above 5%").format(churn=_pct(n["churn"], loc)),
            _("{lost} of {base} customers active at the month's start did not buy again.")
            .format(lost=_num(n["lost"], loc), base=_num(n["at_start"], loc)),
            _("Win them back this week: a personal offer to lapsed customers (Power 4%: sell "
              "to those who already bought). /customers lists them."))
    if key is RuleKey.ROAS_LOW:
        return InsightText(
            _("ROAS is {roas} — below 2").format(roas=_num(n["roas"], loc)),
            _("Last 7 days: revenue {revenue} on ad spend {spend}.").format(
                revenue=money(int(n["revenue"]), loc), spend=money(int(n["spend"]), loc)),
            _("Pause the channels with the lowest return and move the budget to the best one; "
              "/dashboard shows ROAS by channel."))
    if key is RuleKey.REVENUE_DROP:
        return InsightText(
            _("Revenue fell {pct} week on week").format(pct=_pct(n["pct"], loc)),
            _("Last 7 days {current}, the 7 days before {previous}.").format(
                current=money(int(n["current"]), loc), previous=money(int(n["previous"]), loc)),
            _("Check which channel dropped (/dashboard) and run a time-limited offer to past "
              "buyers (Hormozi: urgency and scarcity) — /offer."))
    if key is RuleKey.PAYMENT_FAILED:
        return InsightText(
            _("Payment failed"),
            _("Invoice {invoice} for {total} was not paid.").format(
                invoice=escape(str(n["invoice"])), total=money(int(n["total"]), loc)),
            _("Pay again with Click, Payme or Telegram in /plan so the business does not "
              "become read-only."))
    if key is RuleKey.CPC_UP:
        return InsightText(
            _("Cost per click rose {pct}").format(pct=_pct(n["pct"], loc)),
            _("CPC {current} now, {previous} the week before.").format(
                current=money(int(n["current"]), loc), previous=money(int(n["previous"]), loc)),
            _("Refresh the ad creative with new hooks from your Dream Buyer (/dreambuyer) and "
              "narrow the audience."))
    if key is RuleKey.LEADS_DROP:
        return InsightText(
            _("Leads fell {pct} week on week").format(pct=_pct(n["pct"], loc)),
            _("{current} leads in the last 7 days, {previous} the week before.").format(
                current=_num(n["current"], loc), previous=_num(n["previous"], loc)),
            _("Promote a lead magnet (Suby: HVCO) to fill the funnel again — /hvco."))
    if key is RuleKey.CAC_UP:
        return InsightText(
            _("Cost to win a customer rose {pct}").format(pct=_pct(n["pct"], loc)),
            _("CAC {current} now, {previous} the week before.").format(
                current=money(int(n["current"]), loc), previous=money(int(n["previous"]), loc)),
            _("Cut the channel with the highest cost per lead and strengthen the offer's "
              "value equation (/offer)."))
    if key is RuleKey.NO_REPEAT:
        return InsightText(
            _("{count} customers have not bought again for {days} days").format(
                count=_num(n["lapsed"], loc), days=_num(n["days"], loc)),
            _("{count} of {total} customers are past the repeat window.").format(
                count=_num(n["lapsed"], loc), total=_num(n["customers"], loc)),
            _("Send them a reactivation offer with a bonus and a deadline; /customers shows "
              "who they are."))
    if key is RuleKey.FUNNEL_STAGE_LOW:
        return InsightText(
            _("Only {conversion} reach {stage}").format(conversion=_pct(n["conversion"], loc),
                                                        stage=_stage(str(n["stage"]))),
            _("{reached} of {previous} leads moved on in 30 days (target {target}).").format(
                reached=_num(n["reached"], loc), previous=_num(n["previous"], loc),
                target=_pct(n["target"], loc)),
            _("Fix this stage first: follow up every lead within an hour and answer the main "
              "objection (/leads)."))
    if key is RuleKey.TRIAL_ENDING:
        return InsightText(
            _("Your trial ends in {days} days").format(days=_num(n["days"], loc)),
            _("After that the business becomes read-only until a plan is paid."),
            _("Choose a plan in /plan."))
    if key in (RuleKey.USAGE_90, RuleKey.USAGE_80):
        return InsightText(
            _("{resource}: {percent} of the plan's limit used").format(
                resource=_resource(str(n["resource"])), percent=_pct(n["percent"], loc)),
            _("{used} of {limit}.").format(used=_num(n["used"], loc),
                                          limit=_num(n["limit"], loc)),
            _("Upgrade in /plan before the limit stops new entries."))
    if key is RuleKey.ENGAGEMENT_DROP:
        return InsightText(
            _("Engagement fell {pct}").format(pct=_pct(n["pct"], loc)),
            _("Engagement rate {current} now, {previous} the week before.").format(
                current=_pct(n["current"], loc), previous=_pct(n["previous"], loc)),
            _("Post more of what your Dream Buyer cares about — questions, stories, polls "
              "(/dreambuyer has ideas)."))
    if key is RuleKey.REVENUE_GROWTH:
        return InsightText(
            _("Revenue grew {pct} week on week").format(pct=_pct(n["pct"], loc)),
            _("Last 7 days {current}, the 7 days before {previous}.").format(
                current=money(int(n["current"]), loc), previous=money(int(n["previous"]), loc)),
            _("Find what worked (/dashboard) and put more budget behind it while it works."))
    if key is RuleKey.GOAL_REACHED:
        return InsightText(
            _("Goal reached: {goal}").format(goal=escape(str(n["goal"]))),
            _("Target {target} reached.").format(target=_num(n["target"], loc)),
            _("Set the next goal in /goals."))
    return InsightText(  # RuleKey.NEW_SEGMENT
        _("Buy-now segment grew to {count} customers").format(count=_num(n["buy_now"], loc)),
        _("{previous} a week ago: {grown} more repeat buyers are ready to buy now.").format(
            previous=_num(n["previous"], loc), grown=_num(n["grown"], loc)),
        _("Offer them your next product or an upgrade now (Power 4%) — /offer."))


def insight_block(insight: InsightView, locale: str, *, index: int | None = None,
                  with_status: bool = False) -> str:
    """Title, priority, why and what to do as HTML lines."""
    text = render(insight, locale)
    head = f"{index}. " if index is not None else ""
    lines = [f"{PRIORITY_ICON[insight.priority]} {head}<b>{text.title}</b>",
             f"<i>{priority_label(insight.priority)}</i>"
             + (f" · {status_label(insight.status)}" if with_status else ""),
             _("Why: {why}").format(why=text.why),
             _("What to do: {action}").format(action=text.action)]
    return "\n".join(lines)


def alert_text(insight: InsightView, locale: str) -> str:
    """One pushed alert (CRITICAL/HIGH)."""
    return "\n".join([_("🔔 <b>Insight</b>"), "", insight_block(insight, locale), "",
                      _("/insights lists all of them.")])


def digest_text(items: list[InsightView], locale: str) -> str:
    """The daily bundle of MEDIUM and LOW insights."""
    lines = [_("🗂 <b>Insights of the day</b>"), ""]
    for index, insight in enumerate(items, 1):
        lines += [insight_block(insight, locale, index=index), ""]
    lines.append(_("/insights lists all of them."))
    return "\n".join(lines)
