"""Diagnostics (SPEC §3.7): the business scored 0–100 on five parts × 20, the money lost per
month at the weakest funnel stage, and an action plan by horizon — structured data only.

Parts: ideal customer = the most complete Dream Buyer (completeness % × 20); offer = the best
value-equation score (× 20 / 100); channels = 10 for two or more channels with data in 30 days
(5 for one) + ROAS / 3 × 10 (capped); funnel = the average of min(1, conversion / target) over
the stages with data × 20; automation = lead magnet 8 + chatbot 6 + nurture 6.

Money lost per month = leads short of the target at the weakest stage × lead → customer rate
(won / leads over 30 days, else the 12% purchase target) × AOV.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from services import dream_buyer, hvco, kpi
from services.db.base import utcnow
from services.kpi import FunnelStep, KpiName, PeriodKind
from services.offers import service as offers

PART_MAX = 20
DEFAULT_CLOSE_RATE = 12.0  # % — the SPEC's purchase-stage target


class Part(StrEnum):
    IDEAL_CUSTOMER = "ideal_customer"
    OFFER = "offer"
    CHANNELS = "channels"
    FUNNEL = "funnel"
    AUTOMATION = "automation"


class Horizon(StrEnum):
    TODAY = "today"
    THIS_WEEK = "this_week"
    NEXT_WEEK = "next_week"
    MONTH = "month"


# What fixes each part, and the command that opens it.
FIX_COMMAND = {Part.IDEAL_CUSTOMER: "/dreambuyer", Part.OFFER: "/offer",
               Part.CHANNELS: "/channels", Part.FUNNEL: "/leads", Part.AUTOMATION: "/hvco"}


@dataclass(frozen=True, slots=True)
class Inputs:
    """What the scores are computed from (gathered by ``diagnose``; pure for tests)."""

    best_avatar_completeness: int | None  # %
    best_offer_score: int | None  # 0–100
    channels_with_data: int
    roas: float | None
    funnel: tuple[FunnelStep, ...]
    lead_conversion: float | None  # won / leads × 100, 30 days
    aov: float | None
    has_hvco: bool
    has_chatbot: bool = False  # the chatbot module (later issue)
    has_nurture: bool = False  # nurture sequences (later issue)


@dataclass(frozen=True, slots=True)
class Loss:
    stage: str
    reached: int
    previous: int
    conversion: float
    target: float
    missing_leads: int
    close_rate: float
    close_rate_assumed: bool
    aov: int
    per_month: int


@dataclass(frozen=True, slots=True)
class Step:
    horizon: Horizon
    part: Part
    command: str


@dataclass(frozen=True, slots=True)
class Diagnosis:
    score: int
    parts: dict[Part, int]
    loss: Loss | None
    plan: tuple[Step, ...]

    def to_json(self) -> str:
        """The diagnosis as JSON (the facts an AI wording is grounded on)."""
        data = asdict(self)
        data["parts"] = {k.value: v for k, v in self.parts.items()}
        return json.dumps(data, ensure_ascii=False, default=str)


def _scaled(share: float) -> int:
    return round(PART_MAX * max(0.0, min(1.0, share)))


def part_scores(i: Inputs) -> dict[Part, int]:
    """Each part's 0–20 points."""
    channels = (10 if i.channels_with_data >= 2 else 5 if i.channels_with_data == 1 else 0)
    channels += round(10 * max(0.0, min(1.0, (i.roas or 0.0) / 3.0)))
    ratios = [min(1.0, s.conversion / s.target) for s in i.funnel[1:]
              if s.conversion is not None and s.target > 0]
    return {
        Part.IDEAL_CUSTOMER: _scaled((i.best_avatar_completeness or 0) / 100),
        Part.OFFER: _scaled((i.best_offer_score or 0) / 100),
        Part.CHANNELS: channels,
        Part.FUNNEL: _scaled(sum(ratios) / len(ratios)) if ratios else 0,
        Part.AUTOMATION: (8 if i.has_hvco else 0) + (6 if i.has_chatbot else 0)
        + (6 if i.has_nurture else 0),
    }


def loss_estimate(i: Inputs) -> Loss | None:
    """Money lost a month at the weakest stage below target, or None without the data."""
    below = [(s, prev) for prev, s in zip(i.funnel, i.funnel[1:], strict=False)
             if s.conversion is not None and s.on_target is False and prev.reached > 0]
    if not below or not i.aov:
        return None
    step, prev = min(below, key=lambda x: ((x[0].conversion or 0) / x[0].target, x[0].stage))
    conversion = step.conversion or 0.0
    missing = round(prev.reached * (step.target - conversion) / 100)
    if missing <= 0:
        return None
    assumed = i.lead_conversion is None or i.lead_conversion <= 0
    close = DEFAULT_CLOSE_RATE if assumed else float(i.lead_conversion or 0)
    aov = round(i.aov)
    return Loss(step.stage.value, step.reached, prev.reached, round(conversion, 1), step.target,
                missing, round(close, 1), assumed, aov, round(missing * close / 100 * aov))


def action_plan(parts: dict[Part, int]) -> tuple[Step, ...]:
    """The weakest part today, the next ones this week, next week and this month."""
    order = sorted(parts, key=lambda p: (parts[p], list(Part).index(p)))
    return tuple(Step(h, p, FIX_COMMAND[p]) for h, p in zip(Horizon, order, strict=False))


def diagnose_inputs(i: Inputs) -> Diagnosis:
    """Score, loss and plan from the inputs (pure)."""
    parts = part_scores(i)
    return Diagnosis(sum(parts.values()), parts, loss_estimate(i), action_plan(parts))


async def gather_inputs(session: AsyncSession, *, business_id: int,
                        now: datetime | None = None) -> Inputs:
    """The inputs from the Dream Buyer, offers, lead magnets and the last 30 days' KPIs."""
    now = now or utcnow()
    avatars = await dream_buyer.list_avatars(session, business_id=business_id)
    scores = [o.score for o in await offers.list_offers(session, business_id=business_id)
              if o.score is not None]
    period = await kpi.period_for(session, business_id=business_id, kind=PeriodKind.DAYS_30,
                                  now=now)
    board = await kpi.dashboard(session, business_id=business_id, period=period, now=now)
    return Inputs(
        best_avatar_completeness=max((a.completeness for a in avatars), default=None),
        best_offer_score=max(scores, default=None),
        channels_with_data=sum(1 for c in board.channels if c.channel_id
                               and (c.spend or c.leads or c.revenue)),
        roas=board.cards[KpiName.ROAS].value, funnel=tuple(board.funnel),
        lead_conversion=board.cards[KpiName.LEAD_CONVERSION].value,
        aov=board.cards[KpiName.AOV].value,
        has_hvco=await hvco.count_hvcos(session, business_id=business_id) > 0)


async def diagnose(session: AsyncSession, *, business_id: int,
                   now: datetime | None = None) -> Diagnosis:
    """The business's diagnosis from its current data."""
    return diagnose_inputs(await gather_inputs(session, business_id=business_id, now=now))
