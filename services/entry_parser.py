"""Free-text entries (issue 4): "bugun instagramga 500 ming sarfladim", "заказ 450 000 от
Алишера", "spent 300k on google ads yesterday" → a proposed spend, lead or order.

Rules first (uz Latin and Cyrillic, ru, en; apostrophe variants; Uzbek Cyrillic read through
a Latin transliteration; channel words through ``marketing.kind_for_alias`` with suffixes and
small typos tolerated). ``needs_ai`` says when the rules are unsure but the text looks like an
entry; ``ai_request`` and ``parse_ai_reply`` turn the model's JSON into the same proposal.
Nothing here writes: the owner confirms the proposal first.
"""

from __future__ import annotations

import difflib
import itertools
import json
import re
from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum

from services import marketing, sales
from services.ai.types import AIRequest, Turn
from services.errors import InvalidInput
from services.validation import parse_amount, parse_date, spelled_halves


class EntryKind(StrEnum):
    SPEND = "spend"
    LEAD = "lead"
    ORDER = "order"


@dataclass(frozen=True, slots=True)
class Proposal:
    """What the owner is asked to confirm; ``channel`` is a channel kind (``instagram``)."""

    kind: EntryKind
    day: date
    amount: int | None = None
    channel: str | None = None
    name: str | None = None
    phone: str | None = None
    source: str = "rules"  # or "ai"

    @property
    def complete(self) -> bool:
        """Whether it has what its kind needs to be saved."""
        if self.kind is EntryKind.SPEND:
            return self.amount is not None and self.channel is not None
        if self.kind is EntryKind.ORDER:
            return self.amount is not None
        return bool(self.name or self.phone)


_APOSTROPHES = re.compile(r"[ʻ‘’`ʼ′´]")
_CYR_TO_LAT = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "yo", "ж": "j", "з": "z",
    "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "x", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "sh", "ъ": "'", "ы": "i", "ь": "", "э": "e", "ю": "yu", "я": "ya", "ў": "o'",
    "қ": "q", "ғ": "g'", "ҳ": "h",
}
_UZ_CYRILLIC_ONLY = set("ўқғҳ")

SPEND_WORDS = (
    "sarfladim", "sarfladik", "sarfladi", "sarf", "xarajat", "xarajatlar", "harajat",
    "reklama", "reklamaga", "reklamasiga", "target", "targetga", "berdim", "to'ladim",
    "tooladim", "tolladim", "потратил", "потратила", "потратили", "потрачено", "потратил(а)",
    "расход", "расходы", "вложил", "вложила", "вложили", "реклама", "рекламу", "рекламы",
    "таргет", "таргетинг", "оплатил", "spent", "spend", "spending", "ads", "ad",
    "advertising", "budget", "paid", "boost", "boosted",
)
ORDER_WORDS = (
    "buyurtma", "buyurtmasi", "buyurtmani", "zakaz", "sotdim", "sotdik", "sotildi", "savdo",
    "xarid", "xaridor", "sotuv", "sotib", "заказ", "заказа", "заказал", "заказала", "продажа",
    "продал", "продала", "продали", "покупка", "купил", "купила", "оплата", "order",
    "ordered", "sale", "sold", "sales", "purchase", "bought",
)
LEAD_WORDS = (
    "lid", "lead", "leads", "лид", "лида", "заявка", "заявку", "ariza", "so'rov", "сўров",
    "yangi", "mijoz", "клиент", "клиентка", "новый", "новая", "client", "customer",
    "prospect", "enquiry", "inquiry", "qiziqdi", "интересовался", "интересовалась",
    "yozdi", "написал", "написала", "qo'ng'iroq", "позвонил", "позвонила", "called",
)
# Buying advertising is a spend: with these words only a clear sale word makes an order.
_AD_WORDS = ("reklama", "reklamaga", "reklamasiga", "target", "targetga", "реклама", "рекламу",
             "рекламы", "таргет", "таргетинг", "ads", "ad", "advertising", "boost")
