"""Lead magnets (HVCO) as an owner (and a viewer) sees them, through the Bot API emulator."""

from __future__ import annotations

from typing import Any

from bot.config import Settings
from bot.emulator import BotAPIEmulator
from handlers.owner.hvco.callbacks import HvcoAction, HvcoCB
from services import hvco, teams
from services.hvco import DraftText, HvcoStatus, HvcoType
from tests.conftest import OWNER_TOKEN, Database, Telegram, running_owner_bot
from tests.factories import add_member, make_owner

OFFLINE = "⚙️ Offline answer — built from rules and templates, no AI key in use."


async def _items(db: Database, business_id: int) -> list[hvco.HvcoView]:
    async with db.sessionmaker() as s:
        return await hvco.list_hvcos(s, business_id=business_id)


async def _seed(db: Database, business_id: int, **kwargs: Any) -> hvco.HvcoView:
    values: dict[str, Any] = {
        "hvco_type": HvcoType.CHECKLIST, "topic": "Choosing beans", "source": "ai",
        "draft": DraftText("Bean checklist", ("Roast", "Origin", "Grind"), "Get it!"),
        **kwargs}
    async with db.sessionmaker() as s:
        item = await hvco.create_hvco(s, business_id=business_id, **values)
        await s.commit()
        return item


async def test_create_with_the_offline_draft(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 7401, name="Chilonzor Coffee")
    user = tg.user(7401)
    listed = (await user.send("/hvco"))[-1]
    assert "Lead magnets — Chilonzor Coffee" in listed.text
    assert "No lead magnets yet" in listed.text
    assert listed.button_texts() == ["➕ New lead magnet", "🏠 Main menu"]
    types = (await user.press("➕ New lead magnet"))[-1]
    assert "New lead magnet — step 1 of 2" in types.text
    assert "✅ Checklist — 20–35%" in types.text
    assert "🤝 Free consultation — 40–60%" in types.text
    assert "📘 E-book — 15–25%" in types.text
    # the factory's business: retail, B2C, goal "more sales"
    assert "⭐ Recommended for Chilonzor Coffee:" in types.text
    assert "• ✅ Checklist — fits your industry, fits your sales model" in types.text
    assert "⭐ ✅ Checklist" in types.button_texts()
    assert "🧮 Calculator" in types.button_texts()
    topic = await user.press("⭐ ✅ Checklist")
    assert "✓ ✅ Checklist" in topic[0].text
    assert "Step 2 of 2" in topic[-1].text
    assert "💡 Retail: the 5 most common mistakes and how to avoid them" in (
        topic[-1].button_texts())
    assert "Please type it as text" in (await user.send_photo(b"png"))[-1].text
    done = await user.send("How to pick <good> beans")
    assert "typing" in user.chat_actions
    card = done[-1]
    assert done[0].message_id == card.message_id and card.edited  # status replaced by result
    assert "🧲 Checklist: How to pick <good> beans" in card.text
    assert "&lt;good&gt;" in card.html
    assert "✅ Checklist · expected conversion 20–35%" in card.text
    assert "Status: 📝 Draft · 👥 Leads: 0" in card.text
    assert "1. A quick self-check: where you are today" in card.text
    assert "5. The next step: how Chilonzor Coffee helps you get there faster" in card.text
    assert "Nothing attached yet" in card.text
    assert OFFLINE in card.text
    assert "connect your business's own bot with /chatbot" in card.text
    [item] = await _items(db, business.id)
    assert item.code in card.text and f"<code>{item.code}</code>" in card.html
    assert (item.type, item.source, item.status) == (HvcoType.CHECKLIST, "fallback",
                                                    HvcoStatus.DRAFT)
    assert len(item.outline) == 5 and item.title == "Checklist: How to pick <good> beans"
    assert "Inside:\n• A quick self-check" in item.post
    assert card.button_texts() == ["✏️ Title", "✏️ Outline", "✏️ Post", "📎 What the bot sends",
                                   "📣 Full post", "🟢 Activate", "🗑 Delete",
                                   "⬅️ All lead magnets", "🏠 Main menu"]
    post = (await user.press("📣 Full post"))[-1]
    assert post.text == item.post
    await user.send("/menu")
    via_menu = (await user.press("🧲 Lead magnets"))[-1]
    assert via_menu.button_texts()[0] == f"📝 1. {item.title[:29]}…"
    assert "/hvco — lead magnets" in (await user.send("/help"))[-1].text


