"""Payme's Merchant API replayed over HTTP against bot.web: the documented sequences,
repeats, bad auth, wrong amounts, unknown orders, cancels, the 12-hour timeout, malformed
bodies — never a 500, never a double credit."""

from __future__ import annotations

import asyncio
import json
import random
from datetime import timedelta

import aiohttp
import pytest
from sqlalchemy import func, select, update

from bot.config import Settings
from services.db.base import utcnow
from services.db.models import AuditLog, Invoice, PaymentTransaction
from tests.billing_helpers import PAYME_KEY, outbox, pending_invoice, serve, subscription
from tests.conftest import Database
from tests.fakes.payme import PaymeCaller, basic

OWNER = 8101


def code(reply: dict) -> int:
    return int(reply["error"]["code"])


async def paid_count(db: Database) -> int:
    async with db.sessionmaker() as s:
        return int(await s.scalar(select(func.count()).select_from(AuditLog).where(
            AuditLog.action == "billing.paid")) or 0)


async def test_happy_path_with_repeats_extends_once_and_queues_a_receipt(
        db: Database, settings: Settings) -> None:
    invoice = await pending_invoice(db, OWNER)
    before = await subscription(db, OWNER)
    assert before.status == "trialing" and before.current_period_end is not None
    async with serve(db, settings) as web:
        payme = PaymeCaller(web.url + "/payments/payme", PAYME_KEY)
        amount = 999_000 * 100  # tiyin
        assert (await payme.check_perform(invoice.id, amount))["result"] == {"allow": True}
        created = await payme.create("pm-1", invoice.id, amount)
        assert created["result"]["state"] == 1
        again = await payme.create("pm-1", invoice.id, amount)
        assert again["result"] == created["result"]
        performed = await payme.perform("pm-1")
        assert performed["result"]["state"] == 2
        assert performed["result"]["perform_time"] > 0
        assert (await payme.perform("pm-1"))["result"] == performed["result"]
        checked = (await payme.check("pm-1"))["result"]
        assert checked["state"] == 2 and checked["cancel_time"] == 0
        assert checked["reason"] is None
        assert checked["transaction"] == created["result"]["transaction"]
        statement = await payme.statement(payme.now_ms() - 60_000, payme.now_ms() + 60_000)
        [row] = statement["result"]["transactions"]
        assert row["id"] == "pm-1" and row["amount"] == amount
        assert row["account"] == {"order_id": str(invoice.id)}
        fiscal = {"receipt_id": 77, "status_code": 0, "message": "accepted",
                  "terminal_id": "EP000000000025", "fiscal_sign": "123456789012",
                  "qr_code_url": "https://ofd.soliq.uz/check?t=EP25", "date": "20261201120000"}
        stored = await payme.call("SetFiscalData", {"id": "pm-1", "type": "PERFORM",
                                                    "fiscal_data": fiscal})
        assert stored["result"] == {"success": True}
        assert code(await payme.call("SetFiscalData", {"id": "pm-1", "type": "SOLD",
                                                       "fiscal_data": fiscal})) == -32600
        assert code(await payme.call("SetFiscalData", {"id": "pm-x", "type": "PERFORM",
                                                       "fiscal_data": fiscal})) == -31003
        # A second order for the paid invoice is refused as "already paid".
        assert code(await payme.check_perform(invoice.id, amount)) == -31051
        assert code(await payme.create("pm-2", invoice.id, amount)) == -31051
    async with db.sessionmaker() as s:
        tx = await s.scalar(select(PaymentTransaction).where(
            PaymentTransaction.external_id == "pm-1"))
        assert tx is not None and tx.details["fiscal_perform"]["receipt_id"] == 77
    sub = await subscription(db, OWNER)
    assert sub.status == "active" and sub.plan.code == "growth"
    # Extended from the later of now and the current (trial) end: one month after it.
    assert before.current_period_end is not None and sub.current_period_end is not None
    assert timedelta(days=28) <= sub.current_period_end - before.current_period_end \
        <= timedelta(days=31)
    assert await paid_count(db) == 1
    queued = await outbox(db, OWNER)
    assert [m.payload["method"] for m in queued] == ["sendMessage", "sendDocument"]
    assert "Payment received" in queued[0].payload["text"]
    assert "999,000 so'm via Payme" in queued[0].payload["text"]
    assert queued[1].payload["filename"] == f"{invoice.number}.pdf"


