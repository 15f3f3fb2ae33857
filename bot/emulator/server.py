"""A local, wire-level fake of the Telegram Bot API built on aiohttp.

Point aiogram at it with
``Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(base_url)))`` and it
behaves like api.telegram.org for the methods BiznesPilot uses: same URLs, same request
encodings, same ``{"ok": ..., "result"/"error_code"/"description"/"parameters"}`` replies and
the same HTTP statuses, so aiogram's exception mapping works unmodified.

Tests act as Telegram users through :meth:`BotAPIEmulator.user` (see ``client.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import itertools
import json
import logging
import random
import re
import secrets
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from html import escape
from types import TracebackType
from typing import Any, Self

import aiohttp
from aiohttp import web

from .client import EmulatedUser
from .formatting import Entity, EntityParseError, parse_text
from .media import guess_mime_type, image_size
from .state import (
    ApiCall,
    ApiError,
    BotState,
    CallbackAnswer,
    CallbackQueryState,
    ChatState,
    Draft,
    PreCheckoutAnswer,
    StoredFile,
    StoredMessage,
    UploadedFile,
    WebhookConfig,
    now,
)

__all__ = ["BotAPIEmulator", "Params", "chat_member_object", "decode_params"]

logger = logging.getLogger(__name__)

JsonDict = dict[str, Any]
Handler = Callable[[BotState, "Params"], Awaitable[Any]]
CallPredicate = Callable[[ApiCall], bool]

MB = 1024 * 1024
MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_DOWNLOAD_SIZE = 20 * MB  # getFile refuses bigger files on the cloud Bot API

# Form fields whose value is a JSON-serialized object/array (aiogram sends them as strings).
JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "entities",
        "caption_entities",
        "allowed_updates",
        "commands",
        "scope",
        "media",
        "results",
        "prices",
        "menu_button",
        "reply_parameters",
        "link_preview_options",
        "suggested_tip_amounts",
        "message_ids",
        "permissions",
        "rights",
        "input_message_content",
        "options",
        "reaction",
        "button",
        "suggested_post_parameters",
    }
)
INT_FIELDS = frozenset(
    {
        "message_id",
        "from_chat_id",
        "user_id",
        "offset",
        "limit",
        "timeout",
        "draft_id",
        "cache_time",
        "max_connections",
        "message_thread_id",
        "max_tip_amount",
    }
)
BOOL_FIELDS = frozenset(
    {
        "ok",
        "show_alert",
        "drop_pending_updates",
        "disable_notification",
        "protect_content",
        "is_flexible",
        "need_name",
        "need_phone_number",
        "need_email",
        "need_shipping_address",
        "can_stop",
        "keep_on_stop",
        "show_caption_above_media",
        "has_spoiler",
        "disable_content_type_detection",
        "allow_paid_broadcast",
    }
)
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
INLINE_ACTION_FIELDS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
TOKEN_RE = re.compile(r"^(\d+):[^\s:][^\s]*$")
SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
ACCEPTED_GIFT_TYPES = {
    "unlimited_gifts": False,
    "limited_gifts": False,
    "unique_gifts": False,
    "premium_subscription": False,
    "gifts_from_channels": False,
}
ADMIN_RIGHTS = {
    "can_be_edited": False,
    "is_anonymous": False,
    "can_manage_chat": True,
    "can_delete_messages": True,
    "can_manage_video_chats": True,
    "can_restrict_members": True,
    "can_promote_members": False,
    "can_change_info": True,
    "can_invite_users": True,
    "can_post_stories": False,
    "can_edit_stories": False,
    "can_delete_stories": False,
    "can_send_welcome_messages": False,
    "can_post_messages": True,
    "can_edit_messages": True,
    "can_pin_messages": True,
}
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"
WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
POLL_CONFLICT = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
DEFAULT_DESCRIPTIONS = {
    400: "Bad Request: injected error",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict: injected error",
    413: "Request Entity Too Large",
    500: "Internal Server Error",
    502: "Bad Gateway",
}


def bad_request(detail: str) -> ApiError:
    """A 400 error with Telegram's "Bad Request: " prefix."""
    return ApiError(400, f"Bad Request: {detail}")


def _json_dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


@dataclass(slots=True)
class _Fault:
    error_code: int
    description: str
    parameters: JsonDict | None
    remaining: int
    bot_id: int | None


