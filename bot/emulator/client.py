"""The user side of the emulator: a Telegram user talking to a bot in a private chat.

Every action pushes one update and returns once the bot finished processing it (see
:meth:`BotAPIEmulator.wait_processed`), with the bot messages sent or edited meanwhile.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import escape
from typing import TYPE_CHECKING, Any

from .formatting import utf16_len
from .state import BotState, CallbackAnswer, ChatState, Draft, StoredMessage

if TYPE_CHECKING:
    from .server import BotAPIEmulator

__all__ = ["BotMessage", "Button", "EmulatedUser", "PaymentDeclined"]

JsonDict = dict[str, Any]

# Where request_location buttons put the user: Tashkent.
DEFAULT_LOCATION = (41.311081, 69.240562)
_COMMAND_RE = re.compile(r"^/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?")


@dataclass(frozen=True, slots=True)
class Button:
    """An inline keyboard button as the user sees it."""

    text: str
    callback_data: str | None = None
    url: str | None = None
    pay: bool = False


@dataclass(frozen=True)
class BotMessage:
    """Snapshot of one bot message in its current state (edits applied)."""

    message_id: int
    text: str = ""  # plain text, or the caption for media
    html: str = ""  # raw HTML as sent with parse_mode=HTML, escaped plain text otherwise
    buttons: list[list[Button]] = field(default_factory=list)
    reply_buttons: list[list[str]] = field(default_factory=list)
    photo: bytes | None = None
    document: bytes | None = None
    filename: str | None = None
    mime_type: str | None = None
    invoice: JsonDict | None = None
    edited: bool = False
    entities: list[JsonDict] = field(default_factory=list)
    removes_keyboard: bool = False  # sent with ReplyKeyboardRemove
    raw: JsonDict = field(default_factory=dict, repr=False, compare=False)

    def button_texts(self) -> list[str]:
        """Inline button labels, left-to-right, top-to-bottom."""
        return [button.text for row in self.buttons for button in row]

    @classmethod
    def from_stored(cls, message: StoredMessage, chat_info: JsonDict) -> BotMessage:
        """Build a snapshot from the emulator's stored message."""
        markup = message.reply_markup or {}
        buttons = [
            [
                Button(
                    text=str(button.get("text", "")),
                    callback_data=button.get("callback_data"),
                    url=button.get("url"),
                    pay=bool(button.get("pay")),
                )
                for button in row
            ]
            for row in markup.get("inline_keyboard") or []
        ]
        keyboard = message.reply_keyboard or {}
        reply_buttons = [
            [_reply_button_text(button) for button in row]
            for row in keyboard.get("keyboard") or []
        ]
        is_text = message.text is not None
        text = message.text if is_text else message.caption
        document = message.document
        return cls(
            message_id=message.message_id,
            text=text or "",
            html=message.html or "",
            buttons=buttons,
            reply_buttons=reply_buttons,
            photo=message.photo.data if message.photo is not None else None,
            document=document.data if document is not None else None,
            filename=document.filename if document is not None else None,
            mime_type=document.mime_type if document is not None else None,
            invoice=dict(message.invoice) if message.invoice is not None else None,
            edited=message.edit_date is not None,
            entities=list(message.entities if is_text else message.caption_entities),
            removes_keyboard=bool(keyboard.get("remove_keyboard")),
            raw=message.to_dict(chat_info),
        )


class PaymentDeclined(RuntimeError):
    """The bot rejected (or did not answer) the pre-checkout query of :meth:`pay`."""

    def __init__(self, error_message: str | None, messages: list[BotMessage]) -> None:
        super().__init__(error_message or "the bot did not answer the pre-checkout query")
        self.error_message = error_message
        self.messages = messages


def _reply_button_text(button: Any) -> str:
    return str(button.get("text", "")) if isinstance(button, dict) else str(button)


def _describe(buttons: list[JsonDict]) -> str:
    parts = []
    for index, button in enumerate(buttons, 1):
        detail = ""
        if "callback_data" in button:
            detail = f" (data={button['callback_data']!r})"
        elif "url" in button:
            detail = f" (url={button['url']!r})"
        parts.append(f"[{index}] {button.get('text', '')!r}{detail}")
    return ", ".join(parts) or "(none)"


