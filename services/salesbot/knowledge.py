"""The sales bot's knowledge base (SPEC §3.9): the owner's Q&A (FAQ, delivery, payment) and
products/services with prices, per business; matching a customer's question to an entry;
import from CSV/XLSX with a preview, row errors and an all-or-nothing save.

Matching is language-agnostic: both sides go through ``normalize`` (one script, no
apostrophes), stop words are dropped, and a question word matches a customer word when one is
an inflection of the other or they differ by a typo. An entry scores the share of its
(IDF-weighted) words the customer used; the best entry above ``MATCH_THRESHOLD`` wins. Every
query filters by ``business_id``.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.db.models import KbEntry, KbProduct
from services.errors import InvalidInput, LimitExceeded, NotFound
from services.imports.reader import Cell, Table
from services.imports.rows import RowError
from services.salesbot.normalize import normalize, stem_matches
from services.validation import clean_text, parse_amount


class EntryKind(StrEnum):
    FAQ = "faq"
    DELIVERY = "delivery"
    PAYMENT = "payment"


QUESTION_MAX = 500
ANSWER_MAX = 2000
NAME_MAX = 128
DESCRIPTION_MAX = 1000
PRICE_MAX = 10**12
MAX_ENTRIES = 300  # per business, plan-independent: the bot reads them all per question
MAX_PRODUCTS = 300
MATCH_THRESHOLD = 0.5
PAGE = 10

# Words that carry no topic in customer questions (normalised forms, four languages).
STOP_WORDS = frozenset(normalize(" ".join((
    "va bilan uchun bu shu u men siz sizlar sizda sizlarda bor bormi yoq nima nimaga qanday "
    "qanaqa qachon qayer qayerda qaysi necha kerak mumkin mumkinmi boladimi bolsa iltimos ham "
    "da ga ni dan edi emas aka opa rahmat salom",
    "и в во на с со по за к ко у о об от до из а но или ли не нет да это этот эта что как "
    "какой какая какие когда где куда сколько можно нужно есть у вас вы мы я мне пожалуйста "
    "подскажите скажите здравствуйте привет",
    "the a an and or of to in on at for with is are be do does did you your we i me my it "
    "this that what how when where which can could please there any hi hello",
))).split())


@dataclass(frozen=True, slots=True)
class EntryView:
    id: int
    kind: EntryKind
    question: str
    answer: str


@dataclass(frozen=True, slots=True)
class ProductView:
    id: int
    name: str
    price: int | None
    description: str
    photo_file_id: str | None


@dataclass(frozen=True, slots=True)
class Match:
    """The entry that answers a customer's text, and how well (0..1)."""

    entry: EntryView
    score: float


def _entry_view(row: KbEntry) -> EntryView:
    return EntryView(row.id, EntryKind(row.kind), row.question, row.answer)


def _product_view(row: KbProduct) -> ProductView:
    return ProductView(row.id, row.name, row.price, row.description, row.photo_file_id)


def content_words(text: str) -> list[str]:
    """The normalised words of ``text`` that carry a topic (stop words and 1-letter words
    dropped), in order, without repeats."""
    return list(_content_words(text))


@lru_cache(maxsize=8192)  # one answer looks at the customer's words several times
def _content_words(text: str) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for word in normalize(text).split():
        if len(word) > 1 and word not in STOP_WORDS:
            seen.setdefault(word, None)
    return tuple(seen)


# --- validation ------------------------------------------------------------------------------


def parse_kind(value: str) -> EntryKind:
    try:
        return EntryKind(value)
    except ValueError as exc:
        raise InvalidInput(field="kind", reason="choice") from exc


def parse_question(value: str) -> str:
    lines = [" ".join(line.split()) for line in value.strip().splitlines()]
    text = "\n".join(line for line in lines if line)
    text = clean_text(text, field="question", max_len=QUESTION_MAX)
    if not content_words(text):
        raise InvalidInput(field="question", reason="no_words")
    return text


def parse_answer(value: str) -> str:
    return clean_text(value, field="answer", max_len=ANSWER_MAX)


