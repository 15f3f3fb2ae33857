"""The scheduled report as one image, drawn fast: one prepared figure per thread whose artists
only get new data and texts (no new axes, ticks or legends per image). What is the same for
every business of a run (period, labels, day ticks, panels) is drawn once and kept as a
bitmap; each image restores it and draws only its own artists (blitting), then PIL encodes
the buffer with light PNG compression. Every text arrives localized; numbers formatted."""

from __future__ import annotations

import functools
import io
import struct
import threading
import zlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from services.charts.dashboard import (
    ARROWS,
    REVENUE_COLOR,
    SPEND_COLOR,
    TONE_COLORS,
    Bar,
    CardSpec,
)
from services.charts.render import PALETTE, compact_number

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.text import Text

WIDTH, HEIGHT, DPI = 10.0, 7.0, 100  # 1000 × 700 px: sharp in Telegram, cheap to encode
CARDS, CHANNELS, GOALS, DAY_LABELS = 6, 5, 4, 8
PNG_COMPRESSION = 1  # zlib level: fast, and flat charts still compress ~30×
CARD_BG, CARD_EDGE, TRACK = "#f8fafc", "#e5e7eb", "#eef2f7"
GOAL_COLOR = "#16a34a"


@dataclass(frozen=True, slots=True)
class ReportImage:
    title: str
    subtitle: str
    cards: list[CardSpec]
    days: list[str]
    revenue: list[int]
    spend: list[int]
    series_title: str
    revenue_label: str
    spend_label: str
    channels_title: str
    channels: list[Bar]
    goals_title: str
    goals: list[Bar]
    empty_text: str
    footer: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    locale: str = "en"  # how the axis shortens numbers (1.4M, 1,4 mln, 1,4 млн)


def short_number(value: float, locale: str = "en") -> str:
    return compact_number(value, locale)


class _Bars:
    """A fixed number of horizontal bars: the label on the left, the note after the bar."""

    LEFT, SPAN = 0.36, 0.46  # bars start after the labels and end before the notes

    def __init__(self, ax: Axes, count: int, color: str, *, track: bool) -> None:
        from matplotlib.patches import Rectangle

        self.ax, self.count = ax, count
        ax.set_xlim(0, 1)
        ax.set_ylim(count - 0.5, -0.5)
        ax.set_axis_off()
        self.tracks: list[Rectangle] = []
        self.bars: list[Rectangle] = []
        self.labels: list[Text] = []
        self.notes: list[Text] = []
        for i in range(count):
            if track:
                t = Rectangle((self.LEFT, i - 0.25), self.SPAN, 0.5, color=TRACK, linewidth=0)
                ax.add_patch(t)
                self.tracks.append(t)
            bar = Rectangle((self.LEFT, i - 0.25), 0, 0.5, color=color, linewidth=0)
            ax.add_patch(bar)
            self.bars.append(bar)
            self.labels.append(ax.text(0, i, "", fontsize=9, color=PALETTE["ink"],
                                       va="center"))
            self.notes.append(ax.text(0, i, "", fontsize=8.5, color=PALETTE["muted"],
                                      va="center"))
        self.empty = ax.text(0.5, (count - 1) / 2, "", ha="center", va="center", fontsize=9,
                             color=PALETTE["muted"], style="italic")

    def update(self, bars: list[Bar], empty_text: str, *, limit: float | None) -> None:
        shown = bars[: self.count]
        has = any(b.value > 0 for b in shown)
        top = limit or max((b.value for b in shown), default=0) or 1
        for i in range(self.count):
            bar = shown[i] if has and i < len(shown) else None
            width = 0.0 if bar is None else max(0.0, min(1.0, bar.value / top)) * self.SPAN
            self.bars[i].set_width(width)
            self.bars[i].set_visible(bar is not None)
            if self.tracks:
                self.tracks[i].set_visible(bar is not None)
            self.labels[i].set_text("" if bar is None else bar.label[:24])
            self.notes[i].set_text("" if bar is None else bar.note)
            self.notes[i].set_x(self.LEFT + (self.SPAN if self.tracks else width) + 0.02)
        self.empty.set_text("" if has else empty_text)


