"""Admin coupon commands: only platform admins; create, list, switch off (en and uz)."""

from __future__ import annotations

from services.billing import coupons
from tests.conftest import Database, Telegram
from tests.factories import make_owner

ADMIN = 900_000_001  # in settings.admin_ids


async def test_admin_creates_lists_and_switches_off_coupons(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        await make_owner(s, ADMIN)
    admin = tg.user(ADMIN)
    usage = (await admin.send("/coupon_new"))[-1].text
    assert usage.startswith("Usage: /coupon_new CODE")
    created = (await admin.send("/coupon_new spring25 percent 25 100 2027-03-31"))[-1].text
    assert created.startswith("✅ Coupon created: SPRING25 — 25% · 0 of 100 used · until")
    again = (await admin.send("/coupon_new SPRING25 fixed 1000"))[-1].text
    assert "already exists" in again
    assert "percent 150" not in (await admin.send("/coupon_new BIG percent 150"))[-1].text
    await admin.send("/coupon_new FLAT fixed 50000")
    listing = (await admin.send("/coupons"))[-1].text
    assert "FLAT — 50,000 so'm · 0 used" in listing and "SPRING25" in listing
    off = (await admin.send("/coupon_off flat"))[-1].text
    assert off.startswith("Coupon switched off: FLAT") and off.endswith("off")
    async with db.sessionmaker() as s:
        by_code = {c.code: c for c in await coupons.list_coupons(s)}
    assert set(by_code) == {"SPRING25", "FLAT"} and not by_code["FLAT"].is_active


async def test_non_admins_cannot_use_coupon_commands(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        await make_owner(s, 8501, language="uz")
    user = tg.user(8501, language_code="uz")
    await user.send("/coupon_new HACK percent 100")
    async with db.sessionmaker() as s:
        assert await coupons.list_coupons(s) == []
