"""CSV/Excel import: reading, column mapping, row errors, all-or-nothing, limits, 10k rows."""

from __future__ import annotations

import io
import time
from datetime import date, datetime, timedelta

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services import aggregates, imports, marketing, plans, sales
from services.db.models import Customer, Lead, Order, Plan, SpendEntry
from services.errors import InvalidInput, LimitExceeded
from services.imports import Field, Kind
from services.imports.rows import parse_cell_date
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


async def check_stats(session: AsyncSession, business_id: int) -> dict[str, int]:
    cells = await aggregates.stored(session, business_id=business_id)
    assert cells == await aggregates.expected(session, business_id=business_id)
    return {m: sum(v[m] for v in cells.values()) for m in aggregates.METRICS}


def test_csv_delimiters_bom_and_cp1251() -> None:
    for data in (b"sana,kanal,summa\n01.11.2026,insta,500000\n",
                 "\ufeffsana;kanal;summa\n01.11.2026;insta;500000\n".encode(),
                 b"sana\tkanal\tsumma\n01.11.2026\tinsta\t500000\n"):
        table = imports.read_table(data, filename="spend.csv")
        assert table.headers == ("sana", "kanal", "summa")
        assert table.rows == (("01.11.2026", "insta", "500000"),)
    cyr = "Дата;Канал;Сумма\n01.11.2026;инстаграм;1 200 000\n".encode("cp1251")
    table = imports.read_table(cyr, filename="расход.csv")
    assert table.headers == ("Дата", "Канал", "Сумма")
    assert table.rows[0][1] == "инстаграм"
    with pytest.raises(InvalidInput) as exc:
        imports.read_table(b"", filename="x.csv")
    assert exc.value.reason == "file_empty"
    with pytest.raises(InvalidInput) as exc:
        imports.read_table(b"a,b", filename="x.pdf")
    assert exc.value.reason == "file_format"
    with pytest.raises(InvalidInput) as exc:
        imports.check_size(11 * 1024 * 1024)
    assert exc.value.reason == "file_too_big"


def test_xlsx_reading_and_dates() -> None:
    data = xlsx([["Sana", "Mijoz ismi", "Telefon raqami", "Summa (so'm)"],
                 [datetime(2026, 11, 2, 10, 0), "Aziza", 998901234567, 250000],
                 [46000, "Bobur", "90 123 45 67", "1,2 mln"], [None, None, None, None]])
    table = imports.read_table(data, filename="orders.xlsx")
    assert len(table.rows) == 2
    assert imports.detect_kind(table.headers) is Kind.ORDERS
    assert imports.auto_map(table.headers, Kind.ORDERS) == {
        0: Field.DATE, 1: Field.NAME, 2: Field.PHONE, 3: Field.AMOUNT}
    today = date(2026, 12, 1)
    assert parse_cell_date(46000, today=today) == date(2025, 12, 9)  # Excel serial
    assert parse_cell_date("2026-11-24 10:00:00", today=today) == date(2026, 11, 24)
    assert parse_cell_date("24/11/2026", today=today) == date(2026, 11, 24)
    assert parse_cell_date("24.11.26", today=today) == date(2026, 11, 24)
    with pytest.raises(InvalidInput):
        parse_cell_date("2027-01-01", today=today)


def test_mapping_synonyms_in_four_languages() -> None:
    heads = ["Дата", "Канал", "Сумма", "Показы", "Клики"]
    assert imports.detect_kind(heads) is Kind.SPEND
    assert imports.auto_map(heads, Kind.SPEND) == {
        0: Field.DATE, 1: Field.CHANNEL, 2: Field.AMOUNT, 3: Field.IMPRESSIONS, 4: Field.CLICKS}
    uz = ["Ism", "Telefon", "Manba", "Holat", "utm_source", "UTM Campaign"]
    assert imports.detect_kind(uz) is Kind.LEADS
    assert imports.auto_map(uz, Kind.LEADS) == {
        0: Field.NAME, 1: Field.PHONE, 2: Field.CHANNEL, 3: Field.STATUS,
        4: Field.UTM_SOURCE, 5: Field.UTM_CAMPAIGN}
    cyr = ["Исм", "Телефон", "Сана", "Изоҳ"]
    assert imports.auto_map(cyr, Kind.LEADS) == {0: Field.NAME, 1: Field.PHONE, 2: Field.DATE}
    assert imports.auto_map(["Date", "Amount", "Source", "Notes"], Kind.SPEND) == {
        0: Field.DATE, 1: Field.AMOUNT, 2: Field.CHANNEL, 3: Field.NOTE}


