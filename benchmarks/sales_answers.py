"""``compose_answer`` on the non-AI path, with a full knowledge base (the per-business maximum
of Q&A entries and products), and the AI post-check on its own.

    .venv/bin/python -m benchmarks.sales_answers [--entries 300 --products 300 --runs 400]
                                                 [--database-url URL]

Seeds one business (SQLite file in a temp dir by default) and answers the labelled customer
messages of ``tests/data/intents.jsonl`` in turn, with the rule intent, each in its own
read-only session as the sales bot would; prints p50/p95/p99 of one answer and which source
answered. Then times ``check_reply`` on a typical model reply. The sales bot's budget for a
whole reply is p99 ≤ 150 ms (issue 5).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from collections import Counter
from pathlib import Path

from bot.migrations import upgrade
from services import plans, profile, users
from services.db.models import KbEntry, KbProduct
from services.db.session import make_engine, make_sessionmaker
from services.salesbot import answers, knowledge
from services.salesbot.intents import detect_intent

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "intents.jsonl"
WORDS = ("yetkazib", "kafolat", "razmer", "rang", "ish", "vaqti", "manzil", "chegirma",
         "доставка", "гарантия", "размер", "цвет", "адрес", "скидка", "warranty", "size")


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def main(args: argparse.Namespace) -> None:
    url = args.database_url or (
        f"sqlite+aiosqlite:///{Path(tempfile.mkdtemp()) / 'sales_answers.db'}")
    engine = make_engine(url)
    await upgrade(engine)
    sessions = make_sessionmaker(engine)
    async with sessions.begin() as session:
        await plans.seed_plans(session)
        await users.touch_user(session, user_id=1, first_name="Bench")
        business, _ = await profile.create_business(
            session, owner_id=1, name="Bench Shop", industry="retail", model="b2c",
            primary_goal="sales", team_size="2-5")
        for i in range(args.entries):
            kind = ("faq", "delivery", "payment")[i % 3]
            a, b = WORDS[i % len(WORDS)], WORDS[(i * 7) % len(WORDS)]
            session.add(KbEntry(
                business_id=business.id, kind=kind, question=f"{a} {b} savol {i}?",
                answer=f"Javob {i}", search_text=" ".join(
                    knowledge.content_words(f"{a} {b} savol {i}"))))
        for i in range(args.products):
            session.add(KbProduct(business_id=business.id, name=f"Mahsulot {i}",
                                            name_key=f"mahsulot {i}", price=10_000 + i,
                                            description=""))
    texts = [json.loads(line)["text"] for line in DATA.read_text(encoding="utf-8").splitlines()
             if line.strip()]
    latencies: list[float] = []
    sources: Counter[str] = Counter()
    for run in range(args.runs):
        text = texts[run % len(texts)]
        started = time.perf_counter()
        async with sessions() as session:
            found = await answers.compose_answer(
                session, None, business_id=business.id, text=text,
                intent=detect_intent(text).intent, language="uz")
        latencies.append((time.perf_counter() - started) * 1000)
        sources[found.source] += 1
    await engine.dispose()
    print(f"compose_answer without AI, {args.entries} Q&A + {args.products} products, "
          f"{args.runs} messages ({url.split(':')[0]}):")
    print(f"  p50 {statistics.median(latencies):.1f} ms, p95 "
          f"{_percentile(latencies, 0.95):.1f} ms, p99 {_percentile(latencies, 0.99):.1f} ms")
    print("  sources: " + ", ".join(f"{k} {v}" for k, v in sources.most_common()))
    facts = "\n".join(f"- Mahsulot {i}: {10_000 + i}" for i in range(args.products))
    reply = ("Ha, Mahsulot 12 narxi 10 012 so'm. Toshkent bo'ylab yetkazib beramiz. "
             "Boshqa savolingiz bo'lsa yozing!")
    started = time.perf_counter()
    for _ in range(1000):
        answers.check_reply(reply, facts=facts)
    print(f"check_reply: {(time.perf_counter() - started):.3f} ms a reply "
          f"(facts of {args.products} products)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=knowledge.MAX_ENTRIES)
    parser.add_argument("--products", type=int, default=knowledge.MAX_PRODUCTS)
    parser.add_argument("--runs", type=int, default=400)
    parser.add_argument("--database-url")
    asyncio.run(main(parser.parse_args()))
