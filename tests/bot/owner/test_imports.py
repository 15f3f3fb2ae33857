"""Importing files and typing entries in plain words, as the owner sees it."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from openpyxl import Workbook
from sqlalchemy import func, select

from services import aggregates, marketing, sales
from services.db.models import Customer, Order, SpendEntry
from tests.conftest import Database, Telegram, running_owner_bot
from tests.factories import make_owner


def xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def _stats(db: Database, business_id: int) -> dict[str, int]:
    async with db.sessionmaker() as s:
        cells = await aggregates.stored(s, business_id=business_id)
        assert cells == await aggregates.expected(s, business_id=business_id)
    return {m: sum(v[m] for v in cells.values()) for m in aggregates.METRICS}


SPEND_CSV = (b"Date;Where;Amount;Clicks\n"
             b"01.11.2026;insta;500 000;120\n"
             b"02.11.2026;telegram;1,2 mln;\n"
             b"03.11.2026;myspace;100000;\n")


async def test_csv_preview_remap_import(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 7301)
    user = tg.user(7301)
    start = await user.send("/import")
    assert "Import from a file" in start[-1].text
    asked = await user.press("Marketing spend")
    assert "Send me a CSV or Excel" in asked[-1].text
    preview = (await user.send_document("spend.csv", SPEND_CSV))[-1]
    # "Where" is no known header: the channel column is missing until remapped
    assert "• Where → (not imported)" in preview.text
    assert "No column for: Channel" in preview.text
    assert not any(t.startswith("✅ Import") for t in preview.button_texts())
    await user.press("🔀 Change columns")
    await user.press("Where → —")
    remapped = (await user.press("Channel"))[-1]
    assert "• Where → Channel" in remapped.text
    assert "Rows: 3 · ready: 2 · with errors: 1" in remapped.text
    assert "Row 4, “Where”: unknown channel “myspace”" in remapped.text
    assert "1. Nov 1, 2026 · 📸 Instagram · 500,000 so'm · 120 clicks" in remapped.text
    assert "New channels will be added:" in remapped.text
    async with db.sessionmaker() as s:  # the preview wrote nothing
        assert await s.scalar(select(func.count()).select_from(SpendEntry)) == 0
    done = await user.press("✅ Import 2 rows")
    assert "✅ Imported 2 rows: Marketing spend." in done[-1].text
    assert "Skipped rows with errors: 1." in done[-1].text
    assert (await _stats(db, business.id))["spend"] == 1_700_000


async def test_xlsx_detected_and_imported_in_russian(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 7302, language="ru")
        today = await sales.business_today(s, business_id=business.id)
    user = tg.user(7302, language_code="ru")
    data = xlsx([["Дата", "Клиент", "Телефон", "Сумма", "Канал"],
                 [today - timedelta(days=3), "Азиза", 998901234567, 250_000, "инстаграм"],
                 [(today - timedelta(days=1)).strftime("%d.%m.%Y"), "Бобур", "93 555 44 33",
                  "1,5 млн", "телеграм"]])
    preview = (await user.send_document("заказы.xlsx", data))[-1]
    assert "• Клиент →" in preview.text and "заказы.xlsx" in preview.text
    import_button = next(t for t in preview.button_texts() if t.startswith("✅"))
    assert "2" in import_button
    done = await user.press(import_button)
    assert done[-1].text.startswith("✅")
    totals = await _stats(db, business.id)
    assert (totals["orders"], totals["revenue"], totals["new_customers"]) == (2, 1_750_000, 2)
    async with db.sessionmaker() as s:
        assert await s.scalar(select(func.count()).select_from(Customer)) == 2


async def test_many_errors_report_and_too_big_file(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        await make_owner(s, 7303)
    user = tg.user(7303)
    rows = "\n".join(f"Lead {i},12345" for i in range(15))
    preview = (await user.send_document("leads.csv", f"name,phone\n{rows}\n".encode()))[-1]
    assert "Import: Leads" in preview.text
    assert "Rows: 15 · ready: 0 · with errors: 15" in preview.text
    assert "…and 5 more" in preview.text
    report = (await user.press("📄 Error report"))[-1]
    assert report.filename == "leads-errors.csv"
    assert report.document is not None
    lines = list(csv.reader(io.StringIO(report.document.decode("utf-8-sig"))))
    assert lines[0] == ["Row", "Column", "Problem"] and len(lines) == 16
    assert lines[1][:2] == ["2", "phone"] and "phone number" in lines[1][2]
    big = await user.send_document("big.csv", b"a,b\n" + b"1,2\n" * (11 * 1024 * 1024 // 4))
    assert "This file is too big: the limit is 10 MB" in big[-1].text
    other = await user.send_document("photo.pdf", b"%PDF-1.4")
    assert "I can read .csv and .xlsx files" in other[-1].text  # still in the import
    await user.send("/cancel")


async def test_pending_import_survives_a_restart(settings: object, db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 7304)
    async with running_owner_bot(settings) as tg:  # type: ignore[arg-type]
        user = tg.user(7304)
        await user.send_document("s.csv", b"sana,kanal,summa\n01.11.2026,insta,500000\n")
        emulator = tg.emulator
        async with running_owner_bot(settings, emulator) as tg2:  # type: ignore[arg-type]
            again = tg2.user(7304)
            done = await again.press("✅ Import 1 rows")
            assert "✅ Imported 1 rows" in done[-1].text
    async with db.sessionmaker() as s:
        assert len(await marketing.list_spend(s, business_id=business.id)) == 1


async def test_free_text_in_uzbek_and_russian(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        uz = await make_owner(s, 7305, language="uz")
        ru = await make_owner(s, 7306, language="ru")
    user = tg.user(7305, language_code="uz")
    card = (await user.send("bugun instagramga 500 ming sarfladim"))[-1]
    assert "500 000" in card.text.replace("\xa0", " ") and "Instagram" in card.text
    assert len(card.button_texts()) == 3
    async with db.sessionmaker() as s:  # nothing before the owner confirms
        assert await marketing.list_spend(s, business_id=uz.id) == []
    saved = await user.press(1)
    assert saved[-2].text.startswith("✅") and "Instagram" in saved[-1].text  # new channel
    assert (await _stats(db, uz.id))["spend"] == 500_000
    russian = tg.user(7306, language_code="ru")
    card = (await russian.send("заказ 450 000 от Алишера"))[-1]
    assert "Алишер" in card.text and "450 000" in card.text.replace("\xa0", " ")
    await russian.press(1)
    async with db.sessionmaker() as s:
        [order] = await sales.list_orders(s, business_id=ru.id)
    assert (order.total, order.customer_name) == (450_000, "Алишер")
    cancelled = await russian.send("вчера потратил 1.2 млн на таргет в инстаграме")
    await russian.press(3, message=cancelled[-1])
    async with db.sessionmaker() as s:
        assert await marketing.list_spend(s, business_id=ru.id) == []


async def test_free_text_edit_and_not_an_entry(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 7307)
    user = tg.user(7307)
    card = (await user.send("spent 300k on google ads yesterday"))[-1]
    assert "Log this spend?" in card.text and "Amount: 300,000 so'm" in card.text
    assert "⚙️ Offline answer" in card.text
    form = await user.press("✏️ Edit")
    assert "New spend — step 1 of 3" in form[-1].text
    await user.send("/cancel")
    fallback = await user.send("hello, how are you?")
    assert "I didn't get that." in fallback[-1].text
    async with db.sessionmaker() as s:
        assert await s.scalar(select(func.count()).select_from(Order).where(
            Order.business_id == business.id)) == 0
