"""Turning table rows into validated records, with row-level errors (row, column, reason)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field as dc_field
from datetime import date, datetime, timedelta
from typing import Any

from services import sales
from services.errors import InvalidInput
from services.imports.mapping import FIELDS, REQUIRED, Field, Kind
from services.imports.reader import Cell, Table
from services.validation import clean_text, parse_amount, parse_date, parse_email, parse_phone

EXCEL_EPOCH = date(1899, 12, 30)
NOTE_MAX = 300
# Status words people put in spreadsheets, normalised like headers.
LEAD_STATUSES = {
    "new": "new", "yangi": "new", "янги": "new", "новый": "new", "новая": "new",
    "contacted": "contacted", "boglanildi": "contacted", "боғланилди": "contacted",
    "связались": "contacted", "вработе": "contacted", "qualified": "qualified",
    "квалифицирован": "qualified", "saralangan": "qualified", "won": "won", "sotildi": "won",
    "сотилди": "won", "выигран": "won", "продано": "won", "успешно": "won", "купил": "won",
    "lost": "lost", "yoqotildi": "lost", "йўқотилди": "lost", "потерян": "lost",
    "отказ": "lost", "rad": "lost", "радэтди": "lost", "radetdi": "lost",
}
ORDER_STATUSES = {
    "paid": "paid", "tolandi": "paid", "тўланди": "paid", "оплачен": "paid",
    "оплачено": "paid", "оплата": "paid", "completed": "paid", "выполнен": "paid",
    "cancelled": "cancelled", "canceled": "cancelled", "bekorqilindi": "cancelled",
    "бекорқилинди": "cancelled", "bekor": "cancelled", "отменен": "cancelled",
    "отменён": "cancelled", "отмена": "cancelled", "refunded": "refunded",
    "qaytarildi": "refunded", "қайтарилди": "refunded", "возврат": "refunded",
    "возвращен": "refunded",
}
STAGES = {s: s for s in sales.STAGES} | {
    "qiziqish": "interest", "интерес": "interest", "осведомленность": "awareness",
    "xabardorlik": "awareness", "рассмотрение": "consideration", "namerenie": "intent",
    "намерение": "intent", "niyat": "intent", "покупка": "purchase", "xarid": "purchase",
}


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem in one cell: the sheet row number, the column header, a machine reason."""

    row: int
    column: str
    field: str
    reason: str
    params: dict[str, Any] = dc_field(default_factory=dict)


@dataclass(slots=True)
class Record:
    """One valid row, ready to save (fields not in the kind stay None)."""

    row: int
    day: date | None = None
    channel: str | None = None  # the channel word as typed; resolved when saving
    amount: int | None = None
    impressions: int | None = None
    clicks: int | None = None
    note: str | None = None
    name: str | None = None
    phone: str | None = None
    email: str | None = None
    status: str | None = None
    stage: str | None = None
    utm_source: str | None = None
    utm_medium: str | None = None
    utm_campaign: str | None = None


def _text(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, datetime | date):
        return cell.isoformat()
    return str(cell).strip()


def _key(text: str) -> str:
    return re.sub(r"[^\w]|_", "", re.sub(r"['ʻ‘’`ʼ]", "", text.lower()))


def parse_cell_date(cell: Cell, *, today: date) -> date:
    """A date cell: a real date, an Excel serial number, or dd.mm.yyyy / yyyy-mm-dd /
    dd/mm/yyyy / dd.mm.yy text (a time after it is ignored); never after ``today``."""
    if isinstance(cell, datetime):
        found = cell.date()
    elif isinstance(cell, date):
        found = cell
    elif isinstance(cell, int | float) and not isinstance(cell, bool):
        if not 20_000 <= cell <= 80_000:
            raise InvalidInput(field="date", reason="date")
        found = EXCEL_EPOCH + timedelta(days=int(cell))
    else:
        text = _text(cell).replace("T", " ").split(" ")[0]
        if re.fullmatch(r"\d{5}(\.0+)?", text):
            return parse_cell_date(float(text), today=today)
        short = re.fullmatch(r"(\d{1,2})[./-](\d{1,2})[./-](\d{2})", text)
        if short:
            text = f"{short.group(1)}.{short.group(2)}.20{short.group(3)}"
        text = re.sub(r"^(\d{4})/(\d{1,2})/(\d{1,2})$", r"\1-\2-\3", text)
        found = parse_date(text)
    if found > today or found.year < 2000:
        raise InvalidInput(field="date", reason="date_range")
    return found


