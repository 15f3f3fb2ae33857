"""One gateway over the model; callers pass a fallback that answers when the model cannot.

Order of a request: no key → fallback; past the business's hourly AI limit → fallback; else the
model inside one time budget (SDK retries included), streamed when the caller wants the text
as it grows. A timeout, an error or an incomplete answer is replaced by the fallback in full: a
half answer cut mid-sentence is worse than a complete rule-based one (the streamed preview is a
draft, so the chat ends with one whole answer). Every request is accounted in ``ai_usage``.

The hourly limit is checked (read) before the call and consumed after it: a write before the
call would hold the database's write lock (SQLite) or the counter row (PostgreSQL) for the
whole answer. Requests of one business racing each other may pass the limit by those in flight.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from services import plans
from services.ai import prompts, usage
from services.ai.types import (
    AIReply,
    AIRequest,
    Fallback,
    FallbackReason,
    OnText,
    Turn,
)
from services.errors import LimitExceeded

if TYPE_CHECKING:
    from anthropic import AsyncAnthropic

__all__ = ["DEFAULT_MODEL", "AIGateway", "AIReply", "AIRequest", "Fallback", "OnText", "Turn"]

log = logging.getLogger(__name__)

DEFAULT_MODEL = "claude-sonnet-5-5"
# Mid-stream failures the SDK cannot retry (it already returned the 200 response).
_RETRYABLE_TYPES = {"overloaded_error", "api_error", "rate_limit_error", "timeout_error"}


@dataclass
class _Progress:
    """What one attempt received so far (kept when the budget runs out mid-stream)."""

    text: str = ""
    input_tokens: int = 0
    output_tokens: int = 0
    opened: bool = False  # the HTTP response arrived: the SDK will not retry any more
    complete: bool = False  # message_stop (or a whole non-streamed message) arrived


class _Incomplete(Exception):
    """The stream ended without ``message_stop`` (cut off) or without any text."""


class AIGateway:
    """The model behind a time budget and the per-business rate limit, with fallback."""

    def __init__(
        self,
        client: AsyncAnthropic | None = None,
        *,
        model: str = DEFAULT_MODEL,
        time_budget: float = 25.0,
        stream_retries: int = 1,
        retry_delay: float = 0.5,
        client_factory: Callable[[str], AsyncAnthropic] | None = None,
        key_source: Callable[[AsyncSession], Awaitable[str | None]] | None = None,
    ) -> None:
        self._client = client
        # The platform AI key an admin set (SPEC §6) wins over the configured one: the
        # gateway asks ``key_source`` per request (a cached read) and builds a client for it.
        self._env_client = client
        self._factory = client_factory
        self._key_source = key_source
        self._platform_key: str | None = None
        self._retired: list[AsyncAnthropic] = []
        self.model = model
        self.time_budget = time_budget
        self._stream_retries = stream_retries
        self._retry_delay = retry_delay

    @property
    def enabled(self) -> bool:
        """True when a model is configured (an API key was given)."""
        return self._client is not None

    @property
    def has_server_key(self) -> bool:
        """True when the configuration has a key (``ANTHROPIC_API_KEY``)."""
        return self._env_client is not None

    def use_key(self, key: str | None) -> None:
        """Answer with the platform key ``key`` from now on; None: the configured key."""
        if key == self._platform_key:
            return
        if self._client is not None and self._client is not self._env_client:
            self._retired.append(self._client)  # a request may still be using it
        self._platform_key = key
        if key is not None and self._factory is not None:
            self._client = self._factory(key)
        else:
            self._client = self._env_client

    async def close(self) -> None:
        """Close the HTTP clients (at shutdown)."""
        clients = {id(c): c for c in (self._client, self._env_client, *self._retired)
                   if c is not None}
        for client in clients.values():
            await client.close()

    async def complete(
        self,
        session: AsyncSession,
        request: AIRequest,
        *,
        fallback: Fallback,
        on_text: OnText | None = None,
    ) -> AIReply:
        """The model's answer to ``request``, or ``fallback()`` when the model cannot answer."""
        started = time.monotonic()
        if self._key_source is not None:
            self.use_key(await self._key_source(session))
        client = self._client
        if client is None:
            return await self._fall_back(session, request, fallback, "no_key", started)
        limit = await plans.usage(session, business_id=request.business_id,
                                  resource=plans.Resource.AI_REQUESTS_PER_HOUR)
        if not limit.unlimited and limit.used >= limit.limit:
            log.info("ai rate limit reached for business %s (%s/%s)", request.business_id,
                     limit.used, limit.limit)
            return await self._fall_back(session, request, fallback, "rate_limited", started)
        attempts: list[_Progress] = []  # the last one is kept when the budget runs out
        reason: FallbackReason | None = None
        try:
            async with asyncio.timeout(self.time_budget):
                await self._with_retries(client, request, on_text, attempts)
        except TimeoutError:
            reason = "timeout"
            log.warning("ai timeout for business %s after %.1fs (feature %s, %d chars in)",
                        request.business_id, self.time_budget, request.feature,
                        len(attempts[-1].text) if attempts else 0)
        except Exception as exc:  # every model failure falls back; none reaches the chat
            reason = "error"
            log.warning("ai error for business %s (feature %s): %s: %s", request.business_id,
                        request.feature, type(exc).__name__, _short(exc))
        progress = attempts[-1] if attempts else _Progress()
        await self._consume(session, request.business_id)
        if reason is not None:
            return await self._fall_back(session, request, fallback, reason, started,
                                         progress=progress)
        await self._record(session, request, "ai", None, progress, started)
        return AIReply(text=progress.text, source="ai", input_tokens=progress.input_tokens,
                       output_tokens=progress.output_tokens)

    async def _with_retries(self, client: AsyncAnthropic, request: AIRequest,
                            on_text: OnText | None, attempts: list[_Progress]) -> None:
        attempt = 0
        while True:
            progress = _Progress()
            attempts.append(progress)
            try:
                await self._attempt(client, request, on_text, progress)
                return
            except Exception as exc:
                if attempt >= self._stream_retries or not _retry_mid_stream(exc, progress):
                    raise
                attempt += 1
                log.info("ai stream failed before any text for business %s (%s); retry %d",
                         request.business_id, _short(exc), attempt)
                await asyncio.sleep(self._retry_delay)

    async def _attempt(self, client: AsyncAnthropic, request: AIRequest,
                       on_text: OnText | None, progress: _Progress) -> None:
        params: dict[str, Any] = {
            "model": self.model,
            "max_tokens": request.max_tokens,
            "system": request.system or prompts.system_prompt(
                locale=request.locale, instructions=request.instructions,
                facts=request.facts),
            "messages": prompts.messages(request.turns),
        }
        if on_text is None:
            message = await client.messages.create(**params)
            progress.opened = progress.complete = True
            progress.input_tokens = message.usage.input_tokens
            progress.output_tokens = message.usage.output_tokens
            progress.text = "".join(
                block.text for block in message.content if block.type == "text").strip()
        else:
            await self._stream(client, params, on_text, progress)
        if not progress.complete or not progress.text:
            raise _Incomplete("cut off" if not progress.complete else "no text")

    async def _stream(self, client: AsyncAnthropic, params: dict[str, Any], on_text: OnText,
                      progress: _Progress) -> None:
        sink: OnText | None = on_text
        async with client.messages.stream(**params) as stream:
            progress.opened = True
            async for event in stream:
                if event.type == "message_start":
                    progress.input_tokens = event.message.usage.input_tokens
                elif event.type == "content_block_delta" and event.delta.type == "text_delta":
                    progress.text += event.delta.text
                    if sink is not None and progress.text.strip():
                        try:
                            await sink(progress.text)
                        except Exception:  # the chat preview failed: keep the answer going
                            log.exception("on_text failed; streaming continues unseen")
                            sink = None
                elif event.type == "message_delta":
                    progress.output_tokens = event.usage.output_tokens
                elif event.type == "message_stop":
                    progress.complete = True
        progress.text = progress.text.strip()

    async def _consume(self, session: AsyncSession, business_id: int) -> None:
        try:
            await plans.consume(session, business_id=business_id,
                                resource=plans.Resource.AI_REQUESTS_PER_HOUR)
        except LimitExceeded:  # a concurrent request took the last one meanwhile
            log.info("ai request of business %s counted past its hourly limit", business_id)

    async def _fall_back(self, session: AsyncSession, request: AIRequest, fallback: Fallback,
                         reason: FallbackReason, started: float, *,
                         progress: _Progress | None = None) -> AIReply:
        progress = progress or _Progress()
        await self._record(session, request, "fallback", reason, progress, started)
        extra = {"partial": "1"} if progress.text else {}
        return AIReply(text=fallback(), source="fallback", reason=reason,
                       input_tokens=progress.input_tokens,
                       output_tokens=progress.output_tokens, extra=extra)

    async def _record(self, session: AsyncSession, request: AIRequest, source: str,
                      reason: str | None, progress: _Progress, started: float) -> None:
        await usage.record(
            session, business_id=request.business_id, feature=request.feature,
            model=self.model if reason != "no_key" else "", source=source, reason=reason,
            input_tokens=progress.input_tokens, output_tokens=progress.output_tokens,
            latency_ms=round((time.monotonic() - started) * 1000))


def _retry_mid_stream(exc: Exception, progress: _Progress) -> bool:
    """Retry only what the SDK could not: a failure after the response began, before text."""
    if not progress.opened or progress.text:
        return False
    if isinstance(exc, _Incomplete):
        return True
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        error = body.get("error")
        kind = error.get("type") if isinstance(error, dict) else None
        return kind in _RETRYABLE_TYPES
    from anthropic import APIConnectionError

    return isinstance(exc, APIConnectionError)


def _short(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 300 else text[:299] + "…"
