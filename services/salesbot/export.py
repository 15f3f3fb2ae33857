"""Sales conversation exports (SPEC §3.9): one conversation's transcript, or every message
of a period, as CSV or XLSX — one row per message with the conversation id, customer, stage,
author, text and time in the business's time zone. Rows are read in keyset-paged chunks, each
written in a worker thread (the event loop keeps serving other updates), and the workbook is
in openpyxl's write-only mode, so a big period stays small in memory.
Headers and coded values (stage, author) arrive localized from the caller."""

from __future__ import annotations

import asyncio
import csv
import io
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.db.models import SalesConversation, SalesMessage
from services.errors import NotFound

CHUNK = 2000
COLUMNS = ("conversation", "customer", "username", "stage", "author", "text", "time")
CSV_TIME_FORMAT = "%Y-%m-%d %H:%M"
XLSX_TIME_FORMAT = "dd.mm.yyyy hh:mm"
WIDTHS = {"conversation": 12, "customer": 22, "username": 18, "stage": 16, "author": 12,
          "text": 70, "time": 17}


class ExportFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"


@dataclass(frozen=True, slots=True)
class ExportLabels:
    """Column headers by key, the sheet title, and ``value(column, code)`` for stage and
    author codes."""

    headers: dict[str, str]
    sheet: str = "Messages"
    value: Callable[[str, str], str] = field(default=lambda _column, code: code)


@dataclass(frozen=True, slots=True)
class ExportRow:
    conversation_id: int
    customer: str
    username: str
    stage: str
    author: str
    text: str
    time: datetime  # local, naive (the business's time zone)


@dataclass(frozen=True, slots=True)
class Export:
    data: bytes
    rows: int
    conversations: int


async def require_conversation(session: AsyncSession, *, business_id: int,
                               conversation_id: int) -> None:
    """NotFound unless the conversation belongs to the business."""
    found = await session.scalar(select(SalesConversation.id).where(
        SalesConversation.id == conversation_id,
        SalesConversation.business_id == business_id))
    if found is None:
        raise NotFound(entity="conversation", id=conversation_id)


async def rows(session: AsyncSession, *, business_id: int, timezone: str,
               conversation_id: int | None = None, start: datetime | None = None,
               end: datetime | None = None, bot_id: int | None = None
               ) -> AsyncIterator[ExportRow]:
    """The messages, grouped by conversation and in order within each."""
    async for page in pages(session, business_id=business_id, timezone=timezone,
                            conversation_id=conversation_id, start=start, end=end,
                            bot_id=bot_id):
        for row in page:
            yield row


async def pages(session: AsyncSession, *, business_id: int, timezone: str,
                conversation_id: int | None = None, start: datetime | None = None,
                end: datetime | None = None, bot_id: int | None = None
                ) -> AsyncIterator[list[ExportRow]]:
    """:func:`rows` a page (``CHUNK`` rows) at a time."""
    if conversation_id is not None:
        await require_conversation(session, business_id=business_id,
                                   conversation_id=conversation_id)
    conv, msg = SalesConversation, SalesMessage
    where: list[ColumnElement[bool]] = [msg.business_id == business_id,
                                        conv.business_id == business_id]
    if conversation_id is not None:
        where.append(msg.conversation_id == conversation_id)
    if start is not None:
        where.append(msg.created_at >= start)
    if end is not None:
        where.append(msg.created_at < end)
    if bot_id is not None:
        where.append(conv.bot_id == bot_id)
    tz = ZoneInfo(timezone)
    last: tuple[int, int] | None = None
    while True:
        query = (select(msg.conversation_id, msg.id, conv.customer_name,
                        conv.customer_username, conv.stage, msg.author, msg.text,
                        msg.created_at)
                 .join(conv, conv.id == msg.conversation_id).where(*where)
                 .order_by(msg.conversation_id, msg.id).limit(CHUNK))
        if last is not None:
            query = query.where(or_(msg.conversation_id > last[0],
                                    and_(msg.conversation_id == last[0], msg.id > last[1])))
        chunk = (await session.execute(query)).all()
        if chunk:
            yield [ExportRow(conv_id, name or "", username or "", stage, author, text or "",
                             created.astimezone(tz).replace(tzinfo=None))
                   for conv_id, _id, name, username, stage, author, text, created in chunk]
        if len(chunk) < CHUNK:
            return
        last = (chunk[-1][0], chunk[-1][1])


def _cells(row: ExportRow, labels: ExportLabels) -> list[object]:
    return [row.conversation_id, row.customer, row.username, labels.value("stage", row.stage),
            labels.value("author", row.author), row.text, row.time]


