"""Monthly strategy (SPEC §3.7): a plan per month — goals, channels, a content calendar by
week, offers to run, budget split — saved, revisable, with weekly check-ins.

The plan is JSON with five sections; each item is either ``{"text": ...}`` (the model's or
the owner's words) or a structured rule item ``{"kind": ..., ...numbers}`` that the bot words
in the reader's language. The rule plan (the fallback) is deterministic: budget split by
channel ROAS (else by 1 / CPL, else evenly), the four weeks' themes from the Dream Buyer and
the offers, goals +10% on the last 30 days.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services import dream_buyer, kpi
from services.ai.parsing import json_object
from services.db.base import utcnow
from services.db.models import Strategy
from services.errors import InvalidInput, NotFound
from services.kpi import KpiName, PeriodKind
from services.kpi.periods import local_today
from services.offers import service as offers
from services.validation import clean_text

SECTIONS = ("goals", "channels", "weeks", "offers", "budget")
GROWTH = 1.10  # goals: +10% on the last 30 days
TOP_CHANNELS = 3
WEEK_THEMES = ("pain", "offer", "proof", "urgency")
MAX_ITEMS = 8
MAX_ITEM_TEXT = 400
MAX_SECTION_TEXT = 2000

Plan = dict[str, list[dict[str, Any]]]


@dataclass(frozen=True, slots=True)
class StrategyView:
    id: int
    business_id: int
    month: str
    plan: Plan
    source: str  # ai / rules
    revisions: int
    checkins: list[dict[str, Any]]
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class CheckIn:
    """Month to date vs the plan's goals: ``expected_pct`` of the month has passed."""

    day: date
    expected_pct: int
    revenue: int
    revenue_goal: int | None
    leads: int
    leads_goal: int | None

    def as_dict(self) -> dict[str, Any]:
        return {"day": self.day.isoformat(), "expected_pct": self.expected_pct,
                "revenue": self.revenue, "revenue_goal": self.revenue_goal,
                "leads": self.leads, "leads_goal": self.leads_goal}


def _view(row: Strategy) -> StrategyView:
    return StrategyView(row.id, row.business_id, row.month, dict(row.plan or {}), row.source,
                        row.revisions, list(row.checkins or []), row.updated_at)


def month_key(today: date) -> str:
    return f"{today.year:04d}-{today.month:02d}"


# ----------------------------------------------------------------------------- the rules


@dataclass(frozen=True, slots=True)
class Basis:
    """What the rule plan is built from (pure for tests)."""

    revenue_30d: int
    leads_30d: int
    lead_conversion: float | None
    spend_30d: int
    channels: tuple[tuple[str, float | None, float | None, int], ...]  # name, ROAS, CPL, spend
    pain: str | None  # the Dream Buyer's first frustration
    dream: str | None
    offers: tuple[tuple[str, int | None, bool], ...]  # name, score, has a deadline


def budget_split(channels: tuple[tuple[str, float | None, float | None, int], ...],
                 total: int) -> list[dict[str, Any]]:
    """Shares by ROAS among channels with one, else by 1 / CPL, else evenly (whole %)."""
    if not channels:
        return []
    weights = [(name, roas) for name, roas, _, _ in channels if roas]
    if not weights:
        weights = [(name, 1 / cpl) for name, _, cpl, _ in channels if cpl]
    if not weights:
        weights = [(name, 1.0) for name, _, _, _ in channels]
    weights = weights[:TOP_CHANNELS]
    whole = sum(w for _, w in weights)
    shares = [round(w * 100 / whole) for _, w in weights]
    shares[0] += 100 - sum(shares)  # whole percents that add up to 100
    return [{"kind": "budget", "channel": name, "share": share,
             "amount": total * share // 100} for (name, _), share in zip(weights, shares,
                                                                        strict=True)]


