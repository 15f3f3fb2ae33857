"""In-memory state of the Bot API emulator: bots, chats, messages, files and calls.

Everything here is plain data; the HTTP layer (``server.py``) mutates it and the client
side (``client.py``) reads it. All access happens on one event loop, so there are no locks.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "ApiCall",
    "ApiError",
    "BotState",
    "CallbackAnswer",
    "CallbackQueryState",
    "ChatState",
    "Draft",
    "PreCheckoutAnswer",
    "StoredFile",
    "StoredMessage",
    "UploadedFile",
    "WebhookConfig",
]

JsonDict = dict[str, Any]


class ApiError(Exception):
    """A Bot API error reply: ``{"ok": false, "error_code": ..., "description": ...}``."""

    def __init__(
        self, error_code: int, description: str, parameters: JsonDict | None = None
    ) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.parameters = parameters

    def payload(self) -> JsonDict:
        """The JSON body Telegram would send for this error."""
        body: JsonDict = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


@dataclass(slots=True)
class UploadedFile:
    """A file part of a multipart request, as received."""

    filename: str
    content_type: str
    data: bytes

    def __repr__(self) -> str:  # keep call logs readable when files are large
        return f"UploadedFile({self.filename!r}, {self.content_type!r}, {len(self.data)} bytes)"


@dataclass(frozen=True, slots=True)
class ApiCall:
    """One recorded Bot API request (JSON fields already decoded)."""

    bot_id: int
    method: str
    params: JsonDict
    at: float


@dataclass(slots=True)
class StoredFile:
    """A file known to one bot: sent by it or by a user in its chats."""

    file_id: str
    file_unique_id: str
    bot_id: int
    kind: str  # "photo" | "document"
    data: bytes
    filename: str | None
    mime_type: str | None
    file_path: str
    width: int = 0
    height: int = 0
    url: str | None = None  # set when the bot "sent" a file by HTTP URL (never fetched)

    @property
    def size(self) -> int:
        """Size in bytes."""
        return len(self.data)

    def photo_sizes(self) -> list[JsonDict]:
        """``list[PhotoSize]`` as Telegram returns it in ``Message.photo``."""
        return [
            {
                "file_id": self.file_id,
                "file_unique_id": self.file_unique_id,
                "file_size": self.size,
                "width": self.width,
                "height": self.height,
            }
        ]

    def document(self) -> JsonDict:
        """``Document`` as Telegram returns it in ``Message.document``."""
        doc: JsonDict = {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.size,
        }
        if self.filename:
            doc["file_name"] = self.filename
        if self.mime_type:
            doc["mime_type"] = self.mime_type
        return doc

    def file_object(self) -> JsonDict:
        """``File`` as returned by getFile."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.size,
            "file_path": self.file_path,
        }


@dataclass(slots=True)
class StoredMessage:
    """One message in a chat, with edits applied in place."""

    message_id: int
    chat_id: int
    date: int
    sender: JsonDict | None  # the ``from`` User; None for channel posts
    from_bot: bool
    text: str | None = None
    entities: list[JsonDict] = field(default_factory=list)
    caption: str | None = None
    caption_entities: list[JsonDict] = field(default_factory=list)
    html: str | None = None  # raw source as sent when parse_mode=HTML, escaped text otherwise
    reply_markup: JsonDict | None = None  # inline keyboard (the only kind echoed back)
    reply_keyboard: JsonDict | None = None  # ReplyKeyboardMarkup/Remove/ForceReply sent along
    photo: StoredFile | None = None
    document: StoredFile | None = None
    invoice: JsonDict | None = None
    invoice_payload: str | None = None
    extra: JsonDict = field(default_factory=dict)  # contact, location, successful_payment...
    edit_date: int | None = None
    deleted: bool = False

    def to_dict(self, chat: JsonDict) -> JsonDict:
        """The Telegram ``Message`` object for this message in ``chat``."""
        data: JsonDict = {"message_id": self.message_id, "date": self.date, "chat": chat}
        if self.sender is not None:
            data["from"] = self.sender
        elif chat.get("type") == "channel":
            data["sender_chat"] = chat
        if self.edit_date is not None:
            data["edit_date"] = self.edit_date
        if self.text is not None:
            data["text"] = self.text
            if self.entities:
                data["entities"] = self.entities
        if self.photo is not None:
            data["photo"] = self.photo.photo_sizes()
        if self.document is not None:
            data["document"] = self.document.document()
        if self.caption:
            data["caption"] = self.caption
            if self.caption_entities:
                data["caption_entities"] = self.caption_entities
        if self.invoice is not None:
            data["invoice"] = self.invoice
        data.update(self.extra)
        if self.reply_markup is not None and self.reply_markup.get("inline_keyboard"):
            data["reply_markup"] = self.reply_markup
        return data


