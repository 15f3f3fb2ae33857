"""How many of a product a customer asks for ("ikkita latte", "2 ta latte", "две латте",
"3 x cappuccino", "latte 2") — pure, no database.

Digits and number words in Uzbek (Latin and Cyrillic, read through ``normalize``), Russian
and English. The product's own name is removed first, so the digits of "Latte 0.4" or
"Beans 1 kg" are never read as a quantity. ``None`` when the message names no quantity (the
caller then means one); anything above ``MAX_QTY`` is not a quantity a chat order takes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from services.salesbot.normalize import normalize

MAX_QTY = 50

# normalised forms (Cyrillic is transliterated by ``normalize``: "две" → "dve", "ikkita")
_WORDS: dict[str, int] = {}
for _value, _forms in {
    1: ("bir", "bitta", "birta", "odin", "odna", "odno", "one", "a", "an"),
    2: ("ikki", "ikkita", "dva", "dve", "two", "pair", "juft"),
    3: ("uch", "uchta", "tri", "three"),
    4: ("tort", "tortta", "to'rt", "chetyre", "four"),
    5: ("besh", "beshta", "pyat", "five"),
    6: ("olti", "oltita", "shest", "six"),
    7: ("yetti", "yettita", "sem", "seven"),
    8: ("sakkiz", "sakkizta", "vosem", "eight"),
    9: ("toqqiz", "toqqizta", "devyat", "nine"),
    10: ("on", "onta", "desyat", "ten"),
}.items():
    for _form in _forms:
        _WORDS[normalize(_form)] = _value
# "a", "an", "on" are English/Uzbek words far more often than numbers: only with a suffix
_AMBIGUOUS = frozenset({"a", "an", "on", "sem"})

_DIGITS = re.compile(r"^(\d{1,3})(ta|x|sht)?$")
_SUFFIX = frozenset({"ta", "x", "sht", "shtuk", "shtuki", "shtuka", "pcs", "dona"})


def _strip_names(text: str, names: Iterable[str]) -> str:
    words = normalize(text).split()
    for name in sorted((normalize(n).split() for n in names), key=len, reverse=True):
        if not name:
            continue
        size = len(name)
        for i in range(len(words) - size + 1):
            if words[i:i + size] == name:
                words[i:i + size] = ["|"]
                break
    return " ".join(words)


def parse_quantity(text: str, names: Iterable[str] = ()) -> int | None:
    """The quantity the message asks for, once the product ``names`` are taken out; ``None``
    when there is none (or it is out of 1..``MAX_QTY``)."""
    spaced = re.sub(r"(\d)\s*[x×*]", r"\1 x", text.lower())  # "3x latte", "3 * latte"
    spaced = re.sub(r"(?<!\w)[x×*]\s*(\d)", r"\1", spaced)  # "latte x2"
    words = _strip_names(spaced, names).split()
    for index, word in enumerate(words):
        following = words[index + 1] if index + 1 < len(words) else ""
        digits = _DIGITS.match(word)
        if digits:
            value = int(digits.group(1))
        elif word in _WORDS and (word not in _AMBIGUOUS or following in _SUFFIX):
            value = _WORDS[word]
        else:
            continue
        return value if 1 <= value <= MAX_QTY else None
    return None


def has_quantity(text: str, names: Iterable[str] = ()) -> bool:
    """Whether the message names a quantity (of anything but the names' own digits)."""
    return parse_quantity(text, names) is not None
