"""The data every AI feature exchanges with the gateway."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

Fallback = Callable[[], str]
"""Builds the rule/template answer (already localized by the caller)."""

OnText = Callable[[str], Awaitable[None]]
"""Receives the whole answer so far, each time it grows (for streaming into the chat)."""


@dataclass(frozen=True)
class Turn:
    role: Literal["user", "assistant"]
    text: str


@dataclass(frozen=True)
class AIRequest:
    """What one AI feature asks for. ``instructions`` is the task for the model (English, not
    user-facing); ``facts`` is the business data the answer must be grounded on."""

    business_id: int
    feature: str
    locale: str
    instructions: str
    turns: Sequence[Turn] = ()
    facts: str = ""
    max_tokens: int = 1024
    # A complete system prompt that replaces the owner-advisor one (frameworks, owner rules):
    # the customer-facing sales bot must not speak as the owner's marketing advisor.
    system: str | None = None


FallbackReason = Literal["no_key", "rate_limited", "timeout", "error"]


@dataclass(frozen=True)
class AIReply:
    text: str
    source: Literal["ai", "fallback"]
    reason: FallbackReason | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def is_fallback(self) -> bool:
        return self.source == "fallback"
