"""The shared HTTP layer of every integration client: an httpx client factory and one request
function with retries (exponential backoff with full jitter, ``Retry-After`` honoured) on 429,
5xx and transport errors, which maps failures onto the typed errors in ``errors``.

Each API explains its own error bodies through a ``classify`` hook (Graph's ``error.code``,
Google's ``error.status``); the retry policy is the same for all.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from services.db.base import utcnow
from services.integrations.errors import (
    BadResponse,
    IntegrationError,
    RateLimited,
    Unavailable,
)

Sleep = Callable[[float], Awaitable[None]]
# (status, parsed JSON body or None) -> an error to raise, or None for the default mapping
Classify = Callable[[int, Any], IntegrationError | None]


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_retries: int = 3
    base: float = 1.0
    cap: float = 30.0
    # full jitter spreads many callers hitting one API; a single sequential caller (the t.me
    # reader) waits the plain exponential step
    jitter: bool = True

    def delay(self, attempt: int, retry_after: float | None, rng: random.Random | None = None
              ) -> float:
        """Seconds to wait before retry ``attempt`` (1-based): the server's Retry-After when it
        gave one, else ``base * 2**(attempt-1)`` (full jitter over it when ``jitter``), never
        more than ``cap``."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.cap)
        step = min(self.cap, self.base * 2 ** (attempt - 1))
        return (rng or random.Random()).uniform(0, step) if self.jitter else step


def make_client(base_url: str, *, timeout: float) -> httpx.AsyncClient:
    """An httpx client for one API: its base URL and a total timeout per request."""
    return httpx.AsyncClient(base_url=base_url.rstrip("/") + "/",
                             timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)))


def retry_after_seconds(value: str | None) -> float | None:
    """``Retry-After`` as seconds: delta-seconds or an HTTP date."""
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max((when - utcnow()).total_seconds(), 0.0)


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


@dataclass
class Requester:
    """Sends requests for one integration ``kind`` with the retry policy."""

    client: httpx.AsyncClient
    kind: str
    policy: RetryPolicy
    classify: Classify | None = None
    sleep: Sleep = asyncio.sleep
    rng: random.Random | None = None

    async def json(self, method: str, url: str, *, params: Mapping[str, Any] | None = None,
                   json: Any = None, data: Mapping[str, Any] | None = None,
                   headers: Mapping[str, str] | None = None) -> Any:
        """The parsed JSON body of a 2xx answer; typed errors otherwise (after retries)."""
        rng = self.rng or random.Random()
        attempt = 0
        while True:
            retry_after: float | None = None
            try:
                response = await self.client.request(method, url, params=params, json=json,
                                                     data=data, headers=headers)
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                error: IntegrationError = Unavailable(kind=self.kind,
                                                      detail=type(exc).__name__)
            else:
                body = _json(response)
                if response.is_success:
                    if body is None:
                        raise BadResponse(kind=self.kind, detail="not json",
                                          status=response.status_code)
                    return body
                retry_after = retry_after_seconds(response.headers.get("Retry-After"))
                error = self._error(response.status_code, body, retry_after)
            if not isinstance(error, RateLimited | Unavailable) or attempt >= \
                    self.policy.max_retries:
                raise error
            if retry_after is not None and retry_after > self.policy.cap:
                raise error  # asked to come back later than we wait: the next run will
            attempt += 1
            await self.sleep(self.policy.delay(attempt, retry_after, rng))

    def _error(self, status: int, body: Any, retry_after: float | None) -> IntegrationError:
        if self.classify is not None:
            classified = self.classify(status, body)
            if classified is not None:
                if isinstance(classified, RateLimited) and retry_after is not None:
                    classified.params["retry_after"] = retry_after
                return classified
        if status == 429:
            return RateLimited(kind=self.kind, status=status, retry_after=retry_after)
        if status >= 500:
            return Unavailable(kind=self.kind, status=status)
        return BadResponse(kind=self.kind, status=status)
