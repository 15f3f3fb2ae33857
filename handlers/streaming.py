"""Answers that grow in the chat while the model writes them.

In a private chat the text grows in a draft (``sendMessageDraft``: the first text at once,
then at most every ``DRAFT_INTERVAL``); if drafts fail, one message is sent and edited at most
once per second. ``typing…`` shows until the first text. ``finish`` always ends with real
messages (a draft is only an ephemeral preview), split to Telegram's 4096 characters.

Model text is Markdown-ish: it is HTML-escaped, then a safe subset becomes Telegram HTML
(``**bold**``, ``# headings`` as bold lines, `` `code` ``, "- " and "* " bullets as "•").
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import re
import time
from types import TracebackType

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.types import InlineKeyboardMarkup, Message
from aiogram.utils.chat_action import ChatActionSender
from aiogram.utils.i18n import gettext as _

from services.ai import AIReply

log = logging.getLogger(__name__)

TEXT_LIMIT = 4096
DRAFT_INTERVAL = 0.4  # seconds between draft updates
EDIT_INTERVAL = 1.0  # seconds between edits of the fallback message
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_CODE = re.compile(r"`([^`\n]+)`")
_HEADING = re.compile(r"^#{1,6}\s+(.+)$")
_BULLET = re.compile(r"^(\s*)[-*]\s+")
_TAG = re.compile(r"<[^>]+>")


def markdown_line(line: str) -> str:
    """One line of model text as safe Telegram HTML."""
    heading = _HEADING.match(line.strip())
    if heading:
        return f"<b>{html.escape(heading.group(1).strip('* '), quote=False)}</b>"
    line = _BULLET.sub(lambda m: m.group(1) + "• ", line)
    escaped = html.escape(line, quote=False)
    escaped = _CODE.sub(r"<code>\1</code>", escaped)
    return _BOLD.sub(r"<b>\1</b>", escaped)


def markdown_to_html(text: str) -> str:
    """Model text (unclosed markers stay literal) as Telegram HTML."""
    return "\n".join(markdown_line(line) for line in text.strip().split("\n"))


def visible_length(html_text: str) -> int:
    """The length Telegram counts: the text after entity parsing."""
    return len(html.unescape(_TAG.sub("", html_text)))


def plain_text(html_text: str) -> str:
    """HTML as the plain text the user sees."""
    return html.unescape(_TAG.sub("", html_text))


def split_html(html_text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Split at line breaks (tags never span lines here) into parts of at most ``limit``
    visible characters; a longer line is cut as plain text."""
    parts: list[str] = []
    current: list[str] = []
    size = 0
    for line in html_text.split("\n"):
        length = visible_length(line)
        if length > limit:
            plain = html.unescape(_TAG.sub("", line))
            pieces = [html.escape(plain[i:i + limit], quote=False)
                      for i in range(0, len(plain), limit)]
        else:
            pieces = [line]
        for piece in pieces:
            piece_len = visible_length(piece)
            if current and size + 1 + piece_len > limit:
                parts.append("\n".join(current))
                current, size = [], 0
            size += piece_len + (1 if current else 0)
            current.append(piece)
    if current:
        parts.append("\n".join(current))
    return [part for part in parts if part.strip()] or [html_text[:limit]]


def fallback_note(reply: AIReply) -> str:
    """The line that marks a rule/template answer, with why the model did not answer."""
    if reply.reason == "rate_limited":
        return _("⚙️ Offline answer — this hour's AI requests are used up; built from rules "
                 "and templates.")
    if reply.reason in ("timeout", "error"):
        return _("⚙️ Offline answer — the AI did not answer in time; built from rules and "
                 "templates.")
    return _("⚙️ Offline answer — built from rules and templates, no AI key in use.")


def draft_preview(text: str, limit: int = TEXT_LIMIT - 96) -> str:
    """The part of a growing answer a draft can show: the end, when it is long."""
    if len(text) > limit:
        text = "…" + text[-limit:].split("\n", 1)[-1]
    return markdown_to_html(text)


