"""The platform dashboard image: revenue over 12 months and the plan distribution."""

from __future__ import annotations

from services.charts.render import PALETTE, new_figure, to_png


def render_dashboard(*, title: str, revenue_title: str, month_labels: list[str],
                     revenue: list[int], plans_title: str, plans: list[tuple[str, int]],
                     empty_text: str, value_labels: list[str]) -> bytes:
    """Render the dashboard; every text comes in localized (``value_labels`` are the
    formatted revenue amounts, one per month)."""
    fig = new_figure(12, 5.2)
    fig.text(0.03, 0.95, title, fontsize=17, weight="bold", color=PALETTE["ink"], va="top")
    left = fig.add_axes((0.06, 0.14, 0.58, 0.66))
    left.set_title(revenue_title, loc="left", fontsize=12, color=PALETTE["ink"])
    positions = list(range(len(revenue)))
    bars = left.bar(positions, revenue, color=PALETTE["accent"], width=0.65)
    left.set_xticks(positions, month_labels, fontsize=9, rotation=0)
    left.set_yticks([])
    for side in ("top", "right", "left"):
        left.spines[side].set_visible(False)
    top = max(revenue, default=0)
    left.set_ylim(0, top * 1.25 if top else 1)
    for bar, label, value in zip(bars, value_labels, revenue, strict=True):
        if value:
            left.text(bar.get_x() + bar.get_width() / 2, bar.get_height() + top * 0.02, label,
                      ha="center", va="bottom", fontsize=7, color=PALETTE["muted"])
    right = fig.add_axes((0.70, 0.14, 0.27, 0.66))
    right.set_title(plans_title, loc="left", fontsize=12, color=PALETTE["ink"])
    right.set_axis_off()
    total = sum(count for _, count in plans)
    if not total:
        right.text(0.5, 0.5, empty_text, ha="center", va="center", fontsize=11,
                   color=PALETTE["muted"])
    else:
        colors = ["#2563eb", "#16a34a", "#f59e0b", "#9333ea", "#6b7280"]
        right.pie([count for _, count in plans], colors=colors[: len(plans)],
                  startangle=90, counterclock=False,
                  wedgeprops={"width": 0.42, "edgecolor": "white"})
        right.set_aspect("equal")
        right.legend([f"{name} — {count}" for name, count in plans], loc="upper center",
                     bbox_to_anchor=(0.5, 0.02), frameon=False, fontsize=9, ncol=2)
    return to_png(fig)