@dataclass(frozen=True, slots=True)
class Draft:
    """One ``sendMessageDraft`` call."""

    draft_id: int
    text: str
    html: str
    at: float


@dataclass(frozen=True, slots=True)
class CallbackAnswer:
    """One ``answerCallbackQuery`` call for a user's button press."""

    callback_query_id: str
    text: str | None
    show_alert: bool
    url: str | None
    cache_time: int


@dataclass(slots=True)
class CallbackQueryState:
    """A callback query the emulator created; it may be answered once."""

    chat_id: int
    user_id: int
    answered: bool = False


@dataclass(slots=True)
class PreCheckoutAnswer:
    """The bot's answer to a ``pre_checkout_query`` (``ok`` is None until answered)."""

    user_id: int
    currency: str
    total_amount: int
    invoice_payload: str
    ok: bool | None = None
    error_message: str | None = None


@dataclass(slots=True)
class ChatState:
    """State of one chat as seen by one bot."""

    bot_id: int
    chat_id: int
    info: JsonDict  # the Chat object
    messages: dict[int, StoredMessage] = field(default_factory=dict)
    next_message_id: int = 1
    # ids of bot messages in the order they were sent or edited: lets a user collect "what
    # the bot did while handling my update" with a slice instead of a scan
    log: list[int] = field(default_factory=list)
    chat_actions: list[str] = field(default_factory=list)
    drafts: list[Draft] = field(default_factory=list)
    reply_keyboard: JsonDict | None = None
    callback_answers: list[CallbackAnswer] = field(default_factory=list)
    members: dict[int, str] = field(default_factory=dict)  # user_id -> status (groups)
    member_count: int | None = None
    menu_button: JsonDict | None = None
    blocked: bool = False  # private chat: the user blocked the bot
    flood: deque[float] = field(default_factory=deque)

    @property
    def type(self) -> str:
        """Chat type: private, group, supergroup or channel."""
        return str(self.info["type"])

    def allocate_message_id(self) -> int:
        """Next message id in this chat (user and bot messages share one sequence)."""
        message_id = self.next_message_id
        self.next_message_id += 1
        return message_id


@dataclass(slots=True)
class WebhookConfig:
    """A bot's webhook settings plus its delivery bookkeeping."""

    url: str
    secret_token: str | None
    max_connections: int
    semaphore: asyncio.Semaphore
    last_error_date: int | None = None
    last_error_message: str | None = None


# Update types Telegram sends when allowed_updates is empty or was never set.
DEFAULT_EXCLUDED_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


@dataclass(slots=True)
class BotState:
    """Everything the emulator knows about one bot token."""

    token: str
    bot_id: int
    user: JsonDict  # the bot's own User object (getMe)
    revoked: bool = False
    chats: dict[int, ChatState] = field(default_factory=dict)
    usernames: dict[str, int] = field(default_factory=dict)  # lowercase @name -> chat id
    pending: OrderedDict[int, JsonDict] = field(default_factory=OrderedDict)
    next_update_id: int = 1
    allowed_updates: frozenset[str] | None = None  # None = Telegram's default set
    poll_generation: int = 0
    wakeup: asyncio.Event | None = None
    ack_waiters: dict[int, asyncio.Future[None]] = field(default_factory=dict)
    webhook: WebhookConfig | None = None
    inflight: set[int] = field(default_factory=set)
    failed_deliveries: dict[int, str] = field(default_factory=dict)
    last_poll_at: float | None = None
    commands: dict[tuple[str, str], list[JsonDict]] = field(default_factory=dict)
    default_menu_button: JsonDict | None = None
    texts: dict[tuple[str, str], str] = field(default_factory=dict)  # name/description
    callback_queries: dict[str, CallbackQueryState] = field(default_factory=dict)
    pre_checkout: dict[str, PreCheckoutAnswer] = field(default_factory=dict)

    def accepts(self, update_type: str) -> bool:
        """Whether the bot's allowed_updates setting lets this update type through."""
        if self.allowed_updates is None:
            return update_type not in DEFAULT_EXCLUDED_UPDATES
        return update_type in self.allowed_updates

    def is_busy(self, update_id: int) -> bool:
        """True while ``update_id`` is queued or being delivered to a webhook."""
        return update_id in self.pending or update_id in self.inflight


def now() -> int:
    """Unix time in whole seconds, as Telegram dates are."""
    return int(time.time())