def rule_plan(b: Basis) -> Plan:
    """The deterministic plan (the fallback of the AI plan)."""
    goals: list[dict[str, Any]] = []
    if b.revenue_30d > 0:
        goals.append({"kind": "revenue", "target": round(b.revenue_30d * GROWTH),
                      "current": b.revenue_30d})
    if b.leads_30d > 0:
        goals.append({"kind": "leads", "target": round(b.leads_30d * GROWTH),
                      "current": b.leads_30d})
    goals.append({"kind": "conversion",
                  "target": max(10.0, round((b.lead_conversion or 0) + 2, 1)),
                  "current": None if b.lead_conversion is None else round(b.lead_conversion, 1)})
    ranked = sorted(b.channels, key=lambda c: (-(c[1] or 0), c[2] or float("inf"), c[0]))
    channels = [{"kind": "channel", "channel": name,
                 "roas": None if roas is None else round(roas, 2),
                 "cpl": None if cpl is None else round(cpl)}
                for name, roas, cpl, _ in ranked[:TOP_CHANNELS]]
    if not channels:
        channels = [{"kind": "channel_start"}]
    best = sorted(b.offers, key=lambda o: (-(o[1] or 0), o[0]))
    offer = best[0][0] if best else None
    weeks = []
    for week, theme in enumerate(WEEK_THEMES, 1):
        subject = {"pain": b.pain, "offer": offer, "proof": b.dream,
                   "urgency": offer}.get(theme)
        weeks.append({"kind": "week", "week": week, "theme": theme, "subject": subject})
    offer_items: list[dict[str, Any]] = [
        {"kind": "offer", "name": name, "score": score, "deadline": deadline}
        for name, score, deadline in best[:3]] or [{"kind": "offer_start"}]
    return {"goals": goals, "channels": channels, "weeks": weeks, "offers": offer_items,
            "budget": budget_split(tuple(ranked), b.spend_30d)}


async def gather_basis(session: AsyncSession, *, business_id: int,
                       now: datetime | None = None) -> Basis:
    """The last 30 days' numbers, the channels, the first avatar and the offers."""
    period = await kpi.period_for(session, business_id=business_id, kind=PeriodKind.DAYS_30,
                                  now=now)
    board = await kpi.dashboard(session, business_id=business_id, period=period, now=now)
    avatars = await dream_buyer.list_avatars(session, business_id=business_id)
    items = await offers.list_offers(session, business_id=business_id)
    first = avatars[0] if avatars else None
    pain = dream_buyer.phrases(first.get("frustrations"))[:1] if first else []
    dream = dream_buyer.phrases(first.get("dreams"))[:1] if first else []
    return Basis(
        revenue_30d=board.totals.revenue, leads_30d=board.totals.leads,
        lead_conversion=board.cards[KpiName.LEAD_CONVERSION].value,
        spend_30d=board.totals.spend,
        channels=tuple((c.name or c.kind or "?", c.roas, c.cpl, c.spend)
                       for c in board.channels if c.channel_id and c.name),
        pain=pain[0] if pain else None, dream=dream[0] if dream else None,
        offers=tuple((o.name, o.score, o.urgency_deadline is not None) for o in items))


# --------------------------------------------------------------------------- the model


def to_json(plan: Plan) -> str:
    return json.dumps(plan, ensure_ascii=False)


def _item(value: Any) -> dict[str, Any] | None:
    if isinstance(value, str):
        text = " ".join(value.split())[:MAX_ITEM_TEXT]
        return {"text": text} if text else None
    if isinstance(value, dict):
        if "kind" in value:
            return value
        parts = [str(v) for v in value.values() if isinstance(v, str | int | float) and str(v)]
        return _item(" — ".join(parts))
    if isinstance(value, int | float):
        return {"text": str(value)}
    return None


def parse_plan(text: str) -> Plan | None:
    """The five sections from the model's JSON (fences and prose tolerated; strings or
    objects per item), or None when fewer than three sections are usable."""
    data = json_object(text)
    if data is None:
        return None
    plan: Plan = {}
    for section in SECTIONS:
        value = data.get(section)
        values = value if isinstance(value, list) else [value] if value else []
        items = [i for i in (_item(v) for v in values) if i][:MAX_ITEMS]
        plan[section] = items
    if sum(1 for s in SECTIONS if plan[s]) < 3:
        return None
    return plan


