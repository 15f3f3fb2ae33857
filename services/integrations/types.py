"""What an integration client returns, and the ``Protocol`` the sync engine calls."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any, Protocol


class Kind(StrEnum):
    INSTAGRAM = "instagram"
    FACEBOOK = "facebook"
    GOOGLE_ADS = "google_ads"
    GA4 = "ga4"


# The marketing channel kind each integration feeds (services.marketing.KINDS).
CHANNEL_KIND = {Kind.INSTAGRAM: "instagram", Kind.FACEBOOK: "facebook",
                Kind.GOOGLE_ADS: "google_ads", Kind.GA4: "website"}

Credentials = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Audience:
    """A reading of the account's audience now (a ``ChannelSnapshot``)."""

    members: int | None = None  # followers / page fans / users
    posts: int | None = None
    views: int | None = None  # the last full day's impressions / sessions
    interactions: int | None = None  # likes + comments (+ shares) of recent posts


@dataclass(frozen=True, slots=True)
class DailyRow:
    """One day of one key's metrics; ``cost`` (so'm, whole) makes a spend entry.

    An ad API that reports money in the ad account's currency sets ``cost_micros`` (micros
    of ``SyncData.currency``) instead: the engine converts it with the owner's rate and
    ``cost`` is then only the whole units in that currency, kept for reading."""

    day: date
    values: dict[str, float | int]
    key: str = ""
    name: str | None = None
    cost: int | None = None
    impressions: int | None = None
    clicks: int | None = None
    cost_micros: int | None = None


@dataclass(slots=True)
class SyncData:
    account_name: str | None = None
    currency: str | None = None  # the ad account's currency (ISO 4217), when it has money
    audience: Audience | None = None
    rows: list[DailyRow] = field(default_factory=list)
    # new tokens to store (a refreshed access token, a long-lived token exchange)
    credentials: Credentials | None = None


@dataclass(frozen=True, slots=True)
class Account:
    """What a test call found: the account's display name."""

    name: str
    credentials: Credentials | None = None
    currency: str | None = None  # the ad account's currency (ISO 4217), when it has money


class IntegrationClient(Protocol):
    kind: Kind

    async def check(self, *, account_ref: str, credentials: Credentials) -> Account:
        """A cheap call proving the credentials reach the account."""
        ...

    async def fetch(self, *, account_ref: str, credentials: Credentials, since: date,
                    until: date) -> SyncData:
        """Everything one sync stores, for the days ``since``..``until`` (inclusive)."""
        ...
