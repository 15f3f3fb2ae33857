"""Google clients: the OAuth2 refresh-token flow, Google Ads reporting (GAQL over
``customers/{id}/googleAds:searchStream``) and the GA4 Data API ``runReport``.

Wire facts: the token endpoint takes a form ``grant_type=refresh_token, client_id,
client_secret, refresh_token`` and answers ``{"access_token", "expires_in", "token_type"}`` or
``{"error": "invalid_grant", …}``. API errors are ``{"error": {"code", "message", "status"}}``:
401 ``UNAUTHENTICATED`` (the access token expired: refresh once and retry), 429
``RESOURCE_EXHAUSTED``, 5xx ``UNAVAILABLE``/``INTERNAL``. Google Ads sends int64 fields as
JSON strings and ``searchStream`` answers a JSON array of batches, each with ``results``.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from services.db.base import utcnow
from services.integrations.currency import normalize_code
from services.integrations.errors import (
    AuthExpired,
    BadResponse,
    IntegrationError,
    RateLimited,
    Unavailable,
)
from services.integrations.http import Requester
from services.integrations.types import (
    Account,
    Audience,
    Credentials,
    DailyRow,
    Kind,
    SyncData,
)

T = TypeVar("T")
EARLY = timedelta(seconds=60)  # refresh an access token this long before it expires
GA4_PAGE = 1000
RATE_STATUSES = frozenset({"RESOURCE_EXHAUSTED"})
TRANSIENT_STATUSES = frozenset({"UNAVAILABLE", "INTERNAL", "DEADLINE_EXCEEDED"})


class TokenRejected(AuthExpired):
    """The API refused the access token (401): a refresh may fix it."""

    code = "auth_expired"


def google_classifier(kind: str) -> Callable[[int, Any], IntegrationError | None]:
    def classify(status: int, body: Any) -> IntegrationError | None:
        if isinstance(body, list) and body and isinstance(body[0], dict):
            body = body[0]  # searchStream wraps errors in an array
        error = body.get("error") if isinstance(body, dict) else None
        if isinstance(error, str):  # the token endpoint
            if error in ("invalid_grant", "invalid_client", "unauthorized_client"):
                return AuthExpired(kind=kind, status=status, detail=error)
            return None
        if not isinstance(error, dict):
            return None
        state = str(error.get("status", ""))
        detail = str(error.get("message", ""))[:200]
        if status == 401 or state == "UNAUTHENTICATED":
            return TokenRejected(kind=kind, status=status, detail=detail)
        if status == 429 or state in RATE_STATUSES:
            return RateLimited(kind=kind, status=status, detail=detail)
        if status >= 500 or state in TRANSIENT_STATUSES:
            return Unavailable(kind=kind, status=status, detail=detail)
        return BadResponse(kind=kind, status=status, detail=state or detail)
    return classify


@dataclass
class GoogleOAuth:
    """Access tokens from a refresh token, against a configurable token URL."""

    requester: Requester
    token_url: str
    now: Callable[[], datetime] = utcnow

    async def access_token(self, credentials: Credentials, *, force: bool = False
                           ) -> tuple[str, Credentials | None]:
        """A valid access token, and the updated credentials when it was refreshed."""
        token = credentials.get("access_token")
        expires = credentials.get("access_expires_at")
        now = self.now()
        if (not force and isinstance(token, str) and isinstance(expires, int | float)
                and now.timestamp() < expires - EARLY.total_seconds()):
            return token, None
        body = await self.requester.json("POST", self.token_url, data={
            "grant_type": "refresh_token", "client_id": credentials["client_id"],
            "client_secret": credentials["client_secret"],
            "refresh_token": credentials["refresh_token"]})
        fresh = body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(fresh, str) or not fresh:
            raise BadResponse(kind=self.requester.kind, detail="no access_token")
        lifetime = body.get("expires_in", 3600)
        lifetime = lifetime if isinstance(lifetime, int | float) else 3600
        updated: Credentials = {**credentials, "access_token": fresh,
                                "access_expires_at": int(now.timestamp() + lifetime)}
        return fresh, updated

    async def call(self, credentials: Credentials,
                   send: Callable[[str], Awaitable[T]]) -> tuple[T, Credentials | None]:
        """``send(access_token)``; a 401 refreshes the token once and tries again."""
        token, updated = await self.access_token(credentials)
        try:
            return await send(token), updated
        except TokenRejected:
            token, updated = await self.access_token(updated or credentials, force=True)
            return await send(token), updated


def customer_id(raw: str) -> str:
    """A Google Ads customer id without dashes (``123-456-7890`` → ``1234567890``)."""
    digits = re.sub(r"[\s-]", "", raw)
    if not re.fullmatch(r"\d{10}", digits):
        raise BadResponse(kind=Kind.GOOGLE_ADS, detail="customer id")
    return digits


def _num(value: Any) -> float:
    if value is None:
        return 0.0
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise BadResponse(detail="number expected")
    try:
        return float(value)
    except ValueError as exc:
        raise BadResponse(detail="number expected") from exc


class GoogleAdsClient:
    """Google Ads reporting for one customer (``account_ref``); credentials are the OAuth
    client id, secret and refresh token (plus an optional ``login_customer_id``)."""

    kind = Kind.GOOGLE_ADS

    def __init__(self, requester: Requester, oauth: GoogleOAuth, developer_token: str) -> None:
        self.requester = requester
        self.oauth = oauth
        self.developer_token = developer_token

    def _headers(self, token: str, credentials: Credentials) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {token}", "developer-token": self.developer_token}
        login = credentials.get("login_customer_id")
        if login:
            headers["login-customer-id"] = customer_id(str(login))
        return headers

    async def _stream(self, account_ref: str, credentials: Credentials, query: str
                      ) -> tuple[list[dict[str, Any]], Credentials | None]:
        cid = customer_id(account_ref)

        async def send(token: str) -> Any:
            return await self.requester.json(
                "POST", f"customers/{cid}/googleAds:searchStream", json={"query": query},
                headers=self._headers(token, credentials))

        body, updated = await self.oauth.call(credentials, send)
        if not isinstance(body, list):
            raise BadResponse(kind=self.kind, detail="array expected")
        results: list[dict[str, Any]] = []
        for batch in body:
            if not isinstance(batch, dict):
                raise BadResponse(kind=self.kind, detail="batch expected")
            results.extend(r for r in batch.get("results") or [] if isinstance(r, dict))
        return results, updated

    async def check(self, *, account_ref: str, credentials: Credentials) -> Account:
        """The customer's descriptive name."""
        results, updated = await self._stream(
            account_ref, credentials, "SELECT customer.id, customer.descriptive_name, "
            "customer.currency_code FROM customer LIMIT 1")
        customer = (results[0].get("customer") or {}) if results else {}
        return Account(name=str(customer.get("descriptiveName") or customer_id(account_ref)),
                       credentials=updated,
                       currency=normalize_code(customer.get("currencyCode")))

    async def fetch(self, *, account_ref: str, credentials: Credentials, since: date,
                    until: date) -> SyncData:
        """Clicks, impressions, conversions and cost per campaign and day; the cost is in
        the account's currency (``customer.currency_code``, read in the same query)."""
        query = ("SELECT customer.currency_code, campaign.id, campaign.name, segments.date, "
                 "metrics.clicks, "
                 "metrics.impressions, metrics.conversions, metrics.cost_micros "
                 "FROM campaign WHERE segments.date BETWEEN "
                 f"'{since.isoformat()}' AND '{until.isoformat()}'")
        results, updated = await self._stream(account_ref, credentials, query)
        rows = []
        account_currency: str | None = None
        for result in results:
            account_currency = account_currency or normalize_code(
                (result.get("customer") or {}).get("currencyCode"))
            campaign = result.get("campaign") or {}
            metrics = result.get("metrics") or {}
            try:
                day = date.fromisoformat(str((result.get("segments") or {}).get("date")))
            except ValueError as exc:
                raise BadResponse(kind=self.kind, detail="segments.date") from exc
            clicks, impressions = int(_num(metrics.get("clicks"))), int(
                _num(metrics.get("impressions")))
            micros = int(_num(metrics.get("costMicros")))
            cost = round(micros / 1_000_000)
            conversions = _num(metrics.get("conversions"))
            rows.append(DailyRow(
                day=day, key=str(campaign.get("id", "")), name=campaign.get("name"),
                values={"clicks": clicks, "impressions": impressions, "cost": cost,
                        "conversions": round(conversions, 2)},
                cost=cost, impressions=impressions, clicks=clicks, cost_micros=micros))
        return SyncData(rows=rows, credentials=updated, currency=account_currency)