class AnswerStream:
    """``async with AnswerStream(bot, chat_id) as s: ... on_text=s.update ...; await
    s.finish(html)``."""

    def __init__(self, bot: Bot, chat_id: int, *, private: bool = True,
                 draft_interval: float = DRAFT_INTERVAL,
                 edit_interval: float = EDIT_INTERVAL) -> None:
        self.bot = bot
        self.chat_id = chat_id
        self.draft_id = (time.monotonic_ns() % 2_000_000_000) or 1
        self._drafts = private
        self._draft_interval = draft_interval
        self._edit_interval = edit_interval
        self._typing: ChatActionSender | None = None
        self._message: Message | None = None  # the edited message when drafts failed
        self._shown = ""
        self._latest = ""
        self._last_at = 0.0
        self._flush: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self.first_shown_at: float | None = None

    async def __aenter__(self) -> AnswerStream:
        self._typing = ChatActionSender.typing(bot=self.bot, chat_id=self.chat_id)
        await self._typing.__aenter__()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        await self._stop_typing()
        if self._flush is not None:
            self._flush.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._flush

    async def _stop_typing(self) -> None:
        if self._typing is not None:
            typing, self._typing = self._typing, None
            await typing.__aexit__(None, None, None)

    async def update(self, text: str) -> None:
        """The answer so far (``on_text`` of the gateway)."""
        self._latest = text
        if self.first_shown_at is None:
            await self._stop_typing()
            await self._show()
            return
        interval = self._draft_interval if self._message is None else self._edit_interval
        wait = self._last_at + interval - time.monotonic()
        if wait <= 0:
            await self._show()
        elif self._flush is None or self._flush.done():
            self._flush = asyncio.create_task(self._show_later(wait))

    async def _show_later(self, wait: float) -> None:
        await asyncio.sleep(wait)
        await self._show()

    async def _show(self) -> None:
        async with self._lock:
            text = self._latest
            if text == self._shown:
                return
            preview = draft_preview(text)
            try:
                if self._drafts and self._message is None:
                    try:
                        await self.bot.send_message_draft(chat_id=self.chat_id,
                                                          draft_id=self.draft_id, text=preview)
                    except TelegramBadRequest as exc:
                        log.info("drafts unavailable in chat %s (%s); editing a message",
                                 self.chat_id, exc.message)
                        self._drafts = False
                if not self._drafts:
                    if self._message is None:
                        self._message = await self.bot.send_message(self.chat_id, preview)
                    else:
                        await self._message.edit_text(preview)
            except TelegramAPIError as exc:  # a preview failing never stops the answer
                log.warning("streaming preview failed in chat %s: %s", self.chat_id, exc)
            self._shown = text
            self._last_at = time.monotonic()
            if self.first_shown_at is None:
                self.first_shown_at = time.monotonic()

    async def finish(self, html_text: str,
                     reply_markup: InlineKeyboardMarkup | None = None) -> list[Message]:
        """Send the final answer (HTML) as real messages; buttons go under the last one."""
        if self._flush is not None:
            self._flush.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._flush
        await self._stop_typing()
        parts = split_html(html_text)
        sent: list[Message] = []
        async with self._lock:
            for index, part in enumerate(parts):
                markup = reply_markup if index == len(parts) - 1 else None
                if index == 0 and self._message is not None:
                    try:
                        edited = await self._message.edit_text(part, reply_markup=markup)
                        if isinstance(edited, Message):
                            sent.append(edited)
                            continue
                    except TelegramBadRequest as exc:
                        if "not modified" in exc.message:
                            sent.append(self._message)
                            continue
                        # e.g. too old to edit: send anew
                sent.append(await self.bot.send_message(self.chat_id, part,
                                                        reply_markup=markup))
            self._shown = self._latest
        return sent
