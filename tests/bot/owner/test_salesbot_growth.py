"""/nurture, /chatstats and /conversation as owners and members see them through the
emulator: editing the follow-up sequence, the stats image with its exports, a transcript,
and another business's records staying out of reach even with forged buttons."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from openpyxl import load_workbook

from handlers.owner.chatstats.callbacks import ChatStatsAction, ChatStatsCB
from handlers.owner.nurture.callbacks import NurtureAction, NurtureCB
from services import teams
from services.db.base import utcnow
from services.salesbot import nurture
from services.salesbot.export import ExportFormat
from tests.conftest import Database, Telegram
from tests.factories import add_member, make_owner
from tests.sales_factories import add_messages, make_conversation, make_sales_bot


async def test_owner_edits_the_nurture_sequence(tg: Telegram, db: Database) -> None:
    async with db.sessionmaker() as s:
        await make_owner(s, 8301, name="Kofe & Co")
        other = await make_owner(s, 8302)
        foreign = (await nurture.get_sequence(s, business_id=other.id)).steps[0].id
        await s.commit()
    user = tg.user(8301)
    [screen] = await user.send("/nurture")
    assert "Nurture sequence — 🟢 on" in screen.text
    assert ("Day 1 (default text) — Hi! Did you get a chance to look at “our free guide”?"
            in screen.text)
    assert screen.button_texts() == ["✏️ Day 1", "✏️ Day 3", "✏️ Day 7", "➕ Add a step",
                                     "⏸ Turn off", "🏠 Main menu"]

    [step] = await user.press("✏️ Day 3", message=screen)
    assert step.edited and step.text.startswith("📅 Day 3\nDefault text")
    await user.press("📝 Text", message=step)
    saved = await user.send("Still thinking about {lead_magnet}? <b>{business}</b>")
    assert saved[0].text == "✅ Text saved."
    assert "Day 3 — Still thinking about our free guide? <b>Kofe & Co</b>" in saved[1].text

    [step] = await user.press("✏️ Day 3", message=saved[1])
    await user.press("📅 Day", message=step)
    [error] = await user.send("soon")
    assert error.text == "The number must be between 1 and 90."
    saved = await user.send("5")
    assert "Day 5 — Still thinking" in saved[1].text
    preview = await user.press("👁 Preview", message=(await user.press("✏️ Day 5",
                                                                       message=saved[1]))[0])
    assert [m.text for m in preview] == [
        "👁 A customer will get:", "Still thinking about our free guide? <b>Kofe & Co</b>"]

    screen = (await user.send("/nurture"))[0]
    await user.press("➕ Add a step", message=screen)
    await user.send("14")
    added = await user.send("Two weeks on, {business} is still here.")
    assert added[0].text == "✅ Step added."
    assert "Day 14 — Two weeks on, Kofe & Co is still here." in added[1].text

    [confirm] = await user.press("✏️ Day 1", message=added[1])
    [confirm] = await user.press("🗑 Delete", message=confirm)
    [screen] = await user.press("🗑 Yes, delete", message=confirm)
    assert "Day 1 (default" not in screen.text and screen.button_texts()[:3] == [
        "✏️ Day 5", "✏️ Day 7", "✏️ Day 14"]
    [screen] = await user.press("⏸ Turn off", message=screen)
    assert "Nurture sequence — ⚪️ off" in screen.text and "▶️ Turn on" in screen.button_texts()

    # a forged button for another business's step: refused, nothing changes there
    await user.press_data(NurtureCB(action=NurtureAction.DELETE, step_id=foreign).pack())
    await user.press_data(NurtureCB(action=NurtureAction.CONFIRM, step_id=foreign).pack())
    assert all("Not found" in a.text for a in user.callback_answers[-2:])
    async with db.sessionmaker() as s:
        assert len((await nurture.get_sequence(s, business_id=other.id)).steps) == 3


async def test_chatstats_image_exports_and_a_conversation(tg: Telegram, db: Database) -> None:
    now = utcnow()
    async with db.sessionmaker() as s:
        business = await make_owner(s, 8311, name="Shop", language="ru")
        bot = await make_sales_bot(s, business.id)
        first = await make_conversation(s, bot, 11, name="Aziz", username="aziz",
                                        stage="interest", created_at=now - timedelta(days=2))
        await add_messages(s, first, now - timedelta(days=2), ("customer", "narxi qancha?"),
                           ("bot", "120 000 so'm"))
        second = await make_conversation(s, bot, 12, name="Dilnoza", stage="purchase",
                                         created_at=now - timedelta(days=1))
        await add_messages(s, second, now - timedelta(days=1), ("customer", "olaman"))
        other = await make_owner(s, 8312)
        other_bot = await make_sales_bot(s, other.id)
        hidden = await make_conversation(s, other_bot, 13, name="Secret", created_at=now)
        await add_messages(s, hidden, now - timedelta(hours=1), ("customer", "secret text"))
        await s.commit()
        first_id, hidden_id = first.id, hidden.id
    async with db.sessionmaker() as s:
        await add_member(s, business.id, 8313, teams.Role.VIEWER)
    user = tg.user(8311, language_code="ru")

    [usage] = await user.send("/chatstats 12")
    assert "<code>/chatstats 7</code>" in usage.html
    reply = await user.send("/chatstats 7")
    [photo] = [m for m in reply if m.photo is not None]
    assert photo.photo is not None and photo.photo.startswith(b"\x89PNG")
    assert "upload_photo" in user.chat_actions
    assert "Чат-бот продаж — последние 7 дней" in photo.text
    assert "Начато диалогов: 2 (активных: 2)" in photo.text
    assert "Доля ответов: 50" in photo.text and "Конверсия в заказы: 50" in photo.text
    assert "Сообщений за месяц: 0 из 1" in photo.text
    assert photo.button_texts() == ["⬇️ CSV", "⬇️ Excel", "🏠 Главное меню"]
    assert all("Считаю" not in m.text for m in user.history)  # the status was replaced
    [one_bot] = [m for m in await user.send("/chatstats @Shop_Bot 30") if m.photo is not None]
    assert "Shop · @shop_bot" in one_bot.text and "Начато диалогов: 2" in one_bot.text
    [bot_doc] = [m for m in await user.press("⬇️ CSV", message=one_bot) if m.document]
    assert "3 сообщ. из 2 диалогов." in bot_doc.text
    [unknown] = await user.send("/chatstats @nobody_bot")
    assert unknown.text.startswith("Не найдено")

    [doc] = [m for m in await user.press("⬇️ CSV", message=photo) if m.document]
    assert "upload_document" in user.chat_actions
    assert doc.filename == "Сообщения чат-бота за 7 дней.csv" and doc.document is not None
    table = list(csv.reader(io.StringIO(doc.document.decode("utf-8-sig"))))
    assert table[0] == ["Диалог", "Клиент", "Имя пользователя", "Этап", "Автор", "Текст",
                        "Время"]
    assert [r[5] for r in table[1:]] == ["narxi qancha?", "120 000 so'm", "olaman"]
    assert table[1][3:5] == ["Интерес", "Клиент"] and "3 сообщ. из 2 диалогов." in doc.text

    [card] = await user.send(f"/conversation {first_id}")
    assert f"Диалог #{first_id}" in card.text and "Aziz (@aziz)" in card.text
    assert "narxi qancha?" in card.text
    [xlsx] = [m for m in await user.press("⬇️ Excel", message=card) if m.document]
    assert xlsx.filename == f"Диалог {first_id}.xlsx" and xlsx.document is not None
    sheet = load_workbook(io.BytesIO(xlsx.document))["Сообщения"]
    assert sheet.max_row == 3 and sheet["F3"].value == "120 000 so'm"

    # another business's conversation: neither by command nor by a forged button
    [refused] = await user.send(f"/conversation {hidden_id}")
    assert refused.text.startswith("Не найдено")
    forged = ChatStatsCB(action=ChatStatsAction.EXPORT_ONE, fmt=ExportFormat.CSV,
                         conversation_id=hidden_id).pack()
    assert not [m for m in await user.press_data(forged) if m.document]
    assert user.callback_answers[-1].text.startswith("Не найдено")

    # a viewer sees the stats but may not download customers' transcripts
    viewer = tg.user(8313)
    [photo] = [m for m in await viewer.send("/chatstats") if m.photo is not None]
    assert "last 30 days" in photo.text
    assert not [m for m in await viewer.press("⬇️ CSV", message=photo) if m.document]
    assert "can't" in viewer.callback_answers[-1].text