GA4_METRICS = ("sessions", "totalUsers", "bounceRate", "keyEvents")


class Ga4Client:
    """GA4 Data API for one property (``account_ref`` = the numeric property id)."""

    kind = Kind.GA4

    def __init__(self, requester: Requester, oauth: GoogleOAuth, page_size: int = GA4_PAGE
                 ) -> None:
        self.requester = requester
        self.oauth = oauth
        self.page_size = page_size

    def _property(self, account_ref: str) -> str:
        ref = account_ref.strip().removeprefix("properties/")
        if not ref.isdigit():
            raise BadResponse(kind=self.kind, detail="property id")
        return ref

    async def _report(self, account_ref: str, credentials: Credentials, body: dict[str, Any]
                      ) -> tuple[dict[str, Any], Credentials | None]:
        prop = self._property(account_ref)

        async def send(token: str) -> Any:
            return await self.requester.json("POST", f"properties/{prop}:runReport", json=body,
                                             headers={"Authorization": f"Bearer {token}"})

        reply, updated = await self.oauth.call(credentials, send)
        if not isinstance(reply, dict):
            raise BadResponse(kind=self.kind, detail="object expected")
        return reply, updated

    async def check(self, *, account_ref: str, credentials: Credentials) -> Account:
        """One tiny report proves access; the property id is the name."""
        _, updated = await self._report(account_ref, credentials, {
            "dateRanges": [{"startDate": "yesterday", "endDate": "today"}],
            "metrics": [{"name": "sessions"}], "limit": 1})
        return Account(name="GA4 " + self._property(account_ref), credentials=updated)

    async def fetch(self, *, account_ref: str, credentials: Credentials, since: date,
                    until: date) -> SyncData:
        """Sessions, users, bounce rate and conversions (key events) per day, paged."""
        rows: list[DailyRow] = []
        offset = 0
        current = credentials
        updated: Credentials | None = None
        while True:
            reply, fresh = await self._report(account_ref, current, {
                "dateRanges": [{"startDate": since.isoformat(), "endDate": until.isoformat()}],
                "dimensions": [{"name": "date"}],
                "metrics": [{"name": m} for m in GA4_METRICS],
                "orderBys": [{"dimension": {"dimensionName": "date"}}],
                "limit": self.page_size, "offset": offset})
            if fresh is not None:
                current = updated = fresh
            names = [h.get("name") for h in reply.get("metricHeaders") or []]
            page = reply.get("rows") or []
            for row in page:
                try:
                    day = datetime.strptime(row["dimensionValues"][0]["value"], "%Y%m%d").date()
                    values = {str(n): _num(v.get("value"))
                              for n, v in zip(names, row["metricValues"], strict=True)}
                except (KeyError, IndexError, TypeError, ValueError) as exc:
                    raise BadResponse(kind=self.kind, detail="row") from exc
                rows.append(DailyRow(day=day, values={
                    "sessions": int(values.get("sessions", 0)),
                    "users": int(values.get("totalUsers", 0)),
                    "bounce_rate": round(values.get("bounceRate", 0.0) * 100, 2),
                    "conversions": round(values.get("keyEvents", 0.0), 2)}))
            offset += len(page)
            total = reply.get("rowCount")
            if not page or not isinstance(total, int) or offset >= total:
                break
        last = max(rows, key=lambda r: r.day) if rows else None
        audience = Audience(views=int(last.values["sessions"])) if last else None
        return SyncData(audience=audience, rows=rows, credentials=updated)