_STRONG_ORDER = ("buyurtma", "buyurtmasi", "buyurtmani", "zakaz", "sotdim", "sotdik",
                 "sotildi", "заказ", "заказа", "заказал", "заказала", "продажа", "продал",
                 "продала", "продали", "order", "ordered", "sale", "sold")
_STRONG_LEAD = ("lid", "lead", "лид", "лида", "заявка", "заявку", "ariza", "prospect")
_DAY_WORDS = {
    "bugun": 0, "today": 0, "сегодня": 0, "hozir": 0, "сейчас": 0, "kecha": 1, "kechagi": 1,
    "yesterday": 1, "вчера": 1, "позавчера": 2, "o'tgankuni": 2,
}
_WEEKDAYS = {
    "dushanba": 0, "seshanba": 1, "chorshanba": 2, "payshanba": 3, "juma": 4, "shanba": 5,
    "yakshanba": 6, "понедельник": 0, "вторник": 1, "среда": 2, "среду": 2, "четверг": 3,
    "пятница": 4, "пятницу": 4, "суббота": 5, "субботу": 5, "воскресенье": 6,
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5,
    "sunday": 6,
}
_AGO = re.compile(r"\b(\d{1,2})\s*(kun|дня|дней|день|days?)\s*(oldin|avval|назад|ago)\b")
_DATE = re.compile(r"(?<![\d.])(\d{1,2})[./](\d{1,2})(?:[./](\d{2,4}))?(?![\d.])|"
                   r"\b(\d{4}-\d{2}-\d{2})\b")
_UNITS = (r"k|к|ming|минг|mingta|тыс(?:яч[аи]?)?\.?|тысяч|thousand|mln|млн|million|"
          r"миллион(?:а|ов)?|m|mlrd|млрд|mil")
_MONEY = re.compile(
    r"(?<![\w+])(\d{1,3}(?:[ \u00a0]\d{3})+|\d+(?:[.,]\d+)?)\s*(" + _UNITS + r")?"
    r"(?![\w])\s*(?:so'?m|сўм|сум|sum|uzs|сумов)?", re.IGNORECASE)
_UNIT_NORMAL = {"к": "k", "mingta": "ming", "mil": "mln", "тысяч": "тыс", "тысяча": "тыс",
                "тысячи": "тыс", "тыс.": "тыс", "миллиона": "миллион", "миллионов": "миллион"}
# Grammar endings a channel word may carry: uz -ga/-da/-dan/-ni, ru prepositional/genitive.
_SUFFIXES = ("dagi", "dan", "ga", "da", "ni", "ning", "ка", "ке", "е", "а", "у", "ом", "ой",
             "ом", "ах", "ы", "ов", "ге", "га", "да", "дан")
_NAME_STOP = {"от", "у", "для", "from", "by", "ot", "dan", "to", "va", "и", "and", "на", "в",
              "on", "in", "uchun"}
_LEAD_FILLERS = {"yangi", "mijoz", "новый", "новая", "клиент", "клиентка", "new", "client",
                 "customer", "lead", "lid", "лид", "заявка", "от", "from", "ariza", "keldi",
                 "пришел", "пришла", "пришёл", "came", "qo'ng'iroq", "qildi", "написал",
                 "написала", "yozdi"}


def normalize(text: str) -> str:
    """Lower-case with one apostrophe (o‘ oʻ o’ → o') and single spaces."""
    return " ".join(_APOSTROPHES.sub("'", text.lower()).split())


def to_latin(text: str) -> str:
    """Uzbek Cyrillic in Latin letters (``кеча инстаграмга`` → ``kecha instagramga``)."""
    return "".join(_CYR_TO_LAT.get(ch, ch) for ch in text)


