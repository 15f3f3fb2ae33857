"""The hourly integration sync at scale, against the local fake Graph and Google servers.

    python benchmarks/integrations.py [--businesses 200] [--flaky 0.1] [--postgres]

N businesses each connect Instagram and Google Ads (a migrated SQLite file, or a scratch
PostgreSQL database). Prints:
(a) one full hour of syncs (every connection due, four runs at a time as ``bot.sync_jobs``
    does): runs/s, median and p95 run time, HTTP requests per run, rows written;
(b) the same with a share ``--flaky`` of API calls answering 503 at random: how many runs
    still end ok thanks to the retries (3, backoff sleeps skipped), and what it costs;
(c) how evenly the businesses' slots spread over the twelve 5-minute ticks of the hour.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for tests.fakes

from sqlalchemy import func, select, text

from bot.app import build_app
from bot.config import Settings
from services import profile, users
from services.crypto import SecretBox
from services.db.models import IntegrationDaily
from services.db.session import make_engine
from services.integrations import (
    ClientConfig,
    Kind,
    SyncEngine,
    build_clients,
    connect,
    slot_minute,
)
from services.integrations.http import RetryPolicy
from tests.fakes.google import CampaignDay, FakeGoogle
from tests.fakes.meta import FakeGraph, IgAccount, media

TODAY = datetime.now(UTC).date()


async def _no_sleep(_: float) -> None:
    return None


async def run_hour(engine: SyncEngine, ids: list[int]) -> tuple[list[float], Counter[str]]:
    gate = asyncio.Semaphore(4)
    durations: list[float] = []
    outcomes: Counter[str] = Counter()

    async def one(connection_id: int) -> None:
        async with gate:
            started = time.perf_counter()
            result = await engine.run(connection_id)
            durations.append(time.perf_counter() - started)
            outcomes[result.status] += 1

    await asyncio.gather(*(one(c) for c in ids))
    return durations, outcomes


PG_ADMIN = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"


@contextlib.asynccontextmanager
async def database(postgres: bool, tmp: str) -> AsyncIterator[str]:
    """A SQLite file, or a scratch PostgreSQL database dropped afterwards."""
    if not postgres:
        yield f"sqlite+aiosqlite:///{tmp}/b.db"
        return
    name = f"bp_bench_int_{uuid.uuid4().hex[:8]}"
    admin = make_engine(PG_ADMIN)
    async with admin.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    finally:
        async with admin.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


async def main(businesses: int, flaky: float, postgres: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        async with database(postgres, tmp) as url:
            await bench(url, Path(tmp), businesses, flaky)
    ticks = Counter(slot_minute(b) // 5 for b in range(1, businesses + 1))
    print(f"(c) {businesses} businesses over 12 ticks: min {min(ticks.values())}, "
          f"max {max(ticks.values())}, mean {businesses / 12:.1f} per 5-minute tick")


async def bench(url: str, tmp: Path, businesses: int, flaky: float) -> None:
    settings = Settings(_env_file=None, database_url=url,  # type: ignore[call-arg,unused-ignore]
                        data_dir=tmp)
    app = await build_app(settings)
    async with FakeGraph() as graph, FakeGoogle() as google:
        graph.ig["1784140001"] = IgAccount("cafe", 2000, 120, {
            name: {TODAY - timedelta(days=i): 100 + i for i in range(7)}
            for name in ("reach", "views", "profile_views")},
            media(20, day=TODAY))
        google.customers["1234567890"] = "Ads"
        google.campaign_days = [CampaignDay(str(c), f"Campaign {c}",
                                            TODAY - timedelta(days=i), 40, 1000,
                                            50_000_000_000, 1.0)
                                for c in range(3) for i in range(7)]
        clients = build_clients(ClientConfig(
            graph_api_url=graph.api_url, google_ads_api_url=google.ads_url,
            ga4_api_url=google.ga4_url, google_token_url=google.token_url,
            google_ads_developer_token=google.developer_token, timeout=10,
            retry=RetryPolicy(max_retries=3)), sleep=_no_sleep)
        box = SecretBox([SecretBox.generate_key()])
        ids = []
        async with app.sessionmaker.begin() as s:
            for n in range(businesses):
                await users.touch_user(s, user_id=700_000 + n, first_name="B")
                business, _ = await profile.create_business(
                    s, owner_id=700_000 + n, name=f"Biz {n}", industry="retail",
                    model="b2c", primary_goal="sales", team_size="2-5")
                for kind, ref, creds in (
                        (Kind.INSTAGRAM, "1784140001", {"token": graph.token}),
                        (Kind.GOOGLE_ADS, "1234567890", {
                            "client_id": google.client_id,
                            "client_secret": google.client_secret,
                            "refresh_token": google.refresh_token})):
                    view = await connect(s, box=box, business_id=business.id, kind=kind,
                                         account_ref=ref, account_name=None,
                                         credentials=creds, user_id=None,
                                         now=datetime.now(UTC))
                    ids.append(view.id)
        engine = SyncEngine(app.sessionmaker, clients.by_kind, box, days_back=7)
        before = len(graph.requests) + len(google.requests)
        started = time.perf_counter()
        durations, outcomes = await run_hour(engine, await engine.due())
        wall = time.perf_counter() - started
        requests = len(graph.requests) + len(google.requests) - before
        async with app.sessionmaker() as s:
            rows = await s.scalar(select(func.count()).select_from(IntegrationDaily))
        q = statistics.quantiles(durations, n=20)
        print(f"(a) {len(durations)} runs ({businesses} businesses × 2) in {wall:.1f} s: "
              f"{len(durations) / wall:.1f} runs/s, "
              f"median {statistics.median(durations) * 1000:.0f} ms, "
              f"p95 {q[18] * 1000:.0f} ms, {requests / len(durations):.1f} HTTP requests/run, "
              f"{rows} daily rows; outcomes {dict(outcomes)}")

        graph.flaky = google.flaky = flaky
        engine.now = lambda: datetime.now(UTC) + timedelta(hours=1)
        before = len(graph.requests) + len(google.requests)
        started = time.perf_counter()
        durations, outcomes = await run_hour(engine, await engine.due())
        wall = time.perf_counter() - started
        requests = len(graph.requests) + len(google.requests) - before
        print(f"(b) {flaky:.0%} of calls answer 503 ({graph.flaked + google.flaked} did): "
              f"{outcomes.get('ok', 0)}/{len(durations)} runs ok, "
              f"{requests / len(durations):.1f} HTTP requests/run, {wall:.1f} s")
        await clients.close()
    await app.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--businesses", type=int, default=200)
    parser.add_argument("--flaky", type=float, default=0.1)
    parser.add_argument("--postgres", action="store_true",
                        help="a scratch database on 127.0.0.1:5432 instead of SQLite")
    args = parser.parse_args()
    asyncio.run(main(args.businesses, args.flaky, args.postgres))
