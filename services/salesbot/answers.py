"""Answers for a customer's message (SPEC §3.9), from, in order: the business's knowledge
base, templates, then the AI grounded only on this business's data. Never invents prices.

Interface used by the conversation engine (``compose_answer``); the knowledge base, the
templates and the prompt-injection hardening live behind it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from services.ai.gateway import AIGateway
from services.salesbot.intents import Intent

AnswerSource = Literal["kb", "template", "ai", "none"]


@dataclass(frozen=True, slots=True)
class ProductCard:
    name: str
    price: int | None  # so'm; None when the owner gave no price (never guessed)
    description: str = ""
    photo_file_id: str | None = None


@dataclass(frozen=True, slots=True)
class SalesAnswer:
    text: str  # "" when there is nothing to say (source "none": the engine offers a hand-off)
    source: AnswerSource
    products: list[ProductCard] = field(default_factory=list)


async def compose_answer(session: AsyncSession, ai: AIGateway | None, *, business_id: int,
                         text: str, intent: Intent, language: str,
                         history: list[tuple[str, str]] | None = None) -> SalesAnswer:
    """The best answer this business can give to ``text``; ``history`` is (author, text) pairs,
    oldest first. Placeholder until the knowledge base lands: nothing to say."""
    del session, ai, business_id, text, intent, language, history
    return SalesAnswer("", "none")
