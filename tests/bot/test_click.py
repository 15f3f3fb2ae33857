"""Click SHOP-API Prepare/Complete replayed over HTTP against bot.web: the documented
sequence, repeats, the order of checks, Click-side failures and malformed bodies."""

from __future__ import annotations

import asyncio
import random

import aiohttp
import pytest
from sqlalchemy import func, select

from bot.config import Settings
from services.billing.click import signature
from services.db.models import AuditLog, Invoice
from tests.billing_helpers import (
    CLICK_SECRET,
    CLICK_SERVICE,
    outbox,
    pending_invoice,
    serve,
    subscription,
)
from tests.conftest import Database
from tests.fakes.click import ClickCaller

OWNER = 8201


async def paid_count(db: Database) -> int:
    async with db.sessionmaker() as s:
        return int(await s.scalar(select(func.count()).select_from(AuditLog).where(
            AuditLog.action == "billing.paid")) or 0)


def test_signature_is_md5_over_the_raw_fields_in_documented_order() -> None:
    fields = {"click_trans_id": "1", "service_id": "2", "merchant_trans_id": "3",
              "amount": "1000.00", "action": "0", "sign_time": "2026-12-01 10:00:00"}
    import hashlib

    raw = "12" + "S" + "3" + "1000.00" + "0" + "2026-12-01 10:00:00"
    assert signature(fields, "S") == hashlib.md5(raw.encode()).hexdigest()
    complete = {**fields, "action": "1", "merchant_prepare_id": "9"}
    raw = "12" + "S" + "3" + "9" + "1000.00" + "1" + "2026-12-01 10:00:00"
    assert signature(complete, "S") == hashlib.md5(raw.encode()).hexdigest()


async def test_prepare_complete_and_repeats(db: Database, settings: Settings) -> None:
    invoice = await pending_invoice(db, OWNER, plan="starter", cycle="yearly")
    async with serve(db, settings) as web:
        click = ClickCaller(web.url, service_id=CLICK_SERVICE, secret_key=CLICK_SECRET)
        tid = click.next_id()
        amount = "3830400.00"  # raw string, hashed as sent
        prepared = await click.prepare(tid, invoice.id, amount)
        assert prepared["error"] == 0 and prepared["error_note"] == "Success"
        assert prepared["click_trans_id"] == tid
        prepare_id = prepared["merchant_prepare_id"]
        assert (await click.prepare(tid, invoice.id, amount))["merchant_prepare_id"] == \
            prepare_id
        done = await click.complete(tid, invoice.id, amount, prepare_id)
        assert done["error"] == 0 and done["merchant_confirm_id"] == prepare_id
        again = await click.complete(tid, invoice.id, amount, prepare_id)
        assert again == done  # idempotent replay
        # Another payment attempt for the paid invoice: "Already paid".
        other = click.next_id()
        assert (await click.prepare(other, invoice.id, amount))["error"] == -4
        assert (await click.complete(other, invoice.id, amount, prepare_id))["error"] == -4
    sub = await subscription(db, OWNER)
    assert sub.status == "active" and sub.billing_cycle == "yearly"
    assert await paid_count(db) == 1
    queued = await outbox(db, OWNER)
    assert len(queued) == 2 and "via Click" in queued[0].payload["text"]


