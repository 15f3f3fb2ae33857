"""The reconciliation's deletion sweep against the local fake AmoCRM at its 7 requests/s.

L deals are linked (AmoCRM and BiznesPilot agree on them), D of them are deleted in AmoCRM
without a webhook; one reconciliation (nothing else changed since the last) must find exactly
those D. Prints the requests, the time against the floor requests/7, and what it found.

    python benchmarks/amocrm_sweep.py --links 5000 --deleted 40
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, insert, select, update

from bot.migrations import upgrade
from services import plans, profile, users
from services.amocrm import accounts, sync
from services.amocrm.runtime import AmoConfig, AmoRuntime
from services.crypto import SecretBox
from services.db.base import utcnow
from services.db.models import AmoAccount, AmoLink, Subscription
from services.db.session import make_engine, make_sessionmaker
from tests.fakes.amocrm import PIPELINE_ID, FakeAmoCRM

OWNER = 7_100_001


async def main(args: argparse.Namespace) -> None:
    tmp = Path(tempfile.mkdtemp())
    engine = make_engine(args.database_url or f"sqlite+aiosqlite:///{tmp / 'bench.db'}")
    await upgrade(engine)
    sm = make_sessionmaker(engine)
    async with sm.begin() as s:
        await plans.seed_plans(s)
        await users.touch_user(s, user_id=OWNER, first_name="Bench")
        business, _ = await profile.create_business(
            s, owner_id=OWNER, name="Bench", industry="retail", model="b2c",
            primary_goal="sales", team_size="2-5")
        await s.flush()
        found = await plans.get_plan(s, "enterprise")
        await s.execute(update(Subscription).where(Subscription.user_id == OWNER)
                        .values(plan_id=found.id))
        business_id = business.id
    async with FakeAmoCRM(rate=7) as fake:
        account = fake.add_account("bench")
        runtime = AmoRuntime(config=AmoConfig(base_url=fake.base_template, rate=7,
                                              max_retries=4, backoff=0.5, webhooks=False),
                             box=SecretBox([SecretBox.generate_key()]))
        async with sm.begin() as s:
            link = await accounts.start_connect(
                s, runtime, business_id=business_id, user_id=OWNER, subdomain="bench",
                client_id="client-id-0001", client_secret="client-secret-0001")
        state = link.split("state=")[1].split("&")[0]
        done = await accounts.finish_connect(sm, runtime, state=state,
                                             code=fake.authorize("bench"))
        now = int(time.time()) - 3600
        rows = []
        for i in range(args.links):
            amo_id = 900_000 + i
            account.leads[amo_id] = {"id": amo_id, "name": f"Deal {i}", "price": 0,
                                     "status_id": 3101, "pipeline_id": PIPELINE_ID,
                                     "custom_fields_values": [], "updated_at": now,
                                     "_embedded": {"contacts": []}}
            rows.append({"business_id": business_id, "entity": "lead", "local_id": i + 1,
                         "amo_id": amo_id, "synced": {}, "amo_updated_at": now})
        async with sm.begin() as s:
            await s.execute(insert(AmoLink), rows)
            await s.execute(update(AmoAccount).values(reconciled_at=utcnow()))
        gone = set(random.Random(1).sample(sorted(account.leads), args.deleted))
        for amo_id in gone:
            fake.delete_lead("bench", amo_id, hook=False)
        fake.requests.clear()
        started = time.perf_counter()
        result = await sync.reconcile(sm, runtime, done.account_id)
        took = time.perf_counter() - started
        async with sm() as s:
            marked = set(await s.scalars(select(AmoLink.amo_id).where(
                AmoLink.deleted_at.is_not(None))))
            live = await s.scalar(select(func.count()).select_from(AmoLink).where(
                AmoLink.deleted_at.is_(None)))
        sweep = sum(1 for _, path in fake.requests if path in ("/api/v4/leads",
                                                                 "/api/v4/contacts"))
        print(f"{args.links} linked deals, {args.deleted} deleted without a webhook: "
              f"{len(fake.requests)} requests ({sweep} list/sweep GETs) in {took:.2f} s, "
              f"floor {len(fake.requests) / 7:.2f} s; found {result.deleted}, "
              f"exactly the deleted: {marked == gone}, still linked {live}; "
              f"429 answered: {fake.rate_limited}")
        await runtime.close()
    await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--links", type=int, default=5000)
    parser.add_argument("--deleted", type=int, default=40)
    parser.add_argument("--database-url")
    asyncio.run(main(parser.parse_args()))
