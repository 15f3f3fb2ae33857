"""The downloadable error report: one CSV line per bad cell (the labels come localized)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

from services.imports.rows import RowError


def error_report(errors: list[RowError], *, headers: tuple[str, str, str],
                 reason: Callable[[RowError], str]) -> bytes:
    """CSV bytes (UTF-8 with BOM, so Excel opens it right): row, column, reason."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    for error in errors:
        writer.writerow([error.row, error.column, reason(error)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
