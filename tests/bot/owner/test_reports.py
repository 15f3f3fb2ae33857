"""/report, its 📄 PDF and 📊 Excel buttons and the scheduled-report opt-in, as owners and
members see them through the emulator (English and Russian)."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from openpyxl import load_workbook

from services import teams
from services.db.models import DailyStat, Lead, MarketingChannel
from services.reports import ReportKind, window
from tests.conftest import Database, Telegram
from tests.factories import add_member, make_owner


def _today() -> date:
    return datetime.now(ZoneInfo("Asia/Tashkent")).date()


async def _seed(db: Database, business_id: int) -> None:
    """Last Mon–Sun: 7 × (900 000 revenue, 300 000 spend); the week before at half."""
    week = window(ReportKind.WEEKLY, today=_today())
    async with db.sessionmaker() as s:
        channel = MarketingChannel(business_id=business_id, kind="instagram", name="Instagram")
        s.add(channel)
        await s.flush()
        for i in range(7):
            day = week.start + timedelta(days=i)
            s.add(DailyStat(business_id=business_id, day=day, channel_id=channel.id,
                            spend=300_000, leads=6, won_leads=1, orders=3, revenue=900_000,
                            new_customers=1))
            s.add(DailyStat(business_id=business_id, day=day - timedelta(days=7),
                            channel_id=channel.id, spend=300_000, leads=3, orders=1,
                            revenue=450_000, new_customers=1))
            s.add(Lead(business_id=business_id, name=f"Lead {i}", day=day, stage="interest",
                       channel_id=channel.id))
        await s.commit()


async def test_weekly_report_with_pdf_and_excel_in_english(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 7701)
    await _seed(db, business.id)
    user = tg.user(7701)
    reply = await user.send("/report")
    [photo] = [m for m in reply if m.photo is not None]
    assert photo.photo is not None and photo.photo.startswith(b"\x89PNG")
    assert "upload_photo" in user.chat_actions
    assert all("Preparing the report" not in m.text for m in user.history)  # replaced
    text = photo.text
    assert "Weekly report — Test Biz" in text and "vs the week before" in text
    assert "💰 Revenue: 6,300,000 so'm (▲ +100%)" in text
    assert "🛒 Orders: 21 (▲ +200%)" in text
    assert "📈 Marketing ROI: 200% (▲ +300%)" in text
    assert "🏆 Top channel: Instagram — 6,300,000 so'm, 42 leads" in text
    assert photo.button_texts() == ["📄 PDF", "📊 Excel"]

    [pdf] = [m for m in await user.press("📄 PDF", message=photo) if m.document is not None]
    assert pdf.document is not None and pdf.document.startswith(b"%PDF-")
    assert pdf.filename is not None and pdf.filename.startswith("Weekly report ")
    assert pdf.filename.endswith(".pdf")

    [xlsx] = [m for m in await user.press("📊 Excel", message=photo) if m.document is not None]
    assert xlsx.filename == "Test Biz data.xlsx" and xlsx.document is not None
    wb = load_workbook(io.BytesIO(xlsx.document))
    assert wb.sheetnames == ["Leads", "Customers", "Orders", "Spend", "Daily KPIs"]
    leads = wb["Leads"]
    assert [c.value for c in leads[1]][:3] == ["Date", "Name", "Phone"]
    assert leads.max_row == 8 and leads["F2"].value == "Interest"
    assert wb["Daily KPIs"].max_row == 15
    assert "14 rows" not in xlsx.text and "21 rows" in xlsx.text  # 7 leads + 14 days


async def test_monthly_report_in_russian_and_unknown_kind(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 7702, language="ru")
    await _seed(db, business.id)
    user = tg.user(7702, language_code="ru")
    [photo] = [m for m in await user.send("/report месяц") if m.photo is not None]
    assert "Ежемесячный отчёт — Test Biz" in photo.text
    assert "по сравнению с прошлым месяцем" in photo.text
    assert "💰 Выручка:" in photo.text and "сум" in photo.text
    assert photo.button_texts() == ["📄 PDF", "📊 Excel"]
    usage = (await user.send("/report когда-нибудь"))[-1]
    assert "/report monthly" in usage.text and usage.photo is None


async def test_a_business_without_numbers_gets_a_hint(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        await make_owner(s, 7703)
    user = tg.user(7703)
    [photo] = [m for m in await user.send("/report daily") if m.photo is not None]
    assert "Daily brief" in photo.text and "No numbers yet" in photo.text


async def test_members_opt_in_and_viewers_cannot_export(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 7704)
        await add_member(s, business.id, 7705, teams.Role.VIEWER)
    await _seed(db, business.id)
    viewer = tg.user(7705)
    screen = (await viewer.send("/report settings"))[-1]
    assert "Scheduled reports" in screen.text and "You don't get them." in screen.text
    await viewer.press("🔔 Get scheduled reports", message=screen)
    edited = viewer.history[-1]
    assert "You get them." in edited.text
    assert edited.button_texts() == ["🔕 Stop scheduled reports",
                                     "🔔 Get weekly strategy check-ins"]
    assert "Weekly strategy check-in (Mondays 09:00, when the month has a plan): off." \
        in edited.text
    await viewer.press("🔔 Get weekly strategy check-ins", message=edited)
    edited = viewer.history[-1]
    assert "plan): on." in edited.text
    assert edited.button_texts() == ["🔕 Stop scheduled reports",
                                     "🔕 Stop weekly strategy check-ins"]
    [photo] = [m for m in await viewer.send("/report weekly") if m.photo is not None]
    replies = await viewer.press("📄 PDF", message=photo)
    assert not any(m.document is not None for m in replies)
    answer = viewer.callback_answers[-1]
    assert answer.show_alert and "Your role (Viewer) can't" in (answer.text or "")