async def export(session: AsyncSession, *, business_id: int, timezone: str,
                 labels: ExportLabels, fmt: ExportFormat, conversation_id: int | None = None,
                 start: datetime | None = None, end: datetime | None = None,
                 bot_id: int | None = None) -> Export:
    """The messages as a CSV (UTF-8 with BOM, so Excel reads Cyrillic) or XLSX file. Each
    page is written in a worker thread, so a big export never holds the event loop."""
    writer: _Writer = _CsvWriter() if fmt is ExportFormat.CSV else _XlsxWriter(labels.sheet)
    await asyncio.to_thread(writer.header, [labels.headers.get(key, key) for key in COLUMNS])
    count, seen = 0, set[int]()
    async for page in pages(session, business_id=business_id, timezone=timezone,
                            conversation_id=conversation_id, start=start, end=end,
                            bot_id=bot_id):
        cells = [_cells(row, labels) for row in page]  # labels may need this task's locale
        await asyncio.to_thread(writer.rows, cells)
        count += len(page)
        seen.update(row.conversation_id for row in page)
    return Export(await asyncio.to_thread(writer.finish), count, len(seen))


class _Writer(Protocol):
    def header(self, headers: list[str]) -> None: ...
    def rows(self, rows: list[list[object]]) -> None: ...
    def finish(self) -> bytes: ...


class _CsvWriter:
    def __init__(self) -> None:
        self.buf = io.StringIO()
        self.writer = csv.writer(self.buf)

    def header(self, headers: list[str]) -> None:
        self.writer.writerow(headers)

    def rows(self, rows: list[list[object]]) -> None:
        for cells in rows:
            time_value = cells[-1]
            assert isinstance(time_value, datetime)
            self.writer.writerow([*(_no_formula(c) for c in cells[:-1]),
                                  time_value.strftime(CSV_TIME_FORMAT)])

    def finish(self) -> bytes:
        return self.buf.getvalue().encode("utf-8-sig")


class _XlsxWriter:
    def __init__(self, sheet: str) -> None:
        from openpyxl import Workbook
        from openpyxl.utils import get_column_letter

        self.wb = Workbook(write_only=True)
        self.ws: Any = self.wb.create_sheet(sheet[:31])
        for i, key in enumerate(COLUMNS, start=1):
            self.ws.column_dimensions[get_column_letter(i)].width = WIDTHS[key]
        self.ws.freeze_panes = "A2"

    def header(self, headers: list[str]) -> None:
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font

        bold = Font(bold=True)
        cells = []
        for text in headers:
            cell = WriteOnlyCell(self.ws, value=text)
            cell.font = bold
            cells.append(cell)
        self.ws.append(cells)

    def rows(self, rows: list[list[object]]) -> None:
        from openpyxl.cell import WriteOnlyCell

        ws = self.ws
        for cells in rows:
            time_cell = WriteOnlyCell(ws, value=cells[-1])
            time_cell.number_format = XLSX_TIME_FORMAT
            ws.append([*(_text_cell(ws, c) for c in cells[:-1]), time_cell])

    def finish(self) -> bytes:
        out = io.BytesIO()
        self.wb.save(out)
        return out.getvalue()


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _no_formula(value: object) -> object:
    """A customer's ``=HYPERLINK(…)`` must stay text when the CSV is opened in a spreadsheet."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _text_cell(ws: Any, value: object) -> Any:
    """A value XLSX can hold (control characters from a customer's message dropped) that
    stays a string: openpyxl makes ``=…`` a formula, so those get a cell typed as text."""
    if not isinstance(value, str):
        return value
    if _CONTROL.search(value):
        value = _CONTROL.sub("", value)
    if not value.startswith("="):
        return value
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(ws, value=value)
    cell.data_type = "s"
    return cell


# ---------------------------------------------------------------- /conversation


@dataclass(frozen=True, slots=True)
class ConversationView:
    id: int
    customer: str
    username: str | None
    stage: str
    handoff: str
    messages: int
    created_at: datetime
    last: list[tuple[str, str, datetime]]  # (author, text, aware UTC), oldest first


async def conversation(session: AsyncSession, *, business_id: int, conversation_id: int,
                       last: int = 8) -> ConversationView:
    """One conversation of the business with its last messages (NotFound otherwise)."""
    conv = await session.scalar(select(SalesConversation).where(
        SalesConversation.id == conversation_id,
        SalesConversation.business_id == business_id))
    if conv is None:
        raise NotFound(entity="conversation", id=conversation_id)
    total = await session.scalar(select(func.count()).select_from(SalesMessage).where(
        SalesMessage.conversation_id == conv.id, SalesMessage.business_id == business_id))
    recent = (await session.execute(
        select(SalesMessage.author, SalesMessage.text, SalesMessage.created_at)
        .where(SalesMessage.conversation_id == conv.id,
               SalesMessage.business_id == business_id)
        .order_by(SalesMessage.id.desc()).limit(last))).all()
    return ConversationView(conv.id, conv.customer_name, conv.customer_username, conv.stage,
                            conv.handoff, int(total or 0), conv.created_at,
                            [(a, t, c) for a, t, c in reversed(recent)])


async def recent_conversations(session: AsyncSession, *, business_id: int, limit: int = 5
                               ) -> list[tuple[int, str, str]]:
    """The business's most recently active conversations: (id, customer, stage)."""
    rows = await session.execute(
        select(SalesConversation.id, SalesConversation.customer_name, SalesConversation.stage)
        .where(SalesConversation.business_id == business_id)
        .order_by(SalesConversation.updated_at.desc(), SalesConversation.id.desc())
        .limit(limit))
    return [(int(i), name or "", stage) for i, name, stage in rows]
