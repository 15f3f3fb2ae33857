"""What a competitor's post says (SPEC §3.5): promotions, prices, new products, virality.

Pure functions over text and numbers, so the labelled set (``tests/data/competitor_posts.jsonl``,
``benchmarks/competitor_detection.py``) measures exactly what the sync runs. Words are matched
in Uzbek (Latin and Cyrillic), Russian and English; the rules lean to precision, because a
false "your competitor launched a sale" alert costs the owner's trust more than a missed one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from statistics import median

PRICE_CHANGE_MIN_PCT = 5.0
VIRAL_FACTOR = 3.0
VIRAL_MIN_HISTORY = 5  # posts with views needed before "3× the median" means anything
MIN_PRICE = 500
MAX_PRICE = 10**11

_APOSTROPHES = str.maketrans({"ʻ": "'", "‘": "'", "’": "'", "`": "'", "ʼ": "'", "´": "'"})

# --------------------------------------------------------------------------- promotions

_PROMO_WORDS = re.compile(
    r"""(?ix)
    \b(?:
      chegirma\w* | aksiya(?!dor)\w* | skidka\w* | arzonlash\w* | arzonlashtir\w*
    | maxsus\s+taklif\w* | promo-?kod\w* | keshbek | cashback | sovg'a\w*\s+(?:beramiz|olasiz)
    | чегирма\w* | акция\w* | махсус\s+таклиф\w* | арзонлаш\w*
    | скидк\w* | акци(?:я|и|ю|ей|ях|онн\w*)\b | распродаж\w* | промокод\w*
    | спецпредложени\w* | выгодн\w+\s+(?:цен|предложени)\w* | кэшбэк\w*
    | discount\w* | sale | on\s+sale | promo\s?code\w* | coupon\w* | black\s+friday
    | special\s+offer\w* | buy\s+one\s+get\s+one | bogo
    )
    """)
_PROMO_PERCENT = re.compile(
    r"""(?ix)
      (?<![\w.,])[-−–]\s?(?:[1-9]\d?)\s?%               # -30%
    | (?<![\w.,])(?:[1-9]\d?)\s?%\s*(?:off\b|gacha\b|гача\b|chegirma|скидк|arzon)
    | \bдо\s+(?:[1-9]\d?)\s?%
    | \bup\s+to\s+(?:[1-9]\d?)\s?%
    """)
_BUNDLE = re.compile(r"(?<![\d+])(?:1\s?\+\s?1|2\s?\+\s?1|3\s?\+\s?1)(?![\d%])")


def is_promotion(text: str) -> bool:
    """A discount, sale or bundle offer (keywords in four languages, "-30%", "1+1")."""
    norm = text.translate(_APOSTROPHES)
    return bool(_PROMO_WORDS.search(norm) or _PROMO_PERCENT.search(norm)
                or _BUNDLE.search(norm))


# --------------------------------------------------------------------------- new products

_NEW_PRODUCT = re.compile(
    r"""(?ix)
    \b(?:
      yangi\s+(?:mahsulot|taom|menyu|kolleksiya|model|ta'm|xizmat|assortiment|lavash|burger|
               pitsa|pizza|set|to'plam|mavsum\s+kolleksiyasi)\w*
    | yangilik\w*\s*[!:]
    | sotuvga\s+(?:chiqdi|kirdi|keldi) | endi\s+bizda | bizda\s+yangi
    | янги\s+(?:маҳсулот|таом|меню|коллекция|модел|таъм|хизмат)\w* | сотувга\s+чиқди
    | новинк\w* | нов(?:ая|ый|ое|ые)\s+(?:коллекци|модел|вкус|меню|продукт|товар|позици|блюд)\w*
    | теперь\s+у\s+нас | встречайте | уже\s+в\s+продаже | поступлени\w*
    | new\s+(?:arrival|product|collection|menu|flavou?r|model|item)s? | just\s+launched
    | now\s+available | introducing
    )
    """)


def is_new_product(text: str) -> bool:
    """A launch: "yangi mahsulot", "новинка", "new arrival"… (not "Yangi yil", "new branch")."""
    return bool(_NEW_PRODUCT.search(text.translate(_APOSTROPHES)))


# --------------------------------------------------------------------------- prices

_NUMBER = r"(\d{1,3}(?:[ \u00a0\u202f.,]\d{3})+|\d+(?:[.,]\d+)?)"
_SCALE = (r"(ming|минг|тыс\.?|тысяч\w*|k|к|mln\.?|млн\.?|million\w*|миллион\w*|mlrd\.?|"
          r"млрд\.?)")
_CURRENCY = r"(so'm|som|sum|сўм|сум|uzs|usz)"
_AMOUNT = re.compile(
    rf"(?<![\w+\-/.,]){_NUMBER}\s?(?:{_SCALE}(?![a-zа-яё])\s?{_CURRENCY}?|{_CURRENCY})"
    r"(?:dan|ga|lik|дан|га|лик)?(?![a-zа-яё'])",
    re.IGNORECASE)
_PRICE_WORD = re.compile(r"(?i)\b(?:narxi?|нархи?|цена|стоимость|price)\s*[:\-–—]?\s*"
                         r"(\d{1,3}(?:[ \u00a0\u202f.,]\d{3})+|\d{4,})(?![\d%])")
_SCALES = {"ming": 1_000, "минг": 1_000, "тыс": 1_000, "k": 1_000, "к": 1_000,
           "mln": 1_000_000, "млн": 1_000_000, "mlrd": 10**9, "млрд": 10**9}
_STOPWORD_TEXT = """
narxi narx narxlar faqat atigi endi hammasi jami eski yangi o'rniga emas bor dan ga va
нархи нарх фақат атиги энди эски
цена цены всего только теперь сейчас старая новая вместо за от по руб
price only now just was new old instead of for from the a
"""
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())
# "A o'rniga B", "A → B": B is the new price; "B вместо A", "B instead of A": B is.
_THEN_NEW = re.compile(r"(?i)^(?:o'rniga|emas|endi|теперь|now)$")
_THEN_OLD = re.compile(r"(?i)^(?:вместо|instead\s+of|o'rniga\s+emas)$")
_ARROW = re.compile(r"^\s*(?:→|->|=>|➡️?)\s*$")
_NAME_JUNK = re.compile(r"[^\w\s'+]|_", re.UNICODE)
_BIG_NUMBER = re.compile(r"\b\d{1,3}(?:[ \u00a0.,]\d{3})+\b|\b\d{4,}\b")


@dataclass(frozen=True, slots=True)
class PriceMention:
    item_key: str  # normalised name: the same item in two posts has the same key
    item_name: str
    amount: int


def _amount(number: str, scale: str | None) -> int | None:
    digits = number.replace("\u00a0", " ").replace("\u202f", " ")
    if scale:
        unit = _SCALES.get(scale.lower().rstrip(".")[:4].rstrip("ы"))
        if unit is None:
            unit = 1_000_000 if scale.lower().startswith(("mil", "мил")) else 1_000
        try:
            value = float(digits.replace(" ", "").replace(",", "."))
        except ValueError:
            return None
        # "1.200" with a scale is still 1.2, never 1200 thousand
        return round(value * unit)
    if re.fullmatch(r"\d{1,3}(?:[ .,]\d{3})+", digits):
        return int(re.sub(r"\D", "", digits))
    try:
        return round(float(digits.replace(",", ".")))
    except ValueError:
        return None


def normalise_item(name: str) -> str:
    """The key two posts share for one item: lower case, no emoji or punctuation, no filler
    words, word order ignored ("Lavash katta" = "katta lavash:")."""
    text = _BIG_NUMBER.sub(" ", name.translate(_APOSTROPHES).lower())
    words = [w.strip("'") for w in _NAME_JUNK.sub(" ", text).split()]
    kept = [w for w in words if w and w not in _STOPWORDS]
    return " ".join(sorted(dict.fromkeys(kept)))[:120]


def _display(name: str) -> str:
    text = _NAME_JUNK.sub(" ", _BIG_NUMBER.sub(" ", name.translate(_APOSTROPHES)))
    return " ".join(w for w in text.split() if w.lower() not in _STOPWORDS)[:120]


def _spans(line: str) -> list[tuple[int, int, int]]:
    """(start, end, amount) of every price on a line."""
    spans = []
    for match in _AMOUNT.finditer(line):
        value = _amount(match.group(1), match.group(2))
        if value is not None and MIN_PRICE <= value <= MAX_PRICE:
            spans.append((match.start(), match.end(), value))
    if not spans:
        for match in _PRICE_WORD.finditer(line):
            value = _amount(match.group(1), None)
            if value is not None and MIN_PRICE <= value <= MAX_PRICE:
                spans.append((match.start(), match.end(), value))
    return spans


def extract_prices(text: str) -> list[PriceMention]:
    """Prices in so'm with the item each belongs to (the words before it on the line, or the
    line above when the line is only "Narxi: …"); "250 000 o'rniga 199 000 so'm" keeps the
    new price."""
    found: dict[str, PriceMention] = {}
    previous_name = ""
    for raw_line in text.translate(_APOSTROPHES).splitlines():
        line = raw_line.strip()
        if not line:
            continue
        spans = _spans(line)
        if not spans:
            previous_name = line
            continue
        cursor = 0
        last_key: str | None = None
        for start, end, value in spans:
            between = line[cursor:start]
            key = normalise_item(between)
            stripped = " ".join(_NAME_JUNK.sub(" ", between).split())
            if last_key is not None and _THEN_OLD.match(stripped):
                cursor = end  # the amount after "вместо" is the old price: skip it
                continue
            if last_key is not None and (not key or _THEN_NEW.match(stripped)
                                         or _ARROW.match(between)):
                key = last_key  # "old → new" on one item
            name = stripped if key and key != last_key else ""
            if not key:
                key, name = normalise_item(previous_name), _display(previous_name)
            if key:
                shown = name or (found[key].item_name if key in found else key)
                found[key] = PriceMention(key, shown, value)
                last_key = key
            cursor = end
        previous_name = ""
    return list(found.values())


def match_item(key: str, known: Iterable[str]) -> str | None:
    """The known item ``key`` names: the same key, or one whose words contain (or are
    contained in) its words when the shorter has at least two words ("xiaomi redmi note 14"
    and "янги маҳсулот xiaomi redmi note 14")."""
    names = list(known)
    if key in names:
        return key
    words = set(key.split())
    best: tuple[int, str] | None = None
    for other in names:
        other_words = set(other.split())
        small = min(len(words), len(other_words))
        if small >= 2 and (words <= other_words or other_words <= words):
            score = len(words & other_words)
            if best is None or score > best[0]:
                best = (score, other)
    return best[1] if best else None


@dataclass(frozen=True, slots=True)
class PriceChange:
    item_key: str
    item_name: str
    old: int
    new: int

    @property
    def pct(self) -> float:
        return (self.new - self.old) / self.old * 100


def price_changes(known: Mapping[str, int], mentions: Iterable[PriceMention],
                  *, min_pct: float = PRICE_CHANGE_MIN_PCT) -> list[PriceChange]:
    """Items whose price moved by at least ``min_pct`` % from the last known price."""
    changes = []
    for mention in mentions:
        old = known.get(match_item(mention.item_key, known) or "")
        if old and abs(mention.amount - old) * 100 >= min_pct * old:
            changes.append(PriceChange(mention.item_key, mention.item_name, old,
                                       mention.amount))
    return changes


# --------------------------------------------------------------------------- virality


def channel_median(views: Sequence[int]) -> float | None:
    """The median views of a channel's posts, or None when too few have views."""
    values = [v for v in views if v is not None]
    if len(values) < VIRAL_MIN_HISTORY:
        return None
    return float(median(values))