def parse_cell_amount(cell: Cell, *, field: str = "amount", minimum: int = 1,
                      maximum: int = 10**13) -> int:
    """Money: a number cell, or text through the chat parser (``1 250 000``, ``500k``)."""
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        if float(cell) != int(cell):
            raise InvalidInput(field=field, reason="number")
        value = int(cell)
        if not minimum <= value <= maximum:
            raise InvalidInput(field=field, reason="range", min=minimum, max=maximum)
        return value
    return parse_amount(_text(cell), field=field, minimum=minimum, maximum=maximum)


def parse_cell_phone(cell: Cell) -> str:
    """A phone cell (Excel often stores ``998901234567`` as a number)."""
    return parse_phone(_text(cell))


def _choice(cell: Cell, table: dict[str, str], field: str) -> str:
    found = table.get(_key(_text(cell)))
    if found is None:
        raise InvalidInput(field=field, reason="choice")
    return found


def _value(field_: Field, cell: Cell, today: date) -> object:
    if field_ is Field.DATE:
        return parse_cell_date(cell, today=today)
    if field_ is Field.AMOUNT:
        return parse_cell_amount(cell)
    if field_ in {Field.IMPRESSIONS, Field.CLICKS}:
        return parse_cell_amount(cell, field=field_.value, minimum=0, maximum=10**12)
    if field_ is Field.PHONE:
        return parse_cell_phone(cell)
    if field_ is Field.EMAIL:
        return parse_email(_text(cell))
    if field_ is Field.NAME:
        return sales.parse_name(_text(cell))
    if field_ is Field.NOTE:
        return clean_text(_text(cell), field="note", max_len=NOTE_MAX)
    if field_ is Field.CHANNEL:
        return clean_text(_text(cell), field="channel", max_len=120)
    if field_ is Field.STATUS:
        return _choice(cell, LEAD_STATUSES, "status")
    if field_ is Field.STAGE:
        return _choice(cell, STAGES, "stage")
    return clean_text(_text(cell), field="utm", max_len=sales.UTM_MAX)


def parse_rows(table: Table, *, kind: Kind, mapping: dict[int, Field], today: date
               ) -> tuple[list[Record], list[RowError]]:
    """Validate every row: the valid ones as records, the rest as row errors (one per bad
    cell). Empty optional cells are fine; empty required cells are errors."""
    records: list[Record] = []
    errors: list[RowError] = []
    allowed = [(i, f) for i, f in sorted(mapping.items()) if f in FIELDS[kind]]
    required = set(REQUIRED[kind])
    for offset, cells in enumerate(table.rows):
        number = table.first_row + offset
        record = Record(row=number)
        row_errors: list[RowError] = []
        for index, field_ in allowed:
            cell = cells[index] if index < len(cells) else None
            column = table.headers[index] or f"#{index + 1}"
            if cell is None or (isinstance(cell, str) and not cell.strip()):
                if field_ in required:
                    row_errors.append(RowError(number, column, field_.value, "required"))
                continue
            try:
                if field_ is Field.STATUS and kind is Kind.ORDERS:
                    value: object = _choice(cell, ORDER_STATUSES, "status")
                else:
                    value = _value(field_, cell, today)
            except InvalidInput as exc:
                row_errors.append(RowError(number, column, field_.value, exc.reason,
                                           {k: v for k, v in exc.params.items()
                                            if k not in {"field", "reason"}}))
                continue
            setattr(record, "day" if field_ is Field.DATE else field_.value, value)
        if not row_errors and kind in {Kind.LEADS, Kind.CUSTOMERS} and not (
                record.name or record.phone):
            name_col = next((table.headers[i] for i, f in allowed if f is Field.NAME), "")
            row_errors.append(RowError(number, name_col, Field.NAME.value, "required"))
        if row_errors:
            errors.extend(row_errors)
        else:
            records.append(record)
    return records, errors
