"""Report periods and due times in several time zones, report numbers against services.kpi,
recipients and opt-in, and the PNG, PDF and XLSX outputs."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy.ext.asyncio import AsyncSession

from services import kpi, reports, teams
from services.charts.dashboard import Bar, CardSpec
from services.charts.report import ReportImage, render_report, render_report_plain
from services.db.models import (
    AnalyticsSettings,
    Customer,
    DailyStat,
    Lead,
    MarketingChannel,
    Order,
    SpendEntry,
)
from services.errors import NotFound
from services.kpi import KpiName, Period, PeriodKind
from services.reports import ReportKind, due_window, window
from services.reports.exports import (
    PdfTable,
    ReportPdf,
    Sheet,
    WorkbookLabels,
    export_workbook,
    render_report_pdf,
)
from tests.factories import add_member, make_owner


def test_windows_cover_the_last_complete_period() -> None:
    tue = date(2026, 12, 1)  # a Tuesday, first day of December and of nothing else
    daily = window(ReportKind.DAILY, today=tue)
    assert (daily.start, daily.end, daily.key) == (date(2026, 11, 30),) * 2 + ("2026-11-30",)
    assert daily.previous_start == date(2026, 11, 29)
    weekly = window(ReportKind.WEEKLY, today=date(2026, 11, 30))  # Monday
    assert (weekly.start, weekly.end) == (date(2026, 11, 23), date(2026, 11, 29))
    assert (weekly.previous_start, weekly.previous_end) == (date(2026, 11, 16),
                                                            date(2026, 11, 22))
    assert weekly.key == "2026-W48"
    monthly = window(ReportKind.MONTHLY, today=date(2026, 3, 1))
    assert (monthly.start, monthly.end, monthly.key) == (date(2026, 2, 1), date(2026, 2, 28),
                                                         "2026-02")
    assert (monthly.previous_start, monthly.previous_end) == (date(2026, 1, 1),
                                                              date(2026, 1, 31))
    quarterly = window(ReportKind.QUARTERLY, today=date(2027, 1, 1))
    assert (quarterly.start, quarterly.end, quarterly.key) == (
        date(2026, 10, 1), date(2026, 12, 31), "2026-Q4")
    assert quarterly.previous_start == date(2026, 7, 1)


@pytest.mark.parametrize(("tz", "before", "after"), [
    # 09:00 local on Monday 30 Nov 2026, in UTC
    ("Asia/Tashkent", datetime(2026, 11, 30, 3, 59, tzinfo=UTC),
     datetime(2026, 11, 30, 4, 0, tzinfo=UTC)),
    ("Europe/Moscow", datetime(2026, 11, 30, 5, 59, tzinfo=UTC),
     datetime(2026, 11, 30, 6, 0, tzinfo=UTC)),
    ("America/New_York", datetime(2026, 11, 30, 13, 59, tzinfo=UTC),  # EST, UTC−5
     datetime(2026, 11, 30, 14, 0, tzinfo=UTC)),
])
def test_weekly_is_due_after_nine_on_monday_local(tz: str, before: datetime,
                                                  after: datetime) -> None:
    assert due_window(ReportKind.WEEKLY, now=before, timezone=tz) is None
    due = due_window(ReportKind.WEEKLY, now=after, timezone=tz)
    assert due is not None and due.key == "2026-W48"
    # the rest of Monday still catches up; Tuesday does not
    assert due_window(ReportKind.WEEKLY, now=after + timedelta(hours=14), timezone=tz)
    assert due_window(ReportKind.WEEKLY, now=after + timedelta(hours=15, minutes=1),
                      timezone=tz) is None


def test_new_york_summer_time_and_month_and_quarter_starts() -> None:
    ny = "America/New_York"  # EDT (UTC−4) on 1 July
    assert due_window(ReportKind.MONTHLY, now=datetime(2026, 7, 1, 12, 59, tzinfo=UTC),
                      timezone=ny) is None
    monthly = due_window(ReportKind.MONTHLY, now=datetime(2026, 7, 1, 13, 0, tzinfo=UTC),
                         timezone=ny)
    assert monthly is not None and monthly.key == "2026-06"
    quarterly = due_window(ReportKind.QUARTERLY, now=datetime(2026, 7, 1, 13, 0, tzinfo=UTC),
                           timezone=ny)
    assert quarterly is not None and quarterly.key == "2026-Q2"
    # already 1 July 09:00 in Tashkent while it is still 30 June in New York
    at = datetime(2026, 7, 1, 4, 30, tzinfo=UTC)
    assert due_window(ReportKind.MONTHLY, now=at, timezone="Asia/Tashkent") is not None
    assert due_window(ReportKind.MONTHLY, now=at, timezone=ny) is None
    assert due_window(ReportKind.QUARTERLY, now=datetime(2026, 8, 1, 5, tzinfo=UTC),
                      timezone="Asia/Tashkent") is None
    daily = due_window(ReportKind.DAILY, now=datetime(2026, 8, 5, 20, tzinfo=UTC),
                       timezone="Europe/Moscow")
    assert daily is not None and daily.key == "2026-08-04"  # 23:00 on the 5th: yesterday


async def _seed(session: AsyncSession, business_id: int) -> int:
    """Week 23–29 Nov: 7 × (revenue 900 000, spend 300 000); the week before at half."""
    channel = MarketingChannel(business_id=business_id, kind="instagram", name="Instagram")
    session.add(channel)
    await session.flush()
    for i in range(7):
        day = date(2026, 11, 23) + timedelta(days=i)
        session.add(DailyStat(business_id=business_id, day=day, channel_id=channel.id,
                              spend=300_000, impressions=10_000, clicks=200, leads=6,
                              won_leads=1, orders=3, revenue=900_000, new_customers=1))
        session.add(DailyStat(business_id=business_id, day=day - timedelta(days=7),
                              channel_id=channel.id, spend=300_000, impressions=0, clicks=0,
                              leads=3, won_leads=0, orders=1, revenue=450_000,
                              new_customers=1))
    await session.commit()
    return channel.id


NOW = datetime(2026, 11, 30, 5, 0, tzinfo=UTC)  # Monday 10:00 in Tashkent


async def test_weekly_numbers_come_from_the_kpi_engine(session: AsyncSession) -> None:
    business = await make_owner(session, 8801)
    await _seed(session, business.id)
    data = await reports.build_report(session, business_id=business.id,
                                      kind=ReportKind.WEEKLY, now=NOW)
    board = await kpi.dashboard(session, business_id=business.id, now=NOW, period=Period(
        PeriodKind.CUSTOM, date(2026, 11, 23), date(2026, 11, 29), "Asia/Tashkent"))
    assert list(data.cards) == list(reports.REPORT_KPIS)
    for name in reports.REPORT_KPIS:
        assert data.cards[name] == board.cards[name]
    assert data.cards[KpiName.REVENUE].value == 6_300_000
    assert data.cards[KpiName.REVENUE].change.pct == 100
    assert data.cards[KpiName.ROI].value == 200
    assert data.top_channel is not None and data.top_channel.name == "Instagram"
    assert [p.revenue for p in data.series] == [900_000] * 7


async def test_monthly_compares_with_the_calendar_month_before(session: AsyncSession) -> None:
    business = await make_owner(session, 8802)
    session.add_all([
        DailyStat(business_id=business.id, day=date(2026, 10, 31), channel_id=0,
                  revenue=1_000_000, orders=1),
        DailyStat(business_id=business.id, day=date(2026, 11, 15), channel_id=0,
                  revenue=3_000_000, orders=2),
    ])
    await session.commit()
    data = await reports.build_report(session, business_id=business.id,
                                      kind=ReportKind.MONTHLY,
                                      now=datetime(2026, 12, 1, 6, tzinfo=UTC))
    revenue = data.cards[KpiName.REVENUE]
    assert (data.window.start, data.window.end) == (date(2026, 11, 1), date(2026, 11, 30))
    assert (revenue.value, revenue.previous, revenue.change.pct) == (3_000_000, 1_000_000, 200)
    assert len(data.series) == 30 and data.top_channel is None


async def test_daily_brief_has_week_to_date(session: AsyncSession) -> None:
    business = await make_owner(session, 8803)
    await _seed(session, business.id)
    data = await reports.build_report(session, business_id=business.id, kind="daily",
                                      now=datetime(2026, 11, 27, 5, tzinfo=UTC))  # Friday
    assert data.window.key == "2026-11-26" and data.week_start == date(2026, 11, 23)
    assert data.cards[KpiName.REVENUE].value == 900_000
    assert data.week_to_date is not None
    assert data.week_to_date[KpiName.REVENUE].value == 4 * 900_000
    assert data.week_to_date[KpiName.REVENUE].change.pct == 100
    assert len(data.series) == 7
    with pytest.raises(NotFound):
        await reports.build_report(session, business_id=999_999, kind="daily")


async def test_recipients_owner_by_default_members_when_opted_in(
        session: AsyncSession) -> None:
    business = await make_owner(session, 8804, language="ru")
    await add_member(session, business.id, 8805, teams.Role.MANAGER, language="uz")
    assert [r.user_id for r in await reports.recipients(session, business_id=business.id)] \
        == [8804]
    await reports.set_opt_in(session, business_id=business.id, user_id=8805, enabled=True)
    await reports.set_opt_in(session, business_id=business.id, user_id=8804, enabled=False)
    people = await reports.recipients(session, business_id=business.id)
    assert [(r.user_id, r.language) for r in people] == [(8805, "uz")]
    with pytest.raises(NotFound):
        await reports.set_opt_in(session, business_id=business.id, user_id=8899, enabled=True)


async def test_due_reports_follow_each_business_time_zone(session: AsyncSession) -> None:
    tashkent = await make_owner(session, 8806)
    new_york = await make_owner(session, 8807)
    session.add(AnalyticsSettings(business_id=new_york.id, repeat_window_days=60,
                                  timezone="America/New_York"))
    await session.commit()
    at = datetime(2026, 11, 30, 5, tzinfo=UTC)
    due = {d.business_id for d in await reports.due_reports(session, kind="weekly", now=at)}
    assert tashkent.id in due and new_york.id not in due
    await reports.record_run(session, business_id=tashkent.id, kind=ReportKind.WEEKLY,
                             period_key="2026-W48", recipients=1)
    later = at + timedelta(hours=10)
    due = {d.business_id for d in await reports.due_reports(session, kind="weekly", now=later)}
    assert tashkent.id not in due and new_york.id in due


def _image(cards: int = 6, days: int = 7) -> ReportImage:
    return ReportImage(
        title="Weekly report — Кафе «Ширин»", subtitle="23 Nov – 29 Nov · vs the week before",
        cards=[CardSpec(f"KPI {i}", "1 250 000 so'm", "+12%", "up", "good")
               for i in range(cards)],
        days=[f"{d:02d}.11" for d in range(1, days + 1)], revenue=list(range(days)),
        spend=[1] * days, series_title="Revenue vs spend", revenue_label="Выручка",
        spend_label="Spend", channels_title="Channels", channels=[Bar("Instagram", 5, "5")],
        goals_title="Goals", goals=[Bar("Oʻquvchilar 100", 40, "40%")], empty_text="No data")


def test_report_images_are_png_and_reuse_one_canvas() -> None:
    first = render_report(_image())
    second = render_report(_image(days=30))
    empty = render_report(replace(_image(), revenue=[0] * 7, spend=[0] * 7, channels=[],
                                  goals=[]))
    for png in (first, second, empty, render_report_plain(_image())):
        assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10_000
    assert first != second != empty
    assert render_report(_image()) == first  # the reused canvas leaves nothing behind


def test_the_pdf_is_a_real_document() -> None:
    pdf = render_report_pdf(ReportPdf(
        title="Ежемесячный отчёт — Test", subtitle="1 – 30 Nov", image_png=render_report(
            _image()), tables=[PdfTable("KPI", ["KPI", "Now"], [["Выручка", "3 000 000"]])],
        notes=["Oʻzbekcha matn"], footer="BiznesPilot"))
    assert pdf.startswith(b"%PDF-") and b"/Image" in pdf and len(pdf) > 20_000


async def test_the_workbook_has_every_sheet_with_formats(session: AsyncSession) -> None:
    business = await make_owner(session, 8808)
    channel_id = await _seed(session, business.id)
    customer = Customer(business_id=business.id, name="Aziza", phone="+998901234567",
                        first_order_at=datetime(2026, 11, 23, 7, tzinfo=UTC),
                        last_order_at=datetime(2026, 11, 24, 7, tzinfo=UTC), orders_count=2,
                        total_spent=700_000)
    session.add(customer)
    await session.flush()
    session.add_all([
        Lead(business_id=business.id, name="Aziza", day=date(2026, 11, 23), stage="intent",
             channel_id=channel_id),
        Order(business_id=business.id, customer_id=customer.id, channel_id=channel_id,
              total=350_000, day=date(2026, 11, 23)),
        SpendEntry(business_id=business.id, channel_id=channel_id, day=date(2026, 11, 23),
                   amount=300_000, clicks=200),
    ])
    await session.commit()
    labels = WorkbookLabels(
        {s: s.value.title() for s in Sheet}, {"day": "Date", "total": "Total"},
        lambda column, code: f"{column}:{code}")
    data, stats = await export_workbook(session, business_id=business.id,
                                        timezone="Asia/Tashkent", labels=labels)
    assert stats.rows == {Sheet.LEADS: 1, Sheet.CUSTOMERS: 1, Sheet.ORDERS: 1, Sheet.SPEND: 1,
                          Sheet.DAILY: 14}
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["Leads", "Customers", "Orders", "Spend", "Daily"]
    orders = wb["Orders"]
    assert [c.value for c in orders[1]][:4] == ["Date", "customer", "channel", "Total"]
    row = [c for c in orders[2]]
    assert row[0].value == datetime(2026, 11, 23) and row[0].number_format == "dd.mm.yyyy"
    assert row[3].value == 350_000 and row[3].number_format == "#,##0"
    assert row[4].value == "status:paid"
    assert orders.freeze_panes == "A2" and orders.auto_filter.ref == "A1:F2"
    customers = wb["Customers"]
    assert customers["D2"].value == datetime(2026, 11, 23, 12, 0)  # Tashkent local time
    assert wb["Leads"]["F2"].value == "stage:intent"
    daily = wb["Daily"]
    assert daily.max_row == 15 and daily["H15"].value == 900_000
