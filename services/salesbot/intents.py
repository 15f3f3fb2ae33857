"""Customer intent detection (SPEC §3.9): keywords and normalisation for uz Latin, uz Cyrillic,
ru and en; the model is asked only when the rules are unsure.

Interface used by the conversation engine (``detect_intent``). The rule set here is the
starting point; the labelled set in ``tests/data`` and ``benchmarks/intents.py`` measure it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Intent(StrEnum):
    GREETING = "greeting"
    PRODUCT = "product"
    PRICING = "pricing"
    ORDER = "order"
    DELIVERY = "delivery"
    PAYMENT = "payment"
    COMPLAINT = "complaint"
    HUMAN = "human"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class IntentResult:
    intent: Intent
    confidence: float  # 0..1; rules give 1.0 for an unambiguous keyword hit


_KEYWORDS: dict[Intent, tuple[str, ...]] = {
    Intent.HUMAN: ("operator", "odam", "оператор", "human", "menejer", "менеджер"),
    Intent.COMPLAINT: ("muammo", "shikoyat", "жалоба", "complaint", "проблема"),
    Intent.ORDER: ("buyurtma", "olaman", "заказ", "order"),
    Intent.PRICING: ("narx", "qancha", "цена", "сколько", "price"),
    Intent.DELIVERY: ("yetkaz", "доставк", "delivery"),
    Intent.PAYMENT: ("to'lov", "оплат", "payment"),
    Intent.PRODUCT: ("mahsulot", "xizmat", "товар", "product"),
    Intent.GREETING: ("salom", "assalomu", "привет", "hi", "hello"),
}


def detect_intent(text: str) -> IntentResult:
    """The customer's intent by rules alone (no I/O, no model)."""
    lowered = text.lower()
    for intent, words in _KEYWORDS.items():
        if any(word in lowered for word in words):
            return IntentResult(intent, 1.0)
    return IntentResult(Intent.UNKNOWN, 0.0)
