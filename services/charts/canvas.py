"""The 9-square marketing canvas as one image."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from services.charts.render import PALETTE, new_figure, to_png


@dataclass(frozen=True, slots=True)
class CanvasCell:
    title: str
    body: str


def _wrap(text: str, *, width: int, lines: int) -> str:
    """Wrap every paragraph to ``width``; past ``lines`` lines, cut with an ellipsis."""
    wrapped = [line for paragraph in text.splitlines()
               for line in (textwrap.wrap(paragraph, width=width) or [""])]
    if len(wrapped) > lines:
        wrapped = wrapped[:lines]
        wrapped[-1] = wrapped[-1][: width - 1].rstrip() + "…"
    return "\n".join(wrapped)


def render_canvas(
    *, title: str, phases: tuple[str, str, str], cells: list[CanvasCell], empty_text: str
) -> bytes:
    """Render 3 phase columns × 3 squares; ``cells`` are in canvas order (9 of them)."""
    if len(cells) != 9:
        raise ValueError("the canvas has nine squares")
    fig = new_figure(13, 9.5)
    fig.text(0.5, 0.965, title, ha="center", va="center", fontsize=17, weight="bold",
             color=PALETTE["ink"])
    colors = (PALETTE["before"], PALETTE["during"], PALETTE["after"])
    left, top, col_w, row_h, gap = 0.025, 0.90, 0.308, 0.28, 0.012
    for col, phase in enumerate(phases):
        x = left + col * (col_w + gap)
        fig.text(x + col_w / 2, top + 0.02, phase.upper(), ha="center", fontsize=12,
                 weight="bold", color=PALETTE["muted"])
        for row in range(3):
            cell = cells[col * 3 + row]
            y = top - (row + 1) * row_h - row * gap / 2
            ax = fig.add_axes((x, y, col_w, row_h))
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_facecolor(colors[col])
            for spine in ax.spines.values():
                spine.set_color("#9ca3af")
            ax.text(0.04, 0.93, f"{col * 3 + row + 1}. {cell.title}", fontsize=11,
                    weight="bold", va="top", color=PALETTE["ink"], transform=ax.transAxes)
            body = cell.body.strip() or empty_text
            wrapped = _wrap(body, width=44, lines=9)
            ax.text(0.04, 0.78, wrapped, fontsize=9.5, va="top",
                    color=PALETTE["ink"] if cell.body.strip() else PALETTE["muted"],
                    style="normal" if cell.body.strip() else "italic", transform=ax.transAxes)
    return to_png(fig)