def parse_name(value: str) -> str:
    name = clean_text(value, field="name", max_len=NAME_MAX)
    if not normalize(name):
        raise InvalidInput(field="name", reason="no_words")
    return name


def parse_description(value: str) -> str:
    return clean_text(value, field="description", max_len=DESCRIPTION_MAX, min_len=0)


def parse_price(value: str) -> int | None:
    """A price in so'm (``150 000``, ``1,2 mln``), or None for "-", "0" or nothing."""
    text = value.strip()
    if text in {"", "-", "—"}:
        return None
    amount = parse_amount(text, field="price", maximum=PRICE_MAX)
    return amount or None


# --- Q&A -------------------------------------------------------------------------------------


async def _count(session: AsyncSession, model: type[KbEntry] | type[KbProduct],
                 business_id: int) -> int:
    return int(await session.scalar(
        select(func.count()).select_from(model).where(model.business_id == business_id)) or 0)


async def _ensure_room(session: AsyncSession, model: type[KbEntry] | type[KbProduct],
                       business_id: int, adding: int = 1) -> None:
    limit = MAX_ENTRIES if model is KbEntry else MAX_PRODUCTS
    used = await _count(session, model, business_id)
    if used + adding > limit:
        raise LimitExceeded(resource="kb_entries" if model is KbEntry else "kb_products",
                            used=used, limit=limit, plan="")


async def add_entry(session: AsyncSession, *, business_id: int, kind: str, question: str,
                    answer: str) -> EntryView:
    """Add a Q&A entry (validated; at most ``MAX_ENTRIES`` per business)."""
    entry_kind = parse_kind(kind)
    question, answer = parse_question(question), parse_answer(answer)
    await _ensure_room(session, KbEntry, business_id)
    row = KbEntry(business_id=business_id, kind=entry_kind.value, question=question,
                  answer=answer, search_text=" ".join(content_words(question)))
    session.add(row)
    await session.flush()
    return _entry_view(row)


async def _entry_row(session: AsyncSession, business_id: int, entry_id: int) -> KbEntry:
    row = await session.scalar(select(KbEntry).where(
        KbEntry.business_id == business_id, KbEntry.id == entry_id))
    if row is None:
        raise NotFound(entity="kb_entry", id=entry_id)
    return row


async def get_entry(session: AsyncSession, *, business_id: int, entry_id: int) -> EntryView:
    """One of the business's entries, or ``NotFound`` (another business's id included)."""
    return _entry_view(await _entry_row(session, business_id, entry_id))


async def update_entry(session: AsyncSession, *, business_id: int, entry_id: int,
                       question: str | None = None, answer: str | None = None,
                       kind: str | None = None) -> EntryView:
    """Change an entry's question, answer or kind (each validated)."""
    row = await _entry_row(session, business_id, entry_id)
    if question is not None:
        row.question = parse_question(question)
        row.search_text = " ".join(content_words(row.question))
    if answer is not None:
        row.answer = parse_answer(answer)
    if kind is not None:
        row.kind = parse_kind(kind).value
    await session.flush()
    return _entry_view(row)


async def delete_entry(session: AsyncSession, *, business_id: int, entry_id: int) -> None:
    """Delete an entry (``NotFound`` when it is not the business's)."""
    row = await _entry_row(session, business_id, entry_id)
    await session.delete(row)
    await session.flush()


async def list_entries(session: AsyncSession, *, business_id: int,
                       kind: str | None = None) -> list[EntryView]:
    """The business's entries, oldest first (optionally of one kind)."""
    stmt = select(KbEntry).where(KbEntry.business_id == business_id)
    if kind is not None:
        stmt = stmt.where(KbEntry.kind == parse_kind(kind).value)
    rows = await session.scalars(stmt.order_by(KbEntry.id))
    return [_entry_view(r) for r in rows]


# --- products --------------------------------------------------------------------------------