@pytest.mark.parametrize("authorization", [
    None, basic("wrong-key"), basic(PAYME_KEY, login="Merchant"), "Bearer " + PAYME_KEY,
    "Basic !!!notbase64", basic(PAYME_KEY)[:-4]])
async def test_bad_auth_is_refused_with_32504_and_audited(
        db: Database, settings: Settings, authorization: str | None) -> None:
    invoice = await pending_invoice(db, OWNER)
    async with serve(db, settings) as web:
        payme = PaymeCaller(web.url + "/payments/payme", PAYME_KEY)
        body = json.dumps({"jsonrpc": "2.0", "id": 5, "method": "CreateTransaction", "params": {
            "id": "x1", "time": payme.now_ms(), "amount": invoice.tiyin,
            "account": {"order_id": str(invoice.id)}}})
        status, reply = await payme.raw(body, authorization=authorization)
    assert status == 200
    assert reply["error"]["code"] == -32504 and reply["id"] == 5
    assert set(reply["error"]["message"]) == {"ru", "uz", "en"}
    async with db.sessionmaker() as s:
        assert await s.scalar(select(func.count()).select_from(PaymentTransaction)) == 0
        refused = await s.scalar(select(func.count()).select_from(AuditLog).where(
            AuditLog.action == "billing.payme.refused"))
    assert refused == 1


async def test_wrong_amount_unknown_order_and_protocol_errors(
        db: Database, settings: Settings) -> None:
    invoice = await pending_invoice(db, OWNER, language="ru")
    async with serve(db, settings) as web:
        payme = PaymeCaller(web.url + "/payments/payme", PAYME_KEY)
        wrong = await payme.check_perform(invoice.id, invoice.tiyin - 100)
        assert code(wrong) == -31001
        assert wrong["error"]["message"]["en"] == "The amount does not match the invoice."
        assert wrong["error"]["message"]["ru"] != wrong["error"]["message"]["en"]
        assert code(await payme.create("w1", invoice.id, invoice.total)) == -31001  # so'm
        unknown = await payme.check_perform(999_999, invoice.tiyin)
        assert code(unknown) == -31050 and unknown["error"]["data"] == "order_id"
        assert code(await payme.check_perform("abc", invoice.tiyin)) == -31050
        assert code(await payme.perform("never-created")) == -31003
        assert code(await payme.cancel("never-created", 3)) == -31003
        assert code(await payme.check("never-created")) == -31003
        assert code(await payme.call("ChangePassword", {"password": "new"})) == -32400
        assert code(await payme.call("Nope", {})) == -32601
        status, reply = await payme.raw("{not json", authorization=basic(PAYME_KEY))
        assert status == 200 and reply["error"]["code"] == -32700
        status, reply = await payme.raw('{"id": 1, "method": "CheckTransaction"}',
                                        authorization=basic(PAYME_KEY))
        assert reply["error"]["code"] == -32600
        status, reply = await payme.raw("", authorization=basic(PAYME_KEY), method="GET")
        assert status == 200 and reply["error"]["code"] == -32300
    assert (await subscription(db, OWNER)).status == "trialing"


async def test_cancel_before_and_after_perform(db: Database, settings: Settings) -> None:
    invoice = await pending_invoice(db, OWNER)
    trial_end = (await subscription(db, OWNER)).current_period_end
    async with serve(db, settings) as web:
        payme = PaymeCaller(web.url + "/payments/payme", PAYME_KEY)
        await payme.create("c1", invoice.id, invoice.tiyin)
        cancelled = await payme.cancel("c1", 3)
        assert cancelled["result"]["state"] == -1 and cancelled["result"]["cancel_time"] > 0
        assert (await payme.cancel("c1", 3))["result"] == cancelled["result"]
        assert code(await payme.perform("c1")) == -31008
        assert code(await payme.create("c1", invoice.id, invoice.tiyin)) == -31008
        assert (await payme.check("c1"))["result"]["reason"] == 3
        # A new attempt for the same (still unpaid) invoice, performed, then refunded.
        await payme.create("c2", invoice.id, invoice.tiyin)
        await payme.perform("c2")
        assert (await subscription(db, OWNER)).status == "active"
        refunded = await payme.cancel("c2", 5)
        assert refunded["result"]["state"] == -2
        assert (await payme.cancel("c2", 5))["result"] == refunded["result"]
        assert code(await payme.perform("c2")) == -31008
    sub = await subscription(db, OWNER)
    assert sub.current_period_end == trial_end  # the bought month was taken back
    async with db.sessionmaker() as s:
        assert (await s.get(Invoice, invoice.id)).status == "refunded"  # type: ignore[union-attr]