async def test_errors_in_the_documented_order(db: Database, settings: Settings) -> None:
    invoice = await pending_invoice(db, OWNER)
    amount = "999000"
    async with serve(db, settings) as web:
        click = ClickCaller(web.url, service_id=CLICK_SERVICE, secret_key=CLICK_SECRET)
        tid = click.next_id()
        # -8 missing fields comes before the signature.
        fields = click.fields(action="0", click_trans_id=tid, order_id=invoice.id,
                              amount=amount)
        del fields["sign_time"]
        assert (await click.post("/payments/click/prepare", fields))["error"] == -8
        assert (await click.post("/payments/click/prepare", "garbage"))["error"] == -8
        # -1 bad signature, even for an unknown order; audited.
        bad = await click.prepare(tid, 999_999, amount, sign_string="0" * 32)
        assert bad == {"error": -1, "error_note": "SIGN CHECK FAILED!",
                       "click_trans_id": tid, "merchant_trans_id": "999999"}
        # -3 wrong action for the endpoint (signed correctly).
        fields = click.fields(action="1", click_trans_id=tid, order_id=invoice.id,
                              amount=amount, prepare_id=1)
        assert (await click.post("/payments/click/prepare", fields))["error"] == -3
        assert (await click.prepare(tid, 999_999, amount))["error"] == -5
        assert (await click.prepare(tid, "abc", amount))["error"] == -5
        assert (await click.prepare(tid, invoice.id, "998000"))["error"] == -2
        assert (await click.prepare(tid, invoice.id, "999000.02"))["error"] == -2
        assert (await click.prepare(tid, invoice.id, "999000.001"))["error"] == 0
        prepared = await click.prepare(tid, invoice.id, amount)
        assert (await click.complete(tid, invoice.id, amount, 424242))["error"] == -6
        # Click failed on its side: cancelled, -9, and it stays cancelled.
        failed = await click.complete(tid, invoice.id, amount,
                                      prepared["merchant_prepare_id"], error="-5017")
        assert failed["error"] == -9
        assert (await click.complete(tid, invoice.id, amount,
                                     prepared["merchant_prepare_id"]))["error"] == -9
        assert (await click.prepare(tid, invoice.id, amount))["error"] == -9
    assert (await subscription(db, OWNER)).status == "trialing"
    async with db.sessionmaker() as s:
        refused = await s.scalar(select(func.count()).select_from(AuditLog).where(
            AuditLog.action == "billing.click.refused"))
    assert refused == 1


async def test_malformed_bodies_never_500_and_never_credit(db: Database,
                                                           settings: Settings) -> None:
    invoice = await pending_invoice(db, OWNER)
    rng = random.Random(7)
    click = ClickCaller("", service_id=CLICK_SERVICE, secret_key=CLICK_SECRET)
    junk = ["", "0", "-1", "abc", "9" * 40, "1.5", " ", "ʼ", str(invoice.id), "999000"]
    async with serve(db, settings) as web, aiohttp.ClientSession() as http:
        for n in range(120):
            path = rng.choice(["/payments/click/prepare", "/payments/click/complete"])
            action = "0" if path.endswith("prepare") else "1"
            fields = click.fields(action=action, click_trans_id=str(9_000 + n),
                                  order_id=invoice.id, amount="999000", prepare_id=1)
            for key in rng.sample(sorted(fields), rng.randint(1, 4)):
                if rng.random() < 0.3:
                    del fields[key]
                else:
                    fields[key] = rng.choice(junk)
            if rng.random() < 0.5:  # some stay correctly signed
                fields["sign_string"] = click.sign({k: fields.get(k, "") for k in (
                    "click_trans_id", "service_id", "merchant_trans_id", "amount", "action",
                    "sign_time", "merchant_prepare_id")})
            async with http.post(web.url + path, data=fields) as response:
                assert response.status == 200
                reply = await response.json(content_type=None)
            assert reply["error"] in {0, -1, -2, -3, -4, -5, -6, -8, -9}, (fields, reply)
        async with http.post(web.url + "/payments/click/complete", data=b"\xff\x00",
                             headers={"Content-Type": "application/json"}) as response:
            assert response.status == 200
    async with db.sessionmaker() as s:
        assert (await s.get(Invoice, invoice.id)).status == "pending"  # type: ignore[union-attr]


async def test_concurrent_completes_credit_exactly_once(db: Database,
                                                        settings: Settings) -> None:
    if db.backend != "postgresql":
        pytest.skip("SQLite serialises writers; the row-lock race needs PostgreSQL")
    invoice = await pending_invoice(db, OWNER)
    async with serve(db, settings) as web:
        click = ClickCaller(web.url, service_id=CLICK_SERVICE, secret_key=CLICK_SECRET)
        tid = click.next_id()
        prepared = await click.prepare(tid, invoice.id, "999000")
        replies = await asyncio.gather(*[click.complete(
            tid, invoice.id, "999000", prepared["merchant_prepare_id"]) for _ in range(20)])
    assert {r["error"] for r in replies} == {0}
    assert await paid_count(db) == 1
    assert len(await outbox(db, OWNER)) == 2