class Params:
    """Decoded request parameters with typed, Telegram-style validated accessors."""

    __slots__ = ("data",)

    def __init__(self, data: JsonDict) -> None:
        self.data = data

    def raw(self, name: str) -> Any:
        """The value as received (after JSON decoding of JSON fields)."""
        return self.data.get(name)

    def string(self, name: str, default: str | None = None) -> str | None:
        """A string parameter; numbers from JSON bodies are converted."""
        value = self.data.get(name)
        if value is None:
            return default
        if isinstance(value, UploadedFile):
            raise bad_request(f"{name} must be a string")
        return value if isinstance(value, str) else str(value)

    def integer(self, name: str, default: int | None = None) -> int | None:
        """An integer parameter; malformed values are a 400 like on Telegram."""
        value = self.data.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, int):
            return value
        try:
            return int(str(value))
        except ValueError:
            raise bad_request(f"invalid {name} specified") from None

    def require_int(self, name: str) -> int:
        """An integer parameter that must be present."""
        value = self.integer(name)
        if value is None:
            raise bad_request(f"{name} is empty")
        return value

    def boolean(self, name: str, default: bool = False) -> bool:
        """A boolean parameter ("true"/"false"/"1"/"0" or a JSON boolean)."""
        value = self.data.get(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        return str(value).lower() in ("true", "1", "yes")

    def json(self, name: str) -> Any:
        """A JSON-typed parameter; accepts the decoded value or a JSON string."""
        value = self.data.get(name)
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise bad_request(f"can't parse {name} JSON object") from None
        return value


def decode_params(items: Iterable[tuple[str, Any]]) -> JsonDict:
    """Turn raw form/query/JSON items into a params dict with JSON fields decoded and
    well-known integer and boolean fields converted, so recorded calls are easy to assert."""
    params: JsonDict = {}
    for key, value in items:
        if isinstance(value, str):
            if key in JSON_FIELDS:
                with contextlib.suppress(ValueError):
                    value = json.loads(value)
            elif key in INT_FIELDS or (key == "chat_id" and value.lstrip("-").isdigit()):
                with contextlib.suppress(ValueError):
                    value = int(value)
            elif key in BOOL_FIELDS and value in ("true", "false"):
                value = value == "true"
        params[key] = value
    return params


async def read_multipart(reader: aiohttp.MultipartReader) -> JsonDict:
    """Read a multipart body (e.g. a webhook reply) into decoded params."""
    items: list[tuple[str, Any]] = []
    while True:
        part = await reader.next()
        if part is None:
            break
        if not isinstance(part, aiohttp.BodyPartReader) or part.name is None:
            continue
        if part.filename:
            data = await part.read(decode=False)
            content_type = part.headers.get(aiohttp.hdrs.CONTENT_TYPE, "")
            items.append((part.name, UploadedFile(part.filename, content_type, bytes(data))))
        else:
            items.append((part.name, await part.text()))
    return decode_params(items)


class BotAPIEmulator:
    """Local Telegram Bot API server for tests, benchmarks and the terminal shell.

    Several bots can be registered at once; each sees only its own chats and files.
    """

    def __init__(
        self,
        *,
        max_document_size: int = 50 * MB,
        max_photo_size: int = 10 * MB,
        record_calls: bool = True,
        webhook_retries: int = 3,
        webhook_retry_delay: float = 0.05,
        webhook_timeout: float = 60.0,
    ) -> None:
        """Create a stopped emulator; call :meth:`start` (or use ``async with``)."""
        self.max_document_size = max_document_size
        self.max_photo_size = max_photo_size
        self.record_calls = record_calls
        self.webhook_retries = webhook_retries
        self.webhook_retry_delay = webhook_retry_delay
        self.webhook_timeout = webhook_timeout
        self.calls: list[ApiCall] = []
        self.base_url: str | None = None
        self._bots: dict[str, BotState] = {}
        self._bots_by_id: dict[int, BotState] = {}
        self._users: dict[int, JsonDict] = {}
        self._files: dict[str, StoredFile] = {}
        self._file_paths: dict[tuple[int, str], StoredFile] = {}
        self._faults: dict[str, deque[_Fault]] = {}
        self._flood_limit: int | None = None
        self._global_rate: float | None = None
        self._global_tokens = 0.0
        self._global_capacity = 0.0
        self._global_last = 0.0
        self._random_faults: tuple[float, float, int] | None = None
        self._random = random.Random(0)
        self.injected: dict[str, int] = {"429": 0, "403": 0, "rate_limited": 0}
        self._ids = itertools.count(1)
        self._user_ids = itertools.count(100_000_001)
        self._runner: web.AppRunner | None = None
        self._http: aiohttp.ClientSession | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._closing = False
        self._expectations: list[tuple[str, CallPredicate | None, asyncio.Future[ApiCall]]] = []
        self._methods: dict[str, tuple[str, Handler]] = {}
        for name, handler in self._method_table().items():
            self._methods[name.lower()] = (name, handler)

    # ------------------------------------------------------------------ lifecycle

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Start serving; ``port=0`` picks a free port. Returns the base URL."""
        if self._runner is not None:
            raise RuntimeError("emulator already started")
        client_max_size = max(self.max_document_size, self.max_photo_size) + 8 * MB
        app = web.Application(client_max_size=client_max_size)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{file_path:.+}", self._handle_file)
        # access_log=None: the benchmarks push thousands of requests per second.
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        self._runner = runner
        self._closing = False
        bound_port = runner.addresses[0][1]
        netloc = f"[{host}]" if ":" in host else host  # IPv6 literal
        self.base_url = f"http://{netloc}:{bound_port}"
        return self.base_url

    async def stop(self) -> None:
        """Stop serving, end long polls and webhook deliveries, fail pending waiters."""
        self._closing = True
        for bot in self._bots.values():
            if bot.wakeup is not None:
                bot.wakeup.set()
            for future in bot.ack_waiters.values():
                if not future.done():
                    future.set_exception(RuntimeError("Bot API emulator stopped"))
            bot.ack_waiters.clear()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._http is not None:
            await self._http.close()
            self._http = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # ------------------------------------------------------------------ bots, users, chats

    def add_bot(
        self, token: str, username: str = "biznespilot_bot", first_name: str = "BiznesPilot"
    ) -> BotState:
        """Register a bot token (``<digits>:<secret>``); the bot id is the digits.

        Registering a known token again returns its existing state (names updated).
        """
        match = TOKEN_RE.match(token)
        if match is None:
            raise ValueError(f"invalid bot token: {token!r}")
        existing = self._bots.get(token)
        if existing is not None:
            existing.user.update(username=username, first_name=first_name)
            return existing
        bot_id = int(match.group(1))
        user = {
            "id": bot_id,
            "is_bot": True,
            "first_name": first_name,
            "username": username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        state = BotState(token=token, bot_id=bot_id, user=user)
        self._bots[token] = state
        self._bots_by_id[bot_id] = state
        return state

    def revoke_bot(self, token: str) -> None:
        """Make every later request with this token answer 401 Unauthorized."""
        self._bot(token).revoked = True

    def bot_state(self, token: str) -> BotState:
        """The internal state of a registered bot (for assertions)."""
        return self._bot(token)

    def _bot(self, token: str) -> BotState:
        try:
            return self._bots[token]
        except KeyError:
            raise KeyError(f"bot {token!r} is not registered; call add_bot() first") from None

    def user(
        self,
        token: str,
        user_id: int | None = None,
        first_name: str = "Aziz",
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "uz",
        phone: str = "+998901234567",
        timeout: float = 10.0,
    ) -> EmulatedUser:
        """A Telegram user in a private chat with the bot (chat id = user id).

        Calling it again for the same user id returns another handle on the same chat.
        ``timeout`` bounds how long each action waits for the bot to finish.
        """
        bot = self._bot(token)
        if user_id is None:
            user_id = next(self._user_ids)
        profile: JsonDict = {"id": user_id, "is_bot": False, "first_name": first_name}
        if last_name:
            profile["last_name"] = last_name
        if username:
            profile["username"] = username
        if language_code:
            profile["language_code"] = language_code
        self._users[user_id] = profile
        chat = bot.chats.get(user_id)
        if chat is None:
            info: JsonDict = {"id": user_id, "type": "private", "first_name": first_name}
            if last_name:
                info["last_name"] = last_name
            if username:
                info["username"] = username
                bot.usernames[username.lower()] = user_id
            chat = ChatState(bot_id=bot.bot_id, chat_id=user_id, info=info)
            bot.chats[user_id] = chat
        return EmulatedUser(self, bot, chat, profile, phone=phone, timeout=timeout)

    def add_chat(
        self,
        token: str,
        chat_id: int,
        chat_type: str = "supergroup",
        title: str = "Test chat",
        username: str | None = None,
        members: dict[int, str] | None = None,
        bot_status: str = "administrator",
    ) -> ChatState:
        """Register a group, supergroup or channel visible to the bot.

        ``members`` maps user ids to statuses (creator/administrator/member/left/kicked);
        the bot itself is added with ``bot_status``.
        """
        bot = self._bot(token)
        info: JsonDict = {"id": chat_id, "type": chat_type, "title": title}
        if username:
            info["username"] = username
            bot.usernames[username.lower()] = chat_id
        chat = ChatState(bot_id=bot.bot_id, chat_id=chat_id, info=info)
        chat.members.update(members or {})
        chat.members[bot.bot_id] = bot_status
        bot.chats[chat_id] = chat
        return chat

    def chat_state(self, token: str, chat_id: int) -> ChatState:
        """The internal state of one chat of one bot (for assertions)."""
        return self._bot(token).chats[chat_id]

    def register_user(self, user: JsonDict) -> None:
        """Make a User object known (getChatMember, member updates)."""
        self._users[int(user["id"])] = user

    def _user_object(self, user_id: int) -> JsonDict:
        user = self._users.get(user_id)
        if user is not None:
            return user
        bot = self._bots_by_id.get(user_id)
        if bot is not None:
            return bot.user
        return {"id": user_id, "is_bot": False, "first_name": f"User {user_id}"}

    # ------------------------------------------------------------------ fault injection

    def fail_next(
        self,
        method: str,
        error_code: int = 429,
        description: str | None = None,
        retry_after: int | None = None,
        times: int = 1,
        token: str | None = None,
    ) -> None:
        """Make the next ``times`` calls of ``method`` (of any bot, or of ``token``) fail.

        A 429 gets ``Too Many Requests: retry after N`` and ``parameters.retry_after``.
        """
        parameters: JsonDict | None = None
        if error_code == 429:
            retry_after = 1 if retry_after is None else retry_after
            description = description or f"Too Many Requests: retry after {retry_after}"
        if retry_after is not None:
            parameters = {"retry_after": retry_after}
        if description is None:
            description = DEFAULT_DESCRIPTIONS.get(error_code, f"Error {error_code}")
        bot_id = self._bot(token).bot_id if token is not None else None
        fault = _Fault(error_code, description, parameters, times, bot_id)
        self._faults.setdefault(method.lower(), deque()).append(fault)

    def set_flood_limit(self, per_chat_per_second: int | None = None) -> None:
        """Answer 429 when a bot sends more than N messages per second to one chat."""
        self._flood_limit = per_chat_per_second

    def set_global_rate(self, per_second: float | None, burst: float | None = None) -> None:
        """Answer 429 ``retry_after`` when a bot's sends exceed ``per_second`` overall (a token
        bucket holding ``burst`` sends, one second's worth by default); None turns it off."""
        self._global_rate = per_second
        self._global_capacity = burst if burst is not None else (per_second or 0.0)
        self._global_tokens = self._global_capacity
        self._global_last = time.monotonic()

    def inject_send_faults(
        self, *, rate_429: float = 0.0, rate_403: float = 0.0, retry_after: int = 1,
        seed: int = 0,
    ) -> None:
        """Answer a random share of sends with 429 ``retry_after`` or 403 (the user blocks
        the bot, so later sends to that chat get 403 too); counts in :attr:`injected`."""
        self._random_faults = (rate_429, rate_403, retry_after) if rate_429 or rate_403 else None
        self._random = random.Random(seed)

    def add_private_chats(self, token: str, user_ids: Iterable[int]) -> None:
        """Register many private chats at once (benchmarks: recipients that never write)."""
        bot = self._bot(token)
        for user_id in user_ids:
            if user_id not in bot.chats:
                info: JsonDict = {"id": user_id, "type": "private", "first_name": "User"}
                bot.chats[user_id] = ChatState(bot_id=bot.bot_id, chat_id=user_id, info=info)

    def _check_global(self, chat: ChatState) -> None:
        if self._random_faults is not None:
            rate_429, rate_403, retry_after = self._random_faults
            roll = self._random.random()
            if roll < rate_403:
                self.injected["403"] += 1
                chat.blocked = True
                raise ApiError(403, "Forbidden: bot was blocked by the user")
            if roll < rate_403 + rate_429:
                self.injected["429"] += 1
                raise ApiError(429, f"Too Many Requests: retry after {retry_after}",
                               {"retry_after": retry_after})
        rate = self._global_rate
        if rate is None:
            return
        moment = time.monotonic()
        self._global_tokens = min(self._global_capacity,
                                  self._global_tokens + (moment - self._global_last) * rate)
        self._global_last = moment
        if self._global_tokens < 1.0:
            self.injected["rate_limited"] += 1
            raise ApiError(429, "Too Many Requests: retry after 1", {"retry_after": 1})
        self._global_tokens -= 1.0

    def clear_calls(self) -> None:
        """Forget recorded calls."""
        self.calls.clear()

    def calls_of(self, method: str) -> list[ApiCall]:
        """Recorded calls of one method (case-insensitive)."""
        lowered = method.lower()
        return [call for call in self.calls if call.method.lower() == lowered]

    def expect_call(
        self, method: str, predicate: CallPredicate | None = None
    ) -> asyncio.Future[ApiCall]:
        """A future resolved by the next call of ``method`` (matching ``predicate``).

        Registered immediately, so there is no race with the call it waits for. The future
        resolves when the request arrives, before the method runs (e.g. while a getUpdates
        long poll is waiting). Useful for sends from background tasks.
        """
        future: asyncio.Future[ApiCall] = asyncio.get_running_loop().create_future()
        self._expectations.append((method.lower(), predicate, future))
        return future

    async def wait_for_call(
        self,
        method: str,
        predicate: CallPredicate | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109 - mirrors wait_processed
    ) -> ApiCall:
        """Wait for the next call of ``method`` (see :meth:`expect_call`)."""
        future = self.expect_call(method, predicate)
        try:
            return await asyncio.wait_for(future, timeout)
        except TimeoutError:
            raise TimeoutError(f"no {method} call within {timeout:g}s") from None

    def _match_expectations(self, record: ApiCall) -> None:
        lowered = record.method.lower()
        remaining = []
        for method, predicate, future in self._expectations:
            if future.done():
                continue  # cancelled by a timeout
            if method != lowered:
                remaining.append((method, predicate, future))
                continue
            try:
                matched = predicate is None or predicate(record)
            except Exception as exc:  # a broken predicate fails its waiter, not the request
                future.set_exception(exc)
                continue
            if matched:
                future.set_result(record)
            else:
                remaining.append((method, predicate, future))
        self._expectations = remaining

    def _check_fault(self, bot: BotState, method: str) -> None:
        faults = self._faults.get(method)
        if not faults:
            return
        for fault in faults:
            if fault.bot_id is None or fault.bot_id == bot.bot_id:
                fault.remaining -= 1
                if fault.remaining <= 0:
                    faults.remove(fault)
                raise ApiError(fault.error_code, fault.description, fault.parameters)

    # ------------------------------------------------------------------ HTTP layer

    async def _handle_api(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        bot = self._bots.get(token)
        if bot is None or bot.revoked:
            return self._reply_error(ApiError(401, "Unauthorized"))
        method_name = request.match_info["method"]
        try:
            params = await self._read_params(request)
        except ApiError as error:
            return self._reply_error(error)
        try:
            result = await self.call(bot, method_name, params)
        except ApiError as error:
            return self._reply_error(error)
        except Exception as exc:
            # An emulator bug must still answer in Bot API shape (aiogram then raises
            # TelegramServerError with this text instead of a JSON decode error).
            logger.exception("Bot API emulator failed on %s", method_name)
            return self._reply_error(ApiError(500, f"Internal Server Error: {exc!r}"))
        return web.Response(
            text=_json_dumps({"ok": True, "result": result}), content_type="application/json"
        )

    @staticmethod
    def _reply_error(error: ApiError) -> web.Response:
        return web.Response(
            text=_json_dumps(error.payload()),
            status=error.error_code,
            content_type="application/json",
        )

    async def _read_params(self, request: web.Request) -> JsonDict:
        items: list[tuple[str, Any]] = list(request.query.items())
        if request.method == "POST" and request.can_read_body:
            content_type = request.content_type
            try:
                if content_type == "application/json":
                    body = await request.json()
                    if not isinstance(body, dict):
                        raise bad_request("request body must be a JSON object")
                    items.extend(body.items())
                elif content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
                    form = await request.post()
                    for key, value in form.items():
                        if isinstance(value, web.FileField):
                            data = value.file.read()
                            items.append(
                                (key, UploadedFile(value.filename, value.content_type, data))
                            )
                        else:
                            items.append((key, value))
            except web.HTTPRequestEntityTooLarge:
                raise ApiError(413, "Request Entity Too Large") from None
            except ValueError:
                raise bad_request("can't parse request body") from None
        return decode_params(items)

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        bot = self._bots.get(request.match_info["token"])
        if bot is None or bot.revoked:
            return self._reply_error(ApiError(401, "Unauthorized"))
        stored = self._file_paths.get((bot.bot_id, request.match_info["file_path"]))
        if stored is None:
            return self._reply_error(ApiError(404, "Not Found"))
        return web.Response(
            body=stored.data, content_type=stored.mime_type or "application/octet-stream"
        )

    async def call(self, bot: BotState, method_name: str, params: JsonDict) -> Any:
        """Execute one Bot API method for ``bot`` as if it came over HTTP.

        Raises :class:`ApiError` on failure. Used by the HTTP handler and for methods that a
        webhook answers with in its HTTP response.
        """
        lowered = method_name.lower()
        entry = self._methods.get(lowered)
        if self.record_calls or self._expectations:
            name = entry[0] if entry is not None else method_name
            record = ApiCall(bot.bot_id, name, params, time.time())
            if self.record_calls:
                self.calls.append(record)
            if self._expectations:
                self._match_expectations(record)
        if self._faults:
            self._check_fault(bot, lowered)
        if entry is None:
            raise ApiError(404, "Not Found: method not found")
        return await entry[1](bot, Params(params))

    # ------------------------------------------------------------------ updates

    def push_update(self, token: str, update: JsonDict) -> int:
        """Queue (polling) or deliver (webhook) an update; returns its new ``update_id``.

        ``update`` is the Update object without ``update_id``. Update types the bot did not
        ask for in ``allowed_updates`` are dropped, as Telegram does.
        """
        bot = self._bot(token)
        update_id = bot.next_update_id
        bot.next_update_id += 1
        body = {"update_id": update_id, **update}
        update_type = next((key for key in update if key != "update_id"), "")
        if not bot.accepts(update_type):
            return update_id
        if bot.webhook is not None:
            self._spawn_delivery(bot, update_id, body)
        else:
            bot.pending[update_id] = body
            if bot.wakeup is not None:
                bot.wakeup.set()
        return update_id

    async def wait_processed(
        self,
        token: str,
        update_id: int,
        timeout: float = 10.0,  # noqa: ASYNC109 - needed for the diagnostic message
    ) -> None:
        """Wait until the bot has finished processing ``update_id``.

        Polling: the bot asked getUpdates with ``offset > update_id`` (with aiogram's
        ``handle_as_tasks=False`` that means the handler returned). Webhook: the POST got a
        2xx reply. Raises ``TimeoutError`` with a diagnostic message.
        """
        bot = self._bot(token)
        failure = bot.failed_deliveries.get(update_id)
        if failure is not None:
            raise RuntimeError(f"webhook delivery of update {update_id} failed: {failure}")
        if not bot.is_busy(update_id):
            return
        future = bot.ack_waiters.get(update_id)
        if future is None:
            future = asyncio.get_running_loop().create_future()
            # mark a failure as retrieved even if every waiter already timed out
            future.add_done_callback(_consume_exception)
            bot.ack_waiters[update_id] = future
        try:
            # shield: several waiters may share the future; a timeout must not cancel it
            await asyncio.wait_for(asyncio.shield(future), timeout)
        except TimeoutError:
            raise TimeoutError(self._timeout_message(bot, update_id, timeout)) from None

    def _timeout_message(self, bot: BotState, update_id: int, timeout: float) -> str:
        if bot.webhook is not None:
            mode = f"webhook {bot.webhook.url!r} (last error: {bot.webhook.last_error_message})"
        elif bot.last_poll_at is None:
            mode = "polling, but the bot never called getUpdates - is the dispatcher running?"
        else:
            ago = time.monotonic() - bot.last_poll_at
            mode = (
                f"polling; last getUpdates {ago:.1f}s ago, {len(bot.pending)} pending update(s)"
                " - is the handler stuck, or is polling running with handle_as_tasks=True?"
            )
        return (
            f"bot {bot.bot_id} did not finish processing update {update_id} within "
            f"{timeout:g}s ({mode})"
        )

    def _ack(self, bot: BotState, update_id: int) -> None:
        future = bot.ack_waiters.pop(update_id, None)
        if future is not None and not future.done():
            future.set_result(None)

    def _confirm_below(self, bot: BotState, offset: int) -> None:
        """getUpdates ``offset`` semantics: forget every update with a smaller id."""
        pending = bot.pending
        while pending:
            first = next(iter(pending))
            if first >= offset:
                break
            pending.popitem(last=False)
            self._ack(bot, first)

    def _drop_pending(self, bot: BotState) -> None:
        for update_id in list(bot.pending):
            self._ack(bot, update_id)
        bot.pending.clear()

    # ------------------------------------------------------------------ webhook delivery

    def _spawn_delivery(self, bot: BotState, update_id: int, body: JsonDict) -> None:
        bot.inflight.add(update_id)
        task = asyncio.get_running_loop().create_task(self._deliver(bot, update_id, body))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _http_session(self) -> aiohttp.ClientSession:
        if self._http is None or self._http.closed:
            self._http = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.webhook_timeout)
            )
        return self._http

    async def _deliver(self, bot: BotState, update_id: int, body: JsonDict) -> None:
        config = bot.webhook
        if config is None:
            return
        headers = {"Content-Type": "application/json"}
        if config.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = config.secret_token
        payload = _json_dumps(body).encode()
        error = "not delivered"
        async with config.semaphore:
            for attempt in range(max(1, self.webhook_retries)):
                if bot.webhook is not config:
                    # webhook removed or replaced meanwhile: hand the update back so
                    # getUpdates (or the new webhook) gets it, as Telegram keeps it
                    self._requeue(bot, update_id, body)
                    return
                try:
                    async with self._http_session().post(
                        config.url, data=payload, headers=headers
                    ) as response:
                        if 200 <= response.status < 300:
                            await self._execute_webhook_reply(bot, response)
                            bot.inflight.discard(update_id)
                            self._ack(bot, update_id)
                            return
                        reason = response.reason or ""
                        error = f"Wrong response from the webhook: {response.status} {reason}"
                except (aiohttp.ClientError, TimeoutError) as exc:
                    error = f"Connection failed: {type(exc).__name__}: {exc}"
                config.last_error_date = now()
                config.last_error_message = error.strip()
                if attempt + 1 < self.webhook_retries:
                    await asyncio.sleep(self.webhook_retry_delay * (attempt + 1))
        bot.inflight.discard(update_id)
        self._fail_delivery(bot, update_id, error.strip())

    def _requeue(self, bot: BotState, update_id: int, body: JsonDict) -> None:
        bot.inflight.discard(update_id)
        if bot.webhook is not None:
            self._spawn_delivery(bot, update_id, body)
            return
        bot.pending[update_id] = body
        if len(bot.pending) > 1 and next(reversed(bot.pending)) != max(bot.pending):
            ordered = sorted(bot.pending.items())
            bot.pending.clear()
            bot.pending.update(ordered)
        if bot.wakeup is not None:
            bot.wakeup.set()

    def _fail_delivery(self, bot: BotState, update_id: int, error: str) -> None:
        bot.failed_deliveries[update_id] = error
        if len(bot.failed_deliveries) > 1000:  # bounded: only recent failures matter
            bot.failed_deliveries.pop(next(iter(bot.failed_deliveries)))
        future = bot.ack_waiters.pop(update_id, None)
        if future is not None and not future.done():
            future.set_exception(
                RuntimeError(f"webhook delivery of update {update_id} failed: {error}")
            )

    async def _execute_webhook_reply(
        self, bot: BotState, response: aiohttp.ClientResponse
    ) -> None:
        """Telegram executes a method returned in the webhook reply (aiogram does this when
        a handler returns a method and the handler runs in the foreground)."""
        content_type = response.content_type
        params: JsonDict | None = None
        if content_type == "multipart/form-data":
            reader = aiohttp.MultipartReader(response.headers, response.content)
            params = await read_multipart(reader)
        elif content_type == "application/json":
            with contextlib.suppress(ValueError):
                body = await response.json()
                if isinstance(body, dict):
                    params = decode_params(body.items())
        if not params or not isinstance(params.get("method"), str):
            return
        method = params.pop("method")
        with contextlib.suppress(ApiError):  # errors of reply methods are silently dropped
            await self.call(bot, method, params)

    # ------------------------------------------------------------------ helpers for methods

    def _method_table(self) -> dict[str, Handler]:
        return {
            "getMe": self._get_me,
            "logOut": self._true,
            "close": self._true,
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "editMessageCaption": self._edit_message_caption,
            "deleteMessage": self._delete_message,
            "sendPhoto": self._send_photo,
            "sendDocument": self._send_document,
            "sendChatAction": self._send_chat_action,
            "answerCallbackQuery": self._answer_callback_query,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "setChatMenuButton": self._set_chat_menu_button,
            "getChatMenuButton": self._get_chat_menu_button,
            "getChat": self._get_chat,
            "getChatMember": self._get_chat_member,
            "getChatMemberCount": self._get_chat_member_count,
            "getFile": self._get_file,
            "sendMessageDraft": self._send_message_draft,
            "sendInvoice": self._send_invoice,
            "createInvoiceLink": self._create_invoice_link,
            "answerPreCheckoutQuery": self._answer_pre_checkout_query,
            "copyMessage": self._copy_message,
            "forwardMessage": self._forward_message,
            "setMyName": self._set_text("name", "name"),
            "getMyName": self._get_text("name", "name"),
            "setMyDescription": self._set_text("description", "description"),
            "getMyDescription": self._get_text("description", "description"),
            "setMyShortDescription": self._set_text("short_description", "short_description"),
            "getMyShortDescription": self._get_text("short_description", "short_description"),
        }

    def _chat(
        self, bot: BotState, p: Params, name: str = "chat_id", send: bool = True
    ) -> ChatState:
        """Resolve a chat parameter; ``send`` applies blocked/flood checks."""
        raw = p.raw(name)
        if raw is None or raw == "":
            raise bad_request(f"{name} is empty")
        chat_id: int | None
        if isinstance(raw, str) and raw.startswith("@"):
            chat_id = bot.usernames.get(raw[1:].lower())
        else:
            try:
                chat_id = int(raw)
            except (TypeError, ValueError):
                chat_id = None
        chat = bot.chats.get(chat_id) if chat_id is not None else None
        if chat is None:
            raise bad_request("chat not found")
        if send:
            if chat.blocked:
                raise ApiError(403, "Forbidden: bot was blocked by the user")
            status = chat.members.get(bot.bot_id)
            if status == "kicked":
                kind = "channel chat" if chat.type == "channel" else "group chat"
                raise ApiError(403, f"Forbidden: bot was kicked from the {kind}")
            if status == "left":
                raise ApiError(403, "Forbidden: bot is not a member of the chat")
        return chat

    def _check_flood(self, chat: ChatState) -> None:
        if self._global_rate is not None or self._random_faults is not None:
            self._check_global(chat)
        limit = self._flood_limit
        if limit is None:
            return
        moment = time.monotonic()
        window = chat.flood
        while window and moment - window[0] >= 1.0:
            window.popleft()
        if len(window) >= limit:
            retry_after = max(1, int(1.0 - (moment - window[0]) + 0.999))
            raise ApiError(
                429,
                f"Too Many Requests: retry after {retry_after}",
                {"retry_after": retry_after},
            )
        window.append(moment)

    def _format(
        self, p: Params, text_field: str, entities_field: str, limit: int, too_long: str
    ) -> tuple[str, list[Entity], str | None]:
        """Parse text/caption with parse_mode or explicit entities; returns (plain, entities,
        stored html)."""
        raw = p.string(text_field) or ""
        parse_mode = p.string("parse_mode")
        explicit = p.json(entities_field)
        try:
            plain, entities = parse_text(raw, parse_mode, explicit if explicit else None)
        except EntityParseError as exc:
            raise bad_request(f"can't parse entities: {exc}") from None
        except ValueError:
            raise bad_request("unsupported parse_mode") from None
        if len(plain) > limit:
            raise bad_request(too_long)
        html = raw if (parse_mode or "").lower() == "html" else escape(plain, quote=False)
        return plain, entities, html

    def _markup(
        self, p: Params, inline_only: bool = False
    ) -> tuple[JsonDict | None, JsonDict | None]:
        """Split ``reply_markup`` into (inline keyboard, other keyboard) after validation."""
        markup = p.json("reply_markup")
        if markup is None:
            return None, None
        if not isinstance(markup, dict):
            raise bad_request("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            self._validate_inline_keyboard(markup["inline_keyboard"])
            return markup, None
        if inline_only:
            raise bad_request("inline keyboard expected")
        if "keyboard" in markup or "remove_keyboard" in markup or "force_reply" in markup:
            return None, markup
        raise bad_request("can't parse reply keyboard markup JSON object")

    @staticmethod
    def _validate_inline_keyboard(rows: Any) -> None:
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request(
                'can\'t parse inline keyboard button: field "inline_keyboard" '
                "must be an Array of Arrays"
            )
        for row in rows:
            for button in row:
                if not isinstance(button, dict) or not button.get("text"):
                    raise bad_request("can't parse inline keyboard button: Text must be non-empty")
                if not any(key in button for key in INLINE_ACTION_FIELDS):
                    raise bad_request("text buttons are unallowed in the inline keyboard")
                data = button.get("callback_data")
                if data is not None and not 1 <= len(str(data).encode("utf-8")) <= 64:
                    raise bad_request("BUTTON_DATA_INVALID")
                url = button.get("url")
                if url is not None and not str(url).startswith(("http://", "https://", "tg://")):
                    raise bad_request(
                        f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL"
                    )

    def _new_bot_message(
        self,
        bot: BotState,
        chat: ChatState,
        inline: JsonDict | None = None,
        keyboard: JsonDict | None = None,
        **fields: Any,
    ) -> StoredMessage:
        message = StoredMessage(
            message_id=chat.allocate_message_id(),
            chat_id=chat.chat_id,
            date=now(),
            sender=bot.user if chat.type != "channel" else None,
            from_bot=True,
            reply_markup=inline,
            reply_keyboard=keyboard,
            **fields,
        )
        chat.messages[message.message_id] = message
        chat.log.append(message.message_id)
        if keyboard is not None:
            if "keyboard" in keyboard:
                chat.reply_keyboard = keyboard
            elif keyboard.get("remove_keyboard"):
                chat.reply_keyboard = None
        return message

    def message_dict(self, bot: BotState, message: StoredMessage) -> JsonDict:
        """The Telegram Message object for a stored message of ``bot``."""
        return message.to_dict(bot.chats[message.chat_id].info)

    def _bot_message(self, chat: ChatState, p: Params, action: str) -> StoredMessage:
        message_id = p.integer("message_id")
        if message_id is None:
            raise bad_request("message identifier is not specified")
        message = chat.messages.get(message_id)
        if message is None or message.deleted:
            raise bad_request(f"message to {action} not found")
        if not message.from_bot:
            raise bad_request(f"message can't be {action}ed")
        return message

    @staticmethod
    def _reply_extra(chat: ChatState, p: Params) -> JsonDict:
        """``reply_to_message`` for ``reply_parameters`` (aiogram's ``message.reply``)."""
        reply = p.json("reply_parameters")
        if not isinstance(reply, dict) or reply.get("message_id") is None:
            return {}
        target = chat.messages.get(int(reply["message_id"]))
        if target is None or target.deleted:
            if reply.get("allow_sending_without_reply"):
                return {}
            raise bad_request("message to be replied not found")
        replied = target.to_dict(chat.info)
        replied.pop("reply_to_message", None)  # Telegram nests replies one level only
        return {"reply_to_message": replied}

    def _edit_target(self, bot: BotState, p: Params) -> tuple[ChatState, StoredMessage]:
        if p.raw("inline_message_id") is not None:
            # inline mode is not emulated; behave like an unknown inline message
            raise bad_request("MESSAGE_ID_INVALID")
        chat = self._chat(bot, p)
        return chat, self._bot_message(chat, p, "edit")

    def _touch(self, chat: ChatState, message: StoredMessage) -> None:
        message.edit_date = now()
        chat.log.append(message.message_id)

    # --------------------------------------------------------------- files

    def _new_file(
        self,
        bot: BotState,
        kind: str,
        data: bytes,
        filename: str | None,
        mime_type: str | None,
        url: str | None = None,
    ) -> StoredFile:
        serial = next(self._ids)
        digest = hashlib.sha1(data, usedforsecurity=False).hexdigest()[:16]
        prefix = "AgAC" if kind == "photo" else "BQAC"
        file_id = f"{prefix}{bot.bot_id:x}{serial:x}_{secrets.token_urlsafe(12)}"
        unique = ("AQAD" if kind == "photo" else "AgAD") + digest
        if kind == "photo":
            path = f"photos/file_{serial}.jpg"
        else:
            suffix = filename.rsplit(".", 1)[-1] if filename and "." in filename else "bin"
            path = f"documents/file_{serial}.{suffix}"
        width, height = image_size(data) if kind == "photo" else (0, 0)
        stored = StoredFile(
            file_id=file_id,
            file_unique_id=unique,
            bot_id=bot.bot_id,
            kind=kind,
            data=data,
            filename=filename,
            mime_type=mime_type,
            file_path=path,
            width=width,
            height=height,
            url=url,
        )
        self._files[file_id] = stored
        self._file_paths[(bot.bot_id, path)] = stored
        return stored

    def store_upload(
        self,
        token: str,
        kind: str,
        data: bytes,
        filename: str | None = None,
        mime_type: str | None = None,
    ) -> StoredFile:
        """Store a file as if a user sent it to the bot (downloadable through getFile)."""
        bot = self._bot(token)
        if kind == "photo":
            return self._new_file(bot, "photo", data, None, "image/jpeg")
        mime = guess_mime_type(filename, mime_type)
        return self._new_file(bot, "document", data, filename, mime)

    def _input_file(self, bot: BotState, p: Params, field: str, kind: str) -> StoredFile:
        value = p.raw(field)
        if value is None or value == "":
            raise bad_request(f"there is no {field} in the request")
        if isinstance(value, str) and value.startswith("attach://"):
            value = p.raw(value[len("attach://") :])
            if not isinstance(value, UploadedFile):
                raise bad_request("wrong file identifier/HTTP URL specified")
        if isinstance(value, UploadedFile):
            limit = self.max_photo_size if kind == "photo" else self.max_document_size
            if len(value.data) > limit:
                raise ApiError(413, "Request Entity Too Large")
            if kind == "photo":
                return self._new_file(bot, "photo", value.data, None, "image/jpeg")
            mime = guess_mime_type(value.filename, value.content_type)
            return self._new_file(bot, "document", value.data, value.filename, mime)
        text = str(value)
        if text.startswith(("http://", "https://")):
            # never fetched: the emulator must not touch the network
            name = text.rstrip("/").rsplit("/", 1)[-1] or None
            mime = "image/jpeg" if kind == "photo" else guess_mime_type(name)
            return self._new_file(bot, kind, b"", name, mime, url=text)
        stored = self._files.get(text)
        if stored is None or stored.bot_id != bot.bot_id:
            raise bad_request("wrong file identifier/HTTP URL specified")
        if stored.kind != kind:
            raise bad_request(f"can't use file of type {stored.kind.title()} as {kind.title()}")
        return stored

    # --------------------------------------------------------------- methods: bot & updates

    async def _true(self, bot: BotState, p: Params) -> bool:
        return True

    async def _get_me(self, bot: BotState, p: Params) -> JsonDict:
        return bot.user

    async def _get_updates(self, bot: BotState, p: Params) -> list[JsonDict]:
        if bot.webhook is not None:
            raise ApiError(409, WEBHOOK_CONFLICT)
        offset = p.integer("offset", 0) or 0
        limit = min(100, max(1, p.integer("limit", 100) or 100))
        timeout = max(0, p.integer("timeout", 0) or 0)
        allowed = p.json("allowed_updates")
        if isinstance(allowed, list):
            bot.allowed_updates = frozenset(map(str, allowed)) if allowed else None
        bot.last_poll_at = time.monotonic()
        if offset < 0:
            # "last |offset| updates": older ones are forgotten
            while len(bot.pending) > -offset:
                self._ack(bot, bot.pending.popitem(last=False)[0])
        elif offset > 0:
            self._confirm_below(bot, offset)
        # A newer getUpdates terminates an older long poll with 409, like Telegram.
        bot.poll_generation += 1
        generation = bot.poll_generation
        if bot.wakeup is not None:
            bot.wakeup.set()
        if not bot.pending and timeout > 0 and not self._closing:
            wakeup = asyncio.Event()
            bot.wakeup = wakeup
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wakeup.wait(), timeout)
            if bot.wakeup is wakeup:
                bot.wakeup = None
            if bot.poll_generation != generation:
                raise ApiError(409, POLL_CONFLICT)
            bot.last_poll_at = time.monotonic()
        return list(itertools.islice(bot.pending.values(), limit))

    async def _set_webhook(self, bot: BotState, p: Params) -> bool:
        url = p.string("url") or ""
        if not url:
            return await self._delete_webhook(bot, p)
        if not url.startswith(("http://", "https://")):
            raise bad_request("bad webhook: HTTPS url must be provided for webhook")
        secret = p.string("secret_token")
        if secret is not None and not SECRET_RE.match(secret):
            raise bad_request("secret token contains unallowed characters")
        max_connections = p.integer("max_connections", 40) or 40
        if not 1 <= max_connections <= 100:
            raise bad_request("bad webhook: max_connections must be between 1 and 100")
        allowed = p.json("allowed_updates")
        if isinstance(allowed, list):
            bot.allowed_updates = frozenset(map(str, allowed)) if allowed else None
        if p.boolean("drop_pending_updates"):
            self._drop_pending(bot)
        bot.webhook = WebhookConfig(
            url=url,
            secret_token=secret,
            max_connections=max_connections,
            semaphore=asyncio.Semaphore(max_connections),
        )
        # An active long poll ends, and queued updates now go to the webhook.
        if bot.wakeup is not None:
            bot.wakeup.set()
        queued = list(bot.pending.items())
        bot.pending.clear()
        for update_id, body in queued:
            self._spawn_delivery(bot, update_id, body)
        return True

    async def _delete_webhook(self, bot: BotState, p: Params) -> bool:
        bot.webhook = None
        if p.boolean("drop_pending_updates"):
            self._drop_pending(bot)
        return True

    async def _get_webhook_info(self, bot: BotState, p: Params) -> JsonDict:
        info: JsonDict = {
            "url": "",
            "has_custom_certificate": False,
            "pending_update_count": len(bot.pending) + len(bot.inflight),
        }
        config = bot.webhook
        if config is not None:
            info["url"] = config.url
            info["max_connections"] = config.max_connections
            if config.last_error_date is not None:
                info["last_error_date"] = config.last_error_date
                info["last_error_message"] = config.last_error_message
        if bot.allowed_updates is not None:
            info["allowed_updates"] = sorted(bot.allowed_updates)
        return info

    # --------------------------------------------------------------- methods: messages

    async def _send_message(self, bot: BotState, p: Params) -> JsonDict:
        chat = self._chat(bot, p)
        if not p.string("text"):
            raise bad_request("message text is empty")
        plain, entities, html = self._format(
            p, "text", "entities", MAX_TEXT_LENGTH, "message is too long"
        )
        if not plain:
            raise bad_request("message text is empty")
        inline, keyboard = self._markup(p)
        extra = self._reply_extra(chat, p)
        self._check_flood(chat)
        message = self._new_bot_message(
            bot, chat, inline, keyboard, text=plain, entities=entities, html=html, extra=extra
        )
        return message.to_dict(chat.info)

    async def _send_media(self, bot: BotState, p: Params, kind: str) -> JsonDict:
        chat = self._chat(bot, p)
        caption, entities, html = self._format(
            p, "caption", "caption_entities", MAX_CAPTION_LENGTH, "message caption is too long"
        )
        inline, keyboard = self._markup(p)
        stored = self._input_file(bot, p, kind, kind)
        extra = self._reply_extra(chat, p)
        self._check_flood(chat)
        media: dict[str, StoredFile] = {kind: stored}
        message = self._new_bot_message(
            bot,
            chat,
            inline,
            keyboard,
            extra=extra,
            caption=caption or None,
            caption_entities=entities,
            html=html if caption else None,
            **media,
        )
        return message.to_dict(chat.info)

    async def _send_photo(self, bot: BotState, p: Params) -> JsonDict:
        return await self._send_media(bot, p, "photo")

    async def _send_document(self, bot: BotState, p: Params) -> JsonDict:
        return await self._send_media(bot, p, "document")

    async def _edit_message_text(self, bot: BotState, p: Params) -> JsonDict:
        chat, message = self._edit_target(bot, p)
        if message.text is None:
            raise bad_request("there is no text in the message to edit")
        if not p.string("text"):
            raise bad_request("message text is empty")
        plain, entities, html = self._format(
            p, "text", "entities", MAX_TEXT_LENGTH, "message is too long"
        )
        if not plain:
            raise bad_request("message text is empty")
        inline, _ = self._markup(p, inline_only=True)
        if (
            plain == message.text
            and entities == message.entities
            and _same_markup(inline, message.reply_markup)
        ):
            raise bad_request(NOT_MODIFIED.removeprefix("Bad Request: "))
        message.text, message.entities, message.html = plain, entities, html
        # Like Telegram: an edit without reply_markup removes the inline keyboard.
        message.reply_markup = inline
        self._touch(chat, message)
        return message.to_dict(chat.info)

    async def _edit_message_caption(self, bot: BotState, p: Params) -> JsonDict:
        chat, message = self._edit_target(bot, p)
        if message.photo is None and message.document is None:
            raise bad_request("there is no caption in the message to edit")
        caption, entities, html = self._format(
            p, "caption", "caption_entities", MAX_CAPTION_LENGTH, "message caption is too long"
        )
        inline, _ = self._markup(p, inline_only=True)
        if (
            (caption or None) == message.caption
            and entities == message.caption_entities
            and _same_markup(inline, message.reply_markup)
        ):
            raise bad_request(NOT_MODIFIED.removeprefix("Bad Request: "))
        message.caption = caption or None
        message.caption_entities = entities
        message.html = html if caption else None
        message.reply_markup = inline
        self._touch(chat, message)
        return message.to_dict(chat.info)

    async def _edit_message_reply_markup(self, bot: BotState, p: Params) -> JsonDict:
        chat, message = self._edit_target(bot, p)
        inline, _ = self._markup(p, inline_only=True)
        if _same_markup(inline, message.reply_markup):
            raise bad_request(NOT_MODIFIED.removeprefix("Bad Request: "))
        message.reply_markup = inline
        self._touch(chat, message)
        return message.to_dict(chat.info)

    async def _delete_message(self, bot: BotState, p: Params) -> bool:
        chat = self._chat(bot, p, send=False)
        message_id = p.integer("message_id")
        message = chat.messages.get(message_id) if message_id is not None else None
        if message is None or message.deleted:
            raise bad_request("message to delete not found")
        too_old = now() - message.date > 48 * 3600
        not_admin = chat.type != "private" and chat.members.get(bot.bot_id) not in (
            "administrator",
            "creator",
        )
        if too_old or (not message.from_bot and not_admin):
            raise bad_request("message can't be deleted")
        message.deleted = True
        return True

    async def _send_chat_action(self, bot: BotState, p: Params) -> bool:
        chat = self._chat(bot, p)
        action = p.string("action")
        if action not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        chat.chat_actions.append(action)
        return True

    async def _send_message_draft(self, bot: BotState, p: Params) -> bool:
        chat = self._chat(bot, p)
        if chat.type != "private":
            raise bad_request("drafts can be sent only to private chats")
        draft_id = p.integer("draft_id")
        if not draft_id:
            raise bad_request("draft_id must be non-zero")
        plain, _, html = self._format(
            p, "text", "entities", MAX_TEXT_LENGTH, "message is too long"
        )
        chat.drafts.append(Draft(draft_id, plain, html or "", time.time()))
        return True

    async def _copy_message(self, bot: BotState, p: Params) -> JsonDict:
        source_chat = self._chat(bot, p, "from_chat_id", send=False)
        chat = self._chat(bot, p)
        source = self._source_message(source_chat, p, "copy")
        inline, keyboard = self._markup(p)
        fields: JsonDict = {
            "text": source.text,
            "entities": list(source.entities),
            "html": source.html,
            "caption": source.caption,
            "caption_entities": list(source.caption_entities),
            "photo": source.photo,
            "document": source.document,
            "extra": {k: v for k, v in source.extra.items() if k in ("contact", "location")},
        }
        if p.raw("caption") is not None:
            caption, entities, html = self._format(
                p, "caption", "caption_entities", MAX_CAPTION_LENGTH, "message caption is too long"
            )
            fields.update(caption=caption or None, caption_entities=entities, html=html)
        self._check_flood(chat)
        message = self._new_bot_message(bot, chat, inline, keyboard, **fields)
        return {"message_id": message.message_id}

    async def _forward_message(self, bot: BotState, p: Params) -> JsonDict:
        source_chat = self._chat(bot, p, "from_chat_id", send=False)
        chat = self._chat(bot, p)
        source = self._source_message(source_chat, p, "forward")
        if source.sender is not None:
            origin: JsonDict = {"type": "user", "date": source.date, "sender_user": source.sender}
        else:
            origin = {
                "type": "channel",
                "date": source.date,
                "chat": source_chat.info,
                "message_id": source.message_id,
            }
        self._check_flood(chat)
        message = self._new_bot_message(
            bot,
            chat,
            text=source.text,
            entities=list(source.entities),
            html=source.html,
            caption=source.caption,
            caption_entities=list(source.caption_entities),
            photo=source.photo,
            document=source.document,
            extra={"forward_origin": origin},
        )
        return message.to_dict(chat.info)

    @staticmethod
    def _source_message(chat: ChatState, p: Params, action: str) -> StoredMessage:
        message_id = p.integer("message_id")
        source = chat.messages.get(message_id) if message_id is not None else None
        if source is None or source.deleted:
            raise bad_request(f"message to {action} not found")
        if source.invoice is not None:
            raise bad_request(f"message can't be {action}ed")
        return source

    # --------------------------------------------------------------- methods: callbacks, menus

    async def _answer_callback_query(self, bot: BotState, p: Params) -> bool:
        query_id = p.string("callback_query_id") or ""
        query = bot.callback_queries.get(query_id)
        if query is None or query.answered:
            raise bad_request(QUERY_TOO_OLD.removeprefix("Bad Request: "))
        query.answered = True
        answer = CallbackAnswer(
            callback_query_id=query_id,
            text=p.string("text"),
            show_alert=p.boolean("show_alert"),
            url=p.string("url"),
            cache_time=p.integer("cache_time", 0) or 0,
        )
        chat = bot.chats.get(query.chat_id)
        if chat is not None:
            chat.callback_answers.append(answer)
        return True

    @staticmethod
    def _scope_key(p: Params) -> tuple[str, str]:
        scope = p.json("scope") or {"type": "default"}
        return _json_dumps(scope if isinstance(scope, dict) else {"type": str(scope)}), (
            p.string("language_code") or ""
        )

    async def _set_my_commands(self, bot: BotState, p: Params) -> bool:
        commands = p.json("commands")
        if not isinstance(commands, list):
            raise bad_request("commands must be an array")
        if len(commands) > 100:
            raise bad_request("too many commands")
        cleaned: list[JsonDict] = []
        for item in commands:
            if not isinstance(item, dict):
                raise bad_request("can't parse BotCommand")
            command = str(item.get("command", ""))
            description = str(item.get("description", ""))
            if not COMMAND_RE.match(command):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(description) <= 256:
                raise bad_request("command description must be 1-256 characters")
            cleaned.append({"command": command, "description": description})
        key = self._scope_key(p)
        if cleaned:
            bot.commands[key] = cleaned
        else:
            bot.commands.pop(key, None)
        return True

    async def _get_my_commands(self, bot: BotState, p: Params) -> list[JsonDict]:
        return bot.commands.get(self._scope_key(p), [])

    async def _delete_my_commands(self, bot: BotState, p: Params) -> bool:
        bot.commands.pop(self._scope_key(p), None)
        return True

    async def _set_chat_menu_button(self, bot: BotState, p: Params) -> bool:
        button = p.json("menu_button") or {"type": "default"}
        if p.raw("chat_id") is None:
            bot.default_menu_button = button
        else:
            self._chat(bot, p, send=False).menu_button = button
        return True

    async def _get_chat_menu_button(self, bot: BotState, p: Params) -> JsonDict:
        if p.raw("chat_id") is not None:
            button = self._chat(bot, p, send=False).menu_button
            if button is not None:
                return button
        return bot.default_menu_button or {"type": "default"}

    def _set_text(self, kind: str, field: str) -> Handler:
        async def handler(bot: BotState, p: Params) -> bool:
            key = (kind, p.string("language_code") or "")
            value = p.string(field)
            if value:
                bot.texts[key] = value
            else:
                bot.texts.pop(key, None)
            return True

        return handler

    def _get_text(self, kind: str, field: str) -> Handler:
        async def handler(bot: BotState, p: Params) -> JsonDict:
            key = (kind, p.string("language_code") or "")
            default = bot.user["first_name"] if kind == "name" else ""
            return {field: bot.texts.get(key, default)}

        return handler

    # --------------------------------------------------------------- methods: chats, files

    async def _get_chat(self, bot: BotState, p: Params) -> JsonDict:
        chat = self._chat(bot, p, send=False)
        return {
            **chat.info,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": dict(ACCEPTED_GIFT_TYPES),
        }

    async def _get_chat_member(self, bot: BotState, p: Params) -> JsonDict:
        chat = self._chat(bot, p, send=False)
        user_id = p.require_int("user_id")
        if chat.type == "private":
            if user_id not in (chat.chat_id, bot.bot_id):
                raise bad_request("user not found")
            status = "member"
        else:
            status = chat.members.get(user_id, "")
            if not status:
                if user_id not in self._users:
                    raise bad_request("user not found")
                status = "left"
        return chat_member_object(self._user_object(user_id), status)

    async def _get_chat_member_count(self, bot: BotState, p: Params) -> int:
        chat = self._chat(bot, p, send=False)
        if chat.member_count is not None:
            return chat.member_count
        if chat.type == "private":
            return 2
        return sum(1 for status in chat.members.values() if status not in ("left", "kicked"))

    async def _get_file(self, bot: BotState, p: Params) -> JsonDict:
        stored = self._files.get(p.string("file_id") or "")
        if stored is None or stored.bot_id != bot.bot_id:
            raise bad_request("invalid file_id")
        if stored.size > MAX_DOWNLOAD_SIZE:
            raise bad_request("file is too big")
        return stored.file_object()

    # --------------------------------------------------------------- methods: payments

    def _invoice_fields(self, p: Params) -> tuple[JsonDict, str]:
        title = p.string("title") or ""
        description = p.string("description") or ""
        payload = p.string("payload") or ""
        currency = p.string("currency") or ""
        prices = p.json("prices")
        if not 1 <= len(title) <= 32:
            raise bad_request("TITLE_INVALID")
        if not 1 <= len(description) <= 255:
            raise bad_request("DESCRIPTION_INVALID")
        if not 1 <= len(payload.encode("utf-8")) <= 128:
            raise bad_request("PAYLOAD_INVALID")
        if not re.fullmatch(r"[A-Z]{3}", currency):
            raise bad_request("CURRENCY_INVALID")
        if currency != "XTR" and p.string("provider_token") is None:
            raise bad_request("PAYMENT_PROVIDER_INVALID")
        if not isinstance(prices, list) or not prices:
            raise bad_request("prices must be non-empty")
        try:
            total = sum(int(item["amount"]) for item in prices)
        except (KeyError, TypeError, ValueError):
            raise bad_request("can't parse prices JSON object") from None
        if total <= 0:
            raise bad_request("CURRENCY_TOTAL_AMOUNT_INVALID")
        invoice = {
            "title": title,
            "description": description,
            "start_parameter": p.string("start_parameter") or "",
            "currency": currency,
            "total_amount": total,
        }
        return invoice, payload

    async def _send_invoice(self, bot: BotState, p: Params) -> JsonDict:
        chat = self._chat(bot, p)
        invoice, payload = self._invoice_fields(p)
        inline, _ = self._markup(p, inline_only=True)
        extra = self._reply_extra(chat, p)
        self._check_flood(chat)
        message = self._new_bot_message(
            bot, chat, inline, invoice=invoice, invoice_payload=payload, extra=extra
        )
        return message.to_dict(chat.info)

    async def _create_invoice_link(self, bot: BotState, p: Params) -> str:
        self._invoice_fields(p)
        return f"https://t.me/$emulated{next(self._ids)}"

    async def _answer_pre_checkout_query(self, bot: BotState, p: Params) -> bool:
        query = bot.pre_checkout.get(p.string("pre_checkout_query_id") or "")
        if query is None or query.ok is not None:
            raise bad_request(QUERY_TOO_OLD.removeprefix("Bad Request: "))
        ok = p.boolean("ok")
        error_message = p.string("error_message")
        if not ok and not error_message:
            raise bad_request("ERROR_MESSAGE_EMPTY")
        query.ok, query.error_message = ok, error_message
        return True

    # ------------------------------------------------------------------ update builders

    def new_callback_query(
        self, bot: BotState, chat: ChatState, user: JsonDict, message: StoredMessage, data: str
    ) -> JsonDict:
        """Register a callback query and return the ``callback_query`` object."""
        query_id = str(next(self._ids) * 7919 + bot.bot_id)
        bot.callback_queries[query_id] = CallbackQueryState(chat.chat_id, int(user["id"]))
        return {
            "id": query_id,
            "from": user,
            "message": message.to_dict(chat.info),
            "chat_instance": str(abs(hash((bot.bot_id, chat.chat_id)))),
            "data": data,
        }

    def add_incoming_message(
        self, chat: ChatState, sender: JsonDict | None, **fields: Any
    ) -> StoredMessage:
        """Store a message written by a user (or a channel post) in ``chat``."""
        message = StoredMessage(
            message_id=chat.allocate_message_id(),
            chat_id=chat.chat_id,
            date=now(),
            sender=sender,
            from_bot=False,
            **fields,
        )
        chat.messages[message.message_id] = message
        return message

    def push_channel_post(self, token: str, chat_id: int, text: str) -> int:
        """Push a ``channel_post`` with ``text`` in a channel registered by :meth:`add_chat`."""
        chat = self.chat_state(token, chat_id)
        message = self.add_incoming_message(chat, None, text=text, html=escape(text, quote=False))
        return self.push_update(token, {"channel_post": message.to_dict(chat.info)})

    def _member_update(
        self, chat: ChatState, user_id: int, old: str, new: str, from_user_id: int | None
    ) -> JsonDict:
        user = self._user_object(user_id)
        actor = self._user_object(from_user_id if from_user_id is not None else user_id)
        return {
            "chat": chat.info,
            "from": actor,
            "date": now(),
            "old_chat_member": chat_member_object(user, old),
            "new_chat_member": chat_member_object(user, new),
        }

    def push_my_chat_member(
        self,
        token: str,
        chat_id: int,
        old_status: str,
        new_status: str,
        from_user_id: int | None = None,
    ) -> int:
        """Push ``my_chat_member``: the bot's own status in a chat changed.

        For a private chat the actor defaults to the user (block = "kicked").
        """
        bot = self._bot(token)
        chat = bot.chats[chat_id]
        if chat.type != "private":
            chat.members[bot.bot_id] = new_status
        if from_user_id is None and chat.type == "private":
            from_user_id = chat.chat_id  # in a private chat only the user can block the bot
        body = self._member_update(chat, bot.bot_id, old_status, new_status, from_user_id)
        return self.push_update(token, {"my_chat_member": body})

    def push_chat_member(
        self,
        token: str,
        chat_id: int,
        user_id: int,
        old_status: str,
        new_status: str,
        from_user_id: int | None = None,
    ) -> int:
        """Push ``chat_member`` (only delivered if the bot asked for it in allowed_updates)."""
        bot = self._bot(token)
        chat = bot.chats[chat_id]
        chat.members[user_id] = new_status
        body = self._member_update(chat, user_id, old_status, new_status, from_user_id)
        return self.push_update(token, {"chat_member": body})

    def push_pre_checkout_query(
        self,
        token: str,
        user_id: int,
        currency: str,
        total_amount: int,
        invoice_payload: str,
        query_id: str | None = None,
    ) -> tuple[int, str]:
        """Push ``pre_checkout_query``; returns ``(update_id, query_id)``.

        The bot's answer is then in :meth:`pre_checkout_answer`.
        """
        bot = self._bot(token)
        query_id = query_id or f"{bot.bot_id}{next(self._ids):08d}"
        bot.pre_checkout[query_id] = PreCheckoutAnswer(
            user_id, currency, total_amount, invoice_payload
        )
        body = {
            "id": query_id,
            "from": self._user_object(user_id),
            "currency": currency,
            "total_amount": total_amount,
            "invoice_payload": invoice_payload,
        }
        return self.push_update(token, {"pre_checkout_query": body}), query_id

    def pre_checkout_answer(self, token: str, query_id: str) -> PreCheckoutAnswer | None:
        """The bot's answer to a pre-checkout query (``ok`` is None while unanswered)."""
        return self._bot(token).pre_checkout.get(query_id)

    def push_successful_payment(
        self,
        token: str,
        user_id: int,
        currency: str,
        total_amount: int,
        invoice_payload: str,
        telegram_payment_charge_id: str | None = None,
        provider_payment_charge_id: str | None = None,
    ) -> int:
        """Push the ``successful_payment`` service message from ``user_id`` (private chat)."""
        bot = self._bot(token)
        chat = bot.chats[user_id]
        payment = {
            "currency": currency,
            "total_amount": total_amount,
            "invoice_payload": invoice_payload,
            "telegram_payment_charge_id": telegram_payment_charge_id
            or f"tg_{secrets.token_hex(8)}",
            "provider_payment_charge_id": provider_payment_charge_id
            or f"prov_{secrets.token_hex(8)}",
        }
        message = self.add_incoming_message(
            chat, self._user_object(user_id), extra={"successful_payment": payment}
        )
        return self.push_update(token, {"message": message.to_dict(chat.info)})


