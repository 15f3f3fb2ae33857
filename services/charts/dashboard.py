"""The dashboard as one image (KPI cards, revenue vs spend, funnel, channels, goals) and the
small chart of one KPI. Every text arrives localized; numbers arrive formatted."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from services.charts.render import PALETTE, compact_number, new_figure, to_png

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.ticker import Formatter

TONE_COLORS = {"good": "#16a34a", "ok": "#d97706", "bad": "#dc2626", None: "#6b7280"}
ARROWS = {"up": "▲", "down": "▼", "flat": "■", "new": "★", None: ""}
REVENUE_COLOR, SPEND_COLOR = "#2563eb", "#f97316"


@dataclass(frozen=True, slots=True)
class CardSpec:
    label: str
    value: str
    change: str  # e.g. "+12%", "new", "" when undefined
    trend: str | None  # up / down / flat / new
    tone: str | None  # good / ok / bad: the colour of the change


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value: float
    note: str = ""


def _panel(fig: Figure, rect: tuple[float, float, float, float], title: str) -> Axes:
    ax = fig.add_axes(rect)
    ax.set_title(title, loc="left", fontsize=11, weight="bold", color=PALETTE["ink"])
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=8, colors=PALETTE["muted"])
    return ax


def _empty(ax: Axes, text: str) -> None:
    ax.set_xticks([])
    ax.set_yticks([])
    ax.text(0.5, 0.5, text, ha="center", va="center", fontsize=9,
            color=PALETTE["muted"], style="italic", transform=ax.transAxes)


def _hbars(ax: Axes, bars: list[Bar], color: str, empty_text: str, *,
           limit: float | None = None) -> None:
    if not bars or all(b.value <= 0 for b in bars):
        _empty(ax, empty_text)
        return
    labels = [b.label for b in bars][::-1]
    values = [max(0.0, b.value) for b in bars][::-1]
    ax.barh(labels, values, color=color, height=0.6)
    top = limit or max(values) or 1
    ax.set_xlim(0, top * 1.35)
    ax.set_xticks([])
    for y, bar in enumerate(bars[::-1]):
        ax.text(max(0.0, bar.value) + top * 0.02, y, bar.note, va="center",
                fontsize=8, color=PALETTE["ink"])


def _card(fig: Figure, rect: tuple[float, float, float, float], card: CardSpec) -> None:
    ax = fig.add_axes(rect)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_facecolor("#f8fafc")
    for spine in ax.spines.values():
        spine.set_color("#e5e7eb")
    ax.text(0.06, 0.78, card.label, fontsize=10, color=PALETTE["muted"], transform=ax.transAxes)
    ax.text(0.06, 0.42, card.value, fontsize=15, weight="bold", color=PALETTE["ink"],
            transform=ax.transAxes)
    if card.change:
        ax.text(0.06, 0.12, f"{ARROWS.get(card.trend, '')} {card.change}".strip(), fontsize=10,
                color=TONE_COLORS.get(card.tone, PALETTE["muted"]), transform=ax.transAxes)


def _ticks(ax: Axes, days: list[str]) -> None:
    step = max(1, len(days) // 7)
    ax.set_xticks(range(0, len(days), step))
    ax.set_xticklabels(days[::step])


def render_dashboard(
    *, title: str, subtitle: str, cards: list[CardSpec], days: list[str], revenue: list[int],
    spend: list[int], series_title: str, revenue_label: str, spend_label: str,
    funnel_title: str, funnel: list[Bar], channels_title: str, channels: list[Bar],
    goals_title: str, goals: list[Bar], empty_text: str, locale: str = "en",
) -> bytes:
    """KPI cards on top, revenue vs spend, then funnel, channel split and goals."""
    fig = new_figure(12, 9, dpi=100)
    fig.text(0.03, 0.965, title, fontsize=17, weight="bold", color=PALETTE["ink"], va="center")
    fig.text(0.03, 0.93, subtitle, fontsize=10, color=PALETTE["muted"], va="center")
    n = max(1, len(cards))
    width = (0.94 - 0.015 * (n - 1)) / n
    for i, card in enumerate(cards):
        _card(fig, (0.03 + i * (width + 0.015), 0.78, width, 0.12), card)

    ax = _panel(fig, (0.07, 0.45, 0.9, 0.26), series_title)
    if any(revenue) or any(spend):
        xs = range(len(days))
        ax.plot(xs, revenue, color=REVENUE_COLOR, linewidth=2, label=revenue_label)
        ax.fill_between(xs, revenue, color=REVENUE_COLOR, alpha=0.08)
        ax.plot(xs, spend, color=SPEND_COLOR, linewidth=2, label=spend_label)
        ax.legend(fontsize=8, frameon=False, loc="upper left")
        ax.ticklabel_format(axis="y", style="plain")
        ax.yaxis.set_major_formatter(
            _short_number_formatter(locale))
        _ticks(ax, days)
    else:
        _empty(ax, empty_text)

    _hbars(_panel(fig, (0.12, 0.05, 0.22, 0.3), funnel_title), funnel, PALETTE["accent"],
           empty_text)
    _hbars(_panel(fig, (0.46, 0.05, 0.2, 0.3), channels_title), channels, REVENUE_COLOR,
           empty_text)
    _hbars(_panel(fig, (0.77, 0.05, 0.16, 0.3), goals_title), goals, "#16a34a", empty_text,
           limit=100)
    return to_png(fig)


def _short_number_formatter(locale: str) -> Formatter:
    from matplotlib.ticker import FuncFormatter

    def short(value: float, _pos: int) -> str:
        return compact_number(value, locale)

    return FuncFormatter(short)


def render_kpi(*, title: str, value: str, subtitle: str, days: list[str],
               values: list[float | None], tone: str | None, empty_text: str,
               locale: str = "en") -> bytes:
    """One KPI: the value in large type and its daily line (a gap where undefined)."""
    fig = new_figure(8, 4.2, dpi=100)
    fig.text(0.04, 0.92, title, fontsize=14, weight="bold", color=PALETTE["ink"], va="center")
    fig.text(0.04, 0.78, value, fontsize=22, weight="bold",
             color=TONE_COLORS.get(tone, PALETTE["ink"]), va="center")
    fig.text(0.04, 0.67, subtitle, fontsize=10, color=PALETTE["muted"], va="center")
    ax = _panel(fig, (0.09, 0.1, 0.87, 0.48), "")
    points = [(i, v) for i, v in enumerate(values) if v is not None]
    if len(points) >= 1 and any(v for _, v in points):
        ys = [float("nan") if v is None else v for v in values]
        ax.plot(range(len(ys)), ys, color=PALETTE["accent"], linewidth=2,
                marker="o", markersize=3)
        ax.yaxis.set_major_formatter(_short_number_formatter(locale))
        _ticks(ax, days)
    else:
        _empty(ax, empty_text)
    return to_png(fig)
