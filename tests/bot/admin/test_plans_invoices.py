"""/plans and /invoices as a platform admin sees them, through the emulator (en and ru)."""

from __future__ import annotations

from sqlalchemy import select

from services import plans, users
from services.billing import invoices
from services.db.models import AuditLog, Invoice, OutboxMessage
from services.plans import PlanCode, Resource
from tests.conftest import Database, Telegram
from tests.factories import make_owner

ADMIN = 900_000_001  # in ADMIN_IDS (tests/conftest.py)
UNKNOWN_EN = "I didn't get that. /menu opens the main menu, /help lists what I can do."


async def _admin(db: Database, language: str) -> None:
    async with db.sessionmaker() as s:
        user, _ = await users.touch_user(s, user_id=ADMIN, first_name="Admin")
        user.language = language
        await s.commit()


async def test_admin_edits_a_limit_and_switches_a_plan_off(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        await make_owner(s, 7601)
    await _admin(db, "en")
    admin = tg.user(ADMIN)
    listing = (await admin.send("/plans"))[-1]
    assert "<code>" not in listing.text  # rendered HTML, not markup
    assert ("• starter Starter: 399,000 so'm/month · 3,830,400 so'm/year · active · "
            "subscribers: 1") in listing.text
    assert "• enterprise Enterprise: custom/month" in listing.text
    card = (await admin.press("Starter"))[-1]
    assert "• Marketing channels: 3" in card.text and "Monthly price: 399,000 so'm" in card.text
    prompt = (await admin.press("✏️ Marketing channels"))[-1]
    assert prompt.text.startswith("✏️ Marketing channels for Starter.")
    bad = await admin.send("many")
    assert [m.text for m in bad] == [
        "Please type a whole number (0 or more), or -1 or ∞ for unlimited."]
    saved = await admin.send("12")
    assert saved[0].text == "✅ Saved: Marketing channels."
    assert "• Marketing channels: 12" in saved[-1].text
    await admin.press("✏️ Leads per month", message=saved[-1])
    saved = await admin.send("∞")
    assert "• Leads per month: unlimited" in saved[-1].text
    await admin.press("⏸ Stop offering", message=saved[-1])
    assert admin.callback_answers[-1].text == (
        "The plan is no longer offered; its subscribers keep it.")
    async with db.sessionmaker() as s:
        plan = await plans.get_plan(s, PlanCode.STARTER)
        assert plan.limits[Resource.CHANNELS] == 12
        assert plan.limits[Resource.LEADS_PER_MONTH] == plans.UNLIMITED
        assert not plan.is_active
        assert PlanCode.STARTER not in [p.code for p in await plans.list_plans(s)]
        actions = list(await s.scalars(select(AuditLog.action).where(
            AuditLog.action.startswith("admin.plan")).order_by(AuditLog.id)))
    assert actions == ["admin.plan.limit", "admin.plan.limit", "admin.plan.deactivate"]


async def test_admin_in_russian_creates_a_plan(tg: Telegram, db: Database) -> None:
    await _admin(db, "ru")
    admin = tg.user(ADMIN, language_code="ru")
    listing = (await admin.send("/plans"))[-1]
    assert listing.text.startswith("💳 Тарифы")
    await admin.press("Growth")
    await admin.press("➕ Новый тариф на основе этого")
    bad = await admin.send("pro\nPro")
    assert bad[-1].text.startswith("Отправьте ровно четыре строки")
    created = await admin.send("pro\nPro\n1 500 000\n14400000")
    assert created[0].text == "✅ Тариф создан: Pro."
    assert "Месячная цена: 1\xa0500\xa0000 сум" in created[-1].text
    async with db.sessionmaker() as s:
        pro = await plans.get_plan(s, "pro")
        growth = await plans.get_plan(s, PlanCode.GROWTH)
        assert pro.limits == growth.limits and pro.is_active


async def test_non_admin_plans_is_an_unknown_command(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        await make_owner(s, 7602)
    user = tg.user(7602)
    assert [m.text for m in await user.send("/plans")] == [UNKNOWN_EN]
    assert [m.text for m in await user.send("/invoices")] == [UNKNOWN_EN]
    await user.press_data("apl1:off:1:")
    async with db.sessionmaker() as s:
        assert (await plans.get_plan(s, PlanCode.STARTER)).is_active


async def test_invoices_listed_filtered_opened_and_resent(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 7603, name="Shop")
        paid = await invoices.create_invoice(s, user_id=7603, business_id=business.id,
                                             plan_code="growth", cycle="monthly")
        pending = await invoices.create_invoice(s, user_id=7603, business_id=business.id,
                                                plan_code="starter", cycle="yearly")
        row = await s.get(Invoice, paid.id)
        assert row is not None
        row.status, row.provider, row.paid_at = "paid", "payme", row.created_at
        await s.commit()
    await _admin(db, "en")
    admin = tg.user(ADMIN)
    listing = (await admin.send("/invoices"))[-1]
    assert "Invoices — all" in listing.text and "2 in all" in listing.text
    assert f"{paid.number} · Owner7603 (7603) · Growth · 999,000 so'm · paid" in listing.text
    assert f"{pending.number} · Owner7603 (7603) · Starter · 3,830,400 so'm · pending" \
        in listing.text
    only_paid = (await admin.press("paid"))[-1]
    assert "Invoices — paid" in only_paid.text
    assert paid.number in only_paid.text and pending.number not in only_paid.text
    opened = (await admin.press(f"🧾 {paid.number}", message=only_paid))[-1]
    assert f"Invoice {paid.number}" in opened.text
    assert "• Growth, monthly: 999,000 so'm" in opened.text
    assert "Total: 999,000 so'm" in opened.text
    copy = await admin.press("📄 Resend the PDF to the owner", message=opened)
    assert copy[-1].document is not None and copy[-1].document.startswith(b"%PDF")
    assert admin.callback_answers[-1].text == "📄 The PDF is queued for the owner."
    async with db.sessionmaker() as s:
        queued = list(await s.scalars(select(OutboxMessage).where(
            OutboxMessage.chat_id == 7603)))
        audit = await s.scalar(select(AuditLog).where(
            AuditLog.action == "admin.invoice.resend"))
    assert len(queued) == 1 and queued[0].payload["filename"] == f"{paid.number}.pdf"
    assert audit is not None and audit.details["invoice"] == paid.number
