"""Local Telegram Bot API emulator for tests, benchmarks and the terminal shell.

Typical use::

    async with BotAPIEmulator() as emu:
        emu.add_bot("123456:TEST")
        bot = Bot("123456:TEST",
                  session=AiohttpSession(api=TelegramAPIServer.from_base(emu.base_url)))
        user = emu.user("123456:TEST", user_id=42)
        replies = await user.send("/start")   # with the dispatcher polling
"""

from .client import BotMessage, Button, EmulatedUser, PaymentDeclined
from .formatting import EntityParseError, parse_html, parse_text
from .server import BotAPIEmulator, Params, chat_member_object
from .state import (
    ApiCall,
    ApiError,
    BotState,
    CallbackAnswer,
    ChatState,
    Draft,
    PreCheckoutAnswer,
    StoredFile,
    StoredMessage,
    UploadedFile,
)

__all__ = [
    "ApiCall",
    "ApiError",
    "BotAPIEmulator",
    "BotMessage",
    "BotState",
    "Button",
    "CallbackAnswer",
    "ChatState",
    "Draft",
    "EmulatedUser",
    "EntityParseError",
    "Params",
    "PaymentDeclined",
    "PreCheckoutAnswer",
    "StoredFile",
    "StoredMessage",
    "UploadedFile",
    "chat_member_object",
    "parse_html",
    "parse_text",
]
