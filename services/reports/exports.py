"""Exports: the report as a PDF (image and tables) and the business's data as an .xlsx
workbook streamed row by row (write-only), so a 200k-row business stays small in memory.
Every heading and label arrives localized from the caller."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.db.models import Customer, DailyStat, Lead, MarketingChannel, Order, SpendEntry
from services.documents.pdf import ACCENT, MUTED, Page

MONEY_FORMAT = "#,##0"
DATE_FORMAT = "dd.mm.yyyy"
DATETIME_FORMAT = "dd.mm.yyyy hh:mm"
CHUNK = 2000  # rows fetched per round trip while streaming a sheet


class Sheet(StrEnum):
    LEADS = "leads"
    CUSTOMERS = "customers"
    ORDERS = "orders"
    SPEND = "spend"
    DAILY = "daily"


class Col(StrEnum):
    """How a column's cells are formatted."""

    TEXT = "text"
    INT = "int"
    MONEY = "money"
    DATE = "date"
    DATETIME = "datetime"


# Columns of each sheet, in order: (key, format). Headers come from the caller by key.
COLUMNS: dict[Sheet, tuple[tuple[str, Col], ...]] = {
    Sheet.LEADS: (("day", Col.DATE), ("name", Col.TEXT), ("phone", Col.TEXT),
                  ("email", Col.TEXT), ("channel", Col.TEXT), ("stage", Col.TEXT),
                  ("status", Col.TEXT), ("score", Col.INT), ("source", Col.TEXT)),
    Sheet.CUSTOMERS: (("name", Col.TEXT), ("phone", Col.TEXT), ("email", Col.TEXT),
                      ("first_order", Col.DATETIME), ("last_order", Col.DATETIME),
                      ("orders", Col.INT), ("total_spent", Col.MONEY)),
    Sheet.ORDERS: (("day", Col.DATE), ("customer", Col.TEXT), ("channel", Col.TEXT),
                   ("total", Col.MONEY), ("status", Col.TEXT), ("source", Col.TEXT)),
    Sheet.SPEND: (("day", Col.DATE), ("channel", Col.TEXT), ("amount", Col.MONEY),
                  ("impressions", Col.INT), ("clicks", Col.INT), ("note", Col.TEXT)),
    Sheet.DAILY: (("day", Col.DATE), ("spend", Col.MONEY), ("impressions", Col.INT),
                  ("clicks", Col.INT), ("leads", Col.INT), ("won_leads", Col.INT),
                  ("orders", Col.INT), ("revenue", Col.MONEY), ("new_customers", Col.INT)),
}
WIDTHS = {Col.TEXT: 22, Col.INT: 11, Col.MONEY: 15, Col.DATE: 12, Col.DATETIME: 17}
FORMATS = {Col.MONEY: MONEY_FORMAT, Col.DATE: DATE_FORMAT, Col.DATETIME: DATETIME_FORMAT}


@dataclass(frozen=True, slots=True)
class WorkbookLabels:
    """Sheet titles and column headers by key, and ``value(column, code)`` for coded values
    such as a lead's stage or an order's status."""

    sheets: dict[Sheet, str]
    headers: dict[str, str]
    value: Callable[[str, str], str] = field(default=lambda _column, code: code)


@dataclass(frozen=True, slots=True)
class WorkbookStats:
    rows: dict[Sheet, int]


async def _stream(session: AsyncSession, query: Select[Any]) -> AsyncIterator[Sequence[Any]]:
    result = await session.stream(query.execution_options(yield_per=CHUNK))
    async for row in result:
        yield row


def _local(value: datetime | None, tz: ZoneInfo) -> datetime | None:
    return None if value is None else value.astimezone(tz).replace(tzinfo=None)