async def test_pick_a_suggested_topic(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 7402)
    user = tg.user(7402)
    await user.send("/hvco")
    await user.press("➕ New lead magnet")
    await user.press("🧮 Calculator")
    back = await user.press("⬅️ Back")
    assert "step 1 of 2" in back[-1].text
    await user.press("⭐ 🤝 Free consultation")
    done = await user.press(1)
    [item] = await _items(db, business.id)
    assert item.type == HvcoType.CONSULTATION
    # a sales goal puts the money question first
    assert item.topic == "Retail: how much it really costs and how to save"
    assert "Free consultation: Retail: how much" in done[-1].text


async def test_edit_the_outline_attach_a_document_and_activate(tg: Telegram, db: Database
                                                                ) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 7403)
    item = await _seed(db, business.id)
    user = tg.user(7403)
    await user.send("/hvco")
    card = (await user.press(f"📝 1. {item.title}"))[-1]
    assert OFFLINE not in card.text  # drafted by the model
    activate = await user.press("🟢 Activate")
    assert activate == []
    assert "First attach what the bot sends" in (user.callback_answers[-1].text or "")
    asked = await user.press("✏️ Outline")
    assert "one point per line" in asked[-1].text and "1. Roast" in asked[-1].text
    assert "Each point can be at most 200" in (await user.send("x" * 201))[-1].text
    saved = await user.send("1. Roast date\n2. Origin\n\n- Grind size\n• Price per cup")
    assert saved[0].text == "✅ Saved."
    assert "4. Price per cup" in saved[-1].text
    await user.press("📎 What the bot sends")
    big = await user.send_document("big.pdf", b"0" * (10 * 1024 * 1024 + 1))
    assert big[-1].text == "That file is too big: the limit is 10 MB."
    attached = await user.send_document("guide.pdf", b"%PDF-1.4 guide",
                                        mime_type="application/pdf")
    assert "📎 File: guide.pdf" in attached[-1].text
    await user.press("📎 What the bot sends")
    linked = await user.send("example.uz/guide")
    assert "🔗 Link: https://example.uz/guide" in linked[-1].text
    assert "📎 File: guide.pdf" in linked[-1].text
    active = await user.press("🟢 Activate")
    assert "Status: 🟢 Active" in active[-1].text and "📦 Archive" in active[-1].button_texts()
    [stored] = await _items(db, business.id)
    assert stored.outline == ("Roast date", "Origin", "Grind size", "Price per cup")
    assert stored.file_id and stored.file_name == "guide.pdf"
    assert stored.url == "https://example.uz/guide" and stored.status == HvcoStatus.ACTIVE
    async with db.sessionmaker() as s:
        resolved = await hvco.resolve_code(s, code=stored.code)
    assert resolved is not None and resolved.id == stored.id
    assert f"Code: {stored.code}" in active[-1].text


async def test_edit_title_and_post_then_delete(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 7404)
    item = await _seed(db, business.id)
    user = tg.user(7404)
    await user.send("/hvco")
    await user.press(f"📝 1. {item.title}")
    await user.press("✏️ Title")
    assert "at most 120 characters" in (await user.send("t" * 121))[-1].text
    assert "🧲 Better bean checklist" in (await user.send("Better bean checklist"))[-1].text
    await user.press("✏️ Post")
    cancelled = await user.press("✖️ Cancel")
    assert cancelled[-2].text == "Cancelled." and "🧲 Better bean checklist" in cancelled[-1].text
    await user.press("✏️ Post")
    await user.send("New post\nline two")
    await user.press("🗑 Delete")
    assert "✓ Kept" in (await user.press("↩️ No, keep it"))[-1].text
    await user.press("🗑 Delete")
    deleted = await user.press("🗑 Yes, delete")
    assert "✓ Deleted" in deleted[0].text and "No lead magnets yet" in deleted[-1].text
    assert await _items(db, business.id) == []


