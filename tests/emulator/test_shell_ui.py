"""Terminal rendering and the interactive loop, driven by scripted input."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.filters import Command, CommandStart
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
)

from bot.emulator import BotAPIEmulator, BotMessage, Button
from bot.shell_ui import letter_index, letter_label, render_message, run_interactive

TOKEN = "123456:SHELL"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x02\x00\x00\x00\x02" + b"\x00" * 20


# ----------------------------------------------------------------------------- render_message


def test_render_text_inline_and_reply_buttons() -> None:
    msg = BotMessage(
        message_id=5,
        text="Salom!\nTanlang:",
        buttons=[
            [Button("Sotuvlar", "sales"), Button("Mijozlar", "clients")],
            [Button("Sayt", url="https://example.com")],
        ],
        reply_buttons=[["📊 Hisobot", "⚙️ Sozlamalar"], ["Yordam"]],
    )
    assert render_message(msg) == (
        "🤖 Salom!\n"
        "Tanlang:\n"
        "[1] Sotuvlar  [2] Mijozlar\n"
        "[3] Sayt\n"
        "(a) 📊 Hisobot  (b) ⚙️ Sozlamalar\n"
        "(c) Yordam"
    )
    assert render_message(msg, index_offset=10).splitlines()[2] == "[11] Sotuvlar  [12] Mijozlar"


def test_render_media_invoice_and_edits() -> None:
    photo = BotMessage(message_id=1, text="Grafik", photo=b"x", edited=True)
    assert render_message(photo) == "🤖 ✏️ 🖼 [photo]\nGrafik"
    document = BotMessage(message_id=2, document=b"x", filename="report.csv")
    assert render_message(document) == "🤖 📎 [report.csv]"
    invoice = BotMessage(
        message_id=3,
        invoice={
            "title": "Pro",
            "description": "1 oy",
            "currency": "UZS",
            "total_amount": 9_900_000,
        },
    )
    assert render_message(invoice) == "🤖 🧾 Invoice: Pro — 99 000.00 UZS\n1 oy"
    assert render_message(BotMessage(message_id=4)) == "🤖 (empty message)"


def test_letter_labels_round_trip() -> None:
    assert [letter_label(i) for i in (0, 1, 25, 26, 27)] == ["a", "b", "z", "aa", "ab"]
    assert all(letter_index(letter_label(i)) == i for i in range(100))


# ----------------------------------------------------------------------------- run_interactive


def shell_router() -> Router:
    router = Router()

    @router.message(CommandStart())
    async def start(message: Message) -> None:
        keyboard = InlineKeyboardMarkup(
            inline_keyboard=[
                [
                    InlineKeyboardButton(text="Hisobot", callback_data="report"),
                    InlineKeyboardButton(text="Grafik", callback_data="chart"),
                ]
            ]
        )
        await message.answer("Xush kelibsiz!", reply_markup=keyboard)

    @router.callback_query(F.data == "chart")
    async def chart(query: CallbackQuery, bot: Bot) -> None:
        await query.answer()
        assert isinstance(query.message, Message)
        await bot.send_chat_action(query.message.chat.id, "typing")
        await query.message.edit_text("Grafik tayyorlanmoqda")
        await query.message.answer_photo(BufferedInputFile(PNG, "chart.png"), caption="Grafik")

    @router.message(Command("menu"))
    async def menu(message: Message) -> None:
        keyboard = ReplyKeyboardMarkup(
            keyboard=[[KeyboardButton(text="Narxlar"), KeyboardButton(text="Aloqa")]]
        )
        await message.answer("Menyu", reply_markup=keyboard)

    @router.message(F.text == "Aloqa")
    async def contact_info(message: Message) -> None:
        await message.answer_document(BufferedInputFile(b"tel: +998", "aloqa.txt"))

    @router.message(F.document)
    async def got_file(message: Message) -> None:
        assert message.document is not None
        await message.answer(f"Fayl olindi: {message.document.file_name}")

    @router.message(F.contact)
    async def got_contact(message: Message) -> None:
        assert message.contact is not None
        await message.answer(f"Rahmat, {message.contact.phone_number}")

    @router.message()
    async def echo(message: Message) -> None:
        await message.answer(f"Siz: {message.text}")

    return router


@contextlib.asynccontextmanager
async def running_bot() -> AsyncIterator[BotAPIEmulator]:
    async with BotAPIEmulator() as emu:
        emu.add_bot(TOKEN)
        assert emu.base_url is not None
        bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(emu.base_url)))
        dp = Dispatcher()
        dp.include_router(shell_router())
        task = asyncio.create_task(
            dp.start_polling(bot, handle_as_tasks=False, handle_signals=False)
        )
        try:
            yield emu
        finally:
            try:
                await dp.stop_polling()
            except RuntimeError:
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


def scripted(lines: list[str]) -> Callable[[], Awaitable[str | None]]:
    queue = list(lines)

    async def read_line() -> str | None:
        return queue.pop(0) if queue else None

    return read_line


@pytest.mark.asyncio
async def test_run_interactive_scripted_session(tmp_path: Path) -> None:
    upload = tmp_path / "narxlar.csv"
    upload.write_text("mahsulot,narx\n")
    media_dir = tmp_path / "media"
    output: list[str] = []
    async with running_bot() as emu:
        user = emu.user(TOKEN, user_id=42)
        await run_interactive(
            user,
            media_dir=media_dir,
            read_line=scripted(
                [
                    "/start",
                    "9",  # no such button
                    "2",  # press "Grafik" (the edit removes the keyboard)
                    "1",  # nothing left to press
                    "/menu",
                    "b",  # reply button "Aloqa" -> document
                    f"/file {upload}",
                    "/contact",
                    "  ",
                    "salom",
                    "2030",  # a longer number is an answer, not a button
                    "'7",  # a quote sends the rest as text
                    "/quit",
                    "never read",
                ]
            ),
            write=output.append,
        )
    text = "\n".join(output)
    assert "🤖 Xush kelibsiz!\n[1] Hisobot  [2] Grafik" in output
    assert "…typing" in output
    assert "🤖 ✏️ Grafik tayyorlanmoqda" in output
    assert "🤖 🖼 [photo]\nGrafik" in output
    assert "⚠ no inline button 9" in text
    assert "⚠ no bot message with an inline keyboard in this chat" in output
    assert "🤖 Menyu\n(a) Narxlar  (b) Aloqa" in output
    assert "🤖 📎 [aloqa.txt]" in output
    assert "🤖 Fayl olindi: narxlar.csv" in output
    assert "🤖 Rahmat, +998901234567" in output
    assert "🤖 Siz: salom" in output
    assert "🤖 Siz: 2030" in output and "🤖 Siz: 7" in output
    assert "never read" not in text

    saved = sorted(p.name for p in media_dir.iterdir())
    assert len(saved) == 2
    photo_path = next(p for p in media_dir.iterdir() if p.name.startswith("photo_"))
    document_path = next(p for p in media_dir.iterdir() if p.name.endswith("aloqa.txt"))
    assert photo_path.read_bytes() == PNG and photo_path.suffix == ".png"
    assert document_path.read_bytes() == b"tel: +998"
    assert f"🖼 photo saved: {photo_path}" in output
    assert f"📎 document saved: {document_path}" in output


@pytest.mark.asyncio
async def test_run_interactive_stops_at_eof_and_reports_missing_file(tmp_path: Path) -> None:
    output: list[str] = []
    async with running_bot() as emu:
        user = emu.user(TOKEN, user_id=7)
        await run_interactive(
            user,
            media_dir=tmp_path,
            read_line=scripted([f"/photo {tmp_path / 'missing.png'}", "a"]),
            write=output.append,
        )
    assert any(line.startswith("⚠") and "missing.png" in line for line in output)
    # without a reply keyboard a single letter is plain text
    assert "🤖 Siz: a" in output


async def test_the_opening_message_is_sent_and_its_reply_shown(tmp_path: Path) -> None:
    output: list[str] = []
    async with running_bot() as emu:
        user = emu.user(TOKEN, user_id=43)
        await run_interactive(user, media_dir=tmp_path, read_line=scripted(["/quit"]),
                              write=output.append, opening="/start")
    assert output[1] == "> /start"
    assert "🤖 Xush kelibsiz!\n[1] Hisobot  [2] Grafik" in output
