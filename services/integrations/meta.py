"""Meta Graph API clients: Instagram (own account insights, media, ``business_discovery`` for
competitors) and Facebook Page insights.

Wire facts: ``GET {base}/{id}?fields=…&access_token=…``; insights are
``{"data": [{"name", "period", "values": [{"value", "end_time"}]}], "paging": {"next"}}`` and a
``period=day`` value's ``end_time`` is the end of its day, so it counts for the day before;
metrics Instagram serves only as ``metric_type=total_value`` answer ``{"name",
"total_value": {"value"}}`` for the whole ``since``..``until`` window;
lists page through ``paging.next`` (an absolute URL). Errors are
``{"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}``: code 190 is an
expired or revoked token, 4/17/32/613 are rate limits, 1/2 are transient.

Metric names follow Meta's 2025 deprecations (``impressions`` → ``views`` on Instagram;
``page_fans`` → ``page_follows``, ``page_impressions`` → ``page_media_view``,
``page_engaged_users`` → ``page_post_engagements`` on Pages): the old names now answer an
"invalid metric" error on every API version.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlsplit

from services.db.base import utcnow
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

RATE_LIMIT_CODES = frozenset({4, 17, 32, 613})
TRANSIENT_CODES = frozenset({1, 2})
MAX_PAGES = 20
MEDIA_PAGES = 2
REFRESH_BEFORE = timedelta(days=7)  # exchange a long-lived token this long before it expires


def graph_classifier(kind: str) -> Callable[[int, Any], IntegrationError | None]:
    def classify(status: int, body: Any) -> IntegrationError | None:
        error = body.get("error") if isinstance(body, dict) else None
        if not isinstance(error, dict):
            return None
        code = error.get("code")
        detail = str(error.get("message", ""))[:200]
        if code == 190:
            return AuthExpired(kind=kind, status=status, detail=detail)
        if code in RATE_LIMIT_CODES:
            return RateLimited(kind=kind, status=status, detail=detail)
        if code in TRANSIENT_CODES or status >= 500:
            return Unavailable(kind=kind, status=status, detail=detail)
        return BadResponse(kind=kind, status=status, detail=detail)
    return classify


def _unix(day: date) -> int:
    return int(datetime.combine(day, time(), UTC).timestamp())


def insight_day(end_time: str) -> date:
    """The day a ``period=day`` value is for: the one ending at ``end_time``."""
    moment = datetime.fromisoformat(end_time.replace("+0000", "+00:00"))
    return (moment - timedelta(days=1)).date()


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise BadResponse(detail="number expected")
    try:
        return int(float(value))
    except ValueError as exc:
        raise BadResponse(detail="number expected") from exc


@dataclass
class GraphApi:
    """The Graph calls both clients share: GET with the token, paging, token exchange."""

    requester: Requester
    app_id: str | None = None
    app_secret: str | None = None
    now: Callable[[], datetime] = utcnow

    async def get(self, path: str, token: str, **params: Any) -> dict[str, Any]:
        body = await self.requester.json("GET", path, params={**params, "access_token": token})
        if not isinstance(body, dict):
            raise BadResponse(kind=self.requester.kind, detail="object expected")
        return body

    async def pages(self, path: str, token: str, *, max_pages: int = MAX_PAGES,
                    stop: Callable[[list[Any]], bool] | None = None,
                    **params: Any) -> list[Any]:
        """Every ``data`` item over ``paging.next`` (same host only: the URL carries the
        token), until ``max_pages`` or ``stop(page)`` says the window is passed."""
        items: list[Any] = []
        body = await self.get(path, token, **params)
        base_host = urlsplit(str(self.requester.client.base_url)).netloc
        for _ in range(max_pages):
            data = body.get("data")
            if not isinstance(data, list):
                raise BadResponse(kind=self.requester.kind, detail="data expected")
            items.extend(data)
            following = (body.get("paging") or {}).get("next")
            if not data or not following or (stop is not None and stop(data)):
                break
            if urlsplit(following).netloc != base_host:
                raise BadResponse(kind=self.requester.kind, detail="paging host")
            body = await self.requester.json("GET", following)
            if not isinstance(body, dict):
                raise BadResponse(kind=self.requester.kind, detail="object expected")
        return items

    async def fresh(self, credentials: Credentials, *, force: bool = False
                    ) -> Credentials | None:
        """A new long-lived token (``fb_exchange_token``) when the Meta app is configured and
        this one expires within a week — or always with ``force`` (connecting: a pasted
        short-lived token becomes a 60-day one with a known expiry); None when unchanged."""
        expires_at = credentials.get("expires_at")
        if not self.app_id or not self.app_secret:
            return None
        now = self.now()
        if not force and (not isinstance(expires_at, int | float) or
                          datetime.fromtimestamp(expires_at, UTC) - now > REFRESH_BEFORE):
            return None
        body = await self.requester.json("GET", "oauth/access_token", params={
            "grant_type": "fb_exchange_token", "client_id": self.app_id,
            "client_secret": self.app_secret, "fb_exchange_token": credentials["token"]})
        token = body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            raise BadResponse(kind=self.requester.kind, detail="no access_token")
        refreshed: Credentials = {**credentials, "token": token}
        if isinstance(body.get("expires_in"), int | float):
            refreshed["expires_at"] = int(now.timestamp() + body["expires_in"])
        return refreshed


def _insight_rows(series: list[Any], since: date, until: date) -> dict[date, dict[str, int]]:
    days: dict[date, dict[str, int]] = defaultdict(dict)
    for metric in series:
        if not isinstance(metric, dict) or "name" not in metric:
            raise BadResponse(detail="insight expected")
        for point in metric.get("values") or []:
            if not isinstance(point, dict) or "end_time" not in point:
                continue
            try:
                day = insight_day(str(point["end_time"]))
            except ValueError as exc:
                raise BadResponse(detail="end_time") from exc
            value = point.get("value")
            if since <= day <= until and not isinstance(value, dict) and value is not None:
                days[day][str(metric["name"])] = _int(value)
    return days


def _past(until: date) -> Callable[[list[Any]], bool]:
    """Stop paging once a page of insights reaches past ``until``."""
    def stop(page: list[Any]) -> bool:
        for metric in page:
            for point in (metric.get("values") or []) if isinstance(metric, dict) else []:
                end = point.get("end_time") if isinstance(point, dict) else None
                if isinstance(end, str) and insight_day(end) >= until:
                    return True
        return False
    return stop


@dataclass(frozen=True, slots=True)
class MediaItem:
    id: str
    timestamp: datetime | None
    likes: int
    comments: int
    caption: str = ""


@dataclass(frozen=True, slots=True)
class CompetitorProfile:
    """An Instagram business/creator account as ``business_discovery`` shows it."""

    username: str
    followers: int
    media_count: int
    recent: list[MediaItem]


def _media(items: list[Any]) -> list[MediaItem]:
    result = []
    for item in items:
        if not isinstance(item, dict):
            raise BadResponse(detail="media expected")
        stamp = item.get("timestamp")
        moment = (datetime.fromisoformat(stamp.replace("+0000", "+00:00"))
                  if isinstance(stamp, str) else None)
        result.append(MediaItem(str(item.get("id", "")), moment,
                                _int(item.get("like_count", 0)),
                                _int(item.get("comments_count", 0)),
                                str(item.get("caption") or "")))
    return result


class InstagramClient:
    """Instagram Graph API for one Instagram professional account (``account_ref`` = its
    IG user id); credentials ``{"token", "expires_at"?}``."""

    kind = Kind.INSTAGRAM
    SERIES = "reach,follower_count"  # daily time series
    TOTALS = "views,profile_views"  # total_value only: read for today, kept per day

    def __init__(self, graph: GraphApi) -> None:
        self.graph = graph

    async def check(self, *, account_ref: str, credentials: Credentials) -> Account:
        """The account's username, proving the token reaches it; with the Meta app
        configured the token is exchanged for a long-lived one first."""
        exchanged = await self.graph.fresh(credentials, force=True)
        body = await self.graph.get(account_ref, (exchanged or credentials)["token"],
                                    fields="username,followers_count")
        return Account(name="@" + str(body.get("username") or account_ref),
                       credentials=exchanged)

    async def fetch(self, *, account_ref: str, credentials: Credentials, since: date,
                    until: date) -> SyncData:
        """Followers and media count now, daily reach and new followers, today's views and
        profile views (each hourly run refreshes today's row, so past days keep the last
        reading of their day), and likes and comments of recent media."""
        refreshed = await self.graph.fresh(credentials)
        token = (refreshed or credentials)["token"]
        profile = await self.graph.get(account_ref, token,
                                       fields="username,followers_count,media_count")
        series = await self.graph.pages(f"{account_ref}/insights", token, metric=self.SERIES,
                                        period="day", since=_unix(since),
                                        until=_unix(until + timedelta(days=1)),
                                        stop=_past(until))
        days = _insight_rows(series, since, until)
        totals = await self.graph.get(f"{account_ref}/insights", token, metric=self.TOTALS,
                                      metric_type="total_value", period="day",
                                      since=_unix(until),
                                      until=_unix(until + timedelta(days=1)))
        for metric in totals.get("data") or []:
            value = (metric.get("total_value") or {}).get("value") if isinstance(
                metric, dict) else None
            if value is not None:
                days[until][str(metric["name"])] = _int(value)
        media = _media(await self.graph.pages(
            f"{account_ref}/media", token, max_pages=MEDIA_PAGES,
            fields="id,timestamp,like_count,comments_count", limit=25))
        for item in media:
            if item.timestamp is not None and since <= item.timestamp.date() <= until:
                cell = days[item.timestamp.date()]
                cell["likes"] = cell.get("likes", 0) + item.likes
                cell["comments"] = cell.get("comments", 0) + item.comments
                cell["posts"] = cell.get("posts", 0) + 1
        last = days.get(until) or {}
        audience = Audience(members=_int(profile.get("followers_count", 0)),
                            posts=_int(profile.get("media_count", 0)),
                            views=last.get("views"),
                            interactions=sum(m.likes + m.comments for m in media[:25]))
        rows = [DailyRow(day=day, values=dict(values)) for day, values in sorted(days.items())]
        return SyncData(account_name="@" + str(profile.get("username") or account_ref),
                        audience=audience, rows=rows, credentials=refreshed)

    async def competitor(self, *, account_ref: str, credentials: Credentials,
                         username: str, media_limit: int = 12) -> CompetitorProfile:
        """Another business's public numbers through ``business_discovery`` (the competitors
        module calls this with the owner's connection)."""
        handle = username.strip().lstrip("@")
        if not handle or not all(c.isalnum() or c in "._" for c in handle):
            raise BadResponse(kind=self.kind, detail="username")
        fields = (f"business_discovery.username({handle}){{username,followers_count,"
                  f"media_count,media.limit({media_limit}){{id,timestamp,caption,"
                  f"like_count,comments_count}}}}")
        body = await self.graph.get(account_ref, credentials["token"], fields=fields)
        found = body.get("business_discovery")
        if not isinstance(found, dict):
            raise BadResponse(kind=self.kind, detail="business_discovery")
        media = (found.get("media") or {}).get("data") or []
        return CompetitorProfile(str(found.get("username") or handle),
                                 _int(found.get("followers_count", 0)),
                                 _int(found.get("media_count", 0)), _media(media))