def _is_uz_cyrillic(text: str) -> bool:
    words = set(text.split())
    # not "реклама": Russian spells it the same ("в телеге реклама 500 тыс")
    uz_words = {"кеча", "бугун", "сарфладим", "буюртма", "мижоз", "янги",
                "бердим", "сотдим", "каналга", "минг"}
    return bool(set(text) & _UZ_CYRILLIC_ONLY) or bool(words & uz_words)


def _words(text: str) -> list[str]:
    return re.findall(r"[\w']+", text)


def _has(words: list[str], vocabulary: tuple[str, ...]) -> bool:
    vocab = set(vocabulary)
    return any(w in vocab or w.strip("'") in vocab for w in words)


def find_channel(text: str) -> str | None:
    """The channel kind a phrase names: a known alias, an alias with a grammar ending
    (``instagramga``, ``инстаграме``), two words (``google ads``), or a near miss."""
    words = _words(text)
    for first, second in itertools.pairwise(words):
        kind = marketing.kind_for_alias(first + second)
        if kind is not None and kind not in {"telegram", "other"}:
            return kind
    found = None
    for word in words:
        kind = _channel_word(word)
        if kind is None:
            continue
        if kind in {"telegram", "other"} and word.startswith(("kanal", "канал")):
            found = found or kind  # a bare "channel" is weaker than a named one
            continue
        return kind
    return found


def _channel_word(word: str) -> str | None:
    if len(word) < 2 or word.isdigit():
        return None
    kind = marketing.kind_for_alias(word)
    if kind is not None:
        return kind if len(word) > 2 or word in {"tg", "ig", "fb", "yt", "тг"} else None
    stems = [word[: -len(s)] for s in _SUFFIXES if word.endswith(s) and len(word) - len(s) >= 4]
    for stem in [*stems, word[:-1] + "а"] if word.endswith("у") else stems:
        kind = marketing.kind_for_alias(stem)
        if kind is not None:
            return kind
    for alias in _LONG_ALIASES:
        if word.startswith(alias) and len(word) - len(alias) <= 4:
            return marketing.kind_for_alias(alias)
    for candidate in [word, *stems] if len(word) >= 6 else []:
        close = difflib.get_close_matches(candidate, _LONG_ALIASES, n=1, cutoff=0.85)
        if close:
            return marketing.kind_for_alias(close[0])
    return None


_LONG_ALIASES = sorted({a for aliases in marketing.ALIASES.values() for a in aliases
                        if len(a) >= 5 and " " not in a and a not in {"kanal", "канал"}},
                       key=len, reverse=True)


def find_day(text: str, *, today: date) -> tuple[date, str]:
    """The day a phrase means (default today) and the phrase without it."""
    words = _words(text)
    for word in words:
        if word in _DAY_WORDS:
            return today - timedelta(days=_DAY_WORDS[word]), _drop(text, word)
    joined = text.replace(" ", "")
    if "o'tgankuni" in joined:
        return today - timedelta(days=2), text
    ago = _AGO.search(text)
    if ago:
        return today - timedelta(days=int(ago.group(1))), text[:ago.start()] + text[ago.end():]
    for word in words:
        if word in _WEEKDAYS:
            back = (today.weekday() - _WEEKDAYS[word]) % 7
            return today - timedelta(days=back), _drop(text, word)
    match = _DATE.search(text)
    if match and re.match(r"\s*(" + _UNITS + r")(?![\w])", text[match.end():], re.IGNORECASE):
        match = None  # "1.5 mln" is money, not the 1st of May
    if match:
        try:
            if match.group(4):
                found = parse_date(match.group(4))
            else:
                year = match.group(3) or str(today.year)
                year = "20" + year if len(year) == 2 else year
                found = date(int(year), int(match.group(2)), int(match.group(1)))
        except (ValueError, InvalidInput):
            return today, text
        if found <= today:
            return found, text[:match.start()] + " " + text[match.end():]
    return today, text


