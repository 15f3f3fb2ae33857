"""The Dream Buyer avatar card as one image: name, demographics, answers, completeness."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from typing import TYPE_CHECKING

from services.charts.render import PALETTE, new_figure, to_png

if TYPE_CHECKING:
    from matplotlib.patches import Circle


@dataclass(frozen=True, slots=True)
class AvatarSection:
    title: str
    body: str  # "" when not answered


def _wrap(text: str, *, width: int, lines: int) -> str:
    wrapped = [line for paragraph in text.splitlines()
               for line in (textwrap.wrap(paragraph, width=width) or [""])]
    if len(wrapped) > lines:
        wrapped = wrapped[:lines]
        wrapped[-1] = wrapped[-1][: width - 1].rstrip() + "…"
    return "\n".join(wrapped)


def render_avatar(
    *, name: str, demographics: str, sections: list[AvatarSection], completeness: int,
    completeness_label: str, empty_text: str,
) -> bytes:
    """Render the card; every text (titles, labels, ``empty_text``) comes in localized."""
    rows = (len(sections) + 1) // 2
    height = 2.3 + rows * 1.75
    fig = new_figure(12, height)
    top = 1 - 0.55 / height
    # Header: the avatar's initial in a circle, the name, demographics, completeness bar.
    head = fig.add_axes((0.025, top - 1.1 / height, 1.1 / 12, 1.1 / height))
    head.set_axis_off()
    head.set_aspect("equal")
    head.add_patch(_circle(PALETTE["accent"]))
    head.set_xlim(0, 1)
    head.set_ylim(0, 1)
    head.text(0.5, 0.5, (name.strip()[:1] or "?").upper(), ha="center", va="center",
              fontsize=24, weight="bold", color="white")
    fig.text(0.12, top, _wrap(name, width=48, lines=1), fontsize=19, weight="bold",
             va="top", color=PALETTE["ink"])
    fig.text(0.12, top - 0.5 / height, _wrap(demographics or empty_text, width=90, lines=2),
             fontsize=11, va="top", color=PALETTE["muted"])
    bar = fig.add_axes((0.12, top - 1.35 / height, 0.6, 0.16 / height))
    bar.set_axis_off()
    bar.set_xlim(0, 100)
    bar.set_ylim(0, 1)
    bar.barh(0.5, 100, height=1, color="#e5e7eb")
    bar.barh(0.5, max(0, min(100, completeness)), height=1, color=PALETTE["accent"])
    fig.text(0.74, top - 1.27 / height, completeness_label, fontsize=11, va="center",
             weight="bold", color=PALETTE["ink"])
    # The answers, two columns.
    grid_top = top - 1.75 / height
    cell_h = (grid_top - 0.2 / height) / max(rows, 1)
    colors = (PALETTE["before"], PALETTE["during"], PALETTE["after"])
    for index, section in enumerate(sections):
        col, row = index % 2, index // 2
        x = 0.025 + col * 0.4875
        y = grid_top - (row + 1) * cell_h
        ax = fig.add_axes((x, y + 0.06 / height, 0.4625, cell_h - 0.1 / height))
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_facecolor(colors[row % 3] if section.body.strip() else "#f3f4f6")
        for spine in ax.spines.values():
            spine.set_color("#9ca3af")
        ax.text(0.03, 0.9, section.title, fontsize=11, weight="bold", va="top",
                color=PALETTE["ink"], transform=ax.transAxes)
        filled = bool(section.body.strip())
        ax.text(0.03, 0.66, _wrap(section.body.strip() or empty_text, width=62, lines=4),
                fontsize=9.5, va="top", color=PALETTE["ink"] if filled else PALETTE["muted"],
                style="normal" if filled else "italic", transform=ax.transAxes)
    return to_png(fig)


def _circle(color: str) -> Circle:
    from matplotlib.patches import Circle

    return Circle((0.5, 0.5), 0.48, color=color)
