"""The value stack as one image: each row with its stated value, the total against the price."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from typing import TYPE_CHECKING

from services.charts.render import PALETTE, new_figure, to_png

if TYPE_CHECKING:
    from matplotlib.patches import Rectangle

STACK_COLORS = ("#2563eb", "#16a34a", "#f59e0b", "#db2777")
PRICE_COLOR = "#9ca3af"


@dataclass(frozen=True, slots=True)
class StackRow:
    label: str  # e.g. "Core offer: Coffee course" (localized by the caller)
    value: int  # stated value in so'm
    value_text: str  # the value formatted in the user's locale


@dataclass(frozen=True, slots=True)
class StackChart:
    """Everything the image shows, already localized."""

    title: str
    rows: list[StackRow]
    total_label: str
    total_text: str
    price_label: str
    price: int
    price_text: str
    ratio_text: str  # e.g. "Value / price: ×1.8"
    notes: list[str]  # urgency, scarcity, guarantee lines


def _short(text: str, width: int) -> str:
    return textwrap.shorten(text, width=width, placeholder="…")


def render_offer_stack(chart: StackChart) -> bytes:
    """Left: the stack as a table of rows; right: the stacked total value bar vs the price."""
    rows = chart.rows[:4]
    fig = new_figure(11, 6.2)
    fig.text(0.03, 0.94, _short(chart.title, 70), fontsize=17, weight="bold",
             color=PALETTE["ink"], va="center")
    table = fig.add_axes((0.03, 0.08, 0.56, 0.78))
    table.set_axis_off()
    table.set_xlim(0, 1)
    table.set_ylim(0, 1)
    step = 0.115
    y = 0.95
    for i, row in enumerate(rows):
        color = STACK_COLORS[i % len(STACK_COLORS)]
        table.add_patch(_rect(0.0, y - 0.085, 0.02, 0.08, color))
        table.text(0.04, y - 0.045, _short(row.label, 44), fontsize=12, va="center",
                   color=PALETTE["ink"])
        table.text(1.0, y - 0.045, row.value_text, fontsize=12, va="center", ha="right",
                   color=PALETTE["ink"], weight="bold")
        y -= step
    table.plot([0, 1], [y + 0.01, y + 0.01], color=PALETTE["muted"], lw=1)
    y -= 0.02
    table.text(0.04, y - 0.045, chart.total_label, fontsize=13, va="center", weight="bold",
               color=PALETTE["ink"])
    table.text(1.0, y - 0.045, chart.total_text, fontsize=13, va="center", ha="right",
               weight="bold", color=PALETTE["accent"])
    y -= step
    table.text(0.04, y - 0.045, chart.price_label, fontsize=13, va="center",
               color=PALETTE["ink"])
    table.text(1.0, y - 0.045, chart.price_text, fontsize=13, va="center", ha="right",
               color=PALETTE["ink"])
    y -= step
    table.text(0.04, y - 0.045, chart.ratio_text, fontsize=13, va="center", weight="bold",
               color="#16a34a")
    y -= step * 0.9
    for note in chart.notes[:3]:
        table.text(0.04, y - 0.04, _short(note, 62), fontsize=10.5, va="center",
                   color=PALETTE["muted"])
        y -= step * 0.6

    bars = fig.add_axes((0.66, 0.10, 0.31, 0.74))
    bottom = 0
    for i, row in enumerate(rows):
        bars.bar(0, row.value, bottom=bottom, width=0.6,
                 color=STACK_COLORS[i % len(STACK_COLORS)], edgecolor="white")
        bottom += row.value
    bars.bar(1, chart.price, width=0.6, color=PRICE_COLOR)
    bars.text(0, bottom, chart.total_text, ha="center", va="bottom", fontsize=10.5,
              weight="bold", color=PALETTE["accent"])
    bars.text(1, chart.price, chart.price_text, ha="center", va="bottom", fontsize=10.5,
              color=PALETTE["ink"])
    bars.set_xticks([0, 1], [_short(chart.total_label, 18), _short(chart.price_label, 18)])
    bars.set_yticks([])
    bars.set_ylim(0, max(bottom, chart.price, 1) * 1.15)
    for side in ("top", "right", "left"):
        bars.spines[side].set_visible(False)
    return to_png(fig)


def _rect(x: float, y: float, w: float, h: float, color: str) -> Rectangle:
    from matplotlib.patches import Rectangle

    return Rectangle((x, y), w, h, color=color)