class ReportCanvas:
    """One prepared figure; ``render`` swaps in a report's data and returns PNG bytes."""

    def __init__(self) -> None:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        from matplotlib.patches import FancyBboxPatch

        fig = Figure(figsize=(WIDTH, HEIGHT), dpi=DPI, facecolor=PALETTE["bg"])
        fig.set_layout_engine(None)
        self.fig = fig
        self.canvas: Any = FigureCanvasAgg(fig)  # untyped upstream
        ink, muted = PALETTE["ink"], PALETTE["muted"]
        self.title = fig.text(0.03, 0.955, "", fontsize=17, weight="bold", color=ink,
                              va="center")
        self.subtitle = fig.text(0.03, 0.912, "", fontsize=10, color=muted, va="center")
        self.footer = fig.text(0.03, 0.022, "", fontsize=8, color=muted, va="center")
        gap, per_row = 0.015, CARDS // 2
        width = (0.94 - gap * (per_row - 1)) / per_row
        self.cards: list[tuple[Text, Text, Text]] = []
        for i in range(CARDS):
            x, y = 0.03 + (i % per_row) * (width + gap), 0.775 - (i // per_row) * 0.12
            fig.patches.append(FancyBboxPatch(
                (x, y), width, 0.105, boxstyle="round,pad=0,rounding_size=0.008",
                transform=fig.transFigure, facecolor=CARD_BG, edgecolor=CARD_EDGE,
                linewidth=1))
            self.cards.append((
                fig.text(x + 0.014, y + 0.077, "", fontsize=9.5, color=muted, va="center"),
                fig.text(x + 0.014, y + 0.034, "", fontsize=14, weight="bold", color=ink,
                         va="center"),
                fig.text(x + width - 0.014, y + 0.034, "", fontsize=10, color=muted,
                         va="center", ha="right")))

        ax = fig.add_axes((0.08, 0.335, 0.89, 0.235))
        self.series_ax = ax
        self.series_title = ax.set_title("", loc="left", fontsize=11, weight="bold", color=ink)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        for side in ("left", "bottom"):
            ax.spines[side].set_color(CARD_EDGE)
        ax.tick_params(labelsize=8, colors=muted, length=0)
        ax.set_xticks([])
        ax.grid(axis="y", color=TRACK, linewidth=0.8)
        ax.set_axisbelow(True)
        from matplotlib.ticker import FuncFormatter

        self.locale = "en"  # set by each render: the canvas is reused across reports
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: short_number(v, self.locale)))
        (self.revenue_line,) = ax.plot([], [], color=REVENUE_COLOR, linewidth=2)
        (self.spend_line,) = ax.plot([], [], color=SPEND_COLOR, linewidth=2)
        self.fill = ax.fill_between([0, 1], [0, 0], color=REVENUE_COLOR, alpha=0.08,
                                    linewidth=0)
        self.legend = ax.legend([self.revenue_line, self.spend_line], ["", ""], fontsize=8,
                                frameon=False, loc="upper left", ncols=2)
        xt = ax.get_xaxis_transform()
        self.day_labels = [ax.text(0, -0.06, "", transform=xt, fontsize=8, color=muted,
                                   ha="center", va="top") for _ in range(DAY_LABELS)]
        self.series_empty = ax.text(0.5, 0.5, "", ha="center", va="center", fontsize=9,
                                    color=muted, style="italic", transform=ax.transAxes)

        ch_ax = fig.add_axes((0.03, 0.045, 0.44, 0.2))
        go_ax = fig.add_axes((0.53, 0.045, 0.44, 0.2))
        self.channels_title = fig.text(0.03, 0.255, "", fontsize=11, weight="bold", color=ink)
        self.goals_title = fig.text(0.53, 0.255, "", fontsize=11, weight="bold", color=ink)
        self.channels = _Bars(ch_ax, CHANNELS, REVENUE_COLOR, track=False)
        self.goals = _Bars(go_ax, GOALS, GOAL_COLOR, track=True)

        # Per-image artists: shapes are blitted by matplotlib; texts are typeset by PIL on the
        # final bitmap (same DejaVu fonts and sizes), which costs a fraction of Agg's layout.
        self._shapes: list[Any] = [ax.yaxis, self.fill, self.revenue_line, self.spend_line]
        self._texts: list[Text] = [self.title, *(t for card in self.cards for t in card[1:]),
                                   self.series_empty]
        for bars in (self.channels, self.goals):
            self._shapes += [*bars.tracks, *bars.bars]
            self._texts += [*bars.labels, *bars.notes, bars.empty]
        for artist in (*self._shapes, *self._texts):
            artist.set_animated(True)  # left out of the background
        self._static_key: tuple[Any, ...] | None = None
        self._background: Any = None

    def _series(self, img: ReportImage) -> None:
        ax, n = self.series_ax, len(img.days)
        has = n > 0 and (any(img.revenue) or any(img.spend))
        xs = list(range(n))
        self.revenue_line.set_data(xs if has else [], img.revenue if has else [])
        self.spend_line.set_data(xs if has else [], img.spend if has else [])
        if has:
            verts = [(0.0, 0.0)] + [(float(x), float(y)) for x, y in zip(xs, img.revenue,
                                                                         strict=False)]
            verts.append((float(n - 1), 0.0))
            self.fill.set_verts([verts])
            top = max(max(img.revenue, default=0), max(img.spend, default=0)) or 1
            ax.set_xlim(-0.3, max(n - 1, 1) + 0.3)
            ax.set_ylim(0, top * 1.18)
        self.fill.set_visible(has)
        ax.yaxis.set_visible(has)
        self.legend.set_visible(has)
        for text, label in zip(self.legend.get_texts(), (img.revenue_label, img.spend_label),
                               strict=True):
            text.set_text(label)
        step = max(1, -(-n // DAY_LABELS))
        positions = list(range(0, n, step))[:DAY_LABELS] if has else []
        for i, text in enumerate(self.day_labels):
            if i < len(positions):
                text.set_x(positions[i])
                text.set_text(img.days[positions[i]])
            else:
                text.set_text("")
        self.series_empty.set_text("" if has else img.empty_text)
        self.series_title.set_text(img.series_title)

    def render(self, img: ReportImage) -> bytes:
        """The report image as PNG bytes."""
        self.locale = img.locale
        self.title.set_text(img.title)
        self.subtitle.set_text(img.subtitle)
        self.footer.set_text(img.footer)
        for i, (label, value, change) in enumerate(self.cards):
            card = img.cards[i] if i < len(img.cards) else None
            label.set_text("" if card is None else card.label)
            value.set_text("" if card is None else card.value)
            change.set_text("" if card is None or not card.change else
                            f"{ARROWS.get(card.trend, '')} {card.change}".strip())
            change.set_color(TONE_COLORS.get(None if card is None else card.tone,
                                             PALETTE["muted"]))
        self._series(img)
        self.channels_title.set_text(img.channels_title)
        self.goals_title.set_text(img.goals_title)
        self.channels.update(img.channels, img.empty_text, limit=None)
        self.goals.update(img.goals, img.empty_text, limit=100)
        key = (img.subtitle, img.footer, tuple(c.label for c in img.cards), img.series_title,
               img.revenue_label, img.spend_label, tuple(img.days), self.legend.get_visible(),
               img.channels_title, img.goals_title)
        if key != self._static_key:
            self.canvas.draw()
            self._background = self.canvas.copy_from_bbox(self.fig.bbox)
            self._static_key = key
        else:
            self.canvas.restore_region(self._background)
        for artist in self._shapes:
            if artist.get_visible():
                self.fig.draw_artist(artist)
        return self._encode()

    def _encode(self) -> bytes:
        import numpy as np
        from PIL import Image, ImageDraw

        width, height = self.canvas.get_width_height()
        image = Image.frombuffer("RGBA", (width, height), self.canvas.buffer_rgba(), "raw",
                                 "RGBA", 0, 1)
        draw = ImageDraw.Draw(image)  # copies the read-only canvas buffer on first write
        for text in self._texts:
            content = text.get_text()
            if content and text.get_visible():
                x, y = text.get_transform().transform(text.get_position())
                anchor = _H_ANCHOR[text.get_horizontalalignment()] + _V_ANCHOR[
                    text.get_verticalalignment()]
                draw.text((x, height - y), content, fill=str(text.get_color()), anchor=anchor,
                          font=_pil_font(text.get_fontweight() == "bold",
                                         text.get_fontstyle() == "italic",
                                         text.get_fontsize()))
        return png_rgb(np.asarray(image))


def _chunk(tag: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))


def png_rgb(rgba: Any) -> bytes:
    """An 8-bit RGB PNG of an RGBA array, rows unfiltered and deflated at a low level: a chart
    is mostly flat colour, which deflate squeezes well without PNG's per-row filter search
    (that search was two thirds of Pillow's encode time here)."""
    import numpy as np

    height, width = rgba.shape[:2]
    rows = np.empty((height, 1 + width * 3), dtype=np.uint8)
    rows[:, 0] = 0  # filter type "none"
    rows[:, 1:] = rgba[:, :, :3].reshape(height, width * 3)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header)
            + _chunk(b"IDAT", zlib.compress(rows.tobytes(), PNG_COMPRESSION))
            + _chunk(b"IEND", b""))


