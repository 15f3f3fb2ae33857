"""Logging spend, leads, orders and channels as an owner (and a viewer) sees it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.channel_stats import read_channel_members
from services import aggregates, marketing, sales, teams
from services.db.models import ChannelSnapshot
from tests.conftest import OWNER_TOKEN, Database, Telegram
from tests.factories import add_member, make_owner


async def _stats(db: Database, business_id: int) -> dict[str, int]:
    async with db.sessionmaker() as s:
        cells = await aggregates.stored(s, business_id=business_id)
        assert cells == await aggregates.expected(s, business_id=business_id)
    return {m: sum(v[m] for v in cells.values()) for m in aggregates.METRICS}


async def test_spend_in_one_line_creates_the_channel(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 7101)
    user = tg.user(7101)
    saved = await user.send("/spend insta 500 000 yesterday clicks=340")
    assert saved[0].text.startswith("✅ Spend saved: 500,000 so'm on 📸 Instagram")
    assert "➕ New channel added: 📸 Instagram." in saved[1].text
    again = await user.send("/spend instagram 1.2 mln")
    assert "1,200,000 so'm" in again[0].text and len(again) == 1  # no second channel
    bad = await user.send("/spend instagram lots")
    assert "Please type a whole number" in bad[0].text
    unknown = await user.send("/spend myspace 100")
    assert "I don't know the channel “myspace”" in unknown[0].text
    listed = (await user.send("/spend"))[-1]
    assert "Marketing spend — Test Biz" in listed.text
    assert "340 clicks" in listed.text
    assert listed.button_texts()[:4] == ["✏️ 1", "🗑 1", "✏️ 2", "🗑 2"]
    totals = await _stats(db, business.id)
    assert (totals["spend"], totals["clicks"]) == (1_700_000, 340)


async def test_spend_form_edit_and_delete(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 7102)
    user = tg.user(7102)
    await user.send("/spend")
    asked = await user.press("➕ Add spend")
    assert "step 1 of 3" in asked[-1].text
    amount = await user.press("✈️ Telegram channel")
    assert "Step 2 of 3" in amount[-1].text
    assert "between 1 and" in (await user.send("0"))[-1].text
    await user.send("250k")
    done = await user.press("Yesterday")
    assert "✅ Spend saved: 250,000 so'm on ✈️ Telegram" in done[-2].text
    async with db.sessionmaker() as s:
        [entry] = await marketing.list_spend(s, business_id=business.id)
        today = await sales.business_today(s, business_id=business.id)
    assert entry.day == today - timedelta(days=1)
    await user.press("✏️ 1")
    edited = await user.send("300 000")
    assert "300,000 so'm" in edited[0].text
    assert (await _stats(db, business.id))["spend"] == 300_000
    await user.press("🗑 1", message=edited[-1])
    gone = await user.press("🗑 Yes, delete")
    assert "No spend logged yet." in gone[-1].text
    assert (await _stats(db, business.id))["spend"] == 0


async def test_lead_one_line_and_form_then_stage_status_score(tg: Telegram, db: Database
                                                               ) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 7103)
    user = tg.user(7103)
    quick = await user.send("/lead Aziza Karimova 90 123 45 67 телеграм")
    assert quick[0].text == "✅ Lead added: Aziza Karimova · +998901234567 · Telegram."
    assert "bad phone" not in quick[0].text
    await user.send("/lead")
    assert "Step 2 of 4" in (await user.send("Bobur <b>"))[-1].text
    assert "doesn't look like a phone" in (await user.send("12345"))[-1].text
    await user.send("+998 (93) 555-44-33")
    await user.press("📸 Instagram")
    done = await user.send("instagram / stories / black_friday")
    assert done[-1].text.startswith("✅ Lead added: Bobur <b> · +998935554433 · Instagram")
    listed = (await user.send("/leads"))[-1]
    assert "1. Bobur <b> · +998935554433 · New · Awareness" in listed.text
    card = await user.press("1. Bobur <b>")
    assert "UTM: instagram / stories / black_friday" in card[-1].text
    await user.press("🪜 Stage")
    staged = await user.press("Consideration")
    assert "Stage: Consideration" in staged[-1].text
    await user.press("🏷 Status", message=staged[-1])
    won = await user.press("Won")
    assert "Status: Won" in won[-1].text
    assert (await _stats(db, business.id))["won_leads"] == 1
    await user.press("💯 Score", message=won[-1])
    assert "between 0 and 100" in (await user.send("150"))[-1].text
    scored = await user.send("80")
    assert "Score: 80 of 100" in scored[-1].text
    await user.press("🗑 Delete", message=scored[-1])
    await user.press("🗑 Yes, delete")
    totals = await _stats(db, business.id)
    assert (totals["leads"], totals["won_leads"]) == (1, 0)


async def test_orders_in_one_line_form_refund_and_delete(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 7104)
    user = tg.user(7104)
    quick = await user.send("/order 250 000 insta Aziza +998901234567")
    assert quick[0].text == "✅ Order saved: 250,000 so'm · Instagram · Aziza."
    await user.send("/order")
    await user.send("Latte 2 x 25 000\nCake 30 000")
    await user.press("📸 Instagram")
    done = await user.send("+998 90 123 45 67")
    assert done[-2].text == "✅ Order saved: 80,000 so'm · Instagram · Aziza."
    assert "• Latte — 2 × 25,000 so'm" in done[-1].text
    customers = (await user.send("/customers"))[-1]
    assert "1. Aziza · +998901234567 · orders: 2 · 330,000 so'm" in customers.text
    refunded = await user.press("↩️ Refund", message=done[-1])
    assert "Status: Refunded" in refunded[-1].text
    totals = await _stats(db, business.id)
    assert (totals["orders"], totals["revenue"], totals["new_customers"]) == (1, 250_000, 1)
    listed = (await user.send("/orders"))[-1]
    card = await user.press("🧾 2", message=listed)
    await user.press("✏️ Total", message=card[-1])
    edited = await user.send("300k")
    assert "Total: 300,000 so'm" in edited[-1].text
    await user.press("🗑 Delete", message=edited[-1])
    await user.press("🗑 Yes, delete")
    async with db.sessionmaker() as s:
        [aziza] = await sales.list_customers(s, business_id=business.id)
    assert (aziza.orders_count, aziza.total_spent) == (0, 0)
    assert (await _stats(db, business.id))["new_customers"] == 0


async def test_channels_add_rename_pause_in_russian(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 7105, language="ru")
    user = tg.user(7105, language_code="ru")
    await user.send("/channels")
    await user.press("➕ Добавить канал")
    await user.press("📸 Instagram")
    added = await user.send("Кофейня")
    assert added[0].text == "✅ Канал добавлен: 📸 Кофейня (Instagram)."
    await user.press("✏️ 1. Кофейня")
    renamed = await user.send("Coffee shop")
    assert "Coffee shop" in renamed[0].text
    await user.press("➕ Добавить канал")
    await user.press("🔎 Google Ads")
    await user.press("⏭ Пропустить")
    third = await user.send("/spend tiktok 1000")
    assert "⚠️" in third[-1].text  # 3 of 3 channels on Starter
    full = await user.send("/spend youtube 1000")
    assert "Marketing channels" not in full[-1].text and "3" in full[-1].text
    listed = (await user.send("/channels"))[-1]
    paused = await user.press("⏸ 1", message=listed)
    assert "приостановлен" in paused[0].text.lower() or "⏸" in paused[0].text
    async with db.sessionmaker() as s:
        active = await marketing.list_channels(s, business_id=business.id)
    assert [c.kind for c in active] == ["google_ads", "tiktok"]


async def test_a_viewer_sees_but_cannot_write(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 7106)
        await add_member(s, business.id, 7107, teams.Role.VIEWER)
    viewer = tg.user(7107)
    assert "Your role (Viewer) can't manage orders" in (
        await viewer.send("/spend insta 1000"))[-1].text
    assert "can't manage leads" in (await viewer.send("/lead Ali"))[-1].text
    assert "can't manage orders" in (await viewer.send("/order 1000"))[-1].text
    listed = (await viewer.send("/leads"))[-1]
    assert listed.button_texts() == ["🏠 Main menu"]
    assert (await _stats(db, business.id))["leads"] == 0


async def test_own_telegram_channel_registers_reads_members_and_pauses(
        tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 7108)
        other = await make_owner(s, 7109, name="Other Biz")
    owner = tg.user(7108)
    tg.user(7109)
    chat = tg.emulator.add_chat(OWNER_TOKEN, -1001234, chat_type="channel", title="Coffee news",
                                members={7108: "creator"}, bot_status="member")
    update_id = tg.emulator.push_my_chat_member(OWNER_TOKEN, -1001234, "member",
                                                "administrator", from_user_id=7108)
    await tg.emulator.wait_processed(OWNER_TOKEN, update_id)
    assert owner.last_message is not None
    assert owner.last_message.text.startswith("✈️ Channel “Coffee news” connected to Test Biz")
    async with db.sessionmaker() as s:
        [channel] = await marketing.list_channels(s, business_id=business.id)
        assert await marketing.list_channels(s, business_id=other.id) == []
    assert (channel.kind, channel.external_ref) == ("telegram", "-1001234")
    chat.member_count = 1250
    assert await read_channel_members(tg.app.sessionmaker, tg.app.extras["owner_bot"]) == 1
    async with db.sessionmaker() as s:
        assert await marketing.latest_members(s, business_id=business.id,
                                              channel_id=channel.id) == 1250
        assert len((await s.scalars(select(ChannelSnapshot))).all()) == 1
    update_id = tg.emulator.push_my_chat_member(OWNER_TOKEN, -1001234, "administrator",
                                                "left", from_user_id=7108)
    await tg.emulator.wait_processed(OWNER_TOKEN, update_id)
    assert "paused" in owner.last_message.text
    async with db.sessionmaker() as s:
        assert await marketing.list_channels(s, business_id=business.id) == []
    assert await read_channel_members(tg.app.sessionmaker, tg.app.extras["owner_bot"]) == 0


async def test_a_viewer_adding_the_bot_to_a_channel_is_refused(tg: Telegram, db: Database
                                                               ) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 7110)
        await add_member(s, business.id, 7111, teams.Role.VIEWER)
    viewer = tg.user(7111)
    tg.emulator.add_chat(OWNER_TOKEN, -1005555, chat_type="channel", title="Mine",
                         members={7111: "creator"}, bot_status="member")
    update_id = tg.emulator.push_my_chat_member(OWNER_TOKEN, -1005555, "member",
                                                "administrator", from_user_id=7111)
    await tg.emulator.wait_processed(OWNER_TOKEN, update_id)
    assert viewer.last_message is not None
    assert "can't manage integrations" in viewer.last_message.text
    async with db.sessionmaker() as s:
        assert await marketing.list_channels(s, business_id=business.id) == []


async def test_form_fallbacks_and_keeping_an_entry(tg: Telegram, db: Database) -> None:
    """The shared wizard pieces (``entry.wizard``): a typed word where a button is wanted, a
    photo where text is wanted, and ↩️ No, keep it."""
    async with db.sessionmaker() as s:
        await make_owner(s, 7109)
    user = tg.user(7109)
    await user.send("/spend")
    await user.press("➕ Add spend")
    assert (await user.send("instagram please"))[-1].text == "Please choose one of the buttons."
    await user.press("✈️ Telegram channel")
    assert "Please type it as text" in (await user.send_photo(b"png"))[-1].text
    await user.send("100k")
    await user.press("Today")
    listed = (await user.send("/spend"))[-1]
    await user.press("🗑 1", message=listed)
    kept = await user.press("↩️ No, keep it")
    assert user.history[-1].text.endswith("✓ Kept") and not kept[-1].button_texts()
    assert "100,000 so'm" in (await user.send("/spend"))[-1].text


async def test_half_read_data_gets_examples_not_a_shrug(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        await make_owner(s, 7199)
    user = tg.user(7199)
    hint = (await user.send("got a lead from telegram today"))[-1]
    assert "I could not read all of it" in hint.text and "/lead" in hint.text
    assert "I didn't get that" in (await user.send("good morning"))[-1].text
