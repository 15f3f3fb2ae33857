"""The strategy and the diagnosis in the reader's language."""

from __future__ import annotations

from typing import Any

from aiogram.utils.i18n import gettext as _

from bot.formatting import channel_name, money, month, number
from handlers import labels
from handlers.ui import h
from services.diagnostics import Diagnosis, Horizon, Loss, Part
from services.strategy import SECTIONS, StrategyView


def section_title(section: str) -> str:
    return {"goals": _("Goals"), "channels": _("Channels"), "weeks": _("Content by week"),
            "offers": _("Offers to run"), "budget": _("Budget split")}.get(section, section)


def _pct(value: Any, locale: str) -> str:
    return number(float(value), locale) + "%"


def _theme(theme: str, subject: str | None) -> str:
    if subject:
        return {"pain": _("the problem they live with — “{subject}”"),
                "offer": _("your offer — {subject}"),
                "proof": _("proof and results — “{subject}”"),
                "urgency": _("a deadline to act — {subject}")}.get(theme, "{subject}").format(
            subject=h(subject))
    return {"pain": _("the problem your customers live with"),
            "offer": _("what you offer and why it is worth it"),
            "proof": _("proof: reviews, cases, before and after"),
            "urgency": _("a reason to buy now: a deadline or a limited batch")}.get(theme, theme)


def item_text(item: dict[str, Any], locale: str) -> str:
    """One plan item: the model's or owner's text as is, a rule item in words."""
    if "text" in item:
        return h(item["text"])
    kind = item.get("kind")
    if kind == "revenue":
        return _("Revenue {target} (last 30 days: {current})").format(
            target=money(int(item["target"]), locale), current=money(int(item["current"]),
                                                                     locale))
    if kind == "leads":
        return _("Leads {target} (last 30 days: {current})").format(
            target=number(int(item["target"]), locale), current=number(int(item["current"]),
                                                                       locale))
    if kind == "conversion":
        if item.get("current") is None:
            return _("Lead → customer conversion {target} (not measured yet: mark won leads "
                     "in /leads)").format(target=_pct(item["target"], locale))
        return _("Lead → customer conversion {target} (now {current})").format(
            target=_pct(item["target"], locale), current=_pct(item["current"], locale))
    if kind == "channel":
        name = h(channel_name(str(item.get("channel", ""))))
        if item.get("roas") is not None:
            return _("{channel} — ROAS {roas}").format(channel=name,
                                                      roas=number(item["roas"], locale))
        if item.get("cpl") is not None:
            return _("{channel} — cost per lead {cpl}").format(
                channel=name, cpl=money(int(item["cpl"]), locale))
        return name
    if kind == "channel_start":
        return _("Start with one channel where your Dream Buyer spends time, and log its spend "
                 "with /spend.")
    if kind == "week":
        return _("Week {week}: {theme}").format(week=item.get("week"),
                                                theme=_theme(str(item.get("theme")),
                                                             item.get("subject")))
    if kind == "offer":
        name = h(item.get("name", ""))
        if item.get("score") is not None:
            return _("{offer} (value score {score}/100)").format(offer=name,
                                                                score=item["score"])
        return name
    if kind == "offer_start":
        return _("Build your first offer with the value equation in /offer.")
    if kind == "budget":
        return _("{channel}: {share} — {amount}").format(
            channel=h(channel_name(str(item.get("channel", "")))),
            share=_pct(item["share"], locale),
            amount=money(int(item["amount"]), locale))
    return h(str(item))


def strategy_text(business_name: str, view: StrategyView, locale: str) -> str:
    lines = [_("🗓 <b>Strategy for {month}</b> — {business}").format(
        month=month(view.month, locale), business=h(business_name))]
    for section in SECTIONS:
        items = view.plan.get(section) or []
        lines += ["", f"<b>{section_title(section)}</b>"]
        if not items:
            lines.append(_("— nothing yet; press ✏️ to write it."))
        lines += [f"• {item_text(i, locale)}" for i in items]
    lines += ["", _("Revisions: {count}.").format(count=view.revisions)]
    if view.source == "rules":
        lines.append(_("⚙️ Offline answer — built from rules and templates, no AI key in use."))
    return "\n".join(lines)


def part_title(part: Part) -> str:
    return {Part.IDEAL_CUSTOMER: _("Ideal customer"), Part.OFFER: _("Offer"),
            Part.CHANNELS: _("Channels"), Part.FUNNEL: _("Funnel"),
            Part.AUTOMATION: _("Automation")}[part]


def horizon_title(horizon: Horizon) -> str:
    return {Horizon.TODAY: _("Today"), Horizon.THIS_WEEK: _("This week"),
            Horizon.NEXT_WEEK: _("Next week"), Horizon.MONTH: _("This month")}[horizon]


def fix_text(part: Part, command: str) -> str:
    return {
        Part.IDEAL_CUSTOMER: _("Answer the Dream Buyer questions to the end: {command}"),
        Part.OFFER: _("Raise your offer's value equation (dream outcome, likelihood; cut time "
                      "and effort): {command}"),
        Part.CHANNELS: _("Log spend and results per channel and keep the ones with ROAS above "
                         "3: {command}"),
        Part.FUNNEL: _("Follow up every lead within an hour and move them through the stages: "
                       "{command}"),
        Part.AUTOMATION: _("Create a lead magnet that collects leads for you: {command}"),
    }[part].format(command=command)


def loss_text(loss: Loss, locale: str) -> str:
    return "\n".join([
        _("💸 <b>Money lost: about {amount} a month</b>").format(
            amount=money(loss.per_month, locale)),
        _("At {stage} only {conversion} of leads move on (target {target}): {missing} leads "
          "short a month.").format(stage=labels.funnel_stage(loss.stage),
                                   conversion=_pct(loss.conversion, locale),
                                   target=_pct(loss.target, locale),
                                   missing=number(loss.missing_leads, locale)),
        _("Formula: {missing} leads × {close} become customers × average order {aov}.").format(
            missing=number(loss.missing_leads, locale), close=_pct(loss.close_rate, locale),
            aov=money(loss.aov, locale)),
    ])


def plan_rule_text(d: Diagnosis) -> str:
    """The action plan from the rules (plain text: it is escaped like the model's)."""
    return "\n".join(_("{horizon}: {step}").format(horizon=horizon_title(s.horizon),
                                                  step=fix_text(s.part, s.command))
                     for s in d.plan)


def diagnosis_text(business_name: str, d: Diagnosis, locale: str, *, plan: str,
                   note: str | None) -> str:
    lines = [_("🩺 <b>Diagnostics — {business}</b>").format(business=h(business_name)),
             _("Score: <b>{score}/100</b>").format(score=d.score), ""]
    lines += [_("{part}: {points}/20").format(part=part_title(p), points=v)
              for p, v in d.parts.items()]
    lines.append("")
    if d.loss is not None:
        lines += [loss_text(d.loss, locale), ""]
    else:
        lines += [_("💸 Money lost can't be estimated yet: log leads with their stages and "
                    "orders (/lead, /order)."), ""]
    lines += [_("🧭 <b>Action plan</b>"), h(plan)]
    if note:
        lines += ["", f"<i>{h(note)}</i>"]
    return "\n".join(lines)
