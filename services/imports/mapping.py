"""What a file holds and which column is which: kinds, their fields, header synonyms in uz
(Latin and Cyrillic), ru and en, auto-mapping and kind detection."""

from __future__ import annotations

import re
from enum import StrEnum


class Kind(StrEnum):
    SPEND = "spend"
    LEADS = "leads"
    ORDERS = "orders"
    CUSTOMERS = "customers"


class Field(StrEnum):
    DATE = "date"
    CHANNEL = "channel"
    AMOUNT = "amount"
    IMPRESSIONS = "impressions"
    CLICKS = "clicks"
    NOTE = "note"
    NAME = "name"
    PHONE = "phone"
    EMAIL = "email"
    STATUS = "status"
    STAGE = "stage"
    UTM_SOURCE = "utm_source"
    UTM_MEDIUM = "utm_medium"
    UTM_CAMPAIGN = "utm_campaign"


FIELDS: dict[Kind, tuple[Field, ...]] = {
    Kind.SPEND: (Field.DATE, Field.CHANNEL, Field.AMOUNT, Field.IMPRESSIONS, Field.CLICKS,
                 Field.NOTE),
    Kind.LEADS: (Field.NAME, Field.PHONE, Field.EMAIL, Field.CHANNEL, Field.DATE, Field.STATUS,
                 Field.STAGE, Field.UTM_SOURCE, Field.UTM_MEDIUM, Field.UTM_CAMPAIGN),
    Kind.ORDERS: (Field.DATE, Field.AMOUNT, Field.CHANNEL, Field.NAME, Field.PHONE,
                  Field.STATUS),
    Kind.CUSTOMERS: (Field.NAME, Field.PHONE, Field.EMAIL, Field.CHANNEL),
}
# A row can't be saved without these (leads and customers need a name *or* a phone).
REQUIRED: dict[Kind, tuple[Field, ...]] = {
    Kind.SPEND: (Field.DATE, Field.CHANNEL, Field.AMOUNT),
    Kind.LEADS: (),
    Kind.ORDERS: (Field.AMOUNT,),
    Kind.CUSTOMERS: (),
}

# Header words per field, compared normalised (see ``header_key``).
SYNONYMS: dict[Field, tuple[str, ...]] = {
    Field.DATE: ("sana", "сана", "дата", "date", "day", "kun", "кун", "день", "datetime",
                 "created", "createdat", "vaqt", "вақт", "время", "orderdate", "датазаказа",
                 "data", "sanasi", "санаси"),
    Field.CHANNEL: ("kanal", "канал", "channel", "source", "manba", "манба", "источник",
                    "platform", "платформа", "platforma", "reklamakanali", "каналрекламы",
                    "manbaa"),
    Field.AMOUNT: ("summa", "сумма", "amount", "total", "sum", "spend", "spent", "cost",
                   "xarajat", "харажат", "расход", "расходы", "стоимость", "итого", "narx",
                   "нарх", "цена", "price", "tolov", "тўлов", "оплата", "budget", "бюджет",
                   "revenue", "выручка", "jami", "жами", "summasom", "суммасум", "amountuzs",
                   "суммазаказа", "buyurtmasummasi"),
    Field.IMPRESSIONS: ("impressions", "показы", "korishlar", "кўришлар", "korsatishlar",
                        "кўрсатишлар", "views", "просмотры", "imp", "reach", "охват"),
    Field.CLICKS: ("clicks", "клики", "kliklar", "кликлар", "click", "klik", "клик",
                   "переходы"),
    Field.NOTE: ("note", "notes", "izoh", "изоҳ", "изох", "примечание", "комментарий",
                 "comment", "описание", "description", "tavsif"),
    Field.NAME: ("name", "ism", "исм", "имя", "fio", "фио", "ismi", "исми", "mijoz",
                 "мижоз", "клиент", "client", "customer", "покупатель", "fullname", "lead",
                 "лид", "contact", "контакт", "ismfamiliya", "исмфамилия", "имяфамилия"),
    Field.PHONE: ("phone", "telefon", "телефон", "tel", "тел", "mobile", "номер", "raqam",
                  "рақам", "phonenumber", "номертелефона", "telefonraqami", "телефонрақами",
                  "мобильный"),
    Field.EMAIL: ("email", "mail", "почта", "pochta", "электроннаяпочта", "эпочта"),
    Field.STATUS: ("status", "статус", "holat", "ҳолат", "холат", "состояние"),
    Field.STAGE: ("stage", "этап", "bosqich", "босқич", "funnel", "воронка", "стадия"),
    Field.UTM_SOURCE: ("utmsource",),
    Field.UTM_MEDIUM: ("utmmedium",),
    Field.UTM_CAMPAIGN: ("utmcampaign", "campaign", "кампания", "kampaniya", "кампания"),
}
_APOSTROPHES = re.compile(r"['ʻ‘’`ʼ]")
_KEY_TO_FIELD = {k: f for f, words in SYNONYMS.items() for k in words}


def header_key(header: str) -> str:
    """A header normalised for matching: lower-case, no apostrophes, spaces or punctuation
    (``Telefon raqami`` → ``telefonraqami``, ``Sana (kun)`` → ``sanakun``)."""
    text = _APOSTROPHES.sub("", header.strip().lower())
    return re.sub(r"[^\w]|_", "", text)


def field_for_header(header: str) -> Field | None:
    """The field a header names, by synonym (exact first, then a synonym it starts with)."""
    key = header_key(header)
    if not key:
        return None
    if key in _KEY_TO_FIELD:
        return _KEY_TO_FIELD[key]
    for word, field in sorted(_KEY_TO_FIELD.items(), key=lambda kv: -len(kv[0])):
        if len(word) >= 4 and key.startswith(word):
            return field
    return None


def auto_map(headers: tuple[str, ...] | list[str], kind: Kind) -> dict[int, Field]:
    """Column index → field for the headers this kind understands (first column wins)."""
    mapping: dict[int, Field] = {}
    allowed = FIELDS[kind]
    for index, header in enumerate(headers):
        field = field_for_header(header)
        if field is None and kind is Kind.SPEND and header_key(header) in {"impression"}:
            field = Field.IMPRESSIONS
        if field in allowed and field not in mapping.values():
            mapping[index] = field
    return mapping


def detect_kind(headers: tuple[str, ...] | list[str]) -> Kind:
    """The likeliest kind from the headers: money with a person or status → orders; money
    with a channel or reach → spend; people otherwise → leads."""
    found = {field_for_header(h) for h in headers} - {None}
    has_person = bool(found & {Field.NAME, Field.PHONE, Field.EMAIL})
    if Field.AMOUNT in found:
        if has_person:
            return Kind.ORDERS
        if found & {Field.IMPRESSIONS, Field.CLICKS} or Field.CHANNEL in found:
            return Kind.SPEND
        return Kind.ORDERS
    return Kind.LEADS


def missing_required(kind: Kind, mapping: dict[int, Field]) -> list[Field]:
    """Required fields no column is mapped to (leads/customers: a name or a phone)."""
    present = set(mapping.values())
    missing = [f for f in REQUIRED[kind] if f not in present]
    if kind in {Kind.LEADS, Kind.CUSTOMERS} and not present & {Field.NAME, Field.PHONE}:
        missing.append(Field.NAME)
    return missing
