"""The integrations runtime of one process: the secret box, the four API clients and the
sync engine, built once from the settings and kept on ``App.extras``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bot.config import Settings
from services.crypto import SecretBox
from services.integrations import ClientConfig, Clients, SyncEngine, build_clients
from services.integrations.breaker import BreakerPolicy
from services.integrations.http import RetryPolicy

EXTRAS_KEY = "integrations"


def client_config(settings: Settings) -> ClientConfig:
    s = settings.integrations
    return ClientConfig(
        graph_api_url=s.graph_api_url, google_ads_api_url=s.google_ads_api_url,
        ga4_api_url=s.ga4_api_url, google_token_url=s.google_token_url,
        meta_app_id=s.meta_app_id,
        meta_app_secret=s.meta_app_secret.get_secret_value() if s.meta_app_secret else None,
        google_ads_developer_token=(s.google_ads_developer_token.get_secret_value()
                                    if s.google_ads_developer_token else ""),
        timeout=s.timeout_seconds,
        retry=RetryPolicy(max_retries=s.max_retries, base=s.backoff_base_seconds,
                          cap=s.backoff_cap_seconds))


@dataclass
class IntegrationRuntime:
    box: SecretBox
    clients: Clients
    engine: SyncEngine

    async def close(self) -> None:
        await self.clients.close()


def runtime(app: Any) -> IntegrationRuntime:
    """The process's integrations runtime (built on first use)."""
    existing = app.extras.get(EXTRAS_KEY)
    if isinstance(existing, IntegrationRuntime):
        return existing
    settings: Settings = app.settings
    s = settings.integrations
    box: SecretBox = app.box
    clients = build_clients(client_config(settings))
    policy = BreakerPolicy(threshold=s.breaker_threshold,
                           cooldown=_minutes(s.breaker_cooldown_minutes),
                           max_cooldown=_minutes(s.breaker_max_cooldown_minutes))
    engine = SyncEngine(app.sessionmaker, clients.by_kind, box, policy=policy,
                        days_back=s.days_back)
    made = IntegrationRuntime(box, clients, engine)
    app.extras[EXTRAS_KEY] = made
    return made


def _minutes(n: int) -> timedelta:
    return timedelta(minutes=n)
