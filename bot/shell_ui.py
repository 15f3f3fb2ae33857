"""Terminal rendering of a bot conversation for a human (the ``shell`` command).

The shell plays a Telegram user against the Bot API emulator. This module only knows the
small duck-typed surface it needs (see :class:`ShellUser` / :class:`ShellMessage`), so it
depends on no other project module.

Input: a number (one or two digits) presses that inline button of the latest message with
buttons, a longer number is sent as text, a leading ``'`` sends the rest as text; a letter
(``a``, ``b``…) presses a reply keyboard button; ``/file <path>``, ``/photo <path>``,
``/contact``; ``/quit`` (or end of input) leaves; anything else is sent as text.
"""

from __future__ import annotations

import asyncio
import mimetypes
import re
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

__all__ = [
    "HELP",
    "ShellMessage",
    "ShellUser",
    "letter_index",
    "letter_label",
    "render_message",
    "run_interactive",
]

HELP = (
    "Type a message and press Enter. [N] presses inline button N, (x) presses reply "
    "button x ('x or '12 sends it as text).\nCommands: /file <path>, /photo <path>, /contact, "
    "/quit"
)
_ACTION_LABELS = {
    "typing": "…typing",
    "upload_photo": "…sending photo",
    "upload_document": "…sending file",
    "upload_video": "…sending video",
    "record_voice": "…recording voice",
    "upload_voice": "…sending voice",
    "find_location": "…finding location",
}
# ISO 4217 minor units for the currencies where it is not 2 (Telegram's currencies.json).
_CURRENCY_EXP = {"XTR": 0, "JPY": 0, "KRW": 0, "VND": 0, "CLP": 0, "ISK": 0, "HUF": 2}
_LETTERS = re.compile(r"^[a-z]{1,2}$")


class ShellButton(Protocol):
    """What the shell reads from an inline button."""

    @property
    def text(self) -> str: ...


class ShellMessage(Protocol):
    """What the shell reads from a bot message (``bot.emulator.BotMessage`` fits)."""

    @property
    def message_id(self) -> int: ...
    @property
    def text(self) -> str: ...
    @property
    def buttons(self) -> Sequence[Sequence[ShellButton]]: ...
    @property
    def reply_buttons(self) -> Sequence[Sequence[str]]: ...
    @property
    def photo(self) -> bytes | None: ...
    @property
    def document(self) -> bytes | None: ...
    @property
    def filename(self) -> str | None: ...
    @property
    def invoice(self) -> dict[str, Any] | None: ...
    @property
    def edited(self) -> bool: ...


class ShellUser(Protocol):
    """What the shell needs from a user (``bot.emulator.EmulatedUser`` fits)."""

    @property
    def chat_actions(self) -> list[str]: ...
    @property
    def reply_keyboard(self) -> list[list[str]] | None: ...

    async def send(self, text: str) -> Sequence[ShellMessage]: ...
    async def press(self, button: int | str) -> Sequence[ShellMessage]: ...
    async def reply_button(self, button: str | int) -> Sequence[ShellMessage]: ...
    async def send_contact(self) -> Sequence[ShellMessage]: ...
    async def send_document(
        self, filename: str, data: bytes, caption: str | None = None, mime_type: str | None = None
    ) -> Sequence[ShellMessage]: ...
    async def send_photo(
        self, data: bytes, caption: str | None = None
    ) -> Sequence[ShellMessage]: ...