INSTRUCTIONS = (
    "Write this month's marketing strategy for the business, grounded only on the facts. "
    "Answer with JSON only: {\"goals\": [3 measurable goals], \"channels\": [the 2-3 channels "
    "to focus on and why], \"weeks\": [4 items, one content theme per week with 2 post "
    "ideas], \"offers\": [offers to run and when], \"budget\": [channel — share % — amount]}. "
    "Every item a short string. Use the frameworks: Dream Buyer pains (Suby), value equation "
    "(Hormozi), 1-page marketing plan (Dib). The rule-based draft below is a starting point.")


def facts_of(basis: Basis, plan: Plan) -> str:
    """The facts for the model: the numbers and the rule plan."""
    return json.dumps({"last_30_days": {"revenue": basis.revenue_30d, "leads": basis.leads_30d,
                                        "spend": basis.spend_30d,
                                        "lead_conversion_pct": basis.lead_conversion},
                       "channels": basis.channels, "dream_buyer_pain": basis.pain,
                       "dream_buyer_dream": basis.dream, "offers": basis.offers,
                       "rule_plan": plan}, ensure_ascii=False, default=str)


# ---------------------------------------------------------------------------- storage


async def _get(session: AsyncSession, business_id: int, month: str) -> Strategy | None:
    row: Strategy | None = await session.scalar(select(Strategy).where(
        Strategy.business_id == business_id, Strategy.month == month))
    return row


async def current_month(session: AsyncSession, *, business_id: int,
                        now: datetime | None = None) -> str:
    """This month (business-local) as ``YYYY-MM``."""
    tz = await kpi.business_timezone(session, business_id=business_id)
    return month_key(local_today(tz, now=now))


async def get_strategy(session: AsyncSession, *, business_id: int, month: str
                       ) -> StrategyView | None:
    """The saved plan of ``month``, or None."""
    row = await _get(session, business_id, month)
    return None if row is None else _view(row)


async def save_plan(session: AsyncSession, *, business_id: int, month: str, plan: Plan,
                    source: str) -> StrategyView:
    """Save (or replace, counting a revision) the month's plan."""
    row = await _get(session, business_id, month)
    if row is None:
        row = Strategy(business_id=business_id, month=month, plan=plan, source=source,
                       revisions=0, checkins=[])
        session.add(row)
    else:
        row.plan, row.source, row.revisions = plan, source, row.revisions + 1
    await session.flush()
    return _view(row)


async def edit_section(session: AsyncSession, *, business_id: int, month: str, section: str,
                       raw: str) -> StrategyView:
    """Replace one section with the owner's typed text (one item per line)."""
    if section not in SECTIONS:
        raise InvalidInput(field="section", reason="choice")
    text = clean_text(raw, field="section", max_len=MAX_SECTION_TEXT)
    row = await _get(session, business_id, month)
    if row is None:
        raise NotFound(entity="strategy", id=month)
    items = [{"text": line.strip()[:MAX_ITEM_TEXT]} for line in text.splitlines()
             if line.strip()][:MAX_ITEMS]
    row.plan = {**row.plan, section: items}
    row.revisions += 1
    await session.flush()
    return _view(row)


async def check_in(session: AsyncSession, *, business_id: int, month: str,
                   now: datetime | None = None) -> CheckIn:
    """Month to date vs the plan's revenue and leads goals; saved with the plan."""
    row = await _get(session, business_id, month)
    if row is None:
        raise NotFound(entity="strategy", id=month)
    period = await kpi.period_for(session, business_id=business_id, kind=PeriodKind.MONTH,
                                  now=now)
    board = await kpi.dashboard(session, business_id=business_id, period=period, now=now)
    goals = {g.get("kind"): g.get("target") for g in row.plan.get("goals", [])
             if isinstance(g, dict)}
    first = period.start
    next_month = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    days_in_month = (next_month - first).days
    result = CheckIn(period.end, round(period.days * 100 / days_in_month),
                     board.totals.revenue, _int(goals.get("revenue")), board.totals.leads,
                     _int(goals.get("leads")))
    row.checkins = [*row.checkins, {**result.as_dict(), "at": (now or utcnow()).isoformat()}]
    await session.flush()
    return result


def _int(value: Any) -> int | None:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
