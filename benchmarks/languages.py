"""How well the sales bot tells which language a customer writes in (no model), on the
labelled customer messages of ``tests/data/intents.jsonl`` (each carries its language).

    .venv/bin/python -m benchmarks.languages [--misses]

Prints, per language: right, wrong and undecided (an undecided message keeps the
conversation's language, so only "wrong" switches the reply to a wrong language), and the
time per message.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter

from benchmarks.intents import load
from services.salesbot.language import detect_language


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--misses", action="store_true", help="print the wrong guesses")
    args = parser.parse_args()
    rows = load()
    counts: Counter[tuple[str, str]] = Counter()
    misses = []
    for row in rows:
        guess = detect_language(row["text"])
        verdict = "undecided" if guess is None else "right" if guess == row["lang"] else "wrong"
        counts[(row["lang"], verdict)] += 1
        if verdict == "wrong":
            misses.append((row["lang"], guess, row["text"]))
    print(f"{'language':10} {'right':>6} {'wrong':>6} {'undecided':>10}")
    for language in ("uz", "uz_Cyrl", "ru", "en", "all"):
        def n(verdict: str, language: str = language) -> int:
            return sum(v for (lang, ver), v in counts.items()
                       if ver == verdict and language in (lang, "all"))
        total = n("right") + n("wrong") + n("undecided")
        print(f"{language:10} {n('right'):>6} {n('wrong'):>6} {n('undecided'):>10}"
              f"   ({n('right') / total:.1%} right, {n('wrong') / total:.1%} wrong)")
    rounds = 200
    start = time.perf_counter()
    for _ in range(rounds):
        for row in rows:
            detect_language(row["text"])
    per = (time.perf_counter() - start) / (rounds * len(rows))
    print(f"time per message: {per * 1e6:.1f} µs")
    if args.misses:
        for expected, got, text in misses:
            print(f"  {expected} → {got}: {text}")


if __name__ == "__main__":
    main()