def _drop(text: str, word: str) -> str:
    return re.sub(rf"(?<![\w']){re.escape(word)}(?![\w'])", " ", text, count=1)


def find_amount(text: str) -> int | None:
    """The largest sum of money in a phrase (``500 ming``, ``1,2 mln``, ``300k``, ``yarim
    million``)."""
    best = None
    text = spelled_halves(text)
    for match in _MONEY.finditer(text):
        number, unit = match.group(1), (match.group(2) or "").lower()
        unit = _UNIT_NORMAL.get(unit, unit)
        try:
            value = parse_amount(f"{number} {unit}".strip(), minimum=1, maximum=10**13)
        except InvalidInput:
            continue
        if not unit and value < 1000:
            continue  # "2 kun", "3 ta": counts, not money
        if best is None or value > best:
            best = value
    return best


def _name(original: str, cleaned: str, *, kind: EntryKind) -> str | None:
    """A capitalised word or two that is not a keyword, a channel or a day."""
    tokens = re.findall(r"[^\W\d_][\w'’ʻ‘-]*", original)
    skip = {w for w in _words(cleaned) if _is_keyword(w)}
    names: list[str] = []
    previous = ""
    for token in tokens:
        low = normalize(token)
        latin = to_latin(low)
        if token[0].isupper() and low not in skip and not _is_keyword(low) and not (
                _is_keyword(latin)) and _channel_word(low) is None:
            names.append(_base_name(token, previous))
        elif names:
            break
        previous = low
    if not names:
        return None
    return " ".join(names[:2])


def _is_keyword(word: str) -> bool:
    return (word in SPEND_WORDS or word in ORDER_WORDS or word in LEAD_WORDS
            or word in _DAY_WORDS or word in _WEEKDAYS or word in _LEAD_FILLERS
            or word in _NAME_STOP or word in {"so'm", "сум", "сўм", "uzs", "ming", "минг",
                                              "млн", "mln", "тыс", "yangi", "новый"})


def _base_name(token: str, previous: str) -> str:
    """Undo the grammar a name carries: uz ``Azizadan`` → ``Aziza``, ru ``от Алишера`` →
    ``Алишер`` (genitive after от/у/для)."""
    for suffix in ("dan", "ga", "ning", "дан", "га", "нинг"):
        if token.endswith(suffix) and len(token) - len(suffix) >= 3 and token[0].isupper():
            return token[: -len(suffix)]
    if previous in {"от", "у", "для"} and re.search("[а-яё]$", token, re.IGNORECASE):
        vowels = "аеёиоуыэюя"
        if token.endswith("ы"):
            return token[:-1] + "а"
        if token.endswith("ии"):
            return token[:-1] + "я"
        if token.endswith("а") and len(token) > 3 and token[-2].lower() not in vowels:
            return token[:-1]
        if token.endswith("я") and len(token) > 3 and token[-2].lower() not in vowels:
            return token[:-1] + "ь"
    return token


def parse(text: str, *, today: date) -> Proposal | None:
    """The entry the rules read in ``text``, or None when it reads as no entry (or the rules
    can't tell what kind)."""
    if not text or text.startswith("/") or len(text) > 300:
        return None
    original = text.strip()
    phone, rest = sales.find_phone(original)
    low = normalize(rest)
    if _is_uz_cyrillic(low):
        low = to_latin(low)
    native = normalize(rest)
    day, low = find_day(low, today=today)
    words = _words(low)
    latin_words = _words(to_latin(low))
    amount = find_amount(low)
    channel = find_channel(low) or find_channel(native) or find_channel(to_latin(low))
    both = words + latin_words
    spend, order, lead = (_has(both, SPEND_WORDS), _has(both, ORDER_WORDS),
                          _has(both, LEAD_WORDS))
    kind: EntryKind | None = None
    if order and amount is not None and not (
            spend and _has(both, _AD_WORDS) and not _has(both, _STRONG_ORDER)):
        kind = EntryKind.ORDER  # "купил рекламу за 500 тыс" is a spend, not a sale
    elif spend and amount is not None and not (lead and phone):
        kind = EntryKind.SPEND
    elif phone or (lead and amount is None) or _has(both, _STRONG_LEAD):
        kind = EntryKind.LEAD if (lead or phone) else None
    elif order and amount is None:
        kind = None
    if kind is None:
        return None
    name = _name(_APOSTROPHES.sub("'", rest), low, kind=kind) if kind is not EntryKind.SPEND \
        else None
    proposal = Proposal(kind=kind, day=day, amount=amount if kind is not EntryKind.LEAD
                        else None, channel=channel, name=name, phone=phone)
    if kind is EntryKind.LEAD and not proposal.complete:
        return None
    return proposal


