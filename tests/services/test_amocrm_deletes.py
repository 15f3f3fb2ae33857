"""AmoCRM second pass against the fake AmoCRM: deletions both ways (webhooks, the
reconciliation's sweep, local deletes closing the deal as lost), an idempotent chatbot
hand-off, and connecting by a pasted code without a public webhook address."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from services import sales
from services.amocrm import accounts, sync
from services.amocrm.accounts import parse_auth_reply
from services.amocrm.mapping import LOST
from services.amocrm.runtime import is_public_url
from services.db.base import utcnow
from services.db.models import AmoAccount, AmoLink
from services.errors import InvalidInput, NotFound
from tests.amocrm_helpers import connect, growth_business, leads_of, make_runtime, state_of
from tests.conftest import Database
from tests.fakes.amocrm import FakeAmoCRM, ManualClock

OWNER = 9401


async def _deliver(fake: FakeAmoCRM, db: Database) -> sync.Applied:
    """Post the queued webhooks the way the web endpoint would."""
    total = sync.Applied()
    hooks, fake.pending_webhooks = fake.pending_webhooks, []
    for url, pairs in hooks:
        async with db.sessionmaker.begin() as s:
            total.add(await sync.handle_webhook(
                s, key_hash=accounts.digest(url.rsplit("/", 1)[1]), pairs=pairs,
                now=utcnow()))
    return total


async def _link(db: Database, entity: str, local_id: int) -> AmoLink:
    async with db.sessionmaker() as s:
        link = await s.scalar(select(AmoLink).where(AmoLink.entity == entity,
                                                    AmoLink.local_id == local_id))
    assert link is not None
    return link


async def test_deletions_both_ways_keep_our_records_and_never_recreate(db: Database) -> None:
    clock = ManualClock()
    async with FakeAmoCRM(clock=clock) as fake:
        runtime = make_runtime(fake, clock)
        async with db.sessionmaker() as s:
            business_id = await growth_business(s, OWNER)
        await connect(db.sessionmaker, runtime, fake, business_id, OWNER)
        async with db.sessionmaker.begin() as s:
            gone, silent, ours = [
                await sales.create_lead(s, business_id=business_id, name=name)
                for name in ("Anvar", "Botir", "Charos")]
            customer, _ = await sales.find_or_create_customer(
                s, business_id=business_id, phone="+998935556677", name="Dilshod")
            loose = await sales.create_order(s, business_id=business_id, total=90_000,
                                             customer_id=customer.id)
        processor = sync.Processor(db.sessionmaker, runtime)
        await processor.run_until_idle()
        await _deliver(fake, db)  # our creates' echoes
        deal = {row["name"]: row["id"] for row in leads_of(fake)}
        contact_id = (await _link(db, "customer", customer.id)).amo_id
        assert contact_id is not None

        # a deal and a contact deleted in AmoCRM: leads[delete] / contacts[delete] unlink
        kept = fake.accounts["acme"].leads[deal["Anvar"]]
        fake.delete_lead("acme", deal["Anvar"])
        fake.delete_contact("acme", contact_id)
        applied = await _deliver(fake, db)
        assert applied.deleted == 2
        link = await _link(db, "lead", gone.id)
        assert (link.deleted_in, link.amo_id) == ("amocrm", deal["Anvar"])
        assert (await _link(db, "customer", customer.id)).deleted_in == "amocrm"
        async with db.sessionmaker() as s:  # the BiznesPilot records stay
            assert (await sales.get_lead(s, business_id=business_id, lead_id=gone.id)).name \
                == "Anvar"
            assert await sales.get_customer(s, business_id=business_id,
                                            customer_id=customer.id)
        # a later local edit neither re-creates the deal nor patches a missing one
        async with db.sessionmaker.begin() as s:
            await sales.update_lead(s, business_id=business_id, lead_id=gone.id,
                                    name="Anvar B.")
        fake.requests.clear()
        await processor.run_until_idle()
        assert fake.requests == [] and len(leads_of(fake)) == 3

        # a deletion no webhook reported: the reconciliation's id sweep notices it
        account_id = (await _account(db)).id
        first = await sync.reconcile(db.sessionmaker, runtime, account_id)
        assert (first.created, first.deleted) == (0, 0)  # everything there is linked
        fake.delete_lead("acme", deal["Botir"], hook=False)
        fake.accounts["acme"].leads[999_999] = {  # a deal we never linked, edited long ago
            "id": 999_999, "name": "Old", "price": 0, "status_id": 3101, "pipeline_id": 3001,
            "custom_fields_values": [], "updated_at": 0, "_embedded": {"contacts": []}}
        fake.ignore_id_filter = True  # an answer that ignores the id filter proves nothing
        assert (await sync.reconcile(db.sessionmaker, runtime, account_id)).deleted == 0
        assert (await _link(db, "lead", silent.id)).deleted_at is None
        fake.ignore_id_filter = False
        result = await sync.reconcile(db.sessionmaker, runtime, account_id)
        assert result.deleted == 1
        assert (await _link(db, "lead", silent.id)).deleted_in == "amocrm"
        assert (await _link(db, "lead", ours.id)).deleted_at is None

        # deleted in BiznesPilot: the deal goes to lost with a note, through the queue; the
        # order without a lead closes its own deal the same way
        async with db.sessionmaker.begin() as s:
            await sales.delete_lead(s, business_id=business_id, lead_id=ours.id)
            await sales.delete_order(s, business_id=business_id, order_id=loose.id)
        await processor.run_until_idle()
        leads = fake.accounts["acme"].leads
        assert leads[deal["Charos"]]["status_id"] == LOST
        assert leads[deal[f"#{loose.id}"]]["status_id"] == LOST
        notes = {n["entity_id"]: n["params"]["text"] for n in fake.accounts["acme"].notes}
        assert f"#{ours.id}" in notes[deal["Charos"]]
        assert f"#{loose.id}" in notes[deal[f"#{loose.id}"]]
        assert (await _link(db, "lead", ours.id)).deleted_in == "local"
        # their status echoes come back and are ignored: nothing imported, nothing moves
        echoed = await _deliver(fake, db)
        assert (echoed.created, echoed.updated) == (0, 0)
        async with db.sessionmaker() as s:
            assert await sales.count_leads(s, business_id=business_id) == 2

        # a deal restored from AmoCRM's trash is linked again
        leads[kept["id"]] = kept
        fake.edit_lead("acme", kept["id"], action="restore")
        await _deliver(fake, db)
        assert (await _link(db, "lead", gone.id)).deleted_at is None
        async with db.sessionmaker() as s:
            status = await accounts.account_status(s, business_id=business_id)
            log = [e.action for e in await accounts.sync_log(s, business_id=business_id,
                                                             limit=50)]
        assert status is not None and status.deleted == 4
        assert {"deleted", "closed", "restored"} <= set(log)
        await runtime.close()


async def _account(db: Database) -> AmoAccount:
    async with db.sessionmaker() as s:
        account = await s.scalar(select(AmoAccount))
    assert account is not None
    return account


async def test_handoff_is_idempotent_per_key(db: Database) -> None:
    clock = ManualClock()
    async with FakeAmoCRM(clock=clock) as fake:
        runtime = make_runtime(fake, clock)
        async with db.sessionmaker() as s:
            business_id = await growth_business(s, OWNER)
            other = await growth_business(s, OWNER + 1)
        await connect(db.sessionmaker, runtime, fake, business_id, OWNER)
        fake.fail("/api/v4/webhooks", 400)  # refuses the delete/restore events: fall back
        await connect(db.sessionmaker, runtime, fake, other, OWNER + 1, subdomain="beta")
        assert len(fake.accounts["beta"].webhooks) == 1
        due = runtime.now() + timedelta(minutes=15)
        async with db.sessionmaker.begin() as s:
            lead = await sales.create_lead(s, business_id=business_id, name="Nigora",
                                           source="chatbot")
        calls = [("conv-5-1", "Call Nigora"), ("conv-5-1", "Call Nigora"),  # retried
                 ("conv-5-1", "Call Nigora!"),  # same hand-off, reworded: still once
                 ("conv-5-2", "Call Nigora again"),  # the next hand-off
                 (None, "No key"), (None, "No key")]  # no key: an exact repeat is dropped
        queued = []
        for key, text in calls:
            async with db.sessionmaker.begin() as s:
                queued.append(await sync.handoff(
                    s, business_id=business_id, lead_id=lead.id, transcript=f"T {text}",
                    task_text=text, due_at=due, key=key))
        assert queued == [True, False, False, True, True, False]
        async with db.sessionmaker.begin() as s:  # another business's lead: refused
            with pytest.raises(NotFound):
                await sync.handoff(s, business_id=other, lead_id=lead.id, transcript="x",
                                   task_text="x", due_at=due, key="conv-5-1")
        await sync.Processor(db.sessionmaker, runtime).run_until_idle()
        account = fake.accounts["acme"]
        assert [t["text"] for t in account.tasks] == ["Call Nigora", "Call Nigora again",
                                                      "No key"]
        assert len(account.notes) == 3
        assert fake.accounts["beta"].tasks == [] and fake.accounts["beta"].notes == []
        await runtime.close()


async def test_pasted_code_connects_without_a_webhook(db: Database) -> None:
    clock = ManualClock()
    async with FakeAmoCRM(clock=clock) as fake:
        runtime = make_runtime(fake, clock)
        runtime.config.webhooks = False  # embedded: AmoCRM cannot reach us
        async with db.sessionmaker() as s:
            business_id = await growth_business(s, OWNER)
            other = await growth_business(s, OWNER + 1)
        fake.add_account("acme")
        fake.add_account("beta")
        async with db.sessionmaker.begin() as s:
            link = await accounts.start_connect(
                s, runtime, business_id=business_id, user_id=OWNER, subdomain="acme",
                client_id="client-id-0001", client_secret="client-secret-0001")
            theirs = await accounts.start_connect(
                s, runtime, business_id=other, user_id=OWNER + 1, subdomain="beta",
                client_id="client-id-0001", client_secret="client-secret-0001")
        # a redirect address carrying another business's state is refused, code unspent
        code = fake.authorize("acme")
        with pytest.raises(NotFound):
            await accounts.finish_connect(db.sessionmaker, runtime, code=code,
                                          state=state_of(theirs), business_id=business_id)
        done = await accounts.finish_connect(db.sessionmaker, runtime, code=code,
                                             business_id=business_id)
        assert done.subdomain == "acme" and fake.accounts["acme"].webhooks == []
        with pytest.raises(NotFound):  # a connection finishes once
            await accounts.finish_connect(db.sessionmaker, runtime,
                                          code=fake.authorize("acme"),
                                          business_id=business_id)
        with pytest.raises(NotFound):  # the original link's state is spent too
            await accounts.finish_connect(db.sessionmaker, runtime, state=state_of(link),
                                          code=fake.authorize("acme"))
        async with db.sessionmaker() as s:
            status = await accounts.account_status(s, business_id=business_id)
            log = [e.action for e in await accounts.sync_log(s, business_id=business_id)]
        assert status is not None and (status.status, status.webhook) == ("connected", False)
        assert "webhook_skipped" in log
        await runtime.close()


def test_parse_auth_reply_takes_a_code_or_the_redirect_address() -> None:
    code = "def50200" + "a1b2c3" * 20
    assert parse_auth_reply(f"  {code}\n") == parse_auth_reply(code)
    assert parse_auth_reply(code).state is None
    url = (f"http://127.0.0.1:8080/amocrm/oauth?code={code}&state=s-1_x"
           "&referer=acme.amocrm.ru&platform=1&client_id=abc")
    reply = parse_auth_reply(url)
    assert (reply.code, reply.state, reply.referer) == (code, "s-1_x", "acme.amocrm.ru")
    assert parse_auth_reply(f"code={code}&state=q").state == "q"
    for bad in ("hello there", "short", "http://x/amocrm/oauth?state=1", "code=<script>"):
        with pytest.raises(InvalidInput):
            parse_auth_reply(bad)


@pytest.mark.parametrize(("url", "public"), [
    (None, False), ("", False), ("http://127.0.0.1:8080", False),
    ("http://localhost:8080", False), ("http://192.168.1.5", False),
    ("http://10.0.0.2:8080", False), ("http://bot.local", False), ("http://web:8080", False),
    ("https://bp.example.uz", True), ("https://203.0.113.9", False),
    ("https://8.8.8.8/hooks", True),
])
def test_public_url(url: str | None, public: bool) -> None:
    assert is_public_url(url) is public