async def test_spend_preview_errors_and_apply(session: AsyncSession) -> None:
    business = await make_owner(session, 63_001)
    data = (b"sana;kanal;summa;kliklar\n"
            b"01.11.2026;insta;500 000;120\n"
            b"02.11.2026;Instagram;1,2 mln;\n"
            b"03.11.2026;myspace;100000;\n"
            b"31.02.2026;telegram;100;\n"
            b"04.11.2026;telegram;;\n")
    table = imports.read_table(data, filename="spend.csv")
    mapping = imports.auto_map(table.headers, Kind.SPEND)
    preview = await imports.preview(session, business_id=business.id, table=table,
                                    kind=Kind.SPEND, mapping=mapping)
    assert preview.valid == 2 and preview.error_rows == 3
    assert [(e.row, e.column, e.reason) for e in preview.errors] == [
        (4, "kanal", "channel"), (5, "sana", "date"), (6, "summa", "required")]
    assert preview.new_channels == ["instagram"] and preview.blocked is None
    assert await session.scalar(select(func.count()).select_from(SpendEntry)) == 0
    result = await imports.apply_import(session, business_id=business.id, table=table,
                                        kind=Kind.SPEND, mapping=mapping, created_by=63_001)
    assert (result.created, result.skipped, result.channels_created) == (2, 3, ["Instagram"])
    totals = await check_stats(session, business.id)
    assert (totals["spend"], totals["clicks"]) == (1_700_000, 120)


async def test_orders_customers_and_first_order_stats(session: AsyncSession) -> None:
    business = await make_owner(session, 63_002)
    old = await sales.find_or_create_customer(session, business_id=business.id,
                                              phone="+998901234567", name="Aziza")
    await sales.create_order(session, business_id=business.id, total=100_000,
                             customer_id=old[0].id, day=date(2026, 11, 20))
    today = await sales.business_today(session, business_id=business.id)
    day1 = (today - timedelta(days=30)).strftime("%d.%m.%Y")
    day2 = (today - timedelta(days=2)).strftime("%d.%m.%Y")
    data = xlsx([["Date", "Customer", "Phone", "Total", "Channel", "Status"],
                 [day1, "Aziza K.", "90 123 45 67", 300_000, "telegram", "paid"],
                 [day2, "Bobur", "+998 93 555 44 33", "450 000", "", ""],
                 [day2, "Bobur", "+998935554433", 50_000, "tg", "возврат"],
                 [day2, "Walk-in", None, 20_000, None, None]])
    table = imports.read_table(data, filename="o.xlsx")
    mapping = imports.auto_map(table.headers, Kind.ORDERS)
    result = await imports.apply_import(session, business_id=business.id, table=table,
                                        kind=Kind.ORDERS, mapping=mapping)
    assert (result.created, result.customers_created) == (4, 2)
    totals = await check_stats(session, business.id)
    assert (totals["orders"], totals["revenue"], totals["new_customers"]) == (
        4, 870_000, 3)
    customers = {c.phone or c.name: c for c in await sales.list_customers(
        session, business_id=business.id)}
    assert customers["+998901234567"].orders_count == 2
    assert customers["+998901234567"].total_spent == 400_000
    assert customers["+998935554433"].orders_count == 1  # the refund doesn't count
    for customer in customers.values():  # the same totals refresh_customer would compute
        before = (customer.orders_count, customer.total_spent, customer.first_order_at)
        await sales.refresh_customer(session, customer_id=customer.id)
        after = await sales.get_customer(session, business_id=business.id,
                                         customer_id=customer.id)
        assert before == (after.orders_count, after.total_spent, after.first_order_at)


async def test_customers_skip_known_phones(session: AsyncSession) -> None:
    business = await make_owner(session, 63_003)
    await sales.find_or_create_customer(session, business_id=business.id,
                                        phone="+998901234567", name="Aziza")
    data = "Имя,Телефон\nАзиза,+998901234567\nБобур,935554433\nБобур 2,935554433\n,\n"
    table = imports.read_table(data.encode(), filename="c.csv")
    mapping = imports.auto_map(table.headers, Kind.CUSTOMERS)
    preview = await imports.preview(session, business_id=business.id, table=table,
                                    kind=Kind.CUSTOMERS, mapping=mapping)
    assert preview.valid == 1 and [e.reason for e in preview.errors] == ["duplicate"] * 2
    result = await imports.apply_import(session, business_id=business.id, table=table,
                                        kind=Kind.CUSTOMERS, mapping=mapping)
    assert result.created == 1
    assert await session.scalar(select(func.count()).select_from(Customer).where(
        Customer.business_id == business.id)) == 2


