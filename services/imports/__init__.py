"""CSV/Excel import of spend, leads, orders and customers (issue 4, "Data in"): read a file,
map its columns, preview it with row-level errors, then save every valid row at once."""

from services.imports.mapping import FIELDS, Field, Kind, auto_map, detect_kind
from services.imports.reader import MAX_BYTES, Table, check_size, file_format, read_table
from services.imports.report import error_report
from services.imports.rows import Record, RowError
from services.imports.service import ImportResult, LimitBlock, Preview, apply_import, preview

__all__ = [
    "FIELDS", "MAX_BYTES", "Field", "ImportResult", "Kind", "LimitBlock", "Preview", "Record",
    "RowError", "Table", "apply_import", "auto_map", "check_size", "detect_kind",
    "error_report", "file_format", "preview", "read_table",
]