def needs_ai(text: str) -> bool:
    """The rules found no entry, yet the text looks like one (money or an entry word)."""
    if not text or text.startswith("/") or len(text) > 300:
        return False
    low = normalize(text)
    both = _words(low) + _words(to_latin(low))
    return find_amount(low) is not None or any(
        _has(both, words) for words in (SPEND_WORDS, ORDER_WORDS, _STRONG_LEAD))


AI_INSTRUCTIONS = (
    "The owner of a small business in Uzbekistan typed a message to their marketing "
    "assistant. Decide whether it records one of: money spent on advertising (spend), a new "
    "lead (lead) or a sale (order). Reply with one JSON object and nothing else: "
    '{"kind": "spend"|"lead"|"order"|"none", "amount": integer so\'m or null, '
    '"channel": one of instagram, telegram, facebook, google_ads, website, tiktok, youtube, '
    'offline, other, or null, "day": "YYYY-MM-DD" or null, "name": string or null, '
    '"phone": string or null}. Amounts: "500 ming" = 500000, "1,2 mln" = 1200000.'
)


def ai_request(text: str, *, business_id: int, locale: str, today: date) -> AIRequest:
    """What to ask the model when the rules are unsure."""
    return AIRequest(business_id=business_id, feature="entry_parser", locale=locale,
                     instructions=AI_INSTRUCTIONS, facts=f"Today is {today.isoformat()}.",
                     turns=(Turn("user", text),), max_tokens=200)


def parse_ai_reply(reply: str, *, today: date) -> Proposal | None:
    """The model's JSON as a proposal, each field validated; None when unreadable."""
    match = re.search(r"\{.*\}", reply or "", re.DOTALL)
    if not match:
        return None
    try:
        data = json.loads(match.group(0))
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    try:
        kind = EntryKind(str(data.get("kind")))
    except ValueError:
        return None
    amount = None
    raw_amount = data.get("amount")
    if raw_amount not in (None, ""):
        try:
            amount = parse_amount(str(raw_amount), minimum=1, maximum=10**13)
        except InvalidInput:
            amount = None
    channel = data.get("channel")
    channel = (marketing.kind_for_alias(str(channel)) or
               (str(channel) if channel in marketing.KINDS else None)) if channel else None
    day = today
    if data.get("day"):
        try:
            day = min(parse_date(str(data["day"])), today)
        except InvalidInput:
            day = today
    phone = None
    if data.get("phone"):
        try:
            phone = sales.find_phone(str(data["phone"]))[0]
        except InvalidInput:
            phone = None
    name = None
    if data.get("name"):
        try:
            name = sales.parse_name(str(data["name"]))
        except InvalidInput:
            name = None
    proposal = Proposal(kind=kind, day=day, amount=amount if kind is not EntryKind.LEAD
                        else None, channel=channel, name=name, phone=phone, source="ai")
    return proposal if proposal.complete else None


def with_source(proposal: Proposal, source: str) -> Proposal:
    """The same proposal marked as read by ``source``."""
    return replace(proposal, source=source)