async def test_ids_of_another_business_are_refused(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        victim = await make_owner(s, 7405)
        await make_owner(s, 7406)
    item = await _seed(db, victim.id)
    attacker = tg.user(7406)
    await attacker.send("/hvco")
    for action, value in ((HvcoAction.OPEN, ""), (HvcoAction.EDIT, "title"),
                          (HvcoAction.STATUS, "archived"), (HvcoAction.POST, ""),
                          (HvcoAction.DELETE, ""), (HvcoAction.CONFIRM, "")):
        data = HvcoCB(action=action, hvco_id=item.id, value=value).pack()
        assert await attacker.press_data(data) == []
        assert attacker.callback_answers[-1].text == (
            "Not found: it may have been deleted, or it belongs to another business.")
    [kept] = await _items(db, victim.id)
    assert kept.status == HvcoStatus.DRAFT and kept.title == "Bean checklist"


async def test_a_viewer_sees_but_cannot_change(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 7407)
        await add_member(s, business.id, 7408, teams.Role.VIEWER)
    item = await _seed(db, business.id)
    viewer = tg.user(7408)
    listed = (await viewer.send("/hvco"))[-1]
    assert listed.button_texts() == [f"📝 1. {item.title}", "🏠 Main menu"]
    card = (await viewer.press(f"📝 1. {item.title}"))[-1]
    assert card.button_texts() == ["📣 Full post", "⬅️ All lead magnets", "🏠 Main menu"]
    for data in (HvcoCB(action=HvcoAction.NEW).pack(),
                 HvcoCB(action=HvcoAction.EDIT, hvco_id=item.id, value="title").pack(),
                 HvcoCB(action=HvcoAction.CONFIRM, hvco_id=item.id).pack()):
        await viewer.press_data(data)
        assert "Your role (Viewer) can't edit the business" in (
            viewer.callback_answers[-1].text or "")
    assert len(await _items(db, business.id)) == 1


async def test_the_wizard_resumes_after_a_restart(settings: Settings, db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 7409)
    async with BotAPIEmulator() as emulator:
        emulator.add_bot(OWNER_TOKEN, username="biznespilot_test_bot")
        async with running_owner_bot(settings, emulator) as tg:
            user = tg.user(7409)
            await user.send("/hvco")
            await user.press("➕ New lead magnet")
            await user.press("⭐ ❓ Quiz")
        async with running_owner_bot(settings, emulator) as tg:
            user = tg.user(7409)
            await user.send("/profile")  # another section does not lose the draft
            resumed = await user.send("/hvco")
            assert "let's continue where we stopped" in resumed[0].text
            assert "Step 2 of 2" in resumed[-1].text
            done = await user.send("Which coffee suits you")
            assert "🧲 Quiz: Which coffee suits you" in done[-1].text
    [item] = await _items(db, business.id)
    assert item.type == HvcoType.QUIZ


async def test_in_russian(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        business = await make_owner(s, 7410, language="ru")
    user = tg.user(7410, language_code="ru")
    await user.send("/hvco")
    types = (await user.press("➕ Новый лид-магнит"))[-1]
    assert "✅ Чек-лист — 20–35%" in types.text
    await user.press("⭐ ✅ Чек-лист")
    card = (await user.send("Как выбрать кофе"))[-1]
    assert "🧲 Чек-лист: Как выбрать кофе" in card.text
    assert "⚙️ Ответ без ИИ" in card.text
    assert "/chatbot" in card.text
    [item] = await _items(db, business.id)
    assert item.source == "fallback" and "Внутри:" in item.post
