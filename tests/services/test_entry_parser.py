"""Free-text entries: the rules on a labelled set of phrases in uz, uz_Cyrl, ru and en."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from services import entry_parser
from services.entry_parser import EntryKind, Proposal

PHRASES = Path(__file__).parent.parent / "data" / "entry_phrases.json"


def load() -> tuple[date, list[tuple[str, str, dict[str, Any]]]]:
    data = json.loads(PHRASES.read_text(encoding="utf-8"))
    return date.fromisoformat(data["today"]), [tuple(p) for p in data["phrases"]]


def matches(found: Proposal | None, expected: dict[str, Any], today: date) -> bool:
    """Every labelled field exact; fields not labelled must be empty (except the day)."""
    if expected["kind"] is None:
        return found is None
    if found is None or found.kind.value != expected["kind"]:
        return False
    want = {"amount": None, "channel": None, "name": None, "phone": None,
            **{k: v for k, v in expected.items() if k not in {"kind", "day"}}}
    got = {"amount": found.amount, "channel": found.channel, "name": found.name,
           "phone": found.phone}
    return got == want and found.day == today - timedelta(days=expected.get("day", 0))


def accuracy() -> tuple[float, list[str]]:
    today, phrases = load()
    misses = []
    for _lang, text, expected in phrases:
        found = entry_parser.parse(text, today=today)
        if not matches(found, expected, today):
            misses.append(f"{text!r}: {found}")
    return 1 - len(misses) / len(phrases), misses


def test_labelled_set_is_big_and_covers_four_languages() -> None:
    _today, phrases = load()
    assert len(phrases) >= 80
    assert {lang for lang, _, _ in phrases} == {"uz", "uz_Cyrl", "ru", "en"}


def test_rules_reach_ninety_percent_exact_fields() -> None:
    score, misses = accuracy()
    assert score >= 0.90, "\n".join(misses)


def test_examples_from_the_issue() -> None:
    today = date(2026, 12, 2)
    assert entry_parser.parse("bugun instagramga 500 ming sarfladim", today=today) == Proposal(
        EntryKind.SPEND, today, 500_000, "instagram")
    assert entry_parser.parse("заказ 450 000 от Алишера", today=today) == Proposal(
        EntryKind.ORDER, today, 450_000, None, "Алишер")
    assert entry_parser.parse("hello there", today=today) is None
    assert entry_parser.needs_ai("Aziza 300 000") and not entry_parser.needs_ai("hello")


def test_ai_reply_is_parsed_robustly() -> None:
    today = date(2026, 12, 2)
    reply = ('Sure! ```json\n{"kind": "spend", "amount": "1 200 000", "channel": "insta", '
             '"day": "2026-12-01", "name": null, "phone": null}\n```')
    assert entry_parser.parse_ai_reply(reply, today=today) == Proposal(
        EntryKind.SPEND, date(2026, 12, 1), 1_200_000, "instagram", source="ai")
    assert entry_parser.parse_ai_reply('{"kind": "none"}', today=today) is None
    assert entry_parser.parse_ai_reply("not json {", today=today) is None
    assert entry_parser.parse_ai_reply('{"kind": "order", "amount": "lots"}',
                                       today=today) is None


def test_halves_in_words_and_bought_advertising() -> None:
    today = date(2026, 12, 2)
    yesterday = today - timedelta(days=1)
    assert entry_parser.parse("kecha instagramga yarim million sarfladim", today=today) == (
        Proposal(EntryKind.SPEND, yesterday, 500_000, "instagram"))
    assert entry_parser.parse("кеча инстаграмга бир ярим млн сарфладим", today=today) == (
        Proposal(EntryKind.SPEND, yesterday, 1_500_000, "instagram"))
    # Russian "реклама" is no sign of Uzbek Cyrillic ("тыс" must survive)
    assert entry_parser.parse("в телеге реклама 500 тыс", today=today) == Proposal(
        EntryKind.SPEND, today, 500_000, "telegram")
    # buying advertising is a spend; a clear sale word still makes an order
    assert entry_parser.parse("купил рекламу в телеге за пол миллиона", today=today) == (
        Proposal(EntryKind.SPEND, today, 500_000, "telegram"))
    assert entry_parser.parse("заказ на 200 тыс с рекламы", today=today) == Proposal(
        EntryKind.ORDER, today, 200_000)
    found = entry_parser.parse("Aziza kofe sotib oldi 45 ming", today=today)
    assert found is not None and found.kind is EntryKind.ORDER and found.amount == 45_000
