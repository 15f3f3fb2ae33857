"""AI token and cost accounting per business (table ``ai_usage``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.db.models import AIUsage

# USD per million tokens (input, output) = micro-USD per token; the longest matching prefix
# of the model id wins. Prices from Anthropic's public price list (Claude 4 generation);
# unknown models (e.g. a newer generation) are billed at the Sonnet rate so a model is never
# counted as free — update this table when the price list changes.
PRICES: dict[str, tuple[int, int]] = {
    "claude-opus-4-5": (5, 25),
    "claude-opus-4": (15, 75),
    "claude-sonnet-4": (3, 15),
    "claude-haiku-4": (1, 5),
    "claude-3-5-haiku": (1, 4),
    "claude-3-haiku": (1, 5),
}
DEFAULT_PRICE = (3, 15)


def cost_micro_usd(model: str, input_tokens: int, output_tokens: int) -> int:
    """What a request cost, in millionths of a US dollar."""
    matches = [prefix for prefix in PRICES if model.startswith(prefix)]
    price_in, price_out = PRICES[max(matches, key=len)] if matches else DEFAULT_PRICE
    return input_tokens * price_in + output_tokens * price_out


async def record(
    session: AsyncSession,
    *,
    business_id: int,
    feature: str,
    model: str,
    source: str,
    reason: str | None,
    input_tokens: int,
    output_tokens: int,
    latency_ms: int,
) -> None:
    """Store one request's accounting row."""
    session.add(AIUsage(
        business_id=business_id, feature=feature[:32], model=model[:64], source=source,
        reason=reason, input_tokens=input_tokens, output_tokens=output_tokens,
        cost_micro_usd=cost_micro_usd(model, input_tokens, output_tokens),
        latency_ms=latency_ms))
    await session.flush()


@dataclass(frozen=True)
class FeatureUsage:
    requests: int
    input_tokens: int
    output_tokens: int
    cost_micro_usd: int


@dataclass(frozen=True)
class UsageSummary:
    requests: int = 0
    ai_answers: int = 0
    fallbacks: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_micro_usd: int = 0
    avg_latency_ms: int = 0
    by_feature: dict[str, FeatureUsage] = field(default_factory=dict)
    fallback_reasons: dict[str, int] = field(default_factory=dict)


async def summary(
    session: AsyncSession, *, business_id: int, since: datetime, until: datetime | None = None
) -> UsageSummary:
    """Requests, tokens and cost of a business in ``[since, until)``."""
    where = [AIUsage.business_id == business_id, AIUsage.created_at >= since]
    if until is not None:
        where.append(AIUsage.created_at < until)
    rows = (await session.execute(
        select(AIUsage.feature, AIUsage.source, AIUsage.reason, func.count(),
               func.coalesce(func.sum(AIUsage.input_tokens), 0),
               func.coalesce(func.sum(AIUsage.output_tokens), 0),
               func.coalesce(func.sum(AIUsage.cost_micro_usd), 0),
               func.coalesce(func.sum(AIUsage.latency_ms), 0))
        .where(*where).group_by(AIUsage.feature, AIUsage.source, AIUsage.reason)
    )).all()
    features: dict[str, list[int]] = {}
    reasons: dict[str, int] = {}
    totals = [0] * 7  # requests, ai, fallbacks, in, out, cost, latency
    for feature, source, reason, count, tokens_in, tokens_out, cost, latency in rows:
        count, tokens_in, tokens_out = int(count), int(tokens_in), int(tokens_out)
        cost, latency = int(cost), int(latency)
        acc = features.setdefault(feature, [0, 0, 0, 0])
        for i, value in enumerate((count, tokens_in, tokens_out, cost)):
            acc[i] += value
        totals[0] += count
        totals[1 if source == "ai" else 2] += count
        totals[3] += tokens_in
        totals[4] += tokens_out
        totals[5] += cost
        totals[6] += latency
        if source != "ai" and reason:
            reasons[reason] = reasons.get(reason, 0) + count
    return UsageSummary(
        requests=totals[0], ai_answers=totals[1], fallbacks=totals[2], input_tokens=totals[3],
        output_tokens=totals[4], cost_micro_usd=totals[5],
        avg_latency_ms=totals[6] // totals[0] if totals[0] else 0,
        by_feature={name: FeatureUsage(*values) for name, values in features.items()},
        fallback_reasons=reasons)