def _queries(business_id: int) -> dict[Sheet, Any]:
    channel = MarketingChannel.name
    return {
        Sheet.LEADS: select(Lead.day, Lead.name, Lead.phone, Lead.email, channel, Lead.stage,
                            Lead.status, Lead.score, Lead.source)
        .outerjoin(MarketingChannel, MarketingChannel.id == Lead.channel_id)
        .where(Lead.business_id == business_id).order_by(Lead.day, Lead.id),
        Sheet.CUSTOMERS: select(Customer.name, Customer.phone, Customer.email,
                                Customer.first_order_at, Customer.last_order_at,
                                Customer.orders_count, Customer.total_spent)
        .where(Customer.business_id == business_id).order_by(Customer.id),
        Sheet.ORDERS: select(Order.day, Customer.name, channel, Order.total, Order.status,
                             Order.source)
        .outerjoin(Customer, Customer.id == Order.customer_id)
        .outerjoin(MarketingChannel, MarketingChannel.id == Order.channel_id)
        .where(Order.business_id == business_id).order_by(Order.day, Order.id),
        Sheet.SPEND: select(SpendEntry.day, channel, SpendEntry.amount, SpendEntry.impressions,
                            SpendEntry.clicks, SpendEntry.note)
        .join(MarketingChannel, MarketingChannel.id == SpendEntry.channel_id)
        .where(SpendEntry.business_id == business_id).order_by(SpendEntry.day, SpendEntry.id),
        Sheet.DAILY: select(DailyStat.day, func.sum(DailyStat.spend),
                            func.sum(DailyStat.impressions), func.sum(DailyStat.clicks),
                            func.sum(DailyStat.leads), func.sum(DailyStat.won_leads),
                            func.sum(DailyStat.orders), func.sum(DailyStat.revenue),
                            func.sum(DailyStat.new_customers))
        .where(DailyStat.business_id == business_id)
        .group_by(DailyStat.day).order_by(DailyStat.day),
    }


CODED = frozenset({"stage", "status", "source"})


async def export_workbook(session: AsyncSession, *, business_id: int, timezone: str,
                          labels: WorkbookLabels) -> tuple[bytes, WorkbookStats]:
    """Leads, customers, orders, spend and daily KPIs as .xlsx bytes: real headers, money
    and date formats, a frozen header row and an autofilter on every sheet."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    tz = ZoneInfo(timezone)
    wb = Workbook(write_only=True)
    bold, fill = Font(bold=True, color="FFFFFF"), PatternFill("solid", fgColor="2563EB")
    counts: dict[Sheet, int] = {}
    for sheet, query in _queries(business_id).items():
        columns = COLUMNS[sheet]
        ws = wb.create_sheet(labels.sheets[sheet][:31])
        for i, (_key, col) in enumerate(columns, start=1):
            ws.column_dimensions[get_column_letter(i)].width = WIDTHS[col]
        ws.freeze_panes = "A2"
        header = []
        for key, _col in columns:
            cell = WriteOnlyCell(ws, value=labels.headers.get(key, key))
            cell.font, cell.fill = bold, fill
            header.append(cell)
        ws.append(header)
        n = 0
        async for row in _stream(session, query):
            values: list[Any] = []
            for (key, col), value in zip(columns, row, strict=True):
                if col is Col.DATETIME:
                    value = _local(value, tz)
                elif col in (Col.MONEY, Col.INT) and value is not None:
                    value = int(value)
                elif key in CODED and value is not None:
                    value = labels.value(key, str(value))
                if col in FORMATS and value is not None:
                    cell = WriteOnlyCell(ws, value=value)
                    cell.number_format = FORMATS[col]
                    values.append(cell)
                else:
                    values.append(value)
            ws.append(values)
            n += 1
        ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{n + 1}"
        counts[sheet] = n
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue(), WorkbookStats(counts)


# --------------------------------------------------------------------------------- PDF


@dataclass(frozen=True, slots=True)
class PdfTable:
    heading: str
    header: list[str]
    rows: list[list[str]]


@dataclass(frozen=True, slots=True)
class ReportPdf:
    """A report document: title, the report image, then tables — all text localized."""

    title: str
    subtitle: str
    image_png: bytes | None
    tables: list[PdfTable]
    notes: list[str] = field(default_factory=list)
    footer: str = ""


def render_report_pdf(doc: ReportPdf) -> bytes:
    """The report as PDF bytes (A4 portrait; DejaVu fonts cover Cyrillic and Uzbek)."""
    page = Page(doc.title)
    page.text(doc.title, size=18, height=8, bold=True)
    page.text(doc.subtitle, size=10, height=6, color=MUTED)
    page.gap(2)
    if doc.image_png:
        page.image(doc.image_png)
    for table in doc.tables:
        page.gap(4)
        page.text(table.heading, size=12, height=7, bold=True, color=ACCENT)
        page.table(table.header, table.rows)
    if doc.notes:
        page.gap(3)
        for note in doc.notes:
            page.text(note, size=9, height=5, color=MUTED)
    if doc.footer:
        page.gap(3)
        page.text(doc.footer, size=8, height=5, color=MUTED)
    return page.output()
