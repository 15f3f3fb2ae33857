"""A local fake of the Meta Graph API for the Instagram and Facebook Page clients.

Speaks the documented shapes: ``GET /{id}?fields=…`` objects, ``/{id}/insights`` with
``period=day`` values whose ``end_time`` ends the day and a ``paging.next`` that always moves
the window on (as Graph does — the client must stop), ``/{id}/media`` with cursor paging,
``business_discovery`` field expansion, ``/oauth/access_token`` token exchange, and errors as
``{"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}`` (190 expired token).
Metrics deprecated in 2025 (``impressions``, ``page_fans``…) answer error 100, and Instagram's
total-value-only metrics (``views``, ``profile_views``) need ``metric_type=total_value``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from aiohttp import web

from tests.fakes._server import Fail, FakeServer


def graph_error(code: int, message: str = "error", status: int = 400,
                subcode: int | None = None, headers: dict[str, str] | None = None) -> Fail:
    error: dict[str, Any] = {"message": message, "type": "OAuthException", "code": code,
                             "fbtrace_id": "AbCdEf"}
    if subcode is not None:
        error["error_subcode"] = subcode
    return Fail(status, {"error": error}, headers or {})


EXPIRED = graph_error(190, "Error validating access token: Session has expired", subcode=463)
DEPRECATED = frozenset({"impressions", "page_fans", "page_impressions", "page_engaged_users"})
TOTAL_ONLY = frozenset({"views", "profile_views"})


@dataclass
class IgAccount:
    username: str
    followers: int
    media_count: int
    insights: dict[str, dict[date, int]] = field(default_factory=dict)
    media: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Page:
    name: str
    fans: int
    insights: dict[str, dict[date, int]] = field(default_factory=dict)


class FakeGraph(FakeServer):
    PAGE_DAYS = 3  # insight days per page
    MEDIA_PAGE = 10

    def __init__(self, token: str = "EAAG" + "x" * 40) -> None:
        super().__init__()
        self.tokens = {token}
        self.token = token
        self.app_id, self.app_secret = "123456", "app-secret"
        self.ig: dict[str, IgAccount] = {}
        self.pages: dict[str, Page] = {}
        self.discoverable: dict[str, IgAccount] = {}
        self.exchanged = 0

    def routes(self, app: web.Application) -> None:
        app.router.add_get("/{version}/oauth/access_token", self._exchange)
        app.router.add_get("/{version}/{id}/insights", self._insights)
        app.router.add_get("/{version}/{id}/media", self._media)
        app.router.add_get("/{version}/{id}", self._object)

    @property
    def api_url(self) -> str:
        return self.base_url + "/v26.0"

    def _auth(self, request: web.Request) -> web.Response | None:
        if request.query.get("access_token") not in self.tokens:
            fail = EXPIRED
            return web.json_response(fail.body, status=fail.status)
        return None

    async def _exchange(self, request: web.Request) -> web.Response:
        q = request.query
        if q.get("grant_type") != "fb_exchange_token" or q.get("client_id") != self.app_id \
                or q.get("client_secret") != self.app_secret:
            f = graph_error(101, "Error validating application")
            return web.json_response(f.body, status=f.status)
        if q.get("fb_exchange_token") not in self.tokens:
            return web.json_response(EXPIRED.body, status=EXPIRED.status)
        self.exchanged += 1
        fresh = f"EAAG{self.exchanged}" + "y" * 40
        self.tokens.add(fresh)
        return web.json_response({"access_token": fresh, "token_type": "bearer",
                                  "expires_in": 5184000})

    async def _object(self, request: web.Request) -> web.Response:
        if (denied := self._auth(request)) is not None:
            return denied
        oid = request.match_info["id"]
        fields = request.query.get("fields", "")
        if oid in self.ig:
            acc = self.ig[oid]
            found = re.match(r"business_discovery\.username\(([\w.]+)\)", fields)
            if found:
                other = self.discoverable.get(found.group(1))
                if other is None:
                    f = graph_error(110, "Invalid user id", subcode=2207013)
                    return web.json_response(f.body, status=f.status)
                limit = re.search(r"media\.limit\((\d+)\)", fields)
                media = other.media[: int(limit.group(1)) if limit else 25]
                return web.json_response({"business_discovery": {
                    "username": other.username, "followers_count": other.followers,
                    "media_count": other.media_count, "id": "178414" + oid,
                    "media": {"data": media}}, "id": oid})
            values = {"id": oid, "username": acc.username, "followers_count": acc.followers,
                      "media_count": acc.media_count}
        elif oid in self.pages:
            page = self.pages[oid]
            values = {"id": oid, "name": page.name, "followers_count": page.fans}
        else:
            f = graph_error(100, "Unsupported get request.")
            return web.json_response(f.body, status=f.status)
        wanted = set(fields.split(",")) | {"id"}
        return web.json_response({k: v for k, v in values.items() if k in wanted})

    async def _insights(self, request: web.Request) -> web.Response:
        if (denied := self._auth(request)) is not None:
            return denied
        oid = request.match_info["id"]
        source = self.ig[oid].insights if oid in self.ig else (
            self.pages[oid].insights if oid in self.pages else None)
        if source is None or request.query.get("period") != "day":
            f = graph_error(100, "Invalid parameter")
            return web.json_response(f.body, status=f.status)
        since = datetime.fromtimestamp(int(request.query["since"]), UTC).date()
        until = datetime.fromtimestamp(int(request.query["until"]), UTC).date()
        names = request.query.get("metric", "").split(",")
        total = request.query.get("metric_type") == "total_value"
        bad = [n for n in names if n in DEPRECATED or (n in TOTAL_ONLY and not total)]
        if bad:
            f = graph_error(100, "(#100) The value must be a valid insights metric")
            return web.json_response(f.body, status=f.status)
        if total:
            span = [since + timedelta(days=i) for i in range((until - since).days)]
            return web.json_response({"data": [
                {"name": n, "period": "day", "title": n, "id": f"{oid}/insights/{n}/day",
                 "total_value": {"value": sum(source.get(n, {}).get(d, 0) for d in span)}}
                for n in names]})
        end = min(since + timedelta(days=self.PAGE_DAYS), until)
        data = []
        for name in names:
            series = source.get(name, {})
            values = [{"value": series[d],
                       "end_time": datetime.combine(d + timedelta(days=1), time(8), UTC)
                       .strftime("%Y-%m-%dT%H:%M:%S+0000")}
                      for d in (since + timedelta(days=i) for i in range((end - since).days))
                      if d in series]
            data.append({"name": name, "period": "day", "values": values,
                         "title": name, "id": f"{oid}/insights/{name}/day"})
        nxt = dict(request.query)
        nxt["since"] = str(int(datetime.combine(end, time(), UTC).timestamp()))
        nxt["until"] = str(int(datetime.combine(end + timedelta(days=self.PAGE_DAYS), time(),
                                                UTC).timestamp()))
        query = "&".join(f"{k}={v}" for k, v in nxt.items())
        return web.json_response({"data": data, "paging": {
            "previous": f"{self.api_url}/{oid}/insights?{query}",
            "next": f"{self.api_url}/{oid}/insights?{query}"}})

    async def _media(self, request: web.Request) -> web.Response:
        if (denied := self._auth(request)) is not None:
            return denied
        acc = self.ig[request.match_info["id"]]
        start = int(request.query.get("after", "0"))
        limit = min(int(request.query.get("limit", "25")), self.MEDIA_PAGE)
        chunk = acc.media[start:start + limit]
        body: dict[str, Any] = {"data": chunk, "paging": {"cursors": {
            "before": str(start), "after": str(start + len(chunk))}}}
        if start + limit < len(acc.media):
            q = dict(request.query)
            q["after"] = str(start + limit)
            body["paging"]["next"] = (f"{self.api_url}/{request.match_info['id']}/media?"
                                      + "&".join(f"{k}={v}" for k, v in q.items()))
        return web.json_response(body)


def media(n: int, *, day: date, likes: int = 10, comments: int = 2) -> list[dict[str, Any]]:
    """``n`` media items posted on ``day`` (newest first, as Graph lists them)."""
    moment = datetime.combine(day, time(12), UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")
    return [{"id": f"179{day:%m%d}{i:03d}", "timestamp": moment, "like_count": likes,
             "comments_count": comments} for i in range(n)]
