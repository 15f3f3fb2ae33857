"""Chatbot stats and exports on a small hand-counted data set (both databases): every figure
below is worked out in the comments of ``seed``; another business's conversations sit in the
same tables and must never show up."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy.ext.asyncio import AsyncSession

from services import plans
from services.errors import NotFound
from services.salesbot import export, stats
from services.salesbot.export import ExportFormat, ExportLabels
from services.salesbot.stats import StageRow
from tests.factories import make_owner
from tests.sales_factories import (
    add_messages,
    make_conversation,
    make_lead,
    make_order,
    make_sales_bot,
)

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)  # 17:00 in Tashkent
LABELS = ExportLabels(headers={"conversation": "Conv", "customer": "Customer",
                               "username": "User", "stage": "Stage", "author": "Author",
                               "text": "Text", "time": "Time"},
                      sheet="Msgs", value=lambda column, code: f"{column}:{code}")


def day(d: int, hour: int = 9) -> datetime:
    return datetime(2026, 11, d, hour, 0, tzinfo=UTC)


def test_funnel_and_period_bounds() -> None:
    assert stats.funnel({"awareness": 2, "intent": 1, "purchase": 1}) == [
        StageRow("awareness", 4, 2), StageRow("interest", 2, 0),
        StageRow("consideration", 2, 0), StageRow("intent", 2, 1),
        StageRow("purchase", 1, 1), StageRow("post_purchase", 0, 0)]
    start, end = stats.period_bounds(7, "Asia/Tashkent", NOW)
    assert start == datetime(2026, 11, 23, 19, 0, tzinfo=UTC) and end == NOW  # 24th, 00:00


def test_chatstats_arguments() -> None:
    from handlers.owner.chatstats.texts import parse_args

    assert parse_args(None) == (30, None) and parse_args(" 7 ") == (7, None)
    assert parse_args("@shop_bot 90") == (90, "shop_bot") == parse_args("90 @shop_bot")
    assert parse_args("12") is None and parse_args("week") is None and parse_args("@") is None


@dataclass
class Seeded:
    business_id: int
    other_business_id: int
    bot2_id: int
    c2_id: int
    other_conv_id: int


async def seed(session: AsyncSession) -> Seeded:
    a = await make_owner(session, 8201, name="Shop A")
    b = await make_owner(session, 8202, name="Shop B")
    bot1 = await make_sales_bot(session, a.id)
    bot2 = await make_sales_bot(session, a.id, username="second_bot")
    C, B, OP = "customer", "bot", "operator"
    # cohort of the last 7 days (from 24 Nov local): c1, c2, c3, c4, c5, c7 = 6
    c1 = await make_conversation(session, bot1, 1, name="Ali", created_at=day(29))
    await add_messages(session, c1, day(29), (C, "salom"), (B, "Xush kelibsiz"))  # 1 of 1
    l2 = await make_lead(session, a.id, created_at=day(28))
    c2 = await make_conversation(session, bot1, 2, name="Vali", username="vali",
                                 stage="interest", created_at=day(28), lead=l2)
    await add_messages(session, c2, day(28), (C, '=HYPERLINK("http://x")'), (B, "Narxlar"),
                       (C, "rahmat"))  # 1 of 2 answered
    l3 = await make_lead(session, a.id, created_at=day(27))
    c3 = await make_conversation(session, bot1, 3, stage="purchase", created_at=day(27),
                                 lead=l3)  # converted by stage
    await add_messages(session, c3, day(27), (C, "buyurtma"), (B, "Qabul qilindi"))
    c4 = await make_conversation(session, bot1, 4, stage="consideration", created_at=day(26),
                                 handoff="active", handoff_at=day(26))  # handed off
    await add_messages(session, c4, day(26), (C, "shikoyat"), (OP, "Kechirasiz"))
    l5 = await make_lead(session, a.id, created_at=day(25))
    await make_order(session, a.id, l5)
    c5 = await make_conversation(session, bot1, 5, stage="intent", created_at=day(25),
                                 lead=l5)  # converted by its paid order
    await add_messages(session, c5, day(25), (C, "a"), (B, "b"), (C, "c"), (B, "d"))
    # c6 started earlier (outside the cohort) but is active: one unanswered message
    l6 = await make_lead(session, a.id, created_at=day(10))
    c6 = await make_conversation(session, bot1, 6, stage="interest", created_at=day(10),
                                 lead=l6)
    await add_messages(session, c6, day(10), (C, "old"), (B, "old reply"))
    await add_messages(session, c6, day(29, 10), (C, "hello again"))
    c7 = await make_conversation(session, bot2, 7, created_at=day(29))
    await add_messages(session, c7, day(29), (C, "hi"), (B, "hello"))
    # customer messages in the period: 1+2+1+1+2+1+1 = 9, answered 1+1+1+1+2+0+1 = 7

    other_bot = await make_sales_bot(session, b.id)
    lb = await make_lead(session, b.id, created_at=day(29))
    other = await make_conversation(session, other_bot, 1, stage="purchase",
                                    created_at=day(29), lead=lb)
    await add_messages(session, other, day(29), (C, "secret"), (C, "of B"))
    await plans.consume(session, business_id=a.id,
                        resource=plans.Resource.CHATBOT_MESSAGES_PER_MONTH, amount=340)
    await session.commit()
    return Seeded(a.id, b.id, bot2.id, c2.id, other.id)


async def test_stats_hand_counted(session: AsyncSession) -> None:
    s = await seed(session)
    figures = await stats.chat_stats(session, business_id=s.business_id, days=7, now=NOW)
    assert (figures.conversations, figures.active, figures.new_leads) == (6, 7, 3)
    assert (figures.customer_messages, figures.answered_messages) == (9, 7)
    assert (figures.converted, figures.handed_off) == (2, 1)
    assert figures.response_rate == pytest.approx(7 / 9)
    assert figures.conversion_rate == pytest.approx(2 / 6)
    assert figures.handoff_rate == pytest.approx(1 / 6)
    assert [(r.reached, r.stopped) for r in figures.stages] == [
        (6, 2), (4, 1), (3, 1), (2, 1), (1, 1), (0, 0)]
    assert (figures.messages_used, figures.messages_limit) == (340, 1000)

    one_bot = await stats.chat_stats(session, business_id=s.business_id, days=7, now=NOW,
                                     bot_id=s.bot2_id)
    assert (one_bot.conversations, one_bot.active, one_bot.customer_messages,
            one_bot.answered_messages, one_bot.new_leads) == (1, 1, 1, 1, 0)
    wider = await stats.chat_stats(session, business_id=s.business_id, days=30, now=NOW)
    assert (wider.conversations, wider.new_leads, wider.customer_messages) == (7, 4, 10)

    other = await stats.chat_stats(session, business_id=s.other_business_id, days=7, now=NOW)
    assert (other.conversations, other.customer_messages, other.answered_messages,
            other.converted, other.new_leads) == (1, 2, 0, 1, 1)


async def test_exports_csv_xlsx_and_tenancy(session: AsyncSession) -> None:
    s = await seed(session)
    start, end = stats.period_bounds(7, "Asia/Tashkent", NOW)
    data = await export.export(session, business_id=s.business_id, timezone="Asia/Tashkent",
                               labels=LABELS, fmt=ExportFormat.CSV, start=start, end=end)
    assert (data.rows, data.conversations) == (16, 7)
    assert data.data.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
    table = list(csv.reader(io.StringIO(data.data.decode("utf-8-sig"))))
    assert table[0] == ["Conv", "Customer", "User", "Stage", "Author", "Text", "Time"]
    c2_rows = [r for r in table[1:] if r[0] == str(s.c2_id)]
    assert c2_rows[0] == [str(s.c2_id), "Vali", "vali", "stage:interest", "author:customer",
                          "'=HYPERLINK(\"http://x\")", "2026-11-28 14:00"]
    assert [r[5] for r in c2_rows[1:]] == ["Narxlar", "rahmat"]
    assert not any("secret" in cell for row in table for cell in row)

    one = await export.export(session, business_id=s.business_id, timezone="Asia/Tashkent",
                              labels=LABELS, fmt=ExportFormat.XLSX, conversation_id=s.c2_id)
    assert (one.rows, one.conversations) == (3, 1)
    ws = load_workbook(io.BytesIO(one.data))["Msgs"]
    assert [c.value for c in ws[1]] == list(LABELS.headers.values())
    assert ws["F2"].value == '=HYPERLINK("http://x")' and ws["F2"].data_type == "s"
    assert ws["G2"].value == datetime(2026, 11, 28, 14, 0) and ws.max_row == 4

    with pytest.raises(NotFound):  # B's conversation through A's business
        await export.export(session, business_id=s.business_id, timezone="Asia/Tashkent",
                            labels=LABELS, fmt=ExportFormat.CSV,
                            conversation_id=s.other_conv_id)
    with pytest.raises(NotFound):
        await export.conversation(session, business_id=s.business_id,
                                  conversation_id=s.other_conv_id)
    view = await export.conversation(session, business_id=s.business_id,
                                     conversation_id=s.c2_id, last=2)
    assert view.messages == 3 and [t for _a, t, _c in view.last] == ["Narxlar", "rahmat"]
    recent = await export.recent_conversations(session, business_id=s.other_business_id)
    assert [cid for cid, _n, _s in recent] == [s.other_conv_id]


async def test_export_pages_through_chunks(session: AsyncSession,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    s = await seed(session)
    monkeypatch.setattr(export, "CHUNK", 3)  # 16 rows in 6 pages, in the same order
    paged = [(r.conversation_id, r.text) async for r in export.rows(
        session, business_id=s.business_id, timezone="UTC", start=NOW - timedelta(days=6))]
    monkeypatch.setattr(export, "CHUNK", 1000)
    whole = [(r.conversation_id, r.text) async for r in export.rows(
        session, business_id=s.business_id, timezone="UTC", start=NOW - timedelta(days=6))]
    assert paged == whole and len(whole) == 16


def test_stats_image_renders_with_and_without_data() -> None:
    from services.charts.dashboard import CardSpec
    from services.charts.salesbot import ChatStatsImage, FunnelBar, render_chat_stats

    cards = [CardSpec(f"Card {i}", str(i), "", None, None) for i in range(6)]
    bars = [FunnelBar(stage, reached, stopped, f"{reached} · {stopped}")
            for stage, reached, stopped in (("Awareness", 6, 2), ("Interest", 4, 1),
                                            ("Purchase", 1, 1))]
    full = render_chat_stats(ChatStatsImage("Чат-бот", "Shop · 24–30 Nov", cards, "Funnel",
                                            bars, "Reached", "Stopped", "Nothing yet"))
    empty = render_chat_stats(ChatStatsImage("T", "S", cards, "Funnel",
                                             [FunnelBar("Awareness", 0, 0, "")], "R", "S",
                                             "Nothing yet"))
    assert full.startswith(b"\x89PNG") and empty.startswith(b"\x89PNG")
    assert full[16:24] == empty[16:24] == (1000).to_bytes(4, "big") + (700).to_bytes(4, "big")
    assert full != empty