_H_ANCHOR = {"left": "l", "center": "m", "right": "r"}
_V_ANCHOR = {"center": "m", "top": "t", "bottom": "d", "baseline": "s", "center_baseline": "m"}


@functools.cache
def _pil_font(bold: bool, italic: bool, points: float) -> Any:
    """The DejaVu face matplotlib uses, at the pixel size of ``points`` at ``DPI``."""
    from pathlib import Path

    import matplotlib
    from PIL import ImageFont

    name = "DejaVuSans" + ("-Bold" if bold else "-Oblique" if italic else "") + ".ttf"
    path = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / name
    return ImageFont.truetype(str(path), size=round(points * DPI / 72))


_local = threading.local()  # matplotlib figures are not thread-safe: one canvas per thread


def render_report(img: ReportImage) -> bytes:
    """The report image, drawn on this thread's prepared canvas."""
    canvas: ReportCanvas | None = getattr(_local, "canvas", None)
    if canvas is None:
        canvas = _local.canvas = ReportCanvas()
    return canvas.render(img)


def render_report_plain(img: ReportImage) -> bytes:
    """The same image from a fresh figure saved with default settings (the baseline)."""
    canvas = ReportCanvas()
    canvas.render(img)
    buf = io.BytesIO()
    canvas.fig.savefig(buf, format="png", facecolor=canvas.fig.get_facecolor())
    return buf.getvalue()