def _consume_exception(future: asyncio.Future[None]) -> None:
    if not future.cancelled():
        future.exception()


def chat_member_object(user: JsonDict, status: str) -> JsonDict:
    """A ``ChatMember`` object of the given status with the fields aiogram requires."""
    member: JsonDict = {"status": status, "user": user}
    if status == "creator":
        member["is_anonymous"] = False
    elif status == "administrator":
        member.update(ADMIN_RIGHTS)
    elif status == "kicked":
        member["until_date"] = 0
    elif status == "restricted":
        member.update(
            {
                "is_member": True,
                "until_date": 0,
                **{
                    name: False
                    for name in (
                        "can_send_messages",
                        "can_send_audios",
                        "can_send_documents",
                        "can_send_photos",
                        "can_send_videos",
                        "can_send_video_notes",
                        "can_send_voice_notes",
                        "can_send_polls",
                        "can_send_other_messages",
                        "can_add_web_page_previews",
                        "can_react_to_messages",
                        "can_edit_tag",
                        "can_change_info",
                        "can_invite_users",
                        "can_pin_messages",
                        "can_manage_topics",
                    )
                },
            }
        )
    return member


def _keyboard_rows(markup: JsonDict | None) -> list[list[JsonDict]]:
    if not markup:
        return []
    rows = markup.get("inline_keyboard") or []
    return [list(row) for row in rows if row]


def _same_markup(new: JsonDict | None, old: JsonDict | None) -> bool:
    """Compare inline keyboards the way Telegram does (no keyboard == empty keyboard)."""
    return _keyboard_rows(new) == _keyboard_rows(old)
