"""Date arithmetic that SQLite and PostgreSQL spell differently."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, func


def age_days(later: Any, earlier: Any, dialect: str) -> ColumnElement[Any]:
    """``later − earlier`` in (fractional) days, computed by the database."""
    if dialect == "postgresql":
        return func.extract("epoch", later - earlier) / 86400.0
    return func.julianday(later) - func.julianday(earlier)