def letter_label(index: int) -> str:
    """0 -> "a", 25 -> "z", 26 -> "aa": labels for reply keyboard buttons."""
    if index < 26:
        return chr(ord("a") + index)
    return letter_label(index // 26 - 1) + chr(ord("a") + index % 26)


def letter_index(label: str) -> int:
    """Inverse of :func:`letter_label` (returns the 0-based index)."""
    value = 0
    for char in label:
        value = value * 26 + (ord(char) - ord("a") + 1)
    return value - 1


def _format_amount(total: int, currency: str) -> str:
    exp = _CURRENCY_EXP.get(currency, 2)
    if exp == 0:
        return f"{total:,} {currency}".replace(",", " ")
    whole, minor = divmod(total, 10**exp)
    return f"{whole:,}.{minor:0{exp}d} {currency}".replace(",", " ")


def render_message(msg: ShellMessage, index_offset: int = 0) -> str:
    """Render one bot message as terminal text.

    Inline buttons are numbered from ``index_offset + 1`` (``[1] Label  [2] Label``, one
    keyboard row per line); reply keyboard buttons are lettered (``(a) Label``).
    """
    lines: list[str] = []
    marker = "🤖 ✏️ " if msg.edited else "🤖 "
    if msg.invoice is not None:
        invoice = msg.invoice
        amount = _format_amount(int(invoice.get("total_amount", 0)), str(invoice.get("currency")))
        lines.append(f"🧾 Invoice: {invoice.get('title', '')} — {amount}")
        if invoice.get("description"):
            lines.append(str(invoice["description"]))
    if msg.photo is not None:
        lines.append("🖼 [photo]")
    if msg.document is not None:
        lines.append(f"📎 [{msg.filename or 'document'}]")
    if msg.text:
        lines.extend(msg.text.splitlines() or [""])
    if not lines:
        lines.append("(empty message)")
    lines[0] = marker + lines[0]
    number = index_offset
    for row in msg.buttons:
        cells = []
        for button in row:
            number += 1
            cells.append(f"[{number}] {button.text}")
        lines.append("  ".join(cells))
    letter = 0
    for reply_row in msg.reply_buttons:
        cells = []
        for label in reply_row:
            cells.append(f"({letter_label(letter)}) {label}")
            letter += 1
        lines.append("  ".join(cells))
    return "\n".join(lines)


def _unique_path(directory: Path, name: str) -> Path:
    """``directory/name``, or ``name`` with ``-1``, ``-2``… before the suffix if taken."""
    safe = re.sub(r"[^\w.\-]+", "_", name).strip("._") or "file"
    candidate = directory / safe
    stem, suffix = candidate.stem, candidate.suffix
    counter = 1
    while candidate.exists():
        candidate = directory / f"{stem}-{counter}{suffix}"
        counter += 1
    return candidate


def _photo_suffix(data: bytes) -> str:
    if data.startswith(b"\x89PNG"):
        return ".png"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return ".gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return ".webp"
    return ".jpg"


class _MediaSaver:
    """Saves photos/documents once per (message, content) so edits don't duplicate files."""

    def __init__(self, media_dir: Path) -> None:
        self.media_dir = media_dir
        self._seen: set[tuple[int, str, int]] = set()

    def save(self, msg: ShellMessage) -> list[str]:
        notes: list[str] = []
        if msg.photo is not None:
            name = f"photo_{msg.message_id}{_photo_suffix(msg.photo)}"
            path = self._store(msg.message_id, "photo", msg.photo, name)
            if path is not None:
                notes.append(f"🖼 photo saved: {path}")
        if msg.document is not None:
            name = f"{msg.message_id}_{msg.filename or 'document.bin'}"
            path = self._store(msg.message_id, "document", msg.document, name)
            if path is not None:
                notes.append(f"📎 document saved: {path}")
        return notes

    def _store(self, message_id: int, kind: str, data: bytes, name: str) -> Path | None:
        key = (message_id, kind, hash(data))
        if key in self._seen:
            return None
        self._seen.add(key)
        self.media_dir.mkdir(parents=True, exist_ok=True)
        path = _unique_path(self.media_dir, name)
        path.write_bytes(data)
        return path


def _read_file(argument: str) -> tuple[str, bytes]:
    path = Path(argument).expanduser()
    return path.name, path.read_bytes()


async def _act(user: ShellUser, line: str) -> Sequence[ShellMessage]:
    """Turn one input line into a user action."""
    if line.startswith("'") and len(line) > 1:
        return await user.send(line[1:])  # 'text: always a message ("'12", "'/cmd")
    if line.isdigit() and len(line) <= 2:
        return await user.press(int(line))
    # longer numbers are answers ("2030", "250000"): no keyboard has a hundred buttons
    keyboard = user.reply_keyboard
    if keyboard and _LETTERS.match(line):
        count = sum(len(row) for row in keyboard)
        index = letter_index(line)
        if index < count:
            return await user.reply_button(index + 1)
    command, _, argument = line.partition(" ")
    if command in ("/file", "/photo") and argument.strip():
        name, data = await asyncio.to_thread(_read_file, argument.strip())
        if command == "/photo":
            return await user.send_photo(data)
        mime_type, _ = mimetypes.guess_type(name)
        return await user.send_document(name, data, mime_type=mime_type)
    if line == "/contact":
        return await user.send_contact()
    return await user.send(line)


async def run_interactive(
    user: ShellUser,
    *,
    media_dir: Path,
    read_line: Callable[[], Awaitable[str | None]],
    write: Callable[[str], None],
    opening: str | None = None,
) -> None:
    """Chat with the bot as ``user`` until ``/quit`` or end of input.

    ``read_line`` returns the next input line (None at EOF); ``write`` prints one block.
    ``opening`` is sent first, as if typed (the shell opens with ``/start``). Errors of single
    actions (unknown button, missing file, bot timeout) are printed and the loop goes on.
    """
    saver = _MediaSaver(media_dir)
    write(HELP)
    pending = opening
    while True:
        raw: str | None
        if pending is not None:
            raw, pending = pending, None
            write(f"> {raw}")
        else:
            raw = await read_line()
        if raw is None:
            break
        line = raw.strip()
        if not line:
            continue
        if line in ("/quit", "/exit"):
            break
        actions_before = len(user.chat_actions)
        try:
            messages = await _act(user, line)
        except (LookupError, ValueError, OSError, TimeoutError, RuntimeError) as exc:
            write(f"⚠ {exc}")
            continue
        actions = user.chat_actions[actions_before:]
        if actions:
            write(_ACTION_LABELS.get(actions[-1], f"…{actions[-1]}"))
        if not messages:
            write("(no reply)")
        for msg in messages:
            write(render_message(msg))
            for note in saver.save(msg):
                write(note)
