"""Channel integrations (SPEC §3.3, §4): Instagram, Facebook Pages, Google Ads and GA4 clients,
the shared HTTP layer, the circuit breaker, connection records and the sync engine."""

from services.integrations.breaker import Breaker, BreakerPolicy, BreakerState
from services.integrations.connections import (
    ConnectionView,
    RunView,
    connect,
    disconnect,
    get_connection,
    list_connections,
    parse_account_ref,
    parse_client_id,
    parse_kind,
    parse_secret,
    recent_runs,
    set_rate,
    stale_connections,
)
from services.integrations.discovery import instagram_competitor
from services.integrations.errors import (
    AuthExpired,
    BadResponse,
    CircuitOpen,
    IntegrationError,
    RateLimited,
    Unavailable,
)
from services.integrations.factory import ClientConfig, Clients, build_clients
from services.integrations.meta import CompetitorProfile, MediaItem
from services.integrations.sync import RunResult, SyncEngine, latest_slot, slot_minute
from services.integrations.traffic import Traffic, website_traffic
from services.integrations.types import CHANNEL_KIND, Account, Kind, SyncData

__all__ = [
    "CHANNEL_KIND",
    "Account",
    "AuthExpired",
    "BadResponse",
    "Breaker",
    "BreakerPolicy",
    "BreakerState",
    "CircuitOpen",
    "ClientConfig",
    "Clients",
    "CompetitorProfile",
    "ConnectionView",
    "IntegrationError",
    "Kind",
    "MediaItem",
    "RateLimited",
    "RunResult",
    "RunView",
    "SyncData",
    "SyncEngine",
    "Traffic",
    "Unavailable",
    "build_clients",
    "connect",
    "disconnect",
    "get_connection",
    "instagram_competitor",
    "latest_slot",
    "list_connections",
    "parse_account_ref",
    "parse_client_id",
    "parse_kind",
    "parse_secret",
    "recent_runs",
    "set_rate",
    "slot_minute",
    "stale_connections",
    "website_traffic",
]
