"""Reading a sent file into a table of cells: CSV (comma, semicolon or tab; UTF-8 with or
without BOM, cp1251 fallback) and Excel ``.xlsx``."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime

from services.errors import InvalidInput

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 50_000
Cell = str | int | float | date | datetime | None


@dataclass(frozen=True, slots=True)
class Table:
    """The header row and the data rows (empty rows dropped), cells as read."""

    headers: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    first_row: int = 2  # the sheet row number of ``rows[0]``, for error reports


def file_format(filename: str) -> str | None:
    """``csv`` or ``xlsx`` from a file name (``.txt``/``.tsv`` read as CSV), else None."""
    name = filename.lower().rsplit(".", 1)
    suffix = name[-1] if len(name) == 2 else ""
    if suffix in {"csv", "tsv", "txt"}:
        return "csv"
    if suffix in {"xlsx", "xlsm"}:
        return "xlsx"
    return None


def check_size(size: int | None) -> None:
    """Refuse files above 10 MB before downloading them."""
    if size is not None and size > MAX_BYTES:
        raise InvalidInput(field="file", reason="file_too_big", max=MAX_BYTES // (1024 * 1024))


def read_table(data: bytes, *, filename: str) -> Table:
    """Parse a CSV or XLSX file; ``InvalidInput(field="file")`` when it can't be read."""
    check_size(len(data))
    kind = file_format(filename)
    if kind is None:
        raise InvalidInput(field="file", reason="file_format")
    raw = _read_xlsx(data) if kind == "xlsx" else _read_csv(data)
    rows = [r for r in raw if any(_present(c) for c in r)]
    if not rows:
        raise InvalidInput(field="file", reason="file_empty")
    headers = tuple(str(c).strip() if c is not None else "" for c in rows[0])
    width = len(headers)
    body = tuple(tuple((list(r) + [None] * width)[:width]) for r in rows[1:])
    if not body:
        raise InvalidInput(field="file", reason="file_empty")
    if len(body) > MAX_ROWS:
        raise InvalidInput(field="file", reason="file_rows", max=MAX_ROWS)
    return Table(headers=headers, rows=body)


def _present(cell: Cell) -> bool:
    return cell is not None and (not isinstance(cell, str) or bool(cell.strip()))


def decode(data: bytes) -> str:
    """UTF-8 (a BOM is dropped), else cp1251 — what Excel in Uzbekistan and Russia saves."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1251", errors="replace")


def _read_csv(data: bytes) -> list[list[Cell]]:
    text = decode(data)
    sample = "\n".join(text.splitlines()[:20])
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        first = sample.splitlines()[0] if sample else ""
        delimiter = max(",;\t", key=first.count)
    return [list(row) for row in csv.reader(io.StringIO(text), delimiter=delimiter)]


def _read_xlsx(data: bytes) -> list[list[Cell]]:
    from openpyxl import load_workbook  # imported here: only Excel imports pay for it

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # a corrupt or password-protected file: openpyxl raises many types
        raise InvalidInput(field="file", reason="file_unreadable") from exc
    try:
        sheet = book.worksheets[0]
        rows: list[list[Cell]] = []
        for values in sheet.iter_rows(values_only=True):
            rows.append([v if isinstance(v, str | int | float | date) or v is None else str(v)
                         for v in values])
            if len(rows) > MAX_ROWS + 1:
                break
        return rows
    finally:
        book.close()
