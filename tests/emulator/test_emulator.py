"""The Bot API emulator against a real aiogram Bot/Dispatcher over HTTP on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramEntityTooLarge,
    TelegramForbiddenError,
    TelegramRetryAfter,
    TelegramUnauthorizedError,
)
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import (
    BotCommand,
    BotCommandScopeChat,
    BufferedInputFile,
    CallbackQuery,
    ChatMemberUpdated,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    LabeledPrice,
    MenuButtonCommands,
    Message,
    PreCheckoutQuery,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from bot.emulator import BotAPIEmulator, EmulatedUser, PaymentDeclined

pytestmark = pytest.mark.asyncio

TOKEN = "123456:TEST"
PNG_1x1 = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
    b"\x00\x00\x00IEND\xaeB`\x82"
)


# ----------------------------------------------------------------------------- fixtures


@pytest.fixture
async def emu() -> AsyncIterator[BotAPIEmulator]:
    async with BotAPIEmulator(webhook_retry_delay=0.01) as emulator:
        emulator.add_bot(TOKEN)
        yield emulator


def make_bot(emulator: BotAPIEmulator, token: str = TOKEN) -> Bot:
    assert emulator.base_url is not None
    api = TelegramAPIServer.from_base(emulator.base_url)
    return Bot(token, session=AiohttpSession(api=api))


@pytest.fixture
async def bot(emu: BotAPIEmulator) -> AsyncIterator[Bot]:
    instance = make_bot(emu)
    yield instance
    await instance.session.close()


def demo_router() -> Router:
    """A couple of handlers in the style of the product bot."""
    router = Router()

    @router.message(CommandStart())
    async def start(message: Message, command: CommandObject) -> None:
        keyboard = InlineKeyboardMarkup(
            inline_keyboard=[
                [
                    InlineKeyboardButton(text="Sotuvlar", callback_data="sales"),
                    InlineKeyboardButton(text="Mijozlar", callback_data="clients"),
                ],
                [InlineKeyboardButton(text="Sayt", url="https://example.com")],
            ]
        )
        suffix = f" ({command.args})" if command.args else ""
        await message.answer(
            f"<b>Salom</b>, {message.from_user.first_name if message.from_user else ''}!{suffix}",
            parse_mode="HTML",
            reply_markup=keyboard,
        )

    @router.callback_query(F.data)
    async def on_button(query: CallbackQuery) -> None:
        await query.answer(f"ok {query.data}", show_alert=query.data == "clients")
        assert isinstance(query.message, Message)
        await query.message.edit_text(f"Tanlandi: {query.data}")

    @router.message(Command("files"))
    async def files(message: Message, bot: Bot) -> None:
        await bot.send_chat_action(message.chat.id, "upload_photo")
        await message.answer_photo(BufferedInputFile(PNG_1x1, "chart.png"), caption="Grafik")
        await message.answer_document(
            BufferedInputFile(b"id,total\n1,100\n", "report.csv"), caption="Hisobot"
        )

    @router.message(Command("menu"))
    async def menu(message: Message) -> None:
        keyboard = ReplyKeyboardMarkup(
            keyboard=[
                [KeyboardButton(text="📊 Hisobot"), KeyboardButton(text="⚙️ Sozlamalar")],
                [KeyboardButton(text="Raqamni yuborish", request_contact=True)],
            ],
            resize_keyboard=True,
        )
        await message.answer("Menyu", reply_markup=keyboard)

    @router.message(F.contact)
    async def contact(message: Message) -> None:
        assert message.contact is not None
        await message.answer(
            f"Raqam: {message.contact.phone_number}", reply_markup=ReplyKeyboardRemove()
        )

    @router.message(F.document)
    async def document(message: Message, bot: Bot) -> None:
        assert message.document is not None
        data = await bot.download(message.document.file_id)
        assert data is not None
        await message.answer(f"{message.document.file_name}: {data.read().decode()}")

    @router.message(F.photo)
    async def photo(message: Message) -> None:
        assert message.photo
        # re-send by file_id: the emulator must resolve its own file ids
        await message.answer_photo(message.photo[-1].file_id, caption="qaytdi")

    @router.message(F.text == "📊 Hisobot")
    async def report(message: Message) -> None:
        await message.answer("Hisobot tayyor")

    @router.message(Command("stream"))
    async def stream(message: Message, bot: Bot) -> None:
        await bot.send_chat_action(message.chat.id, "typing")
        for partial in ("Yozyap", "Yozyapman..."):
            await bot.send_message_draft(chat_id=message.chat.id, draft_id=7, text=partial)
        await message.answer("Yozyapman... tayyor")

    return router


@contextlib.asynccontextmanager
async def polling(bot: Bot, *routers: Router) -> AsyncIterator[Dispatcher]:
    """Run aiogram polling the way tests and the shell do (handle_as_tasks=False)."""
    dp = Dispatcher()
    for router in routers or (demo_router(),):
        dp.include_router(router)
    task = asyncio.create_task(
        dp.start_polling(bot, handle_as_tasks=False, handle_signals=False, close_bot_session=False)
    )
    try:
        yield dp
    finally:
        try:
            await dp.stop_polling()
        except RuntimeError:  # polling never got going (e.g. the test failed early)
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


# ----------------------------------------------------------------------------- user flows


async def test_start_inline_keyboard_and_press_edits(emu: BotAPIEmulator, bot: Bot) -> None:
    user = emu.user(TOKEN, user_id=42, first_name="Aziz")
    async with polling(bot):
        [greeting] = await user.send("/start inv_abc")
        assert greeting.text == "Salom, Aziz! (inv_abc)"
        assert greeting.html == "<b>Salom</b>, Aziz! (inv_abc)"
        assert greeting.entities == [{"type": "bold", "offset": 0, "length": 5}]
        assert greeting.button_texts() == ["Sotuvlar", "Mijozlar", "Sayt"]
        assert greeting.buttons[1][0].url == "https://example.com"

        [edited] = await user.press(2)
        assert edited.message_id == greeting.message_id
        assert edited.text == "Tanlandi: clients"
        assert edited.edited
        assert edited.buttons == []  # an edit without reply_markup drops the keyboard
        assert user.callback_answers[-1].text == "ok clients"
        assert user.callback_answers[-1].show_alert is True

        await user.send("/start")
        assert (await user.press("Sotuvlar"))[0].text == "Tanlandi: sales"
        await user.send("/start")
        assert (await user.press("clients"))[0].text == "Tanlandi: clients"  # by callback_data

        await user.send("/start")
        with pytest.raises(LookupError, match=r"\[1\] 'Sotuvlar'.*\[3\] 'Sayt'"):
            await user.press("Nope")
        with pytest.raises(ValueError, match="URL button"):
            await user.press(3)

    assert [m.text for m in user.history][:2] == ["Tanlandi: clients", "Tanlandi: sales"]
    assert user.last_message is not None and user.last_message.text.startswith("Salom")
    # the bot_command entity reached aiogram (CommandStart matched) and was recorded
    sent = emu.calls_of("sendMessage")[0]
    assert sent.params["chat_id"] == 42
    assert sent.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "sales"


async def test_photo_and_document_both_ways(emu: BotAPIEmulator, bot: Bot) -> None:
    user = emu.user(TOKEN, user_id=42)
    async with polling(bot):
        photo, document = await user.send("/files")
        assert photo.photo == PNG_1x1
        assert photo.text == "Grafik"
        assert photo.raw["photo"][0]["width"] == 1
        assert document.document == b"id,total\n1,100\n"
        assert document.filename == "report.csv"
        assert document.mime_type == "text/csv"
        assert user.chat_actions == ["upload_photo"]

        [reply] = await user.send_document("note.txt", b"salom dunyo", caption="fayl")
        assert reply.text == "note.txt: salom dunyo"

        [echo] = await user.send_photo(PNG_1x1)
        assert echo.photo == PNG_1x1
        assert echo.text == "qaytdi"


async def test_reply_keyboard_and_contact(emu: BotAPIEmulator, bot: Bot) -> None:
    user = emu.user(TOKEN, user_id=42)
    async with polling(bot):
        [menu] = await user.send("/menu")
        assert menu.reply_buttons == [["📊 Hisobot", "⚙️ Sozlamalar"], ["Raqamni yuborish"]]
        assert user.reply_keyboard == menu.reply_buttons

        [report] = await user.reply_button("📊 Hisobot")
        assert report.text == "Hisobot tayyor"

        [shared] = await user.reply_button(3)
        assert shared.text == "Raqam: +998901234567"
        assert shared.removes_keyboard
        assert user.reply_keyboard is None
        with pytest.raises(LookupError):
            await user.reply_button("📊 Hisobot")


async def test_drafts_and_chat_actions(emu: BotAPIEmulator, bot: Bot) -> None:
    user = emu.user(TOKEN, user_id=42)
    async with polling(bot):
        [final] = await user.send("/stream")
    assert final.text == "Yozyapman... tayyor"
    assert [(d.draft_id, d.text) for d in user.drafts] == [(7, "Yozyap"), (7, "Yozyapman...")]
    assert user.chat_actions == ["typing"]


async def test_invoice_and_payment_flow(emu: BotAPIEmulator, bot: Bot) -> None:
    router = Router()

    @router.message(Command("buy"))
    async def buy(message: Message) -> None:
        await message.answer_invoice(
            title="Pro tarif",
            description="1 oylik obuna",
            payload="plan:pro:42",
            provider_token="test",
            currency="UZS",
            prices=[LabeledPrice(label="Pro", amount=9_900_000)],
        )

    @router.pre_checkout_query()
    async def pre_checkout(query: PreCheckoutQuery) -> None:
        if query.invoice_payload.startswith("plan:"):
            await query.answer(ok=True)
        else:
            await query.answer(ok=False, error_message="Noma'lum buyurtma")

    @router.message(F.successful_payment)
    async def paid(message: Message) -> None:
        assert message.successful_payment is not None
        payment = message.successful_payment
        await message.answer(f"To'landi: {payment.total_amount} {payment.currency}")

    user = emu.user(TOKEN, user_id=42)
    async with polling(bot, router):
        [invoice] = await user.send("/buy")
        assert invoice.invoice == {
            "title": "Pro tarif",
            "description": "1 oylik obuna",
            "start_parameter": "",
            "currency": "UZS",
            "total_amount": 9_900_000,
        }
        [receipt] = await user.pay()
        assert receipt.text == "To'landi: 9900000 UZS"

        # a payload the bot rejects
        emu.chat_state(TOKEN, 42).messages[invoice.message_id].invoice_payload = "bogus"
        with pytest.raises(PaymentDeclined, match="Noma'lum buyurtma"):
            await user.pay(invoice)


async def test_block_sends_my_chat_member_and_forbids(emu: BotAPIEmulator, bot: Bot) -> None:
    router = demo_router()
    seen: list[str] = []

    @router.my_chat_member()
    async def membership(event: ChatMemberUpdated) -> None:
        seen.append(event.new_chat_member.status)

    user = emu.user(TOKEN, user_id=42)
    async with polling(bot, router):
        await user.send("/start")  # lets aiogram register its allowed_updates
        user.block()
        with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
            await bot.send_message(42, "hi")
        with pytest.raises(RuntimeError, match="blocked"):
            await user.send("/start")
        user.unblock()
        await user.send("/start")
    assert seen == ["kicked", "member"]


async def test_timeout_when_bot_is_not_polling(emu: BotAPIEmulator) -> None:
    user = emu.user(TOKEN, user_id=42)
    user.timeout = 0.1
    with pytest.raises(TimeoutError, match="never called getUpdates"):
        await user.send("hello")


# ----------------------------------------------------------------------------- error mapping


async def test_injected_retry_after(emu: BotAPIEmulator, bot: Bot) -> None:
    emu.user(TOKEN, user_id=42)
    emu.fail_next("sendMessage", retry_after=7)
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(42, "salom")
    assert caught.value.retry_after == 7
    assert "Too Many Requests: retry after 7" in caught.value.message
    sent = await bot.send_message(42, "salom")  # only the next call failed
    assert sent.text == "salom"

    emu.fail_next("getMe", error_code=502, times=2)
    for _ in range(2):
        with pytest.raises(Exception, match="Bad Gateway"):
            await bot.get_me()
    assert (await bot.get_me()).username == "biznespilot_bot"


async def test_flood_limit(emu: BotAPIEmulator, bot: Bot) -> None:
    emu.user(TOKEN, user_id=42)
    emu.set_flood_limit(per_chat_per_second=2)
    await bot.send_message(42, "1")
    await bot.send_message(42, "2")
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(42, "3")
    assert caught.value.retry_after >= 1
    emu.set_flood_limit(None)
    await bot.send_message(42, "4")


async def test_bad_requests(emu: BotAPIEmulator, bot: Bot) -> None:
    emu.user(TOKEN, user_id=42)
    cases: list[tuple[str, Any]] = [
        ('can\'t parse entities: Unsupported start tag "div"', {"text": "<div>x</div>"}),
        ("can't parse entities: Can't find end tag", {"text": "<b>bold"}),
        ("can't parse entities", {"text": "1 < 2"}),
        ("message text is empty", {"text": ""}),
        ("message text is empty", {"text": "<b> </b>"}),
        ("message is too long", {"text": "x" * 4097}),
    ]
    for description, kwargs in cases:
        with pytest.raises(TelegramBadRequest, match=description):
            await bot.send_message(42, parse_mode="HTML", **kwargs)
    assert (await bot.send_message(42, "y" * 4096)).text == "y" * 4096
    assert (await bot.send_message(42, "<i>&lt;ok&gt;</i>", parse_mode="HTML")).text == "<ok>"

    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(999, "x")
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        button = InlineKeyboardButton(text="x", callback_data="x" * 65)
        await bot.send_message(
            42, "x", reply_markup=InlineKeyboardMarkup(inline_keyboard=[[button]])
        )
    with pytest.raises(TelegramBadRequest, match="message caption is too long"):
        await bot.send_photo(42, BufferedInputFile(PNG_1x1, "p.png"), caption="c" * 1025)

    message = await bot.send_message(42, "<b>same</b>", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text(
            text="<b>same</b>", chat_id=42, message_id=message.message_id, parse_mode="HTML"
        )
    edited = await bot.edit_message_text(text="same", chat_id=42, message_id=message.message_id)
    assert isinstance(edited, Message) and edited.edit_date is not None
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text(text="x", chat_id=42, message_id=10_000)
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query("no-such-query")

    assert await bot.delete_message(42, message.message_id)
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(42, message.message_id)


async def test_entity_too_large_and_unauthorized() -> None:
    async with BotAPIEmulator(max_photo_size=1000, max_document_size=2000) as emulator:
        emulator.add_bot(TOKEN)
        emulator.user(TOKEN, user_id=42)
        bot = make_bot(emulator)
        try:
            with pytest.raises(TelegramEntityTooLarge):
                await bot.send_photo(42, BufferedInputFile(b"x" * 1001, "big.jpg"))
            with pytest.raises(TelegramEntityTooLarge):
                await bot.send_document(42, BufferedInputFile(b"x" * 2001, "big.bin"))
            await bot.send_document(42, BufferedInputFile(b"x" * 2000, "ok.bin"))

            emulator.revoke_bot(TOKEN)
            with pytest.raises(TelegramUnauthorizedError):
                await bot.get_me()
        finally:
            await bot.session.close()
        stranger = make_bot(emulator, "999:NOPE")
        try:
            with pytest.raises(TelegramUnauthorizedError):
                await stranger.get_me()
        finally:
            await stranger.session.close()


async def test_raw_http_surface(emu: BotAPIEmulator) -> None:
    emu.user(TOKEN, user_id=42)
    base = f"{emu.base_url}/bot{TOKEN}"
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{base}/fooBar") as resp:
            assert resp.status == 404
            assert await resp.json() == {
                "ok": False,
                "error_code": 404,
                "description": "Not Found: method not found",
            }
        async with http.get(f"{emu.base_url}/bot1:bad/getMe") as resp:
            assert resp.status == 401
            assert (await resp.json())["description"] == "Unauthorized"
        async with http.get(f"{base}/GETME") as resp:  # method names are case-insensitive
            assert (await resp.json())["result"]["id"] == 123456
        payload = {"chat_id": 42, "text": "json", "reply_markup": {"remove_keyboard": True}}
        async with http.post(f"{base}/sendMessage", json=payload) as resp:
            assert (await resp.json())["result"]["text"] == "json"
        async with http.get(f"{base}/sendMessage", params={"chat_id": "42", "text": "q"}) as resp:
            body = await resp.json()
            assert body["result"]["from"]["is_bot"] is True
    assert emu.calls[-1].params == {"chat_id": 42, "text": "q"}


# ----------------------------------------------------------------------------- getUpdates


def _message_update(text: str) -> dict[str, Any]:
    chat = {"id": 42, "type": "private", "first_name": "Aziz"}
    return {"message": {"message_id": 1, "date": 0, "chat": chat, "text": text}}


async def test_get_updates_offset_semantics(emu: BotAPIEmulator, bot: Bot) -> None:
    ids = [emu.push_update(TOKEN, _message_update(f"m{i}")) for i in range(5)]
    assert ids == list(range(ids[0], ids[0] + 5))  # one by one

    updates = await bot.get_updates()
    assert [u.update_id for u in updates] == ids
    assert [u.update_id for u in await bot.get_updates(limit=2)] == ids[:2]
    # offset confirms (forgets) everything below it
    assert [u.update_id for u in await bot.get_updates(offset=ids[2])] == ids[2:]
    assert [u.update_id for u in await bot.get_updates()] == ids[2:]
    # negative offset: the last |n| updates, older ones are forgotten
    assert [u.update_id for u in await bot.get_updates(offset=-1)] == ids[4:]
    assert [u.update_id for u in await bot.get_updates()] == ids[4:]
    assert await bot.get_updates(offset=ids[4] + 1) == []
    await emu.wait_processed(TOKEN, ids[4])  # confirmed: returns at once

    # long poll: wakes up as soon as an update arrives
    arrived = emu.expect_call("getUpdates")
    poll = asyncio.create_task(bot.get_updates(offset=ids[4] + 1, timeout=5))
    assert (await asyncio.wait_for(arrived, 2)).params["timeout"] == 5  # now long-polling
    new_id = emu.push_update(TOKEN, _message_update("late"))
    updates = await asyncio.wait_for(poll, 2)
    assert [u.update_id for u in updates] == [new_id]
    assert updates[0].message is not None and updates[0].message.text == "late"


async def test_two_bots_are_isolated(emu: BotAPIEmulator, bot: Bot) -> None:
    other_token = "777:OTHER"
    emu.add_bot(other_token, username="other_bot", first_name="Other")
    other = make_bot(emu, other_token)
    try:
        ours = emu.user(TOKEN, user_id=42)
        theirs = emu.user(other_token, user_id=42)
        emu.user(TOKEN, user_id=43)
        await bot.send_message(42, "from ours")
        await other.send_message(42, "from other")
        with pytest.raises(TelegramBadRequest, match="chat not found"):
            await other.send_message(43, "not my user")
        assert [m.text for m in ours.history] == ["from ours"]
        assert [m.text for m in theirs.history] == ["from other"]

        emu.push_update(TOKEN, _message_update("for ours"))
        assert await other.get_updates() == []
        assert len(await bot.get_updates()) == 1
        assert (await other.get_me()).username == "other_bot"
    finally:
        await other.session.close()


# ----------------------------------------------------------------------------- webhooks


async def _serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}"


async def test_webhook_delivery_with_secret_and_retry(emu: BotAPIEmulator, bot: Bot) -> None:
    received: list[tuple[str | None, dict[str, Any]]] = []
    statuses = [500, 200, 200]

    async def receiver(request: web.Request) -> web.Response:
        received.append(
            (request.headers.get("X-Telegram-Bot-Api-Secret-Token"), await request.json())
        )
        return web.json_response({}, status=statuses.pop(0))

    app = web.Application()
    app.router.add_post("/hook", receiver)
    runner, url = await _serve(app)
    try:
        user = emu.user(TOKEN, user_id=42)
        assert await bot.set_webhook(f"{url}/hook", secret_token="s3cret_-X")
        info = await bot.get_webhook_info()
        assert info.url == f"{url}/hook"

        with pytest.raises(TelegramConflictError, match="webhook is active"):
            await bot.get_updates()

        assert await user.send("salom") == []  # returned after the 2xx, after one retry
        assert len(received) == 2
        assert all(secret == "s3cret_-X" for secret, _ in received)
        assert received[0][1] == received[1][1]
        assert received[1][1]["message"]["text"] == "salom"
        assert (await bot.get_webhook_info()).last_error_message is not None

        assert await bot.delete_webhook()
        update_id = emu.push_update(TOKEN, _message_update("polled"))
        assert [u.update_id for u in await bot.get_updates()] == [update_id]
    finally:
        await runner.cleanup()


async def test_webhook_with_aiogram_handler(emu: BotAPIEmulator, bot: Bot) -> None:
    dp = Dispatcher()
    router = Router()

    @router.message(CommandStart())
    async def start(message: Message) -> Any:
        await message.answer("birinchi")
        return message.answer("javob webhook orqali")  # executed from the webhook reply

    dp.include_router(router)
    app = web.Application()
    SimpleRequestHandler(
        dispatcher=dp, bot=bot, secret_token="good", handle_in_background=False
    ).register(app, path="/wh")
    runner, url = await _serve(app)
    try:
        user = emu.user(TOKEN, user_id=42)
        await bot.set_webhook(f"{url}/wh", secret_token="good")
        replies = await user.send("/start")
        assert [m.text for m in replies] == ["birinchi", "javob webhook orqali"]

        await bot.set_webhook(f"{url}/wh", secret_token="wrong")  # aiogram answers 401
        with pytest.raises(RuntimeError, match="401"):
            await user.send("/start")
    finally:
        await runner.cleanup()


# ----------------------------------------------------------------------------- misc methods


async def test_commands_chat_info_and_files(emu: BotAPIEmulator, bot: Bot) -> None:
    emu.user(TOKEN, user_id=42, first_name="Aziz", username="aziz")
    default = [BotCommand(command="start", description="Boshlash")]
    russian = [BotCommand(command="help", description="Помощь")]
    scope = BotCommandScopeChat(chat_id=42)
    assert await bot.set_my_commands(default)
    assert await bot.set_my_commands(russian, scope=scope, language_code="ru")
    assert [c.command for c in await bot.get_my_commands()] == ["start"]
    assert [c.command for c in await bot.get_my_commands(scope=scope, language_code="ru")] == [
        "help"
    ]
    assert await bot.delete_my_commands(scope=scope, language_code="ru")
    assert await bot.get_my_commands(scope=scope, language_code="ru") == []
    with pytest.raises(TelegramBadRequest):
        await bot.set_my_commands([BotCommand(command="Bad Command", description="x")])

    assert await bot.set_chat_menu_button(chat_id=42, menu_button=MenuButtonCommands())
    assert (await bot.get_chat_menu_button(chat_id=42)).type == "commands"

    chat = await bot.get_chat("@aziz")
    assert chat.id == 42 and chat.type == "private" and chat.first_name == "Aziz"
    member = await bot.get_chat_member(42, 42)
    assert member.status == "member" and member.user.id == 42
    assert await bot.get_chat_member_count(42) == 2

    group = emu.add_chat(TOKEN, -100500, title="Do'kon", members={42: "creator", 43: "member"})
    assert group.type == "supergroup"
    assert (await bot.get_chat_member(-100500, 42)).status == "creator"
    assert (await bot.get_chat_member(-100500, TOKEN_ID)).status == "administrator"
    assert await bot.get_chat_member_count(-100500) == 3

    sent = await bot.send_document(42, BufferedInputFile(b"abc", "a.txt"))
    assert sent.document is not None
    file = await bot.get_file(sent.document.file_id)
    assert file.file_path is not None and file.file_size == 3
    downloaded = await bot.download_file(file.file_path)
    assert downloaded is not None and downloaded.read() == b"abc"
    again = await bot.send_document(42, sent.document.file_id)  # by file_id
    assert again.document is not None and again.document.file_id == sent.document.file_id
    with pytest.raises(TelegramBadRequest, match="wrong file identifier"):
        await bot.send_document(42, "no-such-file-id")

    copy = await bot.copy_message(42, from_chat_id=42, message_id=sent.message_id)
    forwarded = await bot.forward_message(-100500, from_chat_id=42, message_id=sent.message_id)
    assert copy.message_id == sent.message_id + 2
    assert forwarded.forward_origin is not None


TOKEN_ID = 123456


async def test_reply_and_background_send(emu: BotAPIEmulator, bot: Bot) -> None:
    router = Router()
    background: set[asyncio.Task[None]] = set()
    go = asyncio.Event()  # keeps the background send after the handler, deterministically

    @router.message(Command("later"))
    async def later(message: Message, bot: Bot) -> None:
        await message.reply("Kuting")

        async def report() -> None:
            await go.wait()
            await bot.send_message(message.chat.id, "Hisobot tayyor")

        task = asyncio.create_task(report())  # finishes after the handler returned
        background.add(task)

    user = emu.user(TOKEN, user_id=42)
    async with polling(bot, router):
        sent = emu.expect_call("sendMessage", lambda call: call.params["text"] == "Hisobot tayyor")
        [ack] = await user.send("/later")
        assert ack.raw["reply_to_message"]["text"] == "/later"
        go.set()
        call = await asyncio.wait_for(sent, 5)
        assert call.params["chat_id"] == 42 and call.bot_id == TOKEN_ID
        await asyncio.gather(*background)
    assert user.last_message is not None and user.last_message.text == "Hisobot tayyor"


async def test_channel_post_helper(emu: BotAPIEmulator, bot: Bot) -> None:
    router = Router()
    posts: list[str] = []

    @router.channel_post()
    async def on_post(message: Message) -> None:
        posts.append(message.text or "")

    emu.add_chat(TOKEN, -1001, chat_type="channel", title="Yangiliklar", username="news")
    async with polling(bot, router):
        update_id = emu.push_channel_post(TOKEN, -1001, "Yangi post")
        await emu.wait_processed(TOKEN, update_id)
    assert posts == ["Yangi post"]


async def test_user_helper_type_is_exported(emu: BotAPIEmulator) -> None:
    user = emu.user(TOKEN)
    assert isinstance(user, EmulatedUser)
    assert user.id == user.chat.chat_id
    assert user.history == [] and user.last_message is None and user.reply_keyboard is None