async def add_product(session: AsyncSession, *, business_id: int, name: str,
                      price: int | None = None, description: str = "",
                      photo_file_id: str | None = None,
                      photo_unique_id: str | None = None) -> ProductView:
    """Add a product or service (at most ``MAX_PRODUCTS`` per business)."""
    name, description = parse_name(name), parse_description(description)
    if price is not None and not 0 < price <= PRICE_MAX:
        raise InvalidInput(field="price", reason="range", min=1, max=PRICE_MAX)
    await _ensure_room(session, KbProduct, business_id)
    row = KbProduct(business_id=business_id, name=name, name_key=normalize(name)[:160],
                    price=price, description=description, photo_file_id=photo_file_id,
                    photo_unique_id=photo_unique_id)
    session.add(row)
    await session.flush()
    return _product_view(row)


async def _product_row(session: AsyncSession, business_id: int, product_id: int) -> KbProduct:
    row = await session.scalar(select(KbProduct).where(
        KbProduct.business_id == business_id, KbProduct.id == product_id))
    if row is None:
        raise NotFound(entity="kb_product", id=product_id)
    return row


async def get_product(session: AsyncSession, *, business_id: int,
                      product_id: int) -> ProductView:
    """One of the business's products, or ``NotFound``."""
    return _product_view(await _product_row(session, business_id, product_id))


_UNSET = object()


async def update_product(session: AsyncSession, *, business_id: int, product_id: int,
                         name: str | None = None, price: int | object | None = _UNSET,
                         description: str | None = None,
                         photo_file_id: str | object | None = _UNSET,
                         photo_unique_id: str | None = None) -> ProductView:
    """Change a product's fields (``price=None`` clears the price, ``photo_file_id=None`` the
    photo; omitted fields stay)."""
    row = await _product_row(session, business_id, product_id)
    if name is not None:
        row.name = parse_name(name)
        row.name_key = normalize(row.name)[:160]
    if price is not _UNSET:
        if price is not None and (not isinstance(price, int) or not 0 < price <= PRICE_MAX):
            raise InvalidInput(field="price", reason="range", min=1, max=PRICE_MAX)
        row.price = price if isinstance(price, int) else None
    if description is not None:
        row.description = parse_description(description)
    if photo_file_id is not _UNSET:
        row.photo_file_id = photo_file_id if isinstance(photo_file_id, str) else None
        row.photo_unique_id = photo_unique_id if row.photo_file_id else None
    await session.flush()
    return _product_view(row)


async def delete_product(session: AsyncSession, *, business_id: int, product_id: int) -> None:
    """Delete a product (``NotFound`` when it is not the business's)."""
    row = await _product_row(session, business_id, product_id)
    await session.delete(row)
    await session.flush()


async def list_products(session: AsyncSession, *, business_id: int) -> list[ProductView]:
    """The business's products, oldest first."""
    rows = await session.scalars(select(KbProduct).where(KbProduct.business_id == business_id)
                                 .order_by(KbProduct.id))
    return [_product_view(r) for r in rows]


@dataclass(frozen=True, slots=True)
class Counts:
    entries: dict[EntryKind, int]
    products: int

    @property
    def empty(self) -> bool:
        return not self.products and not any(self.entries.values())


async def counts(session: AsyncSession, *, business_id: int) -> Counts:
    """How many entries of each kind and products the business has."""
    rows = await session.execute(select(KbEntry.kind, func.count()).where(
        KbEntry.business_id == business_id).group_by(KbEntry.kind))
    entries = {kind: 0 for kind in EntryKind}
    for kind, count in rows:
        if kind in entries:
            entries[EntryKind(kind)] = int(count)
    return Counts(entries, await _count(session, KbProduct, business_id))


# --- matching --------------------------------------------------------------------------------


@lru_cache(maxsize=65_536)
def _word_match(customer: str, known: str) -> float:
    """1 for the same word or an inflection either way, 0.8 for a typo, else 0."""
    if customer == known:
        return 1.0
    shorter, longer = sorted((customer, known), key=len)
    if len(shorter) >= 4 and longer.startswith(shorter):
        return 1.0
    ok, typo = stem_matches(customer, known)
    if ok:
        return 0.8 if typo else 1.0
    ok, typo = stem_matches(known, customer)
    return (0.8 if typo else 1.0) if ok else 0.0


