"""A local fake of Google's OAuth2 token endpoint, the Google Ads ``searchStream`` and the
GA4 Data API ``runReport``.

Token endpoint: form ``grant_type=refresh_token`` → ``{"access_token", "expires_in",
"token_type": "Bearer"}``, or 400 ``{"error": "invalid_grant"}`` for a revoked refresh token.
APIs: ``Authorization: Bearer`` (a stale access token gets 401 ``UNAUTHENTICATED``), Google
Ads also wants the ``developer-token`` header; errors are ``{"error": {"code", "message",
"status"}}``; ``searchStream`` answers a JSON array of batches with int64 as strings;
``runReport`` pages with ``limit``/``offset`` and reports ``rowCount``. A customer's
``currency_code`` (``currencies``, UZS by default) comes back as ``customer.currencyCode``
when the query selects it, also on each row of a ``FROM campaign`` query.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from aiohttp import web

from tests.fakes._server import Fail, FakeServer


def google_error(status: int, state: str, message: str = "error",
                 headers: dict[str, str] | None = None) -> Fail:
    return Fail(status, {"error": {"code": status, "message": message, "status": state}},
                headers or {})


UNAUTHENTICATED = google_error(401, "UNAUTHENTICATED",
                               "Request had invalid authentication credentials.")


@dataclass
class CampaignDay:
    campaign_id: str
    name: str
    day: date
    clicks: int
    impressions: int
    cost_micros: int
    conversions: float


class FakeGoogle(FakeServer):
    BATCH = 2  # results per streamed batch

    def __init__(self) -> None:
        super().__init__()
        self.client_id = "1234-abc.apps.googleusercontent.com"
        self.client_secret = "GOCSPX-" + "s" * 20
        self.refresh_tokens = {"1//refresh-" + "r" * 30}
        self.refresh_token = next(iter(self.refresh_tokens))
        self.developer_token = "devtoken-" + "d" * 12
        self.access: set[str] = set()
        self._ids = itertools.count(1)
        self.customers: dict[str, str] = {}  # id -> descriptive name
        self.currencies: dict[str, str] = {}  # id -> currency_code (UZS when not set)
        self.campaign_days: list[CampaignDay] = []
        self.properties: dict[str, dict[date, dict[str, float]]] = {}

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/token", self._token)
        app.router.add_post("/{version}/customers/{cid}/googleAds:searchStream", self._stream)
        app.router.add_post("/v1beta/properties/{pid}:runReport", self._report)

    @property
    def token_url(self) -> str:
        return self.base_url + "/token"

    @property
    def ads_url(self) -> str:
        return self.base_url + "/v26"

    @property
    def ga4_url(self) -> str:
        return self.base_url + "/v1beta"

    def expire_access_tokens(self) -> None:
        self.access.clear()

    async def _token(self, request: web.Request) -> web.Response:
        form = await request.post()
        if form.get("client_id") != self.client_id or \
                form.get("client_secret") != self.client_secret:
            return web.json_response({"error": "invalid_client",
                                      "error_description": "Unauthorized"}, status=401)
        if form.get("grant_type") != "refresh_token" or \
                form.get("refresh_token") not in self.refresh_tokens:
            return web.json_response({"error": "invalid_grant",
                                      "error_description": "Token has been expired or revoked."},
                                     status=400)
        token = f"ya29.fake{next(self._ids)}"
        self.access.add(token)
        return web.json_response({"access_token": token, "expires_in": 3599,
                                  "scope": "https://www.googleapis.com/auth/adwords",
                                  "token_type": "Bearer"})

    def _denied(self, request: web.Request) -> web.Response | None:
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or auth[7:] not in self.access:
            return web.json_response(UNAUTHENTICATED.body, status=401)
        return None

    async def _stream(self, request: web.Request) -> web.Response:
        if (denied := self._denied(request)) is not None:
            return web.json_response([denied_body(denied)], status=401)
        if request.headers.get("developer-token") != self.developer_token:
            fail = google_error(401, "UNAUTHENTICATED", "DEVELOPER_TOKEN_INVALID")
            return web.json_response([fail.body], status=401)
        cid = request.match_info["cid"]
        if cid not in self.customers:
            fail = google_error(403, "PERMISSION_DENIED", "USER_PERMISSION_DENIED")
            return web.json_response([fail.body], status=403)
        query = (await request.json())["query"]
        if "FROM customer" in query:
            return web.json_response([{"results": [{"customer": {
                "resourceName": f"customers/{cid}", "id": cid,
                "descriptiveName": self.customers[cid],
                "currencyCode": self.currencies.get(cid, "UZS")}}],
                "fieldMask": "customer.id,customer.descriptiveName,customer.currencyCode",
                "requestId": "req1"}])
        span = re.search(r"BETWEEN '(\d{4}-\d\d-\d\d)' AND '(\d{4}-\d\d-\d\d)'", query)
        if span is None:
            fail = google_error(400, "INVALID_ARGUMENT", "query error")
            return web.json_response([fail.body], status=400)
        lo, hi = date.fromisoformat(span.group(1)), date.fromisoformat(span.group(2))
        results = [{
            "campaign": {"resourceName": f"customers/{cid}/campaigns/{c.campaign_id}",
                         "id": c.campaign_id, "name": c.name},
            "metrics": {"clicks": str(c.clicks), "impressions": str(c.impressions),
                        "costMicros": str(c.cost_micros), "conversions": c.conversions},
            "segments": {"date": c.day.isoformat()}}
            for c in self.campaign_days if lo <= c.day <= hi]
        if "customer.currency_code" in query:  # an attributed resource field, on each row
            for result in results:
                result["customer"] = {"resourceName": f"customers/{cid}",
                                      "currencyCode": self.currencies.get(cid, "UZS")}
        batches = [{"results": results[i:i + self.BATCH],
                    "fieldMask": "campaign.id,campaign.name,segments.date,metrics.clicks",
                    "requestId": "req2"} for i in range(0, len(results), self.BATCH)]
        return web.json_response(batches or [{"fieldMask": "campaign.id", "requestId": "r"}])

    async def _report(self, request: web.Request) -> web.Response:
        if (denied := self._denied(request)) is not None:
            return denied
        pid = request.match_info["pid"]
        if pid not in self.properties:
            fail = google_error(403, "PERMISSION_DENIED", "User does not have sufficient "
                                "permissions for this property.")
            return web.json_response(fail.body, status=403)
        body = await request.json()
        metrics = [m["name"] for m in body.get("metrics", [])]
        span = body["dateRanges"][0]
        if span["startDate"] in ("yesterday", "today"):
            lo = hi = max(self.properties[pid], default=date.today())
        else:
            lo, hi = date.fromisoformat(span["startDate"]), date.fromisoformat(span["endDate"])
        days = sorted(d for d in self.properties[pid] if lo <= d <= hi)
        offset, limit = int(body.get("offset", 0)), int(body.get("limit", 10000))
        rows = [{"dimensionValues": [{"value": d.strftime("%Y%m%d")}],
                 "metricValues": [{"value": str(self.properties[pid][d].get(m, 0))}
                                  for m in metrics]}
                for d in days[offset:offset + limit]]
        reply: dict[str, Any] = {
            "dimensionHeaders": [{"name": "date"}],
            "metricHeaders": [{"name": m, "type": "TYPE_FLOAT" if m == "bounceRate"
                               else "TYPE_INTEGER"} for m in metrics],
            "rowCount": len(days), "kind": "analyticsData#runReport",
            "metadata": {"currencyCode": "UZS", "timeZone": "Asia/Tashkent"}}
        if rows:
            reply["rows"] = rows
        return web.json_response(reply)


def denied_body(response: web.Response) -> Any:
    return UNAUTHENTICATED.body


def days_back(until: date, n: int) -> list[date]:
    return [until - timedelta(days=i) for i in range(n)]
