"""AmoCRM sync throughput against the local fake AmoCRM at its real 7 requests/s limit.

N leads exist before connecting (the full sync pushes them in complex batches of 50), then U
of them change (one PATCH each). Prints the requests, the time against the floor
requests/7, the 429s the fake answered (the client should cause none), duplicates, and the
cost of the ``services.sales`` hook for a business without AmoCRM (the price every lead pays).

    python benchmarks/amocrm.py --leads 1000 --updates 50
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import update

from bot.migrations import upgrade
from services import plans, profile, sales, users
from services.amocrm import accounts, hooks, sync
from services.amocrm.runtime import AmoConfig, AmoRuntime
from services.crypto import SecretBox
from services.db.models import Subscription
from services.db.session import make_engine, make_sessionmaker
from tests.fakes.amocrm import FakeAmoCRM

OWNER, OTHER = 7_000_001, 7_000_002


async def _business(sm, owner_id: int, plan: str) -> int:  # type: ignore[no-untyped-def]
    async with sm.begin() as s:
        await users.touch_user(s, user_id=owner_id, first_name="Bench")
        business, _ = await profile.create_business(
            s, owner_id=owner_id, name=f"Bench {owner_id}", industry="retail", model="b2c",
            primary_goal="sales", team_size="2-5")
        found = await plans.get_plan(s, plan)
        await s.flush()
        await s.execute(update(Subscription).where(Subscription.user_id == owner_id)
                        .values(plan_id=found.id))
        return business.id


async def main(args: argparse.Namespace) -> None:
    tmp = Path(tempfile.mkdtemp())
    engine = make_engine(args.database_url or f"sqlite+aiosqlite:///{tmp / 'bench.db'}")
    await upgrade(engine)
    sm = make_sessionmaker(engine)
    async with sm.begin() as s:
        await plans.seed_plans(s)
    business_id = await _business(sm, OWNER, "enterprise")
    other_id = await _business(sm, OTHER, "enterprise")
    async with sm.begin() as s:
        for i in range(args.leads):
            await sales.create_lead(s, business_id=business_id, name=f"Lead {i}",
                                    phone=f"+99890{i:07d}", utm_source="insta")

    # the hook's cost where AmoCRM is not connected: one indexed lookup
    samples = []
    async with sm() as s:
        for i in range(2000):
            start = time.perf_counter()
            await hooks.changed(s, "lead", i, other_id)
            samples.append(time.perf_counter() - start)
    print(f"hook for a business without AmoCRM: median {statistics.median(samples) * 1e6:.0f} µs"
          f", p95 {sorted(samples)[int(len(samples) * 0.95)] * 1e6:.0f} µs")

    async with FakeAmoCRM(rate=7) as fake:
        fake.add_account("bench")
        runtime = AmoRuntime(config=AmoConfig(base_url=fake.base_template, rate=7,
                                              max_retries=4, backoff=0.5),
                             box=SecretBox([SecretBox.generate_key()]))
        async with sm.begin() as s:
            link = await accounts.start_connect(
                s, runtime, business_id=business_id, user_id=OWNER, subdomain="bench",
                client_id="client-id-0001", client_secret="client-secret-0001")
        state = link.split("state=")[1].split("&")[0]
        started = time.perf_counter()
        await accounts.finish_connect(sm, runtime, state=state, code=fake.authorize("bench"))
        processor = sync.Processor(sm, runtime)
        await processor.run_until_idle(max_passes=10_000)
        pushed = time.perf_counter() - started
        first = len(fake.requests)
        print(f"full sync: {args.leads} leads, {first} requests "
              f"({len(fake.complex_sizes)} complex calls of ≤50) in {pushed:.1f} s "
              f"= {first / pushed:.2f} req/s (limit 7); floor {first / 7:.1f} s")
        async with sm.begin() as s:
            for lead in await sales.list_leads(s, business_id=business_id, limit=args.updates):
                await sales.update_lead(s, business_id=business_id, lead_id=lead.id,
                                        stage="intent", status="qualified")
        started = time.perf_counter()
        await processor.run_until_idle(max_passes=10_000)
        took = time.perf_counter() - started
        more = len(fake.requests) - first
        print(f"updates: {args.updates} changed leads, {more} requests in {took:.1f} s "
              f"= {more / took:.2f} req/s; floor {more / 7:.1f} s")
        names = [lead["name"] for lead in fake.accounts["bench"].leads.values()]
        print(f"429 answered: {fake.rate_limited}; deals in AmoCRM: {len(names)}, "
              f"duplicates: {len(names) - len(set(names))}")
        await runtime.close()
    await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--leads", type=int, default=1000)
    parser.add_argument("--updates", type=int, default=50)
    parser.add_argument("--database-url")
    asyncio.run(main(parser.parse_args()))