def is_viral(views: int | None, typical: float | None, *, factor: float = VIRAL_FACTOR) -> bool:
    """Views at least ``factor`` × the channel's median."""
    return views is not None and typical is not None and typical > 0 and (
        views >= factor * typical)


# --------------------------------------------------------------------------- followers


def follower_surge(now: int | None, week_ago: int | None, *, min_pct: float = 10.0
                   ) -> float | None:
    """The week-on-week growth in % when it is more than ``min_pct``, else None."""
    if not now or not week_ago or week_ago <= 0:
        return None
    pct = (now - week_ago) / week_ago * 100
    return pct if pct > min_pct else None


# --------------------------------------------------------------------------- one post


@dataclass(frozen=True, slots=True)
class PostFindings:
    promotion: bool
    new_product: bool
    prices: list[PriceMention]
    changes: list[PriceChange]
    viral: bool


def analyse(text: str, views: int | None, *, known_prices: Mapping[str, int],
            typical_views: float | None) -> PostFindings:
    """Everything the detectors say about one post, given what is known of its channel."""
    prices = extract_prices(text)
    return PostFindings(promotion=is_promotion(text), new_product=is_new_product(text),
                        prices=prices, changes=price_changes(known_prices, prices),
                        viral=is_viral(views, typical_views))
