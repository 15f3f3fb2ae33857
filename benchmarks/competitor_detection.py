"""Precision and recall of the competitor-activity detectors on the labelled posts.

    .venv/bin/python -m benchmarks.competitor_detection [--misses]

The posts in ``tests/data/competitor_posts.jsonl`` are replayed channel by channel in order,
as the hourly sync sees them: each post is analysed with the prices already seen on its
channel and the median views of the posts before it. Figures are printed per split: ``tune``
(the posts the rules were written against) and ``heldout`` (written after the rules were
frozen, measured once).
"""

from __future__ import annotations

import json
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from services.competitors import detection

POSTS = Path(__file__).resolve().parent.parent / "tests" / "data" / "competitor_posts.jsonl"
DETECTORS = ("promotion", "price_change", "new_product", "viral")


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, predicted: bool, expected: bool, post_id: int) -> None:
        if predicted and expected:
            self.tp += 1
        elif predicted:
            self.fp += 1
            self.misses.append(f"FP #{post_id}")
        elif expected:
            self.fn += 1
            self.misses.append(f"FN #{post_id}")

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def load(path: Path = POSTS) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def evaluate(posts: list[dict[str, Any]]) -> dict[str, dict[str, Score]]:
    """Scores per split and detector (plus ``prices``: each labelled amount found)."""
    scores: dict[str, dict[str, Score]] = defaultdict(lambda: defaultdict(Score))
    known: dict[str, dict[str, int]] = defaultdict(dict)
    views: dict[str, list[int]] = defaultdict(list)
    for post in posts:
        channel = post["channel"]
        typical = detection.channel_median(views[channel][-50:])
        found = detection.analyse(post["text"], post["views"], known_prices=known[channel],
                                  typical_views=typical)
        split = scores[post["split"]]
        predicted = {"promotion": found.promotion, "price_change": bool(found.changes),
                     "new_product": found.new_product, "viral": found.viral}
        for name in DETECTORS:
            split[name].add(predicted[name], bool(post[name]), post["id"])
        got = Counter(p.amount for p in found.prices)
        want = Counter(post["prices"])
        prices = split["prices"]
        prices.tp += sum((got & want).values())
        prices.fp += sum((got - want).values())
        prices.fn += sum((want - got).values())
        if got != want:
            prices.misses.append(f"#{post['id']} got {sorted(got)} want {sorted(want)}")
        for mention in found.prices:
            known[channel][mention.item_key] = mention.amount
        views[channel].append(post["views"])
    return scores


def main() -> None:
    posts = load()
    show_misses = "--misses" in sys.argv
    counts = Counter(p["split"] for p in posts)
    print(f"{len(posts)} labelled posts: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    for split, by_name in sorted(evaluate(posts).items(), reverse=True):
        print(f"\n[{split}]  detector        precision  recall   tp  fp  fn")
        for name in (*DETECTORS, "prices"):
            s = by_name[name]
            print(f"  {name:<22} {s.precision:>8.2f} {s.recall:>7.2f} {s.tp:>4} {s.fp:>3} "
                  f"{s.fn:>3}")
            if show_misses and s.misses:
                print("      " + "; ".join(s.misses))


if __name__ == "__main__":
    main()
