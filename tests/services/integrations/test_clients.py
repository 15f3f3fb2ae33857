"""The four clients against the local fake Graph and Google servers: happy paths, paging,
expired tokens, 429 with Retry-After, 5xx and malformed bodies. No database."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest
import pytest_asyncio

from services.integrations import (
    AuthExpired,
    BadResponse,
    ClientConfig,
    Clients,
    Kind,
    RateLimited,
    Unavailable,
    build_clients,
)
from services.integrations.http import RetryPolicy
from tests.fakes._server import Fail
from tests.fakes.google import CampaignDay, FakeGoogle, google_error
from tests.fakes.meta import EXPIRED, FakeGraph, IgAccount, Page, graph_error, media

UNTIL = date(2026, 11, 30)
SINCE = UNTIL - timedelta(days=6)


class Sleeps(list[float]):
    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest_asyncio.fixture
async def graph() -> AsyncIterator[FakeGraph]:
    async with FakeGraph() as fake:
        insights = {name: {SINCE + timedelta(days=i): base + i for i in range(7)}
                    for name, base in (("reach", 100), ("views", 300),
                                       ("profile_views", 10), ("follower_count", 3))}
        fake.ig["1784140001"] = IgAccount("cafe_tashkent", 5200, 240, insights,
                                          media(12, day=UNTIL) + media(8, day=SINCE, likes=5))
        fake.discoverable["rival_cafe"] = IgAccount("rival_cafe", 9100, 410,
                                                    media=media(3, day=UNTIL, likes=40))
        fake.pages["1050001"] = Page("Cafe Tashkent", 1300, {
            name: {SINCE + timedelta(days=i): base + i for i in range(7)}
            for name, base in (("page_follows", 1290), ("page_media_view", 800),
                               ("page_post_engagements", 40))})
        yield fake


@pytest_asyncio.fixture
async def google() -> AsyncIterator[FakeGoogle]:
    async with FakeGoogle() as fake:
        fake.customers["1234567890"] = "Cafe Tashkent Ads"
        for i in range(7):
            day = SINCE + timedelta(days=i)
            fake.campaign_days += [
                CampaignDay("111", "Search — brand", day, 20 + i, 400, 25_000_000_000, 2.0),
                CampaignDay("222", "Display", day, 5, 3000, 10_500_000_000, 0.5)]
        fake.properties["345678"] = {SINCE + timedelta(days=i): {
            "sessions": 200 + i, "totalUsers": 150 + i, "bounceRate": 0.4125,
            "keyEvents": 3} for i in range(7)}
        yield fake


def _clients(graph: FakeGraph | None = None, google: FakeGoogle | None = None,
             sleeps: Sleeps | None = None, **extra: Any) -> Clients:
    config = ClientConfig(
        graph_api_url=graph.api_url if graph else "http://127.0.0.1:9",
        google_ads_api_url=google.ads_url if google else "http://127.0.0.1:9",
        ga4_api_url=google.ga4_url if google else "http://127.0.0.1:9",
        google_token_url=google.token_url if google else "http://127.0.0.1:9/token",
        google_ads_developer_token=google.developer_token if google else "",
        timeout=5, retry=RetryPolicy(max_retries=2, base=1.0, cap=30.0), **extra)
    return build_clients(config, sleep=sleeps if sleeps is not None else Sleeps(),
                         rng=random.Random(7))


def _google_creds(fake: FakeGoogle) -> dict[str, Any]:
    return {"client_id": fake.client_id, "client_secret": fake.client_secret,
            "refresh_token": fake.refresh_token}


async def test_instagram_insights_page_through_the_window_and_media(graph: FakeGraph) -> None:
    clients = _clients(graph)
    try:
        data = await clients.by_kind[Kind.INSTAGRAM].fetch(
            account_ref="1784140001", credentials={"token": graph.token}, since=SINCE,
            until=UNTIL)
    finally:
        await clients.close()
    assert data.account_name == "@cafe_tashkent"
    by_day = {r.day: r.values for r in data.rows}
    assert sorted(by_day) == [SINCE + timedelta(days=i) for i in range(7)]
    assert by_day[UNTIL]["reach"] == 106 and by_day[UNTIL]["follower_count"] == 9
    # views and profile views are total-value-only: today's reading lands on today's row
    assert by_day[UNTIL]["views"] == 306 and by_day[UNTIL]["profile_views"] == 16
    assert "views" not in by_day[SINCE]
    assert data.audience is not None and data.audience.views == 306
    assert by_day[UNTIL]["likes"] == 120 and by_day[UNTIL]["posts"] == 12  # media paged
    assert by_day[SINCE]["likes"] == 5 * 8
    assert data.audience is not None
    assert (data.audience.members, data.audience.posts) == (5200, 240)
    assert data.audience.interactions == 12 * 12 + 8 * 7
    # 7 days at 3 per page: 3 insight pages, and the client stopped although ``next`` went on
    assert len(graph.calls("/insights")) == 3 + 1  # series pages, then the totals
    assert len(graph.calls("/media")) == 2


async def test_instagram_business_discovery_for_competitors(graph: FakeGraph) -> None:
    clients = _clients(graph)
    try:
        rival = await clients.instagram.competitor(
            account_ref="1784140001", credentials={"token": graph.token}, username="@rival_cafe")
        with pytest.raises(BadResponse):
            await clients.instagram.competitor(account_ref="1784140001",
                                               credentials={"token": graph.token},
                                               username="x){evil}")
    finally:
        await clients.close()
    assert (rival.username, rival.followers, rival.media_count) == ("rival_cafe", 9100, 410)
    assert [m.likes for m in rival.recent] == [40, 40, 40]


async def test_graph_error_190_is_auth_expired_without_retries(graph: FakeGraph) -> None:
    sleeps = Sleeps()
    clients = _clients(graph, sleeps=sleeps)
    try:
        with pytest.raises(AuthExpired):
            await clients.by_kind[Kind.FACEBOOK].check(account_ref="1050001",
                                                       credentials={"token": "EAAGstale"})
        graph.script(EXPIRED)
        with pytest.raises(AuthExpired):
            await clients.by_kind[Kind.INSTAGRAM].check(account_ref="1784140001",
                                                        credentials={"token": graph.token})
    finally:
        await clients.close()
    assert sleeps == [] and len(graph.requests) == 2


async def test_429_honours_retry_after_then_succeeds(graph: FakeGraph) -> None:
    sleeps = Sleeps()
    clients = _clients(graph, sleeps=sleeps)
    graph.script(Fail(429, {"error": {"message": "slow down", "code": 4}},
                      {"Retry-After": "7"}), Fail(503, {"error": {"message": "x", "code": 2}}))
    try:
        account = await clients.by_kind[Kind.FACEBOOK].check(
            account_ref="1050001", credentials={"token": graph.token})
    finally:
        await clients.close()
    assert account.name == "Cafe Tashkent"
    assert sleeps[0] == 7.0  # the server's Retry-After
    assert 0 <= sleeps[1] <= 2.0  # jittered backoff of the second attempt (base·2)
    assert len(graph.requests) == 3


async def test_retries_give_up_with_a_typed_error(graph: FakeGraph) -> None:
    sleeps = Sleeps()
    clients = _clients(graph, sleeps=sleeps)
    graph.script(*[Fail(500, raw="<html>oops</html>")] * 3)
    try:
        with pytest.raises(Unavailable):
            await clients.by_kind[Kind.FACEBOOK].check(account_ref="1050001",
                                                       credentials={"token": graph.token})
        graph.script(*[graph_error(17, "User request limit reached")] * 3)
        with pytest.raises(RateLimited):
            await clients.by_kind[Kind.FACEBOOK].check(account_ref="1050001",
                                                       credentials={"token": graph.token})
        graph.script(Fail(200, raw="{not json"))
        with pytest.raises(BadResponse):
            await clients.by_kind[Kind.FACEBOOK].check(account_ref="1050001",
                                                       credentials={"token": graph.token})
    finally:
        await clients.close()
    assert len(sleeps) == 4  # two retries each for the 5xx and the rate limit, none after


async def test_a_retry_after_longer_than_the_cap_is_not_waited_out(graph: FakeGraph) -> None:
    sleeps = Sleeps()
    clients = _clients(graph, sleeps=sleeps)
    graph.script(Fail(429, {"error": {"message": "slow down", "code": 4}},
                      {"Retry-After": "3600"}))
    try:
        with pytest.raises(RateLimited) as caught:
            await clients.by_kind[Kind.FACEBOOK].check(account_ref="1050001",
                                                       credentials={"token": graph.token})
    finally:
        await clients.close()
    assert sleeps == [] and caught.value.params["retry_after"] == 3600.0


async def test_unreachable_server_is_unavailable() -> None:
    clients = _clients(sleeps=Sleeps())
    try:
        with pytest.raises(Unavailable):
            await clients.by_kind[Kind.FACEBOOK].check(account_ref="1", credentials={
                "token": "x" * 30})
    finally:
        await clients.close()


async def test_facebook_page_insights_follow_paging_next(graph: FakeGraph) -> None:
    clients = _clients(graph)
    try:
        data = await clients.by_kind[Kind.FACEBOOK].fetch(
            account_ref="1050001", credentials={"token": graph.token}, since=SINCE, until=UNTIL)
    finally:
        await clients.close()
    assert len(data.rows) == 7
    assert data.rows[-1].values == {"page_follows": 1296, "page_media_view": 806,
                                    "page_post_engagements": 46}
    assert data.audience is not None
    assert (data.audience.members, data.audience.views, data.audience.interactions) == (
        1300, 806, 46)
    assert len(graph.calls("/insights")) == 3


async def test_long_lived_token_is_exchanged_before_it_expires(graph: FakeGraph) -> None:
    now = datetime(2026, 11, 30, 12, tzinfo=datetime.now().astimezone().tzinfo)
    clients = _clients(graph, meta_app_id=graph.app_id, meta_app_secret=graph.app_secret)
    ig = clients.by_kind[Kind.INSTAGRAM]
    ig.graph.now = lambda: now  # type: ignore[attr-defined]
    soon = {"token": graph.token, "expires_at": int((now + timedelta(days=3)).timestamp())}
    later = {"token": graph.token, "expires_at": int((now + timedelta(days=40)).timestamp())}
    try:
        refreshed = await ig.fetch(account_ref="1784140001", credentials=soon, since=UNTIL,
                                   until=UNTIL)
        kept = await ig.fetch(account_ref="1784140001", credentials=later, since=UNTIL,
                              until=UNTIL)
    finally:
        await clients.close()
    assert refreshed.credentials is not None
    assert refreshed.credentials["token"].startswith("EAAG1")
    assert refreshed.credentials["expires_at"] == int(now.timestamp()) + 5184000
    assert kept.credentials is None and graph.exchanged == 1
    # connecting exchanges a pasted (short-lived) token at once, so its expiry is known
    clients = _clients(graph, meta_app_id=graph.app_id, meta_app_secret=graph.app_secret)
    try:
        account = await clients.by_kind[Kind.INSTAGRAM].check(
            account_ref="1784140001", credentials={"token": graph.token})
    finally:
        await clients.close()
    assert account.credentials is not None and "expires_at" in account.credentials
    assert account.credentials["token"] != graph.token and graph.exchanged == 2


async def test_google_ads_search_stream_per_campaign_and_day(google: FakeGoogle) -> None:
    clients = _clients(google=google)
    try:
        ads = clients.by_kind[Kind.GOOGLE_ADS]
        account = await ads.check(account_ref="123-456-7890", credentials=_google_creds(google))
        data = await ads.fetch(account_ref="1234567890", credentials=_google_creds(google),
                               since=SINCE, until=UNTIL)
    finally:
        await clients.close()
    assert account.name == "Cafe Tashkent Ads"
    assert len(data.rows) == 14  # 2 campaigns × 7 days, over 7 streamed batches
    last = next(r for r in data.rows if r.day == UNTIL and r.key == "111")
    assert (last.cost, last.clicks, last.impressions) == (25_000, 26, 400)
    assert last.values["conversions"] == 2.0 and last.name == "Search — brand"
    stream = google.calls("searchStream")[-1]
    assert stream.headers["developer-token"] == google.developer_token
    assert stream.headers["Authorization"].startswith("Bearer ya29.fake")
    assert data.credentials is not None and data.credentials["access_token"]


async def test_google_401_refreshes_the_access_token_once(google: FakeGoogle) -> None:
    clients = _clients(google=google)
    creds = _google_creds(google)
    try:
        ga4 = clients.by_kind[Kind.GA4]
        first = await ga4.check(account_ref="345678", credentials=creds)
        assert first.credentials is not None
        google.expire_access_tokens()  # the cached access token is now refused with 401
        data = await ga4.fetch(account_ref="properties/345678", credentials=first.credentials,
                               since=SINCE, until=UNTIL)
        assert data.credentials is not None
        assert data.credentials["access_token"] != first.credentials["access_token"]
        google.refresh_tokens.clear()  # the owner revoked access
        google.expire_access_tokens()
        with pytest.raises(AuthExpired):
            await ga4.fetch(account_ref="345678", credentials=data.credentials, since=SINCE,
                            until=UNTIL)
    finally:
        await clients.close()
    assert len(google.calls("/token")) == 3


async def test_ga4_run_report_pages_with_offset(google: FakeGoogle) -> None:
    clients = _clients(google=google)
    ga4 = clients.by_kind[Kind.GA4]
    ga4.page_size = 3  # type: ignore[attr-defined]
    google.script(google_error(429, "RESOURCE_EXHAUSTED", "quota", {"Retry-After": "2"}))
    try:
        data = await ga4.fetch(account_ref="345678", credentials=_google_creds(google),
                               since=SINCE, until=UNTIL)
    finally:
        await clients.close()
    assert [r.day for r in data.rows] == [SINCE + timedelta(days=i) for i in range(7)]
    assert data.rows[-1].values == {"sessions": 206, "users": 156, "bounce_rate": 41.25,
                                    "conversions": 3.0}
    offsets = [r.body["offset"] for r in google.calls(":runReport")]
    assert offsets == [0, 3, 6]  # three pages
    assert len(google.calls("/token")) == 2  # the token call's 429 was retried


async def test_google_errors_are_typed(google: FakeGoogle) -> None:
    clients = _clients(google=google, sleeps=Sleeps())
    creds = _google_creds(google)
    try:
        ads = clients.by_kind[Kind.GOOGLE_ADS]
        with pytest.raises(BadResponse):  # not our customer: PERMISSION_DENIED
            await ads.fetch(account_ref="9999999999", credentials=creds, since=SINCE,
                            until=UNTIL)
        google.script(*[google_error(503, "UNAVAILABLE")] * 3)
        with pytest.raises(Unavailable):
            await ads.fetch(account_ref="1234567890", credentials=creds, since=SINCE,
                            until=UNTIL)
        with pytest.raises(AuthExpired):
            await ads.fetch(account_ref="1234567890",
                            credentials={**creds, "client_secret": "wrong"}, since=SINCE,
                            until=UNTIL)
    finally:
        await clients.close()