def _idf(documents: list[list[str]]) -> dict[str, float]:
    """Rarer words weigh more ("yetkazib" in one entry beats "narx" in every one)."""
    df: dict[str, int] = {}
    for words in documents:
        for word in set(words):
            df[word] = df.get(word, 0) + 1
    n = len(documents)
    return {word: 1.0 + math.log((1 + n) / (1 + count)) for word, count in df.items()}


def _phrasing_score(words: list[str], customer: list[str], idf: dict[str, float]) -> float:
    if not words:
        return 0.0
    total = sum(idf.get(w, 1.0) for w in words)
    got = sum(idf.get(w, 1.0) * max((_word_match(c, w) for c in customer), default=0.0)
              for w in words)
    return got / total


def _best(phrasings: list[tuple[EntryView, list[str]]], idf: dict[str, float],
          customer: list[str], threshold: float,
          kind: EntryKind | None = None) -> Match | None:
    best: Match | None = None
    for view, words in phrasings:
        if kind is not None and view.kind is not kind:
            continue
        score = _phrasing_score(words, customer, idf)
        # A one-word question matched by one word of a long message is weak evidence.
        if len(words) == 1 and len(customer) > 3:
            score *= 0.8
        if score >= threshold and (best is None or score > best.score):
            best = Match(view, round(score, 3))
    return best


def _phrasings(entries: Iterable[tuple[EntryView, str]]) -> list[tuple[EntryView, list[str]]]:
    return [(view, content_words(line)) for view, question in entries
            for line in question.splitlines()]


def best_match(entries: Iterable[tuple[EntryView, str]], text: str,
               threshold: float = MATCH_THRESHOLD) -> Match | None:
    """The entry whose question (any of its phrasings, one per line) the customer's text
    covers best, if it covers at least ``threshold`` of it (pure: for tests and the bot)."""
    customer = content_words(text)
    if not customer:
        return None
    phrasings = _phrasings(entries)
    return _best(phrasings, _idf([words for _, words in phrasings]), customer, threshold)


def _named(product_words: Iterable[tuple[ProductView, list[str]]],
           customer: list[str]) -> list[ProductView]:
    found: list[tuple[float, ProductView]] = []
    for product, words in product_words:
        if not words or not customer:
            continue
        scores = [max((_word_match(c, w) for c in customer), default=0.0) for w in words]
        if min(scores) > 0:
            found.append((sum(scores) / len(scores) + len(words) / 100, product))
    found.sort(key=lambda item: -item[0])
    return [product for _, product in found]


def match_products(products: Iterable[ProductView], text: str) -> list[ProductView]:
    """The products the customer named (every content word of a product's name found in the
    text, typos allowed), best first (pure)."""
    return _named(((p, content_words(p.name)) for p in products), content_words(text))


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A business's knowledge base read once and prepared for matching (normalised words,
    word weights), reused while nothing in it changes."""

    entries: list[EntryView]
    products: list[ProductView]
    phrasings: list[tuple[EntryView, list[str]]]
    idf: dict[str, float]
    product_words: list[tuple[ProductView, list[str]]]
    # every word of the products and entries (what "not on our list" is checked against)
    vocabulary: frozenset[str] = frozenset()

    def best_match(self, text: str, threshold: float = MATCH_THRESHOLD,
                   kind: EntryKind | None = None) -> Match | None:
        customer = content_words(text)
        if not customer:
            return None
        return _best(self.phrasings, self.idf, customer, threshold, kind)

    def match_products(self, text: str) -> list[ProductView]:
        return _named(self.product_words, content_words(text))


def build_snapshot(entries: list[EntryView], products: list[ProductView]) -> Snapshot:
    """Prepare entries and products for matching (pure)."""
    phrasings = _phrasings((e, e.question) for e in entries)
    words = {w for p in products for w in content_words(f"{p.name} {p.description}")}
    words.update(w for e in entries for w in content_words(f"{e.question} {e.answer}"))
    return Snapshot(entries, products, phrasings, _idf([w for _, w in phrasings]),
                    [(p, content_words(p.name)) for p in products], frozenset(words))


SNAPSHOT_CACHE = 2048  # businesses whose prepared knowledge base a process keeps
_snapshots: OrderedDict[int, tuple[tuple[object, ...], Snapshot]] = OrderedDict()


async def _version(session: AsyncSession, business_id: int) -> tuple[object, ...]:
    """A stamp that changes with every insert, update and delete of the business's rows."""
    def stamp(model: type[KbEntry] | type[KbProduct]) -> list[Any]:
        where = model.business_id == business_id
        return [select(func.count()).where(where).scalar_subquery(),
                select(func.max(model.id)).where(where).scalar_subquery(),
                select(func.max(model.updated_at)).where(where).scalar_subquery()]

    row = (await session.execute(select(*stamp(KbEntry), *stamp(KbProduct)))).one()
    return tuple(row)


