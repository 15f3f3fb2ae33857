"""Report images: the weekly report of N businesses rendered by ``services.charts.report``
(one prepared figure per process, blitted, light PNG) in a small process pool, beside a plain
matplotlib baseline (a fresh figure per image saved with ``savefig``).

    python benchmarks/reports.py [--businesses 2000] [--workers 2] [--baseline 60]
                                 [--locale uz]

Each business gets its own numbers, channels and goals (seeded), turned into localized texts
by ``bot.reports.report_image`` exactly as the scheduler does. Prints images/s and ms per
image for the pool, for one process, and for the baseline. Target: ≥ 30 images/s on 2 cores.
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import time
from datetime import date, timedelta

from bot.i18n import make_i18n
from bot.reports import report_image
from services.charts.report import ReportImage, render_report, render_report_plain
from services.goals import GoalView
from services.kpi import ChannelRow, DayPoint, KpiCard, KpiName, change
from services.reports import REPORT_KPIS, ReportData, ReportKind, window

CHANNELS = ["Instagram", "Telegram kanal", "Google Ads", "Facebook", "Sayt", "TikTok"]
GOALS = ["Oylik tushum 100 mln", "500 ta yangi mijoz", "Lidlar 2 000", "O‘rtacha chek"]


def _report(i: int, today: date) -> ReportData:
    rnd = random.Random(i)
    win = window(ReportKind.WEEKLY, today=today)
    cards = {}
    for name in REPORT_KPIS:
        value, previous = rnd.uniform(0, 9e6), rnd.choice([0.0, rnd.uniform(1, 9e6)])
        if name in (KpiName.LEADS, KpiName.ORDERS):
            value, previous = round(value / 1e4), round(previous / 1e4)
        elif name in (KpiName.ROAS, KpiName.ROI):
            value, previous = value / 1e6, previous / 1e6
        cards[name] = KpiCard(name, value, previous, change(value, previous), None, None)
    series = [DayPoint(win.start + timedelta(days=d), rnd.randint(0, 3_000_000),
                       rnd.randint(0, 900_000)) for d in range(7)]
    channels = [ChannelRow(k + 1, name, "other", 0, rnd.randint(0, 90), 0,
                           rnd.randint(0, 9_000_000), None, None, None, None, None, None, None,
                           None, None) for k, name in enumerate(rnd.sample(CHANNELS, 4))]
    channels.sort(key=lambda c: -c.revenue)
    goals = [GoalView(k, "revenue", title, 100, rnd.randint(0, 100), None, None)
             for k, title in enumerate(GOALS[: rnd.randint(0, 4)])]
    return ReportData(i, f"Biznes #{i}", ReportKind.WEEKLY, win, "Asia/Tashkent", True, cards,
                      series, channels, goals)


def build_images(count: int, locale: str) -> list[ReportImage]:
    i18n = make_i18n()
    today = date(2026, 11, 30)
    with i18n.context(), i18n.use_locale(locale):
        return [report_image(_report(i, today), locale) for i in range(count)]


def _render_chunk(images: list[ReportImage]) -> int:
    return sum(len(render_report(img)) for img in images)


def _warm() -> None:
    render_report(build_images(1, "uz")[0])


def run_pool(images: list[ReportImage], workers: int) -> float:
    chunks = [images[k::workers * 8] for k in range(workers * 8)]
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(workers, initializer=_warm) as pool:
        pool.map(_render_chunk, [images[:workers]] * workers)  # every worker warmed
        start = time.perf_counter()
        total = sum(pool.map(_render_chunk, chunks, chunksize=1))
        elapsed = time.perf_counter() - start
    assert total > 0
    return elapsed


def simple_figure() -> bytes:
    """The brief's yardstick: one small line chart on a fresh figure (≈12/s on one idle core
    here), to tell how busy the machine was during the run."""
    import io

    from services.charts.render import new_figure

    fig = new_figure(8, 4.5, dpi=100)
    ax = fig.add_subplot()
    ax.plot(range(30), [i * i for i in range(30)])
    ax.set_title("Revenue")
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def timed(label: str, count: int, seconds: float) -> None:
    print(f"{label:<44} {count:>6} images  {count / seconds:7.1f} images/s  "
          f"{seconds / count * 1000:6.1f} ms/image")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--businesses", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--baseline", type=int, default=60, help="images for the baseline")
    parser.add_argument("--single", type=int, default=300, help="images for one process")
    parser.add_argument("--locale", default="uz")
    args = parser.parse_args()
    images = build_images(args.businesses, args.locale)
    print(f"weekly report images, {args.locale}, {args.workers} worker process(es)")
    timed(f"prepared canvas, pool of {args.workers}", len(images),
          run_pool(images, args.workers))
    render_report(images[0])
    single = images[: args.single]
    start = time.perf_counter()
    _render_chunk(single)
    timed("prepared canvas, one process", len(single), time.perf_counter() - start)
    base = images[: args.baseline]
    start = time.perf_counter()
    for img in base:
        render_report_plain(img)
    timed("plain matplotlib (new figure + savefig)", len(base), time.perf_counter() - start)
    start = time.perf_counter()
    for _ in range(args.baseline):
        simple_figure()
    timed("yardstick: a simple line chart, new figure", args.baseline,
          time.perf_counter() - start)


if __name__ == "__main__":
    main()
