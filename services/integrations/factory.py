"""Builds the four clients from plain configuration (``bot`` maps its settings onto
``ClientConfig``); one httpx client per API, closed together."""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field

import httpx

from services.integrations.google import (
    Ga4Client,
    GoogleAdsClient,
    GoogleOAuth,
    google_classifier,
)
from services.integrations.http import Requester, RetryPolicy, Sleep, make_client
from services.integrations.meta import (
    FacebookClient,
    GraphApi,
    InstagramClient,
    graph_classifier,
)
from services.integrations.types import IntegrationClient, Kind


@dataclass(frozen=True, slots=True)
class ClientConfig:
    graph_api_url: str = "https://graph.facebook.com/v26.0"
    google_ads_api_url: str = "https://googleads.googleapis.com/v26"
    ga4_api_url: str = "https://analyticsdata.googleapis.com/v1beta"
    google_token_url: str = "https://oauth2.googleapis.com/token"
    meta_app_id: str | None = None
    meta_app_secret: str | None = None
    google_ads_developer_token: str = ""
    timeout: float = 20.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)


@dataclass
class Clients:
    """The clients per kind and the HTTP connections they hold."""

    by_kind: dict[Kind, IntegrationClient]
    instagram: InstagramClient
    http: list[httpx.AsyncClient] = field(default_factory=list)

    async def close(self) -> None:
        for client in self.http:
            await client.aclose()


def build_clients(config: ClientConfig, *, sleep: Sleep = asyncio.sleep,
                  rng: random.Random | None = None) -> Clients:
    """Instagram, Facebook, Google Ads and GA4 clients over their configured base URLs."""
    graph_http = make_client(config.graph_api_url, timeout=config.timeout)
    ads_http = make_client(config.google_ads_api_url, timeout=config.timeout)
    ga4_http = make_client(config.ga4_api_url, timeout=config.timeout)

    def requester(http: httpx.AsyncClient, kind: Kind, classify: object) -> Requester:
        return Requester(http, kind, config.retry, classify,  # type: ignore[arg-type]
                         sleep=sleep, rng=rng)

    def graph(kind: Kind) -> GraphApi:
        return GraphApi(requester(graph_http, kind, graph_classifier(kind)),
                        config.meta_app_id, config.meta_app_secret)

    def oauth(http: httpx.AsyncClient, kind: Kind) -> GoogleOAuth:
        return GoogleOAuth(requester(http, kind, google_classifier(kind)),
                           config.google_token_url)

    instagram = InstagramClient(graph(Kind.INSTAGRAM))
    by_kind: dict[Kind, IntegrationClient] = {
        Kind.INSTAGRAM: instagram,
        Kind.FACEBOOK: FacebookClient(graph(Kind.FACEBOOK)),
        Kind.GOOGLE_ADS: GoogleAdsClient(
            requester(ads_http, Kind.GOOGLE_ADS, google_classifier(Kind.GOOGLE_ADS)),
            oauth(ads_http, Kind.GOOGLE_ADS), config.google_ads_developer_token),
        Kind.GA4: Ga4Client(requester(ga4_http, Kind.GA4, google_classifier(Kind.GA4)),
                            oauth(ga4_http, Kind.GA4)),
    }
    return Clients(by_kind, instagram, [graph_http, ads_http, ga4_http])
