"""Matplotlib set-up shared by every renderer (headless Agg backend, fonts with Cyrillic)."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure

PALETTE = {
    "ink": "#1f2937",
    "muted": "#6b7280",
    "bg": "#ffffff",
    "before": "#dbeafe",
    "during": "#dcfce7",
    "after": "#fef3c7",
    "accent": "#2563eb",
}


def new_figure(width: float, height: float, dpi: int = 110) -> Figure:
    """A figure on the Agg canvas; importing matplotlib lazily keeps start-up fast."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=dpi, facecolor=PALETTE["bg"])
    fig.set_layout_engine(None)
    return fig


def compact_number(value: float, locale: str = "en") -> str:
    """An axis number the way the reader's language shortens it: ``1.4M`` (en),
    ``1,4 mln`` (uz), ``1,4 млн`` (ru)."""
    from babel.numbers import format_compact_decimal

    return format_compact_decimal(value, locale=locale, fraction_digits=1)


def to_png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", facecolor=fig.get_facecolor())
    return buf.getvalue()