async def test_twelve_hour_timeout(db: Database, settings: Settings) -> None:
    invoice = await pending_invoice(db, OWNER)
    async with serve(db, settings) as web:
        payme = PaymeCaller(web.url + "/payments/payme", PAYME_KEY)
        await payme.create("t1", invoice.id, invoice.tiyin)
        async with db.sessionmaker() as s:
            await s.execute(update(PaymentTransaction).values(
                created_at=utcnow() - timedelta(hours=12, minutes=1)))
            await s.commit()
        # While t1 is live another transaction is busy; once expired a new one may start.
        assert code(await payme.perform("t1")) == -31008
        checked = (await payme.check("t1"))["result"]
        assert checked["state"] == -1 and checked["reason"] == 4
        stale = payme.now_ms() - 43_200_001
        assert code(await payme.create("t2", invoice.id, invoice.tiyin, at=stale)) == -31008
        fresh = await payme.create("t3", invoice.id, invoice.tiyin)
        assert fresh["result"]["state"] == 1
        assert code(await payme.create("t4", invoice.id, invoice.tiyin)) == -31051
    assert (await subscription(db, OWNER)).status == "trialing"


async def test_malformed_bodies_never_500_and_never_credit(db: Database,
                                                           settings: Settings) -> None:
    invoice = await pending_invoice(db, OWNER)
    rng = random.Random(20261201)
    values = [None, True, 0, -1, 1.5, 2**70, "", "x" * 300, [], {}, {"order_id": None},
              {"order_id": str(invoice.id)}, {"order_id": [invoice.id]}, str(invoice.id)]
    methods = ["CheckPerformTransaction", "CreateTransaction", "PerformTransaction",
               "CancelTransaction", "CheckTransaction", "GetStatement", "SetFiscalData", 7]
    bodies: list[bytes] = [b"", b"null", b"[]", b"\xff\xfe", b'{"id":', b"1" * 5000,
                           b'{"method": "CheckTransaction", "params": []}']
    for _ in range(150):
        params = {k: rng.choice(values) for k in rng.sample(
            ["id", "time", "amount", "account", "reason", "from", "to", "type",
             "fiscal_data"], rng.randint(0, 5))}
        body = {"jsonrpc": rng.choice(["2.0", None]), "id": rng.choice([1, "a", None, [1]]),
                "method": rng.choice(methods), "params": rng.choice([params, params, [], 3])}
        bodies.append(json.dumps(body).encode())
    async with serve(db, settings) as web, aiohttp.ClientSession() as http:
        for body in bodies:
            async with http.post(web.url + "/payments/payme", data=body,
                                 headers={"Authorization": basic(PAYME_KEY)}) as response:
                assert response.status == 200, body
                reply = await response.json(content_type=None)
            assert "error" in reply or "result" in reply, body
    async with db.sessionmaker() as s:
        assert (await s.get(Invoice, invoice.id)).status == "pending"  # type: ignore[union-attr]
    assert await paid_count(db) == 0


async def test_concurrent_callbacks_credit_exactly_once(db: Database,
                                                         settings: Settings) -> None:
    if db.backend != "postgresql":
        pytest.skip("SQLite serialises writers; the row-lock race needs PostgreSQL")
    invoice = await pending_invoice(db, OWNER)
    async with serve(db, settings) as web:
        payme = PaymeCaller(web.url + "/payments/payme", PAYME_KEY)
        creates = await asyncio.gather(*[payme.create(f"cc-{n}", invoice.id, invoice.tiyin)
                                         for n in range(12)])
        winners = [r for r in creates if "error" not in r]
        assert len(winners) == 1
        assert {code(r) for r in creates if "error" in r} == {-31051}
        tx_id = f"cc-{creates.index(winners[0])}"
        performs = await asyncio.gather(*[payme.perform(tx_id) for _ in range(15)])
    assert {json.dumps(r["result"], sort_keys=True) for r in performs} == {
        json.dumps(performs[0]["result"], sort_keys=True)}
    assert await paid_count(db) == 1
    assert len(await outbox(db, OWNER)) == 2
