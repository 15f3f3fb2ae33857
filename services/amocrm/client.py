"""The AmoCRM / Kommo API v4 client (PROTOCOLS.md §5): httpx, one instance per account.

- base URL per account subdomain (``base_url`` template with ``{subdomain}``), timeouts;
- at most ``rate`` requests in any one-second window per account (the documented 7/s),
  enforced before each request with an injectable clock and sleep;
- 429 and 5xx (and network errors) retried with exponential backoff (``Retry-After`` wins);
- typed errors: ``AmoAuthError`` (401), ``AmoValidationError`` (400/422 with
  ``validation-errors``), ``AmoRateLimited``, ``AmoServerError``, ``AmoNetworkError``.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from services.errors import DomainError

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


class AmoError(DomainError):
    """An AmoCRM request failed (``status``, ``detail``)."""

    code = "amocrm_error"

    @property
    def status(self) -> int:
        return int(self.params.get("status", 0))

    @property
    def detail(self) -> str:
        return str(self.params.get("detail", ""))

    @property
    def retryable(self) -> bool:
        return False


class AmoAuthError(AmoError):
    """401: the access token expired or was revoked, or the OAuth grant was refused."""

    code = "amocrm_auth"


class AmoValidationError(AmoError):
    """400/422: AmoCRM rejected the body."""

    code = "amocrm_validation"


class AmoNotFound(AmoError):
    code = "amocrm_not_found"


class AmoRateLimited(AmoError):
    """429 after every retry."""

    code = "amocrm_rate_limited"

    @property
    def retryable(self) -> bool:
        return True


class AmoServerError(AmoError):
    """5xx after every retry."""

    code = "amocrm_server"

    @property
    def retryable(self) -> bool:
        return True


class AmoNetworkError(AmoError):
    """Timeout or connection error after every retry: the outcome of a write is unknown."""

    code = "amocrm_network"

    @property
    def retryable(self) -> bool:
        return True


@dataclass(frozen=True, slots=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int


class RateLimiter:
    """At most ``rate`` acquisitions in any ``window`` seconds (a sliding log)."""

    def __init__(self, rate: int, window: float = 1.0, *, clock: Clock = time.monotonic,
                 sleep: Sleep = asyncio.sleep) -> None:
        self.rate, self.window = rate, window
        self._clock, self._sleep = clock, sleep
        self._starts: deque[float] = deque()
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        async with self._lock:
            while True:
                now = self._clock()
                while self._starts and now - self._starts[0] >= self.window:
                    self._starts.popleft()
                if len(self._starts) < self.rate:
                    self._starts.append(now)
                    return
                await self._sleep(self.window - (now - self._starts[0]) + 0.001)


class AmoAPI(Protocol):
    """What the sync needs from AmoCRM (the real client, or a stand-in in a test)."""

    async def request(self, method: str, path: str, *, token: str | None = None,
                      json: Any = None, params: dict[str, Any] | None = None) -> Any: ...


class AmoClient:
    """One account's API: ``await client.request("GET", "/api/v4/leads", token=...)``."""

    def __init__(self, *, subdomain: str, base_url: str = "https://{subdomain}.amocrm.ru",
                 timeout: float = 15.0, max_retries: int = 4, backoff: float = 0.5,
                 rate: int = 7, clock: Clock = time.monotonic, sleep: Sleep = asyncio.sleep,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.subdomain = subdomain
        self.base_url = base_url.replace("{subdomain}", subdomain).rstrip("/")
        self.max_retries, self.backoff = max_retries, backoff
        self._sleep = sleep
        # a little over one second: requests leave on time but arrive with jitter, and the
        # server counts arrivals
        self.limiter = RateLimiter(rate, window=1.05, clock=clock, sleep=sleep)
        self._http = httpx.AsyncClient(base_url=self.base_url, timeout=timeout,
                                       transport=transport)
        self.requests_sent = 0

    async def close(self) -> None:
        await self._http.aclose()

    async def request(self, method: str, path: str, *, token: str | None = None,
                      json: Any = None, params: dict[str, Any] | None = None) -> Any:
        """The decoded body (None for 204); raises a typed ``AmoError``."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        attempt = 0
        while True:
            await self.limiter.acquire()
            self.requests_sent += 1
            try:
                response = await self._http.request(method, path, json=json, params=params,
                                                    headers=headers)
            except httpx.TransportError as exc:
                if attempt >= self.max_retries:
                    raise AmoNetworkError(status=0, detail=type(exc).__name__) from exc
                await self._sleep(self.backoff * 2 ** attempt)
                attempt += 1
                continue
            status = response.status_code
            if status == 429 or status >= 500:
                if attempt >= self.max_retries:
                    error = AmoRateLimited if status == 429 else AmoServerError
                    raise error(status=status, detail=_detail(response))
                await self._sleep(_retry_after(response) or self.backoff * 2 ** attempt)
                attempt += 1
                continue
            if status == 204:
                return None
            if status == 401:
                raise AmoAuthError(status=status, detail=_detail(response))
            if status == 404:
                raise AmoNotFound(status=status, detail=_detail(response))
            if status >= 400:
                raise AmoValidationError(status=status, detail=_detail(response))
            try:
                return response.json()
            except ValueError as exc:
                raise AmoServerError(status=status, detail="malformed body") from exc

    # ------------------------------------------------------------------ OAuth

    async def exchange_code(self, *, client_id: str, client_secret: str, code: str,
                            redirect_uri: str) -> TokenPair:
        """Trade the authorisation code for the first token pair."""
        return _pair(await self._oauth({"client_id": client_id, "client_secret": client_secret,
                                        "grant_type": "authorization_code", "code": code,
                                        "redirect_uri": redirect_uri}))

    async def refresh(self, *, client_id: str, client_secret: str, refresh_token: str,
                      redirect_uri: str) -> TokenPair:
        """A new pair for the (single-use) refresh token."""
        return _pair(await self._oauth({"client_id": client_id, "client_secret": client_secret,
                                        "grant_type": "refresh_token",
                                        "refresh_token": refresh_token,
                                        "redirect_uri": redirect_uri}))

    async def _oauth(self, body: dict[str, str]) -> Any:
        try:
            return await self.request("POST", "/oauth2/access_token", json=body)
        except AmoValidationError as exc:  # a used or expired code/refresh token answers 400
            raise AmoAuthError(status=exc.status, detail=exc.detail) from exc


def _pair(body: Any) -> TokenPair:
    try:
        return TokenPair(str(body["access_token"]), str(body["refresh_token"]),
                         int(body.get("expires_in", 86400)))
    except (KeyError, TypeError, ValueError) as exc:
        raise AmoServerError(status=200, detail="malformed token response") from exc


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return min(60.0, float(response.headers.get("Retry-After", "")))
    except ValueError:
        return None


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    if isinstance(body, dict):
        parts = [str(body.get("title") or ""), str(body.get("detail") or body.get("hint") or "")]
        if body.get("validation-errors"):
            parts.append(str(body["validation-errors"])[:150])
        return " ".join(p for p in parts if p)[:250]
    return str(body)[:200]
