"""Settings: one pydantic-settings model read from the environment and ``.env``.

The variable names ``BOT_TOKEN``, ``TELEGRAM_API_URL``, ``DATABASE_URL``, ``REDIS_URL`` and
``ADMIN_IDS`` are a public contract (README): keep them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_DATA_DIR = Path("data")


class IntegrationSettings(BaseModel):
    """Channel integrations (SPEC §4): API base URLs, the Meta app and Google developer
    credentials, and the shared HTTP behaviour. Env: ``INTEGRATIONS__GRAPH_API_URL`` etc."""

    graph_api_url: str = "https://graph.facebook.com/v26.0"
    google_ads_api_url: str = "https://googleads.googleapis.com/v26"
    ga4_api_url: str = "https://analyticsdata.googleapis.com/v1beta"
    google_token_url: str = "https://oauth2.googleapis.com/token"
    # Meta app: lets a long-lived token be exchanged for a fresh one before it expires.
    meta_app_id: str | None = None
    meta_app_secret: SecretStr | None = None
    # Google Ads needs the platform's developer token on every call.
    google_ads_developer_token: SecretStr | None = None
    timeout_seconds: float = Field(default=20.0, gt=0)
    max_retries: int = Field(default=3, ge=0)
    backoff_base_seconds: float = Field(default=1.0, ge=0)
    backoff_cap_seconds: float = Field(default=30.0, ge=0)
    # The circuit breaker: this many failed runs in a row open it for ``breaker_cooldown``
    # minutes (doubling on every failed trial, up to ``breaker_max_cooldown``).
    breaker_threshold: int = Field(default=3, ge=1)
    breaker_cooldown_minutes: int = Field(default=30, ge=1)
    breaker_max_cooldown_minutes: int = Field(default=24 * 60, ge=1)
    days_back: int = Field(default=7, ge=1, le=90)  # each sync re-reads this many days
class CompetitorSettings(BaseModel):
    """The t.me public-page client and the hourly sync."""

    base_url: str = "https://t.me"
    timeout_seconds: float = Field(default=10.0, gt=0)
    retries: int = Field(default=3, ge=0)
    backoff_seconds: float = Field(default=0.5, ge=0)
    # pages read per channel and sync (about 20 posts each; later syncs stop at stored posts)
    max_pages: int = Field(default=2, ge=1, le=10)
    breaker_threshold: int = Field(default=5, ge=1)
    breaker_cooldown_seconds: float = Field(default=300.0, ge=0)

    @field_validator("base_url")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.rstrip("/")


class AmoCRMSettings(BaseModel):
    """AmoCRM / Kommo (PROTOCOLS.md §5); env ``AMOCRM__BASE_URL`` etc."""

    # ``{subdomain}`` is replaced by the account's subdomain (tests: a local fake server).
    base_url: str = "https://{subdomain}.amocrm.ru"
    auth_url: str = "https://www.amocrm.ru/oauth"
    timeout_seconds: float = Field(default=15.0, gt=0)
    max_retries: int = Field(default=4, ge=0)
    backoff_seconds: float = Field(default=0.5, ge=0)
    rate_per_second: int = Field(default=7, ge=1)  # the documented per-account limit
    refresh_margin_seconds: int = Field(default=600, ge=0)  # refresh this long before expiry
    reconcile_minutes: int = Field(default=30, ge=1)
    # register AmoCRM's webhook on connect; None: only when WEBHOOK_BASE_URL is a public
    # address (embedded mode has none: the reconciliation is then the inbound path)
    webhooks: bool | None = None


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore",
                                      env_nested_delimiter="__")

    bot_token: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org"
    database_url: str = f"sqlite+aiosqlite:///{DEFAULT_DATA_DIR}/biznespilot.db"
    redis_url: str | None = None
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    encryption_key: SecretStr | None = None
    anthropic_api_key: SecretStr | None = None
    anthropic_base_url: str | None = None
    # The model every AI feature asks; any Messages API model id works.
    anthropic_model: str = "claude-sonnet-5-5"
    # Per request: past this the rule/template fallback answers instead of the model.
    ai_time_budget_seconds: float = Field(default=25.0, gt=0)
    # SDK retries for 429/5xx/connection errors before the first byte (inside the budget).
    ai_max_retries: int = Field(default=2, ge=0)
    webhook_base_url: str | None = None
    timezone: str = "Asia/Tashkent"
    data_dir: Path = DEFAULT_DATA_DIR
    log_level: str = "INFO"
    # Per-user flood control: at most this many updates in the window, then a short pause.
    flood_rate: int = Field(default=8, ge=1)
    flood_window_seconds: float = Field(default=3.0, gt=0)
    # Outbox sender: messages per second over all chats (Telegram's broadcast limit is ~30).
    outbox_rate: float = Field(default=30.0, gt=0)

    # Payments (PROTOCOLS.md §1–3) and the aiohttp server their callbacks reach.
    payme_merchant_id: str | None = None
    payme_key: SecretStr | None = None
    payme_checkout_url: str = "https://checkout.paycom.uz"
    click_service_id: str | None = None
    click_merchant_id: str | None = None
    click_secret_key: SecretStr | None = None
    click_checkout_url: str = "https://my.click.uz/services/pay"
    telegram_provider_token: SecretStr | None = None
    web_host: str = "127.0.0.1"
    web_port: int = Field(default=8080, ge=0, le=65535)  # 0: no web server
    amocrm: AmoCRMSettings = Field(default_factory=AmoCRMSettings)
    integrations: IntegrationSettings = Field(default_factory=IntegrationSettings)
    # Competitor intelligence: public channel pages (PROTOCOLS.md §4); COMPETITORS__BASE_URL…
    competitors: CompetitorSettings = Field(default_factory=lambda: CompetitorSettings())

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p for p in value.replace(";", ",").replace(" ", ",").split(",") if p]
            return frozenset(int(p) for p in parts)
        if isinstance(value, int):
            return frozenset({value})
        return value

    @field_validator("telegram_api_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")
