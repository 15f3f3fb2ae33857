"""One written form for customer text in any of our languages, and a small fuzzy matcher.

Customers write Uzbek in Latin or Cyrillic, Russian in Cyrillic or in Latin letters, and type
the Uzbek letters o‘ and g‘ with any of half a dozen apostrophes (or none). ``normalize`` maps
all of it to one form: lower case, Cyrillic read through an Uzbek transliteration (so
``нархи`` and ``narxi`` meet, and ``сколько`` becomes ``skolko``, the way people write Russian
in Latin letters), apostrophes dropped (``to‘lov``, ``to'lov``, ``tolov`` and ``тўлов`` are one
word), emoji and punctuation gone. Keywords are passed through the same function, so a rule
can be written in whichever script is natural and still match the others.
"""

from __future__ import annotations

import re
import unicodedata

_CYR_TO_LAT = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "yo", "ж": "j", "з": "z",
    "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "x", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "sh", "ъ": "", "ы": "i", "ь": "", "э": "e", "ю": "yu", "я": "ya", "ў": "o",
    "қ": "q", "ғ": "g", "ҳ": "h", "і": "i", "ї": "i", "є": "e",
}
# Every apostrophe-like mark people use for o‘/g‘ and the tutuq belgisi (ʼ).
_APOSTROPHES = "'‘’ʻʼ`´′ʹ"
_DROP = str.maketrans("", "", _APOSTROPHES)
_NON_WORD = re.compile(r"[^0-9a-z]+")
_REPEATS = re.compile(r"([a-z])\1{2,}")  # "salooom" → "saloom"; doubled letters are real


_INITIAL_YE = re.compile(r"(?<![^\W\d_])е|(?<=[аеёиоуўэюяъь])е")


def to_latin(text: str) -> str:
    """Cyrillic letters in Uzbek Latin transliteration (``е`` is ``ye`` at a word's start and
    after a vowel: ``етказиб`` → ``yetkazib``); other characters unchanged."""
    text = _INITIAL_YE.sub("ye", text)
    return "".join(_CYR_TO_LAT.get(ch, ch) for ch in text)


def normalize(text: str) -> str:
    """Lower case, Latin letters, no apostrophes, digits kept, everything else one space."""
    lowered = unicodedata.normalize("NFKC", text).lower().translate(_DROP)
    latin = to_latin(lowered)
    # Accented Latin (é, ñ, ş) loses its mark; emoji and symbols become spaces below.
    folded = "".join(ch for ch in unicodedata.normalize("NFKD", latin)
                     if not unicodedata.combining(ch))
    folded = _REPEATS.sub(r"\1\1", folded)
    return " ".join(_NON_WORD.sub(" ", folded).split())


def tokens(text: str) -> list[str]:
    """The normalised words of ``text``."""
    return normalize(text).split()


def edit_distance(a: str, b: str, limit: int) -> int:
    """Damerau–Levenshtein distance (adjacent swaps count 1), or ``limit + 1`` once it is
    certain to exceed ``limit`` (keywords are short, so the band stays tiny)."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        best = current[0]
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if (i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]):
                value = min(value, previous2[j - 2] + 1)
            current[j] = value
            best = min(best, value)
        if best > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[len(b)]


def typo_budget(stem: str, *, exact: bool = False) -> int:
    """Edits a stem tolerates: none in short words (they collide: "today" is one letter from
    the stem "tolay"), except one in a 5-letter whole word ("saloom", "prise"); 1 up to 8
    letters, then 2."""
    if len(stem) < 5 or (len(stem) == 5 and not exact):
        return 0
    return 1 if len(stem) < 9 else 2


def stem_matches(token: str, stem: str, *, exact: bool = False) -> tuple[bool, bool]:
    """Whether ``token`` is ``stem`` (or an inflection of it, i.e. starts with it), and
    whether that took a typo. ``exact`` stems match whole words only (``hi`` not in ``shir``:
    tokens are whole words already, so only the prefix rule needs switching off)."""
    if token == stem or (not exact and token.startswith(stem)):
        return True, False
    budget = typo_budget(stem, exact=exact)
    if budget == 0:
        return False, False
    if token[0] != stem[0]:  # a typo in the very first letter is rare; a collision is not
        return False, False
    # A dropped letter is only trusted in long stems ("opertor"): in short ones the rest of
    # the word passes for an ending ("bola|dimi" is not "bogla").
    shortest = len(stem) if len(stem) < 7 else len(stem) - 1
    if exact:  # a whole word may lose a letter ("ordr"): it can't pass for an ending
        shortest = len(stem) - 1
        if len(token) < shortest:
            return False, False
        return edit_distance(token, stem, budget) <= budget, True
    # An inflected word: compare the stem with the token's beginning of about its length.
    for size in range(shortest, len(stem) + budget + 1):
        if size > len(token):
            break
        if edit_distance(token[:size], stem, budget) <= budget:
            return True, True
    return False, False