async def snapshot(session: AsyncSession, *, business_id: int) -> Snapshot:
    """The business's prepared knowledge base: one small query when it is unchanged (another
    process's edits included, since the stamp is read from the database), a full read when
    it changed."""
    version = await _version(session, business_id)
    cached = _snapshots.get(business_id)
    if cached is not None and cached[0] == version:
        _snapshots.move_to_end(business_id)
        return cached[1]
    return _remember(business_id, version, build_snapshot(
        await list_entries(session, business_id=business_id),
        await list_products(session, business_id=business_id)))


async def snapshots(session: AsyncSession, business_ids: Iterable[int]) -> dict[int, Snapshot]:
    """``snapshot`` for several businesses at once: the stamps of all of them in two grouped
    queries (the sales fast lane answers a batch of customers with these), a full read only
    for those that changed."""
    ids = sorted(set(business_ids))
    if not ids:
        return {}
    stamps: dict[int, list[object]] = {i: [0, None, None, 0, None, None] for i in ids}
    for offset, statement in ((0, _ENTRY_STAMPS), (3, _PRODUCT_STAMPS)):
        for business_id, *stamp in await session.execute(statement, {"ids": ids}):
            stamps[business_id][offset:offset + 3] = stamp
    found: dict[int, Snapshot] = {}
    stale: list[int] = []
    for business_id in ids:
        cached = _snapshots.get(business_id)
        if cached is not None and cached[0] == tuple(stamps[business_id]):
            _snapshots.move_to_end(business_id)
            found[business_id] = cached[1]
        else:
            stale.append(business_id)
    if stale:  # read in two queries, whatever their number
        entries: dict[int, list[EntryView]] = {i: [] for i in stale}
        for entry in await session.scalars(select(KbEntry).where(
                KbEntry.business_id.in_(stale)).order_by(KbEntry.id)):
            entries[entry.business_id].append(_entry_view(entry))
        products: dict[int, list[ProductView]] = {i: [] for i in stale}
        for product in await session.scalars(select(KbProduct).where(
                KbProduct.business_id.in_(stale)).order_by(KbProduct.id)):
            products[product.business_id].append(_product_view(product))
        for business_id in stale:
            found[business_id] = _remember(business_id, tuple(stamps[business_id]),
                                           build_snapshot(entries[business_id],
                                                          products[business_id]))
    return found


def _stamps(model: type[KbEntry] | type[KbProduct]) -> Any:
    """``_version``'s three values for many businesses, grouped (built once)."""
    return (select(model.business_id, func.count(), func.max(model.id),
                   func.max(model.updated_at))
            .where(model.business_id.in_(bindparam("ids", expanding=True)))
            .group_by(model.business_id))


_ENTRY_STAMPS, _PRODUCT_STAMPS = _stamps(KbEntry), _stamps(KbProduct)


def _remember(business_id: int, version: tuple[object, ...], prepared: Snapshot) -> Snapshot:
    _snapshots[business_id] = (version, prepared)
    _snapshots.move_to_end(business_id)
    while len(_snapshots) > SNAPSHOT_CACHE:
        _snapshots.popitem(last=False)
    return prepared