async def test_leads_limit_refused_up_front(session: AsyncSession) -> None:
    business = await make_owner(session, 63_004)
    await session.execute(update(Plan).where(Plan.code == "starter").values(
        limits={**plans.DEFAULT_PLANS[0]["limits"], "leads_per_month": 5}))
    await sales.create_lead(session, business_id=business.id, name="First")
    rows = "\n".join(f"Lead {i},+99890000000{i},insta,won" for i in range(5))
    table = imports.read_table(f"name,phone,source,status\n{rows}\n".encode(),
                               filename="l.csv")
    mapping = imports.auto_map(table.headers, Kind.LEADS)
    preview = await imports.preview(session, business_id=business.id, table=table,
                                    kind=Kind.LEADS, mapping=mapping)
    assert preview.blocked == imports.LimitBlock("leads_per_month", 1, 5, 5, "starter")
    with pytest.raises(LimitExceeded) as exc:
        await imports.apply_import(session, business_id=business.id, table=table,
                                   kind=Kind.LEADS, mapping=mapping)
    assert exc.value.params["adding"] == 5
    assert await sales.count_leads(session, business_id=business.id) == 1
    small = imports.read_table(f"name,phone,source,status\n{rows.splitlines()[0]}\n".encode(),
                               filename="l.csv")
    result = await imports.apply_import(session, business_id=business.id, table=small,
                                        kind=Kind.LEADS, mapping=mapping)
    assert result.created == 1
    usage = await plans.usage(session, business_id=business.id,
                              resource=plans.Resource.LEADS_PER_MONTH)
    assert usage.used == 2
    totals = await check_stats(session, business.id)
    assert (totals["leads"], totals["won_leads"]) == (2, 1)


async def test_failure_rolls_back_every_row(session: AsyncSession,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    business = await make_owner(session, 63_005)
    rows = "\n".join(f"Lead {i},+99890000001{i},insta" for i in range(5))
    table = imports.read_table(f"name,phone,source\n{rows}\n".encode(), filename="l.csv")
    mapping = imports.auto_map(table.headers, Kind.LEADS)

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(aggregates, "apply", broken)
    with pytest.raises(RuntimeError):
        await imports.apply_import(session, business_id=business.id, table=table,
                                   kind=Kind.LEADS, mapping=mapping)
    monkeypatch.undo()
    assert await session.scalar(select(func.count()).select_from(Lead)) == 0
    assert await marketing.list_channels(session, business_id=business.id) == []
    usage = await plans.usage(session, business_id=business.id,
                              resource=plans.Resource.LEADS_PER_MONTH)
    assert usage.used == 0
    await session.commit()
    assert await session.scalar(select(func.count()).select_from(Lead)) == 0


async def test_ten_thousand_orders_in_seconds(session: AsyncSession) -> None:
    business = await make_owner(session, 63_006)
    today = await sales.business_today(session, business_id=business.id)
    lines = ["sana;kanal;summa;ism;telefon"]
    for i in range(10_000):
        day = (today - timedelta(days=i % 90)).strftime("%d.%m.%Y")
        channel = ("insta", "telegram", "")[i % 3]
        lines.append(f"{day};{channel};{100_000 + i};Mijoz {i % 2000};"
                     f"+99890{1_000_000 + i % 2000:07d}")
    table = imports.read_table("\n".join(lines).encode(), filename="big.csv")
    mapping = imports.auto_map(table.headers, Kind.ORDERS)
    started = time.perf_counter()
    result = await imports.apply_import(session, business_id=business.id, table=table,
                                        kind=Kind.ORDERS, mapping=mapping)
    elapsed = time.perf_counter() - started
    print(f"10,000 orders imported in {elapsed:.2f}s")
    assert (result.created, result.customers_created) == (10_000, 2_000)
    totals = await check_stats(session, business.id)
    assert (totals["orders"], totals["new_customers"]) == (10_000, 2_000)
    assert await session.scalar(select(func.count()).select_from(Order)) == 10_000
