"""The sales bot's knowledge base: CRUD per business, matching, import (both databases for
the SQL, pure matching on no database)."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook
from sqlalchemy.ext.asyncio import AsyncSession

from services.errors import InvalidInput, LimitExceeded, NotFound
from services.imports import read_table
from services.salesbot import knowledge
from services.salesbot.knowledge import EntryKind, EntryView, ProductView
from tests.factories import make_owner


def _entries(*pairs: tuple[str, str]) -> list[tuple[EntryView, str]]:
    return [(EntryView(i, EntryKind.FAQ, q, a), q) for i, (q, a) in enumerate(pairs, 1)]


FAQ = _entries(
    ("Kafolat bormi?\nГарантия есть?\nIs there a warranty?", "12 oy kafolat."),
    ("Ish vaqtingiz qanaqa?\nГрафик работы", "Har kuni 9:00–20:00."),
    ("Manzilingiz qayerda?\nГде вы находитесь?\nWhere are you located?", "Chilonzor 5."),
    ("Yetkazib berish narxi qancha?", "Toshkent bo'ylab 20 000 so'm."),
)


@pytest.mark.parametrize(("text", "answer"), [
    ("Kafolat beriladimi?", "12 oy kafolat."),
    ("кафолат борми", "12 oy kafolat."),  # Uzbek Cyrillic against the Latin phrasing
    ("А гарантия есть на товар?", "12 oy kafolat."),
    ("warranty?", "12 oy kafolat."),
    ("qayerdasizlar, manzilingiz?", "Chilonzor 5."),
    ("где находитесь", "Chilonzor 5."),
    ("ish vaqti qanaqa", "Har kuni 9:00–20:00."),
    ("yetkazib berish qancha turadi", "Toshkent bo'ylab 20 000 so'm."),
    ("yetkazb berish narxi", "Toshkent bo'ylab 20 000 so'm."),  # a typo
])
def test_best_match_across_scripts_and_typos(text: str, answer: str) -> None:
    match = knowledge.best_match(FAQ, text)
    assert match is not None and match.entry.answer == answer


@pytest.mark.parametrize("text", ["salom", "rahmat", "qizil ko'ylak bormi", "?", "ok"])
def test_no_match_for_unrelated_text(text: str) -> None:
    assert knowledge.best_match(FAQ, text) is None


def test_match_products_by_name() -> None:
    products = [ProductView(1, "Atlas ko'ylak", 350_000, "", None),
                ProductView(2, "Paxta sochiq", 45_000, "", None),
                ProductView(3, "Atlas ro'mol", None, "", None)]
    assert [p.id for p in knowledge.match_products(products, "atlas koylak narxi?")] == [1]
    assert [p.id for p in knowledge.match_products(products, "Пахта сочиқ борми")] == [2]
    assert {p.id for p in knowledge.match_products(products, "atlas")} == set()
    assert knowledge.match_products(products, "narxi qancha") == []


@pytest.mark.parametrize(("raw", "price"), [("150 000", 150_000), ("1,2 mln", 1_200_000),
                                            ("-", None), ("", None), ("0", None)])
def test_parse_price(raw: str, price: int | None) -> None:
    assert knowledge.parse_price(raw) == price


def test_parse_price_rejects_words() -> None:
    with pytest.raises(InvalidInput):
        knowledge.parse_price("arzon")


async def test_crud_is_per_business(session: AsyncSession) -> None:
    a = await make_owner(session, 7001, name="Gulnoza Textile")
    b = await make_owner(session, 7002, name="Mega Electronics")
    entry = await knowledge.add_entry(session, business_id=a.id, kind="delivery",
                                      question="Yetkazib berish bormi?",
                                      answer="Ha, 1 kunda.")
    product = await knowledge.add_product(session, business_id=a.id, name="Atlas ko'ylak",
                                          price=350_000, description="Qo'lda tikilgan")
    await knowledge.add_product(session, business_id=b.id, name="iPhone 15 Pro",
                                price=14_500_000)
    await session.commit()
    assert [e.id for e in await knowledge.list_entries(session, business_id=b.id)] == []
    assert [p.name for p in await knowledge.list_products(session, business_id=b.id)] == [
        "iPhone 15 Pro"]
    with pytest.raises(NotFound):  # another business's id is not found, not changed
        await knowledge.update_entry(session, business_id=b.id, entry_id=entry.id, answer="x")
    with pytest.raises(NotFound):
        await knowledge.delete_product(session, business_id=b.id, product_id=product.id)
    updated = await knowledge.update_product(session, business_id=a.id, product_id=product.id,
                                             price=None, photo_file_id="AgAD-photo")
    assert updated.price is None and updated.photo_file_id == "AgAD-photo"
    # read (and cached) before the edit: the edit must show at once
    assert await knowledge.match_entry(session, business_id=a.id, text="доставка есть?") is None
    edited = await knowledge.update_entry(session, business_id=a.id, entry_id=entry.id,
                                          question="Dostavka bormi?")
    match = await knowledge.match_entry(session, business_id=a.id, text="доставка есть?")
    assert match is not None and match.entry.id == edited.id
    assert await knowledge.match_entry(session, business_id=b.id, text="доставка есть?") is None
    counts = await knowledge.counts(session, business_id=a.id)
    assert counts.entries[EntryKind.DELIVERY] == 1 and counts.products == 1
    await knowledge.delete_entry(session, business_id=a.id, entry_id=entry.id)
    assert await knowledge.list_entries(session, business_id=a.id) == []


async def test_validation_and_limit(session: AsyncSession, monkeypatch: pytest.MonkeyPatch
                                    ) -> None:
    a = await make_owner(session, 7003)
    with pytest.raises(InvalidInput):
        await knowledge.add_entry(session, business_id=a.id, kind="faq", question="?",
                                  answer="x")
    with pytest.raises(InvalidInput):
        await knowledge.add_entry(session, business_id=a.id, kind="secret", question="Qachon?",
                                  answer="x")
    monkeypatch.setattr(knowledge, "MAX_PRODUCTS", 1)
    await knowledge.add_product(session, business_id=a.id, name="Bir")
    with pytest.raises(LimitExceeded):
        await knowledge.add_product(session, business_id=a.id, name="Ikki")


CSV = b"""turi;savol;javob;narx
savol;Kafolat bormi?;12 oy kafolat;
yetkazib berish;Yetkazib berasizmi?;Toshkent bo'ylab 1 kunda;
mahsulot;Atlas ko'ylak;Qo'lda tikilgan;350 000
;Paxta sochiq;;45 000
noma'lum;Nima?;Hech;
mahsulot;Ipak ro'mol;;arzon
"""


async def test_import_csv_preview_errors_and_apply(session: AsyncSession) -> None:
    a = await make_owner(session, 7004)
    await knowledge.add_product(session, business_id=a.id, name="Atlas ko‘ylak", price=1)
    table = read_table(CSV, filename="kb.csv")
    preview = await knowledge.preview_import(session, business_id=a.id, table=table)
    assert preview.entries == 2 and preview.products == 2
    assert [(e.row, e.field, e.reason) for e in preview.errors] == [
        (6, "type", "choice"), (7, "price", "number")]
    result = await knowledge.apply_import(session, business_id=a.id, table=table)
    assert (result.entries, result.products_created, result.products_updated,
            result.skipped) == (2, 1, 1, 2)
    products = {p.name: p.price for p in await knowledge.list_products(session,
                                                                       business_id=a.id)}
    assert products == {"Atlas ko‘ylak": 350_000, "Paxta sochiq": 45_000}
    kinds = [e.kind for e in await knowledge.list_entries(session, business_id=a.id)]
    assert kinds == [EntryKind.FAQ, EntryKind.DELIVERY]


async def test_import_xlsx_all_or_nothing(session: AsyncSession,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    a = await make_owner(session, 7005)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Вопрос", "Ответ"])
    sheet.append(["Гарантия есть?", "Да, год"])
    sheet.append(["Где вы находитесь?", "Чиланзар"])
    data = io.BytesIO()
    book.save(data)
    table = read_table(data.getvalue(), filename="kb.xlsx")
    monkeypatch.setattr(knowledge, "MAX_ENTRIES", 1)
    preview = await knowledge.preview_import(session, business_id=a.id, table=table)
    assert preview.blocked == "kb_entries" and not preview.can_apply
    with pytest.raises(LimitExceeded):
        await knowledge.apply_import(session, business_id=a.id, table=table)
    assert await knowledge.list_entries(session, business_id=a.id) == []
    monkeypatch.setattr(knowledge, "MAX_ENTRIES", 300)
    result = await knowledge.apply_import(session, business_id=a.id, table=table)
    assert result.entries == 2


async def test_import_needs_a_question_column(session: AsyncSession) -> None:
    a = await make_owner(session, 7006)
    table = read_table(b"foo,bar\n1,2\n", filename="x.csv")
    preview = await knowledge.preview_import(session, business_id=a.id, table=table)
    assert preview.missing and not preview.can_apply
