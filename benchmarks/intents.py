"""Accuracy of the sales-bot intent rules (no model) on the labelled customer messages.

    .venv/bin/python -m benchmarks.intents [--split tune|holdout|all] [--misses]

Prints accuracy per split — ``tune`` (the rules were tuned on its misses), ``holdout``
(written with it, never looked at while tuning), ``fresh`` (written after the first tuning
round, then used for the second) and ``fresh2`` (written after the second round, never tuned
on) — then overall, per language and per intent, the confusion
list (expected → got, with counts), how often the rules were unsure (confidence below
``intents.SURE``: the model would be asked when configured) and the time per message.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter, defaultdict
from pathlib import Path

from services.salesbot import intents

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "intents.jsonl"


def load(split: str = "all") -> list[dict[str, str]]:
    rows = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines()
            if line.strip()]
    return [r for r in rows if split == "all" or r["split"] == split]


def _share(results: list[bool]) -> str:
    return f"{sum(results):3}/{len(results):3}  {sum(results) / max(1, len(results)):6.1%}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--split", default="all",
                        choices=("tune", "holdout", "fresh", "fresh2", "all"))
    parser.add_argument("--misses", action="store_true", help="list every miss")
    args = parser.parse_args()
    rows = load(args.split)
    by_split: dict[str, list[bool]] = defaultdict(list)
    by_lang: dict[str, list[bool]] = defaultdict(list)
    by_intent: dict[str, list[bool]] = defaultdict(list)
    confusion: Counter[tuple[str, str]] = Counter()
    misses: list[str] = []
    unsure = 0
    started = time.perf_counter()
    for row in rows:
        found = intents.detect_intent(row["text"])
        ok = found.intent.value == row["intent"]
        unsure += found.confidence < intents.SURE
        by_split[row["split"]].append(ok)
        by_lang[row["lang"]].append(ok)
        by_intent[row["intent"]].append(ok)
        if not ok:
            confusion[(row["intent"], found.intent.value)] += 1
            misses.append(f"  [{row['split']}/{row['lang']}] {row['text']!r}: expected "
                          f"{row['intent']}, got {found.intent.value} ({found.confidence})")
    elapsed_ms = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    for row in rows:  # again, with the per-word cache warm (a running bot's steady state)
        intents.detect_intent(row["text"])
    warm_ms = (time.perf_counter() - started) * 1000
    total = [ok for results in by_lang.values() for ok in results]
    print("split")
    for split, results in sorted(by_split.items(), reverse=True):
        print(f"  {split:9} {_share(results)}")
    print(f"  {'overall':9} {_share(total)}")
    print("language")
    for lang, results in sorted(by_lang.items()):
        print(f"  {lang:9} {_share(results)}")
    print("intent")
    for intent in intents.labels():
        if intent in by_intent:
            print(f"  {intent:9} {_share(by_intent[intent])}")
    print(f"unsure (confidence < {intents.SURE}): {unsure}/{len(rows)}")
    print(f"{elapsed_ms / max(1, len(rows)):.3f} ms a message at first sight (cold cache), "
          f"{warm_ms / max(1, len(rows)):.3f} ms warm")
    if confusion:
        print("confusion (expected → got):")
        for (expected, got), count in confusion.most_common():
            print(f"  {expected:9} → {got:9} {count}")
    if args.misses and misses:
        print("misses:")
        print("\n".join(misses))


if __name__ == "__main__":
    main()
