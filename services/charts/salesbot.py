"""The sales chatbot stats image: six cards and a funnel of how many conversations reached
each stage and how many stopped there. Texts arrive localized and numbers formatted; the
PNG is encoded like the report images (``png_rgb``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.charts.dashboard import CardSpec
from services.charts.render import PALETTE
from services.charts.report import CARD_BG, CARD_EDGE, TRACK, png_rgb

WIDTH, HEIGHT, DPI = 10.0, 7.0, 100
CARDS = 6
REACHED_COLOR = "#bfdbfe"
STOPPED_COLOR = "#2563eb"


@dataclass(frozen=True, slots=True)
class FunnelBar:
    label: str
    reached: int
    stopped: int
    note: str  # e.g. "12 → 4 stopped"


@dataclass(frozen=True, slots=True)
class ChatStatsImage:
    title: str
    subtitle: str
    cards: list[CardSpec]
    funnel_title: str
    funnel: list[FunnelBar]
    reached_label: str
    stopped_label: str
    empty_text: str
    footer: str = ""


def render_chat_stats(img: ChatStatsImage) -> bytes:
    """The stats image as PNG bytes."""
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import FancyBboxPatch

    fig = Figure(figsize=(WIDTH, HEIGHT), dpi=DPI, facecolor=PALETTE["bg"])
    canvas: Any = FigureCanvasAgg(fig)  # untyped upstream
    ink, muted = PALETTE["ink"], PALETTE["muted"]
    fig.text(0.03, 0.955, img.title, fontsize=17, weight="bold", color=ink, va="center")
    fig.text(0.03, 0.912, img.subtitle, fontsize=10, color=muted, va="center")
    fig.text(0.03, 0.022, img.footer, fontsize=8, color=muted, va="center")

    gap, per_row = 0.015, CARDS // 2
    width = (0.94 - gap * (per_row - 1)) / per_row
    for i, card in enumerate(img.cards[:CARDS]):
        x, y = 0.03 + (i % per_row) * (width + gap), 0.775 - (i // per_row) * 0.12
        fig.patches.append(FancyBboxPatch(
            (x, y), width, 0.105, boxstyle="round,pad=0,rounding_size=0.008",
            transform=fig.transFigure, facecolor=CARD_BG, edgecolor=CARD_EDGE, linewidth=1))
        fig.text(x + 0.014, y + 0.077, card.label, fontsize=9.5, color=muted, va="center")
        fig.text(x + 0.014, y + 0.034, card.value, fontsize=14, weight="bold", color=ink,
                 va="center")
        if card.change:
            fig.text(x + width - 0.014, y + 0.034, card.change, fontsize=10, color=muted,
                     va="center", ha="right")

    fig.text(0.03, 0.60, img.funnel_title, fontsize=11, weight="bold", color=ink)
    ax = fig.add_axes((0.2, 0.07, 0.76, 0.5))
    for side in ("top", "right", "bottom"):
        ax.spines[side].set_visible(False)
    ax.spines["left"].set_color(CARD_EDGE)
    ax.tick_params(labelsize=9, colors=ink, length=0)
    ax.set_xticks([])
    ax.grid(axis="x", color=TRACK, linewidth=0.8)
    bars = list(reversed(img.funnel))  # first stage on top
    ys = list(range(len(bars)))
    top = max((b.reached for b in bars), default=0)
    if top == 0:
        ax.set_yticks([])
        ax.text(0.5, 0.5, img.empty_text, ha="center", va="center", fontsize=10,
                color=muted, style="italic", transform=ax.transAxes)
    else:
        ax.barh(ys, [b.reached for b in bars], color=REACHED_COLOR, height=0.7,
                label=img.reached_label)
        ax.barh(ys, [b.stopped for b in bars], color=STOPPED_COLOR, height=0.7,
                label=img.stopped_label)
        ax.set_yticks(ys, [b.label for b in bars])
        ax.set_xlim(0, top * 1.35)
        for y, bar in zip(ys, bars, strict=True):
            ax.text(bar.reached + top * 0.015, y, bar.note, va="center", fontsize=9,
                    color=muted)
        ax.legend(loc="lower right", fontsize=8, frameon=False, ncols=2)
    canvas.draw()
    return png_rgb(np.asarray(canvas.buffer_rgba()))