class EmulatedUser:
    """A Telegram user in a private chat with one bot (chat id = user id)."""

    def __init__(
        self,
        emulator: BotAPIEmulator,
        bot: BotState,
        chat: ChatState,
        profile: JsonDict,
        phone: str = "+998901234567",
        timeout: float = 10.0,
    ) -> None:
        """Use :meth:`BotAPIEmulator.user` rather than calling this directly."""
        self.emulator = emulator
        self.bot = bot
        self.chat = chat
        self.profile = profile
        self.phone = phone
        self.timeout = timeout

    # ------------------------------------------------------------------ identity & state

    @property
    def id(self) -> int:
        """The user id (also the private chat id)."""
        return int(self.profile["id"])

    @property
    def token(self) -> str:
        """The token of the bot this user talks to."""
        return self.bot.token

    @property
    def history(self) -> list[BotMessage]:
        """All bot messages in the chat in their current state; deleted ones excluded."""
        info = self.chat.info
        return [
            BotMessage.from_stored(message, info)
            for message in self.chat.messages.values()
            if message.from_bot and not message.deleted
        ]

    @property
    def last_message(self) -> BotMessage | None:
        """The most recent bot message that is not deleted."""
        for message in reversed(self.chat.messages.values()):
            if message.from_bot and not message.deleted:
                return BotMessage.from_stored(message, self.chat.info)
        return None

    @property
    def reply_keyboard(self) -> list[list[str]] | None:
        """Labels of the reply keyboard currently shown, or None."""
        keyboard = self.chat.reply_keyboard
        if keyboard is None:
            return None
        return [[_reply_button_text(b) for b in row] for row in keyboard.get("keyboard") or []]

    @property
    def chat_actions(self) -> list[str]:
        """Every sendChatAction action in this chat, oldest first."""
        return list(self.chat.chat_actions)

    @property
    def drafts(self) -> list[Draft]:
        """Every sendMessageDraft call in this chat, oldest first."""
        return list(self.chat.drafts)

    @property
    def callback_answers(self) -> list[CallbackAnswer]:
        """answerCallbackQuery calls for this user's button presses, oldest first."""
        return list(self.chat.callback_answers)

    @property
    def blocked(self) -> bool:
        """Whether the user has blocked the bot."""
        return self.chat.blocked

    # ------------------------------------------------------------------ plumbing

    async def _submit(self, update: JsonDict) -> list[BotMessage]:
        start = len(self.chat.log)
        update_id = self.emulator.push_update(self.bot.token, update)
        await self.emulator.wait_processed(self.bot.token, update_id, self.timeout)
        return self._collect(start)

    def _collect(self, start: int) -> list[BotMessage]:
        """Bot messages sent or edited since ``chat.log[start]``, first-touch order."""
        messages = self.chat.messages
        result = []
        for message_id in dict.fromkeys(self.chat.log[start:]):
            message = messages[message_id]
            if not message.deleted:
                result.append(BotMessage.from_stored(message, self.chat.info))
        return result

    def _ensure_not_blocked(self) -> None:
        if self.chat.blocked:
            raise RuntimeError(f"user {self.id} blocked the bot; call unblock() first")

    async def _send_message(self, **fields: Any) -> list[BotMessage]:
        self._ensure_not_blocked()
        message = self.emulator.add_incoming_message(self.chat, self.profile, **fields)
        return await self._submit({"message": message.to_dict(self.chat.info)})

    # ------------------------------------------------------------------ actions

    async def send(self, text: str, *, reply_to: int | None = None) -> list[BotMessage]:
        """Send a text message; a leading ``/command`` gets a ``bot_command`` entity."""
        entities: list[JsonDict] = []
        match = _COMMAND_RE.match(text)
        if match:
            entities.append({"type": "bot_command", "offset": 0, "length": utf16_len(match[0])})
        extra: JsonDict = {}
        if reply_to is not None:
            replied = self.chat.messages.get(reply_to)
            if replied is None:
                raise LookupError(f"no message {reply_to} in chat {self.chat.chat_id}")
            replied_dict = replied.to_dict(self.chat.info)
            replied_dict.pop("reply_to_message", None)  # one level only, like Telegram
            extra["reply_to_message"] = replied_dict
        return await self._send_message(
            text=text, entities=entities, html=escape(text, quote=False), extra=extra
        )

    def _keyboard_message(self, message: BotMessage | int | None) -> StoredMessage:
        if message is not None:
            message_id = message if isinstance(message, int) else message.message_id
            stored = self.chat.messages.get(message_id)
            if stored is None or stored.deleted:
                raise LookupError(f"message {message_id} is not in the chat")
            return stored
        for stored in reversed(self.chat.messages.values()):
            markup = stored.reply_markup
            if stored.from_bot and not stored.deleted and markup and markup.get("inline_keyboard"):
                return stored
        raise LookupError("no bot message with an inline keyboard in this chat")

    async def press(
        self, button: int | str, *, message: BotMessage | int | None = None
    ) -> list[BotMessage]:
        """Press an inline button of ``message`` (default: the latest message with one).

        ``button`` is a 1-based index over all buttons (left-to-right, top-to-bottom), the
        exact button text, or a callback_data value. URL buttons raise ``ValueError``; a
        ``pay`` button runs :meth:`pay`.
        """
        self._ensure_not_blocked()
        stored = self._keyboard_message(message)
        markup = stored.reply_markup or {}
        flat: list[JsonDict] = [b for row in markup.get("inline_keyboard") or [] for b in row]
        chosen: JsonDict | None = None
        if isinstance(button, int):
            if 1 <= button <= len(flat):
                chosen = flat[button - 1]
        else:
            chosen = next((b for b in flat if b.get("text") == button), None) or next(
                (b for b in flat if b.get("callback_data") == button), None
            )
        if chosen is None:
            raise LookupError(
                f"no inline button {button!r} on message {stored.message_id}; "
                f"buttons: {_describe(flat)}"
            )
        label = chosen.get("text", "")
        if chosen.get("url"):
            url = chosen["url"]
            raise ValueError(f"button {label!r} is a URL button ({url}); it sends nothing")
        if chosen.get("pay"):
            return await self.pay(stored.message_id)
        data = chosen.get("callback_data")
        if data is None:
            raise ValueError(f"button {label!r} has no callback_data: {chosen}")
        query = self.emulator.new_callback_query(
            self.bot, self.chat, self.profile, stored, str(data)
        )
        return await self._submit({"callback_query": query})

    async def press_data(
        self, data: str, *, message: BotMessage | int | None = None
    ) -> list[BotMessage]:
        """Send a callback query with ``data`` that no button carries: a forged or replayed
        press, as a malicious client could send. It is attached to ``message`` (default: the
        latest bot message)."""
        self._ensure_not_blocked()
        latest = next((m for m in reversed(self.chat.messages.values())
                       if m.from_bot and not m.deleted), None)
        stored = self._keyboard_message(message) if message is not None else latest
        if stored is None:
            raise LookupError("the bot has sent no message in this chat")
        query = self.emulator.new_callback_query(self.bot, self.chat, self.profile, stored, data)
        return await self._submit({"callback_query": query})

    async def reply_button(self, button: str | int) -> list[BotMessage]:
        """Press a reply keyboard button by exact text or 1-based index.

        Plain buttons send their text; ``request_contact`` shares :attr:`phone`,
        ``request_location`` shares a location in Tashkent.
        """
        keyboard = self.chat.reply_keyboard
        if keyboard is None:
            raise LookupError("no reply keyboard is shown in this chat")
        flat: list[Any] = [b for row in keyboard.get("keyboard") or [] for b in row]
        chosen: Any = None
        if isinstance(button, int):
            if 1 <= button <= len(flat):
                chosen = flat[button - 1]
        else:
            chosen = next((b for b in flat if _reply_button_text(b) == button), None)
        if chosen is None:
            labels = ", ".join(f"[{i}] {_reply_button_text(b)!r}" for i, b in enumerate(flat, 1))
            raise LookupError(f"no reply button {button!r}; buttons: {labels or '(none)'}")
        if keyboard.get("one_time_keyboard"):
            # the client hides a one-time keyboard as soon as it is used
            self.chat.reply_keyboard = None
        spec = chosen if isinstance(chosen, dict) else {}
        if spec.get("request_contact"):
            return await self.send_contact()
        if spec.get("request_location"):
            return await self.send_location(*DEFAULT_LOCATION)
        return await self.send(_reply_button_text(chosen))

    async def send_contact(
        self,
        phone: str | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
    ) -> list[BotMessage]:
        """Share a contact; without ``phone`` the user shares their own (with user_id)."""
        contact: JsonDict = {
            "phone_number": phone or self.phone,
            "first_name": first_name or str(self.profile["first_name"]),
        }
        surname = last_name if last_name is not None else self.profile.get("last_name")
        if surname:
            contact["last_name"] = surname
        if phone is None:
            contact["user_id"] = self.id
        return await self._send_message(extra={"contact": contact})

    async def send_location(self, latitude: float, longitude: float) -> list[BotMessage]:
        """Share a location."""
        location = {"latitude": latitude, "longitude": longitude}
        return await self._send_message(extra={"location": location})

    async def send_document(
        self,
        filename: str,
        data: bytes,
        caption: str | None = None,
        mime_type: str | None = None,
    ) -> list[BotMessage]:
        """Send a file; the bot can download it through getFile."""
        stored = self.emulator.store_upload(self.bot.token, "document", data, filename, mime_type)
        return await self._send_message(
            document=stored, caption=caption, html=escape(caption or "", quote=False)
        )

    async def send_photo(self, data: bytes, caption: str | None = None) -> list[BotMessage]:
        """Send a photo; the bot can download it through getFile."""
        stored = self.emulator.store_upload(self.bot.token, "photo", data)
        return await self._send_message(
            photo=stored, caption=caption, html=escape(caption or "", quote=False)
        )

    async def pay(self, message: BotMessage | int | None = None) -> list[BotMessage]:
        """Pay an invoice (default: the latest one): pre_checkout_query, then, if the bot
        answered ok, the successful_payment message. Raises :class:`PaymentDeclined`."""
        self._ensure_not_blocked()
        invoice_message = self._invoice_message(message)
        invoice = invoice_message.invoice or {}
        payload = invoice_message.invoice_payload or ""
        start = len(self.chat.log)
        update_id, query_id = self.emulator.push_pre_checkout_query(
            self.bot.token,
            self.id,
            currency=str(invoice["currency"]),
            total_amount=int(invoice["total_amount"]),
            invoice_payload=payload,
        )
        await self.emulator.wait_processed(self.bot.token, update_id, self.timeout)
        answer = self.emulator.pre_checkout_answer(self.bot.token, query_id)
        if answer is None or answer.ok is not True:
            error = answer.error_message if answer is not None else None
            raise PaymentDeclined(error, self._collect(start))
        update_id = self.emulator.push_successful_payment(
            self.bot.token,
            self.id,
            currency=str(invoice["currency"]),
            total_amount=int(invoice["total_amount"]),
            invoice_payload=payload,
        )
        await self.emulator.wait_processed(self.bot.token, update_id, self.timeout)
        return self._collect(start)

    def _invoice_message(self, message: BotMessage | int | None) -> StoredMessage:
        if message is not None:
            message_id = message if isinstance(message, int) else message.message_id
            stored = self.chat.messages.get(message_id)
            if stored is None or stored.invoice is None:
                raise LookupError(f"message {message_id} is not an invoice")
            return stored
        for stored in reversed(self.chat.messages.values()):
            if stored.from_bot and not stored.deleted and stored.invoice is not None:
                return stored
        raise LookupError("no invoice in this chat")

    async def stop_generation(self, draft_id: int) -> list[BotMessage]:
        """Press "stop" on a streamed draft (update ``stopped_message_generation``)."""
        body = {"chat": self.chat.info, "draft_id": draft_id}
        return await self._submit({"stopped_message_generation": body})

    def block(self, notify: bool = True) -> None:
        """Block the bot: its sends to this chat now fail with 403. With ``notify`` the bot
        gets a ``my_chat_member`` update (member -> kicked), as on Telegram."""
        if self.chat.blocked:
            return
        self.chat.blocked = True
        if notify:
            self.emulator.push_my_chat_member(self.bot.token, self.id, "member", "kicked")

    def unblock(self, notify: bool = True) -> None:
        """Unblock the bot (``my_chat_member`` kicked -> member when ``notify``)."""
        if not self.chat.blocked:
            return
        self.chat.blocked = False
        if notify:
            self.emulator.push_my_chat_member(self.bot.token, self.id, "kicked", "member")
