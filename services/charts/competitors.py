"""The weekly competitor report image: subscribers trend, posts and promotions per week.
Every text arrives localized from the caller."""

from __future__ import annotations

from dataclasses import dataclass

from services.charts.render import PALETTE, new_figure, to_png
from services.competitors.report import WeeklyData

COLORS = ("#2563eb", "#dc2626", "#16a34a", "#d97706", "#7c3aed", "#0891b2", "#db2777")
OWN_COLOR = "#111827"


@dataclass(frozen=True, slots=True)
class WeeklyLabels:
    title: str
    subtitle: str
    subscribers: str
    posts: str
    promotions: str
    weeks: list[str]  # one label per week, oldest first
    own: str  # the legend name of the business's own channel
    empty: str


def _filled(values: list[int | None]) -> list[float]:
    """Carry the last reading over days without one (NaN before the first)."""
    out: list[float] = []
    last: float = float("nan")
    for v in values:
        if v is not None:
            last = float(v)
        out.append(last)
    return out


def render_weekly(data: WeeklyData, labels: WeeklyLabels) -> bytes:
    """PNG bytes of the report."""
    from matplotlib.ticker import MaxNLocator, PercentFormatter

    fig = new_figure(10, 7, dpi=100)
    fig.text(0.04, 0.95, labels.title, fontsize=16, weight="bold", color=PALETTE["ink"])
    fig.text(0.04, 0.915, labels.subtitle, fontsize=10, color=PALETTE["muted"])
    if data.empty:
        fig.text(0.5, 0.5, labels.empty, ha="center", fontsize=13, color=PALETTE["muted"])
        return to_png(fig)
    trend = fig.add_axes((0.07, 0.50, 0.90, 0.36))
    posts = fig.add_axes((0.07, 0.08, 0.42, 0.32))
    promos = fig.add_axes((0.55, 0.08, 0.42, 0.32))
    names = [labels.own if c.own else c.name for c in data.channels]
    colors = [OWN_COLOR if c.own else COLORS[i % len(COLORS)]
              for i, c in enumerate(data.channels)]
    # channels differ by orders of magnitude: the trend is each one's % change since its
    # first reading of the period, and the legend carries the latest count
    for channel, name, color in zip(data.channels, names, colors, strict=True):
        values = _filled(channel.subscribers)
        known = [v for v in values if v == v]  # not NaN
        if not known or not known[0]:
            continue
        first = known[0]
        trend.plot(range(len(channel.days)), [(v / first - 1) * 100 for v in values],
                   label=f"{name} · {int(known[-1]):,}".replace(",", "\u202f"), color=color,
                   linewidth=2.2 if channel.own else 1.8,
                   linestyle="--" if channel.own else "-")
    trend.yaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 5, 10]))
    trend.yaxis.set_major_formatter(PercentFormatter(decimals=None))
    trend.axhline(0, color=PALETTE["muted"], linewidth=0.8)
    days = data.channels[0].days if data.channels else []
    ticks = list(range(0, len(days), 7))
    trend.set_xticks(ticks, [days[i].strftime("%d.%m") for i in ticks])
    trend.set_title(labels.subscribers, loc="left", fontsize=11, color=PALETTE["ink"])
    trend.grid(alpha=0.3)
    if trend.get_legend_handles_labels()[0]:
        trend.legend(fontsize=8, loc="upper left", frameon=False)
    count = max(len(data.channels), 1)
    width = 0.8 / count
    for axes, title, attr in ((posts, labels.posts, "posts_per_week"),
                              (promos, labels.promotions, "promotions_per_week")):
        for i, (channel, color) in enumerate(zip(data.channels, colors, strict=True)):
            values = getattr(channel, attr)
            axes.bar([w + i * width - 0.4 + width / 2 for w in range(len(values))], values,
                     width=width, color=color)
        axes.set_xticks(range(len(labels.weeks)), labels.weeks, fontsize=8)
        axes.set_title(title, loc="left", fontsize=11, color=PALETTE["ink"])
        axes.grid(axis="y", alpha=0.3)
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    for axes in (trend, posts, promos):
        for side in ("top", "right"):
            axes.spines[side].set_visible(False)
    return to_png(fig)
