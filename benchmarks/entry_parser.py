"""Accuracy of the free-text entry rules on the labelled phrases in tests/data.

    .venv/bin/python -m benchmarks.entry_parser

Prints the share of phrases whose every labelled field (kind, amount, channel, day, name,
phone) the rules read exactly, per language and overall, and the misses.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from datetime import date
from pathlib import Path

from services import entry_parser
from tests.services.test_entry_parser import matches

PHRASES = Path(__file__).resolve().parent.parent / "tests" / "data" / "entry_phrases.json"


def main() -> None:
    data = json.loads(PHRASES.read_text(encoding="utf-8"))
    today = date.fromisoformat(data["today"])
    per_lang: dict[str, list[bool]] = defaultdict(list)
    misses = []
    started = time.perf_counter()
    for lang, text, expected in data["phrases"]:
        found = entry_parser.parse(text, today=today)
        ok = matches(found, expected, today)
        per_lang[lang].append(ok)
        if not ok:
            misses.append(f"  [{lang}] {text!r} → {found}")
    elapsed = (time.perf_counter() - started) * 1000
    total = [ok for results in per_lang.values() for ok in results]
    for lang, results in sorted(per_lang.items()):
        print(f"{lang:8} {sum(results):3}/{len(results):3}  {sum(results) / len(results):6.1%}")
    print(f"overall  {sum(total):3}/{len(total):3}  {sum(total) / len(total):6.1%}  "
          f"({elapsed / len(total):.2f} ms a phrase)")
    if misses:
        print("misses:")
        print("\n".join(misses))


if __name__ == "__main__":
    main()
