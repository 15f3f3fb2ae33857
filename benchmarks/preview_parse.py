"""How fast a t.me/s preview page is parsed: selectolax (what the client uses) against
BeautifulSoup + lxml (when installed), on a 20-post page from the fake t.me.

    .venv/bin/python -m benchmarks.preview_parse

Prints pages per second for each and checks both read the same posts.
"""

from __future__ import annotations

import time

from services.competitors.telegram_preview import parse_counter, parse_page
from tests.fakes.telegram_preview import FakeChannel, render_page

ROUNDS = 300


def _page() -> str:
    channel = FakeChannel("lavash_house", "Lavash House", 12_345)
    for i in range(20):
        channel.post(f"Post {i}\nLavash katta — {25 + i} 000 so'm\n🔥 -20% chegirma", 1000 + i,
                     reply_to="Savol?" if i % 5 == 0 else None)
    return render_page(channel, before=None)


def _bs4(html: str) -> list[tuple[int, int | None, str]]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "lxml")
    posts = []
    for node in soup.select("div.tgme_widget_message[data-post]"):
        body = node.select_one("div.tgme_widget_message_bubble > div.tgme_widget_message_text")
        views = node.select_one("span.tgme_widget_message_views")
        posts.append((int(str(node["data-post"]).rpartition("/")[2]),
                      parse_counter(views.get_text(strip=True)) if views else None,
                      body.get_text(" ", strip=True) if body else ""))
    return posts


def main() -> None:
    html = _page()
    print(f"page: {len(html) / 1024:.0f} KB, 20 posts; {ROUNDS} rounds")
    started = time.perf_counter()
    for _ in range(ROUNDS):
        page = parse_page(html, username="lavash_house")
    took = time.perf_counter() - started
    print(f"selectolax (lexbor): {ROUNDS / took:8.0f} pages/s  ({took / ROUNDS * 1000:.2f} ms)")
    try:
        import bs4  # noqa: F401
    except ImportError:
        print("BeautifulSoup + lxml: not installed, not compared")
        return
    started = time.perf_counter()
    for _ in range(ROUNDS):
        other = _bs4(html)
    took_bs = time.perf_counter() - started
    print(f"BeautifulSoup + lxml: {ROUNDS / took_bs:7.0f} pages/s  "
          f"({took_bs / ROUNDS * 1000:.2f} ms), {took_bs / took:.1f}× slower")
    assert [(p.post_id, p.views) for p in page.posts] == [(i, v) for i, v, _ in other]


if __name__ == "__main__":
    main()