async def match_entry(session: AsyncSession, *, business_id: int, text: str,
                      kind: str | None = None) -> Match | None:
    """The business's entry that answers ``text`` best, or None."""
    prepared = await snapshot(session, business_id=business_id)
    return prepared.best_match(text, kind=parse_kind(kind) if kind else None)


# --- import ----------------------------------------------------------------------------------


class Column(StrEnum):
    TYPE = "type"
    QUESTION = "question"  # or the product's name
    ANSWER = "answer"  # or the product's description
    PRICE = "price"


_HEADER_ALIASES: dict[Column, tuple[str, ...]] = {
    Column.TYPE: ("type", "kind", "tur", "turi", "тур", "тури", "тип", "вид"),
    Column.QUESTION: ("question", "name", "product", "savol", "nomi", "nom", "mahsulot",
                      "xizmat", "савол", "номи", "маҳсулот", "вопрос", "название", "товар",
                      "услуга", "наименование"),
    Column.ANSWER: ("answer", "description", "javob", "tavsif", "izoh", "жавоб", "тавсиф",
                    "ответ", "описание"),
    Column.PRICE: ("price", "narx", "narxi", "нарх", "нархи", "цена", "стоимость", "cost"),
}
_TYPE_WORDS: dict[str, str] = {
    normalize(word): kind for kind, words in {
        "faq": ("faq", "q&a", "qa", "savol", "савол", "вопрос", "question", "savol-javob"),
        "delivery": ("delivery", "yetkazib berish", "yetkazish", "етказиб бериш", "доставка"),
        "payment": ("payment", "tolov", "тўлов", "оплата"),
        "product": ("product", "service", "mahsulot", "xizmat", "маҳсулот", "хизмат",
                    "товар", "услуга", "продукт"),
    }.items() for word in words
}


def map_columns(headers: tuple[str, ...]) -> dict[int, Column]:
    """Which column holds what, from the header words (first match wins per column)."""
    mapping: dict[int, Column] = {}
    for index, header in enumerate(headers):
        key = normalize(header)
        for column, aliases in _HEADER_ALIASES.items():
            if column not in mapping.values() and key in {normalize(a) for a in aliases}:
                mapping[index] = column
                break
    return mapping


@dataclass(slots=True)
class ImportRow:
    row: int
    kind: str  # an EntryKind value, or "product"
    question: str
    answer: str
    price: int | None = None


@dataclass(frozen=True, slots=True)
class ImportPreview:
    total_rows: int
    rows: list[ImportRow]
    errors: list[RowError]
    missing: list[Column] = field(default_factory=list)
    blocked: str | None = None  # "kb_entries"/"kb_products" when the import passes a limit

    @property
    def products(self) -> int:
        return sum(1 for r in self.rows if r.kind == "product")

    @property
    def entries(self) -> int:
        return len(self.rows) - self.products

    @property
    def error_rows(self) -> int:
        return len({e.row for e in self.errors})

    @property
    def can_apply(self) -> bool:
        return bool(self.rows) and not self.missing and self.blocked is None


def _cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _parse_row(number: int, cells: dict[Column, str], headers: dict[Column, str]
               ) -> tuple[ImportRow | None, list[RowError]]:
    errors: list[RowError] = []
    price: int | None = None
    raw_kind = cells.get(Column.TYPE, "")
    kind = _TYPE_WORDS.get(normalize(raw_kind)) if raw_kind else None
    if raw_kind and kind is None:
        # without the kind the other cells can't be checked
        return None, [RowError(number, headers.get(Column.TYPE, ""), "type", "choice",
                               {"value": raw_kind})]
    raw_price = cells.get(Column.PRICE, "")
    if raw_price:
        try:
            price = parse_price(raw_price)
        except InvalidInput as exc:
            errors.append(RowError(number, headers.get(Column.PRICE, ""), "price", exc.reason,
                                   {k: v for k, v in exc.params.items()
                                    if k not in {"field", "reason"}}))
    if kind is None:  # no type column, or it is empty: a price makes it a product
        kind = "product" if price is not None or not cells.get(Column.ANSWER) else "faq"
    question, answer = cells.get(Column.QUESTION, ""), cells.get(Column.ANSWER, "")
    parsers = ((parse_name, parse_description) if kind == "product"
               else (parse_question, parse_answer))
    for column, value, parse in ((Column.QUESTION, question, parsers[0]),
                                 (Column.ANSWER, answer, parsers[1])):
        try:
            parse(value)
        except InvalidInput as exc:
            errors.append(RowError(number, headers.get(column, ""),
                                   "name" if kind == "product" and column is Column.QUESTION
                                   else column.value, exc.reason,
                                   {k: v for k, v in exc.params.items()
                                    if k not in {"field", "reason"}}))
    if errors:
        return None, errors
    return ImportRow(number, kind, question, answer, price), []