class FacebookClient:
    """Facebook Page insights (``account_ref`` = the page id); credentials ``{"token"}`` (a
    page access token)."""

    kind = Kind.FACEBOOK
    METRICS = "page_follows,page_media_view,page_post_engagements"

    def __init__(self, graph: GraphApi) -> None:
        self.graph = graph

    async def check(self, *, account_ref: str, credentials: Credentials) -> Account:
        """The page's name."""
        body = await self.graph.get(account_ref, credentials["token"], fields="name")
        return Account(name=str(body.get("name") or account_ref))

    async def fetch(self, *, account_ref: str, credentials: Credentials, since: date,
                    until: date) -> SyncData:
        """Daily followers, media views and post engagements, paged through
        ``paging.next``."""
        refreshed = await self.graph.fresh(credentials)
        token = (refreshed or credentials)["token"]
        page = await self.graph.get(account_ref, token, fields="name,followers_count")
        series = await self.graph.pages(f"{account_ref}/insights", token, metric=self.METRICS,
                                        period="day", since=_unix(since),
                                        until=_unix(until + timedelta(days=1)),
                                        stop=_past(until))
        days = _insight_rows(series, since, until)
        last = days[max(days)] if days else {}
        fans = page.get("followers_count")
        audience = Audience(members=_int(fans) if fans is not None else last.get("page_follows"),
                            views=last.get("page_media_view"),
                            interactions=last.get("page_post_engagements"))
        rows = [DailyRow(day=day, values=dict(values)) for day, values in sorted(days.items())]
        return SyncData(account_name=str(page.get("name") or account_ref), audience=audience,
                        rows=rows, credentials=refreshed)
