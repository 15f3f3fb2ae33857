"""Sales-bot intent rules: normalisation, word boundaries, typos, negation, priority,
confidence, the model's JSON, funnel moves and the labelled set (no database)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from services.salesbot import intents
from services.salesbot.intents import Intent, IntentResult, detect_intent, funnel_stage
from services.salesbot.normalize import edit_distance, normalize, stem_matches

DATA = Path(__file__).resolve().parent.parent / "data" / "intents.jsonl"


@pytest.mark.parametrize(("text", "expected"), [
    ("To‘lov", "tolov"), ("to'lov", "tolov"), ("toʻlov", "tolov"), ("to`lov", "tolov"),
    ("Тўлов", "tolov"), ("Нархи ҚАНЧА?!", "narxi qancha"), ("Етказиб бериш", "yetkazib berish"),
    ("Salooom 👋👋", "saloom"), ("сколько стоит", "skolko stoit"), ("G‘isht", "gisht"),
    ("café", "cafe"),
])
def test_normalize_one_form(text: str, expected: str) -> None:
    assert normalize(text) == expected


def test_edit_distance_with_swaps_and_limit() -> None:
    assert edit_distance("operator", "opertor", 2) == 1
    assert edit_distance("dostavka", "dsotavka", 2) == 1  # adjacent swap
    assert edit_distance("salom", "operator", 1) == 2  # gave up past the limit


def test_stem_rules() -> None:
    assert stem_matches("narxlari", "narx") == (True, False)  # an inflection
    assert stem_matches("shir", "hi", exact=True) == (False, False)
    assert stem_matches("boladimi", "bogla") == (False, False)  # no dropped letter in short
    assert stem_matches("opertorga", "operator") == (True, True)


@pytest.mark.parametrize(("text", "intent"), [
    ("narxi qancha?", Intent.PRICING),
    ("сколько стоит доставка в Самарканд", Intent.DELIVERY),
    ("operator bilan gaplashmoqchiman", Intent.HUMAN),
    ("Оператор билан гаплашмоқчиман", Intent.HUMAN),
    ("skolko stoit", Intent.PRICING),  # Russian in Latin letters
    ("нархи qancha", Intent.PRICING),  # mixed script
    ("Salom, narxi qancha?", Intent.PRICING),  # the greeting is context
    ("Привет", Intent.GREETING),  # not a typo of "привез"
    ("shirin", Intent.UNKNOWN),  # "hi" is a whole word only
    ("salomatlik uchun", Intent.UNKNOWN),
    ("платье красное есть?", Intent.PRODUCT),  # "платье" is not "платеж"
])
def test_examples(text: str, intent: Intent) -> None:
    assert detect_intent(text).intent is intent


def test_hand_off_wins_over_everything() -> None:
    assert detect_intent("narxi qancha? operator bilan gaplashay").intent is Intent.HUMAN
    assert detect_intent("Заказ не пришел, сколько ждать доставку").intent is Intent.COMPLAINT


@pytest.mark.parametrize("text", ["operator kerak emas, narxi qancha", "нет проблем, сколько",
                                  "no problem, how much is it", "muammo yo'q, narxi qancha"])
def test_negated_hand_off_words_do_not_count(text: str) -> None:
    assert detect_intent(text).intent is Intent.PRICING


def test_confidence() -> None:
    assert detect_intent("narxi qancha").confidence == 1.0
    assert detect_intent("opertor kerak").confidence < 1.0  # read through a typo
    ambiguous = detect_intent("buyurtma beraman, click orqali to'lasam bo'ladimi")
    assert ambiguous.intent is Intent.PAYMENT and ambiguous.confidence < intents.SURE
    assert detect_intent("Kafolat bormi?").confidence < intents.SURE  # only "is there"
    assert detect_intent("qizil rangi bormi").confidence == 1.0
    assert detect_intent("").intent is Intent.UNKNOWN
    assert detect_intent("rahmat").confidence == 0.0


@pytest.mark.parametrize(("answer", "expected"), [
    ('{"intent": "delivery", "confidence": 0.83}', IntentResult(Intent.DELIVERY, 0.83, "model")),
    ('```json\n{"intent": "ORDER", "confidence": 1}\n```', IntentResult(Intent.ORDER, 1.0,
                                                                         "model")),
    ('{"intent": "refund", "confidence": 0.9}', None),
    ('{"intent": "order", "confidence": 7}', None),
    ("I think it is an order", None),
])
def test_parse_model_answer(answer: str, expected: IntentResult | None) -> None:
    assert intents.parse_model_answer(answer) == expected


def test_funnel_moves_forward_only_and_when_confident() -> None:
    assert funnel_stage("awareness", IntentResult(Intent.PRICING, 0.9)) == "consideration"
    assert funnel_stage("intent", IntentResult(Intent.PRODUCT, 1.0)) == "intent"
    assert funnel_stage("awareness", IntentResult(Intent.ORDER, 0.6)) == "awareness"
    assert funnel_stage("interest", IntentResult(Intent.HUMAN, 1.0)) == "interest"


def test_labelled_set_accuracy() -> None:
    rows = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines()]
    assert len(rows) >= 300
    assert {r["lang"] for r in rows} == {"uz", "uz_Cyrl", "ru", "en"}
    assert {r["intent"] for r in rows} == {i.value for i in Intent}
    for split in ("tune", "holdout", "fresh", "fresh2"):
        part = [r for r in rows if r["split"] == split]
        hits = sum(detect_intent(r["text"]).intent.value == r["intent"] for r in part)
        assert hits / len(part) >= 0.9, split