async def preview_import(session: AsyncSession, *, business_id: int,
                         table: Table) -> ImportPreview:
    """Validate a file of Q&A and products as it would be imported (nothing is written)."""
    mapping = map_columns(table.headers)
    if Column.QUESTION not in mapping.values():
        return ImportPreview(len(table.rows), [], [], [Column.QUESTION])
    headers = {column: table.headers[i] for i, column in mapping.items()}
    rows: list[ImportRow] = []
    errors: list[RowError] = []
    for offset, raw in enumerate(table.rows):
        cells = {column: _cell(raw[i]) for i, column in mapping.items() if i < len(raw)}
        row, row_errors = _parse_row(table.first_row + offset, cells, headers)
        if row is not None:
            rows.append(row)
        errors += row_errors
    blocked = None
    products = sum(1 for r in rows if r.kind == "product")
    existing = {p.name_key for p in await _product_keys(session, business_id)}
    new_products = sum(1 for r in rows if r.kind == "product"
                       and normalize(r.question)[:160] not in existing)
    if await _count(session, KbEntry, business_id) + len(rows) - products > MAX_ENTRIES:
        blocked = "kb_entries"
    elif await _count(session, KbProduct, business_id) + new_products > MAX_PRODUCTS:
        blocked = "kb_products"
    return ImportPreview(len(table.rows), rows, errors, [], blocked)


async def _product_keys(session: AsyncSession, business_id: int) -> list[KbProduct]:
    return list(await session.scalars(select(KbProduct).where(
        KbProduct.business_id == business_id)))


@dataclass(frozen=True, slots=True)
class ImportResult:
    entries: int
    products_created: int
    products_updated: int
    skipped: int


async def apply_import(session: AsyncSession, *, business_id: int,
                       table: Table) -> ImportResult:
    """Save every valid row in one savepoint (any failure rolls all of them back). A product
    whose name the business already has is updated, not duplicated."""
    preview = await preview_import(session, business_id=business_id, table=table)
    if preview.missing:
        raise InvalidInput(field="file", reason="kb_columns")
    if preview.blocked is not None:
        raise LimitExceeded(resource=preview.blocked, used=0, limit=MAX_ENTRIES, plan="")
    if not preview.rows:
        raise InvalidInput(field="file", reason="file_empty")
    created = updated = entries = 0
    async with session.begin_nested():
        existing = {p.name_key: p for p in await _product_keys(session, business_id)}
        for row in preview.rows:
            if row.kind == "product":
                name = parse_name(row.question)
                key = normalize(name)[:160]
                product = existing.get(key)
                if product is None:
                    product = KbProduct(business_id=business_id, name=name, name_key=key)
                    session.add(product)
                    existing[key] = product
                    created += 1
                else:
                    updated += 1
                product.price = row.price
                product.description = parse_description(row.answer)
            else:
                question = parse_question(row.question)
                session.add(KbEntry(business_id=business_id, kind=row.kind, question=question,
                                    answer=parse_answer(row.answer),
                                    search_text=" ".join(content_words(question))))
                entries += 1
        await session.flush()
    return ImportResult(entries, created, updated, preview.error_rows)


async def delete_all(session: AsyncSession, *, business_id: int) -> None:
    """Erase the business's knowledge base (used by tests and account deletion)."""
    await session.execute(delete(KbEntry).where(KbEntry.business_id == business_id))
    await session.execute(delete(KbProduct).where(KbProduct.business_id == business_id))
