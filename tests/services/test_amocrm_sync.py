"""AmoCRM sync against the fake AmoCRM, on SQLite and PostgreSQL: connect, batching,
token expiry mid-sync, a restart mid-queue, webhooks in, conflicts, notes and tasks."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from services import plans, sales
from services.amocrm import accounts, sync
from services.amocrm.client import AmoAuthError
from services.db.base import utcnow
from services.db.models import AmoAccount, AmoLink, AmoQueueItem, Lead, Subscription
from services.errors import NotFound, PermissionDenied
from tests.amocrm_helpers import (
    WallClock,
    connect,
    growth_business,
    leads_of,
    make_runtime,
    state_of,
)
from tests.conftest import Database
from tests.fakes.amocrm import FakeAmoCRM, ManualClock

OWNER = 9101


async def _queue(db: Database) -> dict[str, int]:
    async with db.sessionmaker() as s:
        rows = await s.execute(select(AmoQueueItem.status, func.count())
                               .group_by(AmoQueueItem.status))
        return {str(k): int(v) for k, v in rows}


async def test_connect_batches_new_leads_and_refreshes_an_expired_token(db: Database) -> None:
    clock, now = ManualClock(), WallClock()
    async with FakeAmoCRM(clock=clock) as fake:
        runtime = make_runtime(fake, clock, now=now)
        async with db.sessionmaker() as s:
            business_id = await growth_business(s, OWNER)
        async with db.sessionmaker.begin() as s:  # before connecting: nothing is queued
            for i in range(51):
                await sales.create_lead(s, business_id=business_id, name=f"Lead {i}",
                                        phone=f"+99890123{i:04d}", utm_source="insta")
        assert await _queue(db) == {}
        conn = await connect(db.sessionmaker, runtime, fake, business_id, OWNER)
        assert await _queue(db) == {"pending": 51}
        # the access token dies mid-sync: right after the first batch went through
        fake.after("/api/v4/leads/complex", fake.expire_access_tokens)
        processor = sync.Processor(db.sessionmaker, runtime)
        await processor.run_until_idle()
        assert await _queue(db) == {"done": 51}
        created = leads_of(fake)
        assert len(created) == 51
        assert fake.complex_sizes == [50, 1]
        # the second batch got 401 once; one refresh, then it went through
        assert [m for m, p in fake.requests if p == "/api/v4/leads/complex"] == ["POST"] * 3
        assert fake.refreshes == 1
        assert fake.rate_limited == 0  # the client kept under 7 requests/s
        assert created[0]["status_id"] == 3101 and created[0]["pipeline_id"] == 3001
        async with db.sessionmaker() as s:
            account = await s.get(AmoAccount, conn.account_id)
            assert account is not None and account.token_version == 2
            assert "client-secret" not in account.client_secret_encrypted
            linked = await s.scalar(select(func.count()).select_from(AmoLink).where(
                AmoLink.amo_id.is_not(None)))
            assert linked == 51
        # a change in BiznesPilot goes out as one PATCH of the changed field only
        async with db.sessionmaker.begin() as s:
            lead_id = (await s.scalars(select(Lead.id).order_by(Lead.id))).first()
            assert lead_id is not None
            await sales.update_lead(s, business_id=business_id, lead_id=lead_id,
                                    stage="intent", status="qualified")
        fake.requests.clear()
        await processor.run_until_idle()
        assert fake.requests == [("PATCH", "/api/v4/leads")]
        [first] = [row for row in leads_of(fake) if row["name"] == "Lead 0"]
        assert first["status_id"] == 3104
        await runtime.close()


async def test_restart_mid_queue_loses_and_duplicates_nothing(db: Database) -> None:
    clock = ManualClock()
    async with FakeAmoCRM(clock=clock) as fake:
        runtime = make_runtime(fake, clock)
        async with db.sessionmaker() as s:
            business_id = await growth_business(s, OWNER)
        await connect(db.sessionmaker, runtime, fake, business_id, OWNER)
        async with db.sessionmaker.begin() as s:
            for i in range(5):
                await sales.create_lead(s, business_id=business_id, name=f"Lead {i}")
        lost = fake.lose_answer("/api/v4/leads/complex")
        worker = asyncio.create_task(sync.Processor(db.sessionmaker, runtime).run_once())
        await asyncio.wait_for(lost.wait(), 10)
        worker.cancel()  # the process dies with the deals created but not recorded
        with pytest.raises(asyncio.CancelledError):
            await worker
        assert len(leads_of(fake)) == 5
        assert await _queue(db) == {"sending": 5}
        # two of the five echo back by webhook before the restart (linked by their marker);
        # the other three are found by searching for the marker
        key = await _webhook_key(db, fake)
        fake.pending_webhooks = fake.pending_webhooks[:2]
        assert (await _deliver(db, key, fake)).created == 0
        await runtime.close()
        restarted = make_runtime(fake, clock)
        assert await sync.recover_interrupted(db.sessionmaker, now=restarted.now(),
                                              all_claims=True) == 5
        async with db.sessionmaker.begin() as s:  # one more arrives after the restart
            await sales.create_lead(s, business_id=business_id, name="Lead 5")
        fake.requests.clear()
        await sync.Processor(db.sessionmaker, restarted).run_until_idle()
        assert await _queue(db) == {"done": 6}
        assert fake.requests.count(("GET", "/api/v4/leads")) == 3  # the unknown outcomes
        assert fake.complex_sizes[-1] == 1  # only the new lead was created
        assert sorted(lead["name"] for lead in leads_of(fake)) == [f"Lead {i}" for i in
                                                                  range(6)]
        async with db.sessionmaker() as s:
            amo_ids = set(await s.scalars(select(AmoLink.amo_id)))
        assert amo_ids == {lead["id"] for lead in leads_of(fake)}
        await restarted.close()


async def test_webhooks_move_the_stage_without_ping_pong(db: Database) -> None:
    clock = ManualClock()
    async with FakeAmoCRM(clock=clock) as fake:
        runtime = make_runtime(fake, clock)
        async with db.sessionmaker() as s:
            business_id = await growth_business(s, OWNER)
            other = await growth_business(s, OWNER + 1)
        await connect(db.sessionmaker, runtime, fake, business_id, OWNER)
        async with db.sessionmaker.begin() as s:
            lead = await sales.create_lead(s, business_id=business_id, name="Aziza",
                                           source="chatbot")
            manual = await sales.create_lead(s, business_id=business_id, name="Bobur")
        processor = sync.Processor(db.sessionmaker, runtime)
        await processor.run_until_idle()
        [amo_a, amo_b] = [row["id"] for row in leads_of(fake)]
        # our own creates echo back as leads[add]: recognised by the marker, nothing imported
        key = await _webhook_key(db, fake)
        echo = await _deliver(db, key, fake)
        assert (echo.created, echo.updated) == (0, 0)
        async with db.sessionmaker() as s:
            assert await sales.count_leads(s, business_id=business_id) == 2
        # a salesperson moves the deals and renames them in AmoCRM
        fake.edit_lead("acme", amo_a, status_id=142, name="Aziza K.")
        fake.edit_lead("acme", amo_b, status_id=3103, name="Bobur T.")
        applied = await _deliver(db, key, fake)
        assert applied.updated == 2
        async with db.sessionmaker() as s:
            a = await sales.get_lead(s, business_id=business_id, lead_id=lead.id)
            b = await sales.get_lead(s, business_id=business_id, lead_id=manual.id)
        assert (a.status, a.stage, a.name) == ("won", "purchase", "Aziza")  # chatbot-owned
        assert (b.status, b.stage, b.name) == ("contacted", "consideration", "Bobur T.")
        assert await _queue(db) == {"done": 2}  # nothing echoes back
        fake.requests.clear()
        await processor.run_until_idle()
        assert fake.requests == []
        # a guessed secret, or the right secret with another account's id, is refused
        fake.edit_lead("acme", amo_b, name="Hijack")
        [(_, pairs)] = fake.pending_webhooks
        forged = [(k, "1" if k == "account[id]" else v) for k, v in pairs]
        for key_hash, body in ((accounts.digest("guess"), pairs),
                               (accounts.digest(key), forged)):
            async with db.sessionmaker.begin() as s:
                with pytest.raises(NotFound):
                    await sync.handle_webhook(s, key_hash=key_hash, pairs=body,
                                              now=runtime.now())
        async with db.sessionmaker() as s:
            b = await sales.get_lead(s, business_id=business_id, lead_id=manual.id)
        assert b.name == "Bobur T."
        async with db.sessionmaker() as s:
            assert await sales.count_leads(s, business_id=other) == 0
        # a contact added in AmoCRM becomes a customer; its later edit updates the customer
        account = fake.accounts["acme"]
        about = [("account[id]", str(account.account_id)), ("account[subdomain]", "acme")]

        def contact(action: str, name: str) -> list[tuple[str, str]]:
            p = f"contacts[{action}][0]"
            return [(f"{p}[id]", "777"), (f"{p}[name]", name),
                    (f"{p}[custom_fields][0][code]", "PHONE"),
                    (f"{p}[custom_fields][0][values][0][value]", "+998 97 111 22 33"),
                    (f"{p}[last_modified]", str(int(fake.wall()) + 5)), *about]

        for action, name in (("add", "Sardor"), ("update", "Sardor Aliyev")):
            async with db.sessionmaker.begin() as s:
                await sync.handle_webhook(s, key_hash=accounts.digest(key),
                                          pairs=contact(action, name), now=runtime.now())
        async with db.sessionmaker() as s:
            [customer] = await sales.list_customers(s, business_id=business_id)
        assert (customer.name, customer.phone) == ("Sardor Aliyev", "+998971112233")
        await processor.run_until_idle()
        assert fake.requests == [] and len(account.contacts) == 0  # nothing echoed back
        await runtime.close()


async def _webhook_key(db: Database, fake: FakeAmoCRM) -> str:
    [url] = fake.accounts["acme"].webhooks
    return url.rsplit("/", 1)[1]


async def _deliver(db: Database, key: str, fake: FakeAmoCRM) -> sync.Applied:
    total = sync.Applied()
    hooks, fake.pending_webhooks = fake.pending_webhooks, []
    for _, pairs in hooks:
        async with db.sessionmaker.begin() as s:
            total.add(await sync.handle_webhook(s, key_hash=accounts.digest(key), pairs=pairs,
                                                now=utcnow()))
    return total


async def test_notes_and_tasks_on_handoff_and_retry_of_5xx(db: Database) -> None:
    clock = ManualClock()
    async with FakeAmoCRM(clock=clock) as fake:
        runtime = make_runtime(fake, clock)
        async with db.sessionmaker() as s:
            business_id = await growth_business(s, OWNER)
        await connect(db.sessionmaker, runtime, fake, business_id, OWNER)
        async with db.sessionmaker.begin() as s:
            lead = await sales.create_lead(s, business_id=business_id, name="Dilnoza",
                                           phone="+998901112233", source="chatbot")
            await sync.handoff(s, business_id=business_id, lead_id=lead.id,
                               transcript="Customer: narx?\nBot: 250 000",
                               task_text="Call Dilnoza back",
                               due_at=runtime.now() + timedelta(minutes=15))
        fake.fail("/api/v4/leads/complex", 502, times=2)
        processor = sync.Processor(db.sessionmaker, runtime)
        await processor.run_until_idle()
        account = fake.accounts["acme"]
        assert len(leads_of(fake)) == 1
        assert [n["params"]["text"] for n in account.notes] == ["Customer: narx?\nBot: 250 000"]
        assert [t["text"] for t in account.tasks] == ["Call Dilnoza back"]
        assert account.tasks[0]["responsible_user_id"] == account.user_id
        # below Growth the queue pauses (nothing lost) until the plan allows AmoCRM again
        for plan, expected in (("starter", ["Dilnoza"]),
                               ("growth", ["Dilnoza", "On growth", "On starter"])):
            async with db.sessionmaker.begin() as s:
                found = await plans.get_plan(s, plan)
                await s.execute(update(Subscription).values(plan_id=found.id))
                await sales.create_lead(s, business_id=business_id, name=f"On {plan}")
            async with db.sessionmaker.begin() as s:  # due now, as after the 30-minute wait
                await s.execute(update(AmoQueueItem).values(due_at=runtime.now()))
            await processor.run_until_idle()
            assert sorted(row["name"] for row in leads_of(fake)) == expected
        await runtime.close()


async def test_customers_and_orders_become_contacts_and_deals(db: Database) -> None:
    clock = ManualClock()
    async with FakeAmoCRM(clock=clock) as fake:
        runtime = make_runtime(fake, clock)
        async with db.sessionmaker() as s:
            business_id = await growth_business(s, OWNER)
        await connect(db.sessionmaker, runtime, fake, business_id, OWNER)
        existing = fake.add_contact_manually("acme", name="Aziza", phone="+998901234567")
        async with db.sessionmaker.begin() as s:
            aziza, _ = await sales.find_or_create_customer(
                s, business_id=business_id, phone="+998 90 123 45 67", name="Aziza")
            bobur, _ = await sales.find_or_create_customer(
                s, business_id=business_id, phone="+998935556677", name="Bobur")
            lead = await sales.create_lead(s, business_id=business_id, name="Aziza")
        processor = sync.Processor(db.sessionmaker, runtime)
        await processor.run_until_idle()
        contacts = fake.accounts["acme"].contacts
        assert len(contacts) == 2  # Aziza matched by phone, not created twice; Bobur created
        async with db.sessionmaker.begin() as s:
            await sales.create_order(s, business_id=business_id, total=250_000,
                                     lead_id=lead.id, customer_id=aziza.id)
            loose = await sales.create_order(s, business_id=business_id, total=90_000,
                                             customer_id=bobur.id)
        await processor.run_until_idle()
        deals = {row["name"]: row for row in leads_of(fake)}
        assert deals["Aziza"]["price"] == 250_000 and deals["Aziza"]["status_id"] == 142
        order_deal = deals[f"#{loose.id}"]
        assert (order_deal["price"], order_deal["status_id"]) == (90_000, 142)
        async with db.sessionmaker() as s:
            bobur_contact = await s.scalar(select(AmoLink.amo_id).where(
                AmoLink.entity == "customer", AmoLink.local_id == bobur.id))
            aziza_contact = await s.scalar(select(AmoLink.amo_id).where(
                AmoLink.entity == "customer", AmoLink.local_id == aziza.id))
        assert aziza_contact == existing["id"]
        assert order_deal["_embedded"]["contacts"] == [{"id": bobur_contact}]
        async with db.sessionmaker.begin() as s:  # a new lead and its order: one deal
            fresh = await sales.create_lead(s, business_id=business_id, name="Kamola")
            await sales.create_order(s, business_id=business_id, total=40_000,
                                     lead_id=fresh.id)
        await processor.run_until_idle()
        kamola = [row for row in leads_of(fake) if row["name"] == "Kamola"]
        assert [(row["price"], row["status_id"]) for row in kamola] == [(40_000, 142)]
        # AmoCRM is down: the first contact fails after the client's retries, the breaker
        # opens and the rest wait without spending attempts; after the pause all go through
        fake.fail("/api/v4/contacts", 503, times=100)
        async with db.sessionmaker.begin() as s:
            for i in range(3):
                await sales.find_or_create_customer(s, business_id=business_id,
                                                    phone=f"+99899000000{i}", name=f"C{i}")
        fake.requests.clear()
        await processor.run_until_idle()
        assert len(fake.requests) == 4  # one contact, 1 + 3 retries, then the breaker
        async with db.sessionmaker() as s:
            waiting = list(await s.scalars(select(AmoQueueItem).where(
                AmoQueueItem.status == "pending")))
        assert sorted(i.attempts for i in waiting) == [0, 0, 1]
        assert {i.due_at > runtime.now() for i in waiting} == {True}
        fake.faults.clear()
        async with db.sessionmaker.begin() as s:
            await s.execute(update(AmoQueueItem).values(due_at=runtime.now()))
        await processor.run_until_idle()
        assert len(fake.accounts["acme"].contacts) == 5
        async with db.sessionmaker.begin() as s:  # a refund moves the order's deal to lost
            await sales.set_order_status(s, business_id=business_id, order_id=loose.id,
                                         status="refunded")
        await processor.run_until_idle()
        assert {row["name"]: row for row in leads_of(fake)}[f"#{loose.id}"]["status_id"] == 143
        await runtime.close()


async def test_reconcile_imports_amocrm_deals_once(db: Database) -> None:
    clock = ManualClock()
    async with FakeAmoCRM(clock=clock) as fake:
        runtime = make_runtime(fake, clock)
        async with db.sessionmaker() as s:
            business_id = await growth_business(s, OWNER)
        conn = await connect(db.sessionmaker, runtime, fake, business_id, OWNER)
        account = fake.accounts["acme"]
        for i, status in enumerate((3101, 3103, 142)):
            account.leads[900 + i] = {"id": 900 + i, "name": f"Old deal {i}", "price": 0,
                                      "status_id": status, "pipeline_id": 3001,
                                      "updated_at": int(fake.wall()) - 100,
                                      "custom_fields_values": []}
        async with db.sessionmaker.begin() as s:
            await sales.find_or_create_customer(s, business_id=business_id, name="Nodira",
                                                phone="+998901110000")
        first = await sync.reconcile(db.sessionmaker, runtime, conn.account_id)
        assert (first.created, first.updated) == (3, 0)
        await sync.Processor(db.sessionmaker, runtime).run_until_idle()
        [contact] = account.contacts.values()
        contact.update(name="Nodira Yusupova", updated_at=int(fake.wall()) + 10)
        again = await sync.reconcile(db.sessionmaker, runtime, conn.account_id)
        assert (again.created, again.updated) == (0, 1)
        async with db.sessionmaker() as s:
            [customer] = await sales.list_customers(s, business_id=business_id)
        assert customer.name == "Nodira Yusupova"
        async with db.sessionmaker() as s:
            stages = sorted((lead.stage, lead.status) for lead in await s.scalars(
                select(Lead).where(Lead.business_id == business_id)))
        assert stages == [("awareness", "new"), ("consideration", "contacted"),
                          ("purchase", "won")]
        assert len(leads_of(fake)) == 3  # imported deals are not pushed back as new ones
        await runtime.close()


async def test_concurrent_refreshes_spend_the_refresh_token_once(db: Database) -> None:
    clock, now = ManualClock(), WallClock()
    async with FakeAmoCRM(clock=clock) as fake:
        runtime = make_runtime(fake, clock, now=now)
        async with db.sessionmaker() as s:
            business_id = await growth_business(s, OWNER)
            starter = await growth_business(s, OWNER + 1, plan="starter")
        async with db.sessionmaker.begin() as s:  # AmoCRM is a Growth-and-up feature
            with pytest.raises(PermissionDenied):
                await accounts.start_connect(s, runtime, business_id=starter,
                                             user_id=OWNER + 1, subdomain="acme",
                                             client_id="client-id-0001",
                                             client_secret="client-secret-0001")
        conn = await connect(db.sessionmaker, runtime, fake, business_id, OWNER)
        now.advance(hours=24)  # the access token is due for refresh
        # two processes (their own in-process locks): only the database lock keeps them apart
        runtimes = [runtime, make_runtime(fake, clock, now=now)]
        tokens = await asyncio.gather(*[
            accounts.access_token(db.sessionmaker, runtimes[i % len(runtimes)],
                                  conn.account_id) for i in range(4)])
        assert fake.refreshes == 1 and len({t.value for t in tokens}) == 1
        # the refresh token is refused (revoked in AmoCRM): the account asks to reconnect
        fake.refresh_tokens.clear()
        now.advance(hours=24)
        with pytest.raises(AmoAuthError):
            await accounts.access_token(db.sessionmaker, runtime, conn.account_id)
        async with db.sessionmaker() as s:
            status = await accounts.account_status(s, business_id=business_id)
        assert status is not None and status.status == "error"
        assert status.last_error is not None and status.last_error.startswith("auth")
        # leads keep queueing while it is refused; reconnecting sends them
        async with db.sessionmaker.begin() as s:
            await sales.create_lead(s, business_id=business_id, name="Waiting")
        await sync.Processor(db.sessionmaker, runtime).run_until_idle()
        assert leads_of(fake) == []
        async with db.sessionmaker.begin() as s:
            link = await accounts.start_connect(
                s, runtime, business_id=business_id, user_id=OWNER, subdomain="acme",
                client_id="client-id-0001", client_secret="client-secret-0001")
        await accounts.finish_connect(db.sessionmaker, runtime, state=state_of(link),
                                      code=fake.authorize("acme"))
        await sync.Processor(db.sessionmaker, runtime).run_until_idle()
        assert [row["name"] for row in leads_of(fake)] == ["Waiting"]
        for r in runtimes:
            await r.close()
