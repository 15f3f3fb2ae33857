"""Long-lived AmoCRM objects of one process: settings, the secret box, one client (with its
7 req/s limiter) per account, and per-account refresh locks. Built once by ``bot``."""

from __future__ import annotations

import asyncio
import ipaddress
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlparse

import httpx

from services.amocrm.client import AmoClient
from services.crypto import SecretBox
from services.db.base import utcnow


@dataclass
class AmoConfig:
    base_url: str = "https://{subdomain}.amocrm.ru"
    auth_url: str = "https://www.amocrm.ru/oauth"
    redirect_uri: str = "http://127.0.0.1:8080/amocrm/oauth"
    webhook_base: str = "http://127.0.0.1:8080"
    timeout: float = 15.0
    max_retries: int = 4
    backoff: float = 0.5
    rate: int = 7
    refresh_margin: int = 600
    # register the webhook on connect: only when AmoCRM can reach ``webhook_base``
    webhooks: bool = True


def is_public_url(url: str | None) -> bool:
    """Whether AmoCRM's servers could reach ``url``: a set address whose host is not
    localhost, a private, loopback or link-local IP, nor a ``.local``/``.internal`` name."""
    if not url:
        return False
    host = (urlparse(url.strip()).hostname or "").lower()
    if not host or host == "localhost" or host.endswith((".localhost", ".local", ".internal",
                                                         ".lan")):
        return False
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return "." in host  # a bare name ("web") only resolves inside a private network
    return ip.is_global


@dataclass
class AmoRuntime:
    config: AmoConfig
    box: SecretBox
    now: Callable[[], datetime] = utcnow
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    transport: httpx.AsyncBaseTransport | None = None
    _clients: dict[str, AmoClient] = field(default_factory=dict)
    _locks: dict[int, asyncio.Lock] = field(default_factory=dict)
    outages: dict[int, int] = field(default_factory=dict)  # failed passes in a row, per account

    def client(self, subdomain: str) -> AmoClient:
        """The shared client of one account (its rate limit counts every caller)."""
        found = self._clients.get(subdomain)
        if found is None:
            c = self.config
            found = self._clients[subdomain] = AmoClient(
                subdomain=subdomain, base_url=c.base_url, timeout=c.timeout,
                max_retries=c.max_retries, backoff=c.backoff, rate=c.rate, clock=self.clock,
                sleep=self.sleep, transport=self.transport)
        return found

    def lock(self, account_id: int) -> asyncio.Lock:
        """In-process refresh lock (SQLite has no row locks; PostgreSQL adds FOR UPDATE)."""
        return self._locks.setdefault(account_id, asyncio.Lock())

    def cooldown(self, account_id: int) -> timedelta:
        """The circuit breaker: after a pass AmoCRM failed (5xx, 429, network after the
        client's retries), the account's queue rests 1 min, doubling to 30 min."""
        failures = self.outages.get(account_id, 0)
        return timedelta(minutes=min(30, 2 ** max(0, failures - 1)))

    def webhook_url(self, key: str) -> str:
        return f"{self.config.webhook_base.rstrip('/')}/amocrm/webhook/{key}"

    async def close(self) -> None:
        for client in self._clients.values():
            await client.close()
        self._clients.clear()
