"""Telegram text formatting as the Bot API server applies it.

Turns a ``text``/``caption`` plus ``parse_mode`` into the plain text and the list of
``MessageEntity`` dicts that Telegram stores, and rejects markup that Telegram rejects with
``Bad Request: can't parse entities: ...``. Offsets and lengths are in UTF-16 code units,
exactly like the real API, so aiogram's ``Message.html_text`` round-trips.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

Entity = dict[str, Any]

__all__ = [
    "Entity",
    "EntityParseError",
    "parse_html",
    "parse_markdown",
    "parse_markdown_v2",
    "parse_text",
    "utf16_len",
]


class EntityParseError(ValueError):
    """Markup that Telegram refuses; ``str(err)`` is the part after "can't parse entities: "."""


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units (the unit of Telegram entity offsets)."""
    # Characters outside the BMP take two code units; everything else takes one.
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def _byte_offset(source: str, index: int) -> int:
    """UTF-8 byte offset of ``source[index]``: Telegram reports errors in bytes."""
    return len(source[:index].encode("utf-8"))


@dataclass
class _TextBuilder:
    """Accumulates plain text while tracking the UTF-16 position for entity offsets."""

    pieces: list[str] = field(default_factory=list)
    pos: int = 0

    def add(self, chunk: str) -> None:
        if chunk:
            self.pieces.append(chunk)
            self.pos += utf16_len(chunk)

    def text(self) -> str:
        return "".join(self.pieces)


def _finish(text: str, entities: list[Entity]) -> tuple[str, list[Entity]]:
    """Trim surrounding whitespace like Telegram does and fix up entity offsets."""
    stripped = text.strip()
    if stripped == text:
        result = [e for e in entities if e["length"] > 0]
    else:
        lead = utf16_len(text[: len(text) - len(text.lstrip())])
        total = utf16_len(stripped)
        result = []
        for ent in entities:
            start = max(0, ent["offset"] - lead)
            end = min(total, ent["offset"] + ent["length"] - lead)
            if end > start:
                result.append({**ent, "offset": start, "length": end - start})
    # Telegram returns entities ordered by offset, outer (longer) entities first.
    result.sort(key=lambda e: (e["offset"], -e["length"]))
    return stripped, result


# --------------------------------------------------------------------------------------- HTML

_HTML_TAGS: dict[str, str] = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


@dataclass
class _OpenTag:
    tag: str
    attrs: dict[str, str | None]
    start: int


class _TelegramHTMLParser(HTMLParser):
    """Strict subset-of-HTML parser mirroring Telegram's rules (see Bot API "HTML style")."""

    def __init__(self, source: str) -> None:
        # convert_charrefs=False: we must see entity references ourselves, because Telegram
        # only decodes &lt; &gt; &amp; &quot; and numeric references.
        super().__init__(convert_charrefs=False)
        self._source = source
        self._line_starts = [0]
        self._line_starts.extend(i + 1 for i, ch in enumerate(source) if ch == "\n")
        self.out = _TextBuilder()
        self.stack: list[_OpenTag] = []
        self.entities: list[Entity] = []

    def _offset(self) -> int:
        line, col = self.getpos()
        return _byte_offset(self._source, self._line_starts[line - 1] + col)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _HTML_TAGS:
            offset = self._offset()
            raise EntityParseError(f'Unsupported start tag "{tag}" at byte offset {offset}')
        attr_map = {name.lower(): value for name, value in attrs}
        if tag == "span" and attr_map.get("class") != "tg-spoiler":
            raise EntityParseError(
                f'Tag "span" must have class "tg-spoiler" at byte offset {self._offset()}'
            )
        if tag == "tg-emoji" and not attr_map.get("emoji-id"):
            raise EntityParseError(
                f'Tag "tg-emoji" must have attribute "emoji-id" at byte offset {self._offset()}'
            )
        self.stack.append(_OpenTag(tag, attr_map, self.out.pos))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # "<br/>" and friends: unsupported tags fail in handle_starttag, allowed ones are empty.
        self.handle_starttag(tag, attrs)
        self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack:
            raise EntityParseError(f"Unexpected end tag at byte offset {self._offset()}")
        top = self.stack[-1]
        if top.tag != tag:
            raise EntityParseError(
                f'Unmatched end tag at byte offset {self._offset()}, expected "</{top.tag}>", '
                f'found "</{tag}>"'
            )
        self.stack.pop()
        self._emit(top)

    def _emit(self, tag: _OpenTag) -> None:
        length = self.out.pos - tag.start
        kind = _HTML_TAGS[tag.tag]
        entity: Entity = {"type": kind, "offset": tag.start, "length": length}
        if tag.tag == "a":
            href = tag.attrs.get("href")
            if not href:
                return  # <a> without href is plain text in Telegram
            entity["url"] = href
        elif tag.tag == "blockquote" and "expandable" in tag.attrs:
            entity["type"] = "expandable_blockquote"
        elif tag.tag == "tg-emoji":
            entity["custom_emoji_id"] = tag.attrs.get("emoji-id")
        elif tag.tag == "code":
            language = _code_language(tag.attrs.get("class"))
            parent = self.stack[-1] if self.stack else None
            if parent is not None and parent.tag == "pre":
                # <pre><code class="language-x"> is one pre entity with a language.
                if language:
                    parent.attrs["_language"] = language
                return
        elif tag.tag == "pre" and tag.attrs.get("_language"):
            entity["language"] = tag.attrs["_language"]
        self.entities.append(entity)

    def handle_data(self, data: str) -> None:
        index = data.find("<")
        if index >= 0:
            # HTMLParser passes "a < b" through as text; Telegram reads it as a tag and fails.
            raise EntityParseError(f'Unsupported start tag "" at byte offset {self._offset()}')
        self.out.add(data)

    def handle_entityref(self, name: str) -> None:
        self.out.add(_NAMED_ENTITIES.get(name, f"&{name};"))

    def handle_charref(self, name: str) -> None:
        try:
            code = int(name[1:], 16) if name[:1] in ("x", "X") else int(name)
            self.out.add(chr(code))
        except (ValueError, OverflowError):
            self.out.add(f"&#{name};")

    # Comments, <!DOCTYPE>, <?pi?> and CDATA are tags Telegram does not know.
    def _unsupported(self) -> None:
        raise EntityParseError(f'Unsupported start tag "!" at byte offset {self._offset()}')

    def handle_comment(self, data: str) -> None:
        self._unsupported()

    def handle_decl(self, decl: str) -> None:
        self._unsupported()

    def handle_pi(self, data: str) -> None:
        self._unsupported()

    def unknown_decl(self, data: str) -> None:
        self._unsupported()


def _code_language(css_class: str | None) -> str | None:
    if css_class and css_class.startswith("language-"):
        return css_class[len("language-") :] or None
    return None


def parse_html(source: str) -> tuple[str, list[Entity]]:
    """Parse Telegram-flavoured HTML into ``(plain_text, entities)``.

    Raises ``EntityParseError`` for unknown/unclosed/mismatched tags and stray ``<``.
    """
    parser = _TelegramHTMLParser(source)
    parser.feed(source)
    parser.close()
    if parser.stack:
        raise EntityParseError(
            f'Can\'t find end tag corresponding to start tag "{parser.stack[-1].tag}"'
        )
    return _finish(parser.out.text(), parser.entities)


# ---------------------------------------------------------------------------------- MarkdownV2

_MDV2_RESERVED = frozenset("_*[]()~`>#+-=|{}.!")
_MDV2_TOKENS = (("__", "underline"), ("||", "spoiler"), ("*", "bold"), ("_", "italic"))
_MDV2_TOKENS_ALL = (*_MDV2_TOKENS, ("~", "strikethrough"))
_ENTITY_TITLES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "text_link": "TextUrl",
    "custom_emoji": "CustomEmoji",
}


@dataclass
class _MdOpen:
    token: str
    kind: str
    start: int
    source_index: int


def _read_until(source: str, index: int, stop: str, escapable: str) -> tuple[str, int] | None:
    """Read raw text up to an unescaped ``stop``; returns (decoded, index after stop)."""
    chunk: list[str] = []
    while index < len(source):
        ch = source[index]
        if ch == "\\" and index + 1 < len(source) and source[index + 1] in escapable:
            chunk.append(source[index + 1])
            index += 2
            continue
        if source.startswith(stop, index):
            return "".join(chunk), index + len(stop)
        chunk.append(ch)
        index += 1
    return None


def parse_markdown_v2(source: str) -> tuple[str, list[Entity]]:
    """Parse MarkdownV2 (bold, italic, underline, strike, spoiler, code, pre, links,
    custom emoji, block quotes) with Telegram's strict escaping rules."""
    out = _TextBuilder()
    entities: list[Entity] = []
    stack: list[_MdOpen] = []
    quote_start: int | None = None
    quote_kind = "blockquote"
    index = 0
    at_line_start = True
    while index < len(source):
        ch = source[index]
        if at_line_start:
            at_line_start = False
            expandable = source.startswith("**>", index)
            if source.startswith(">", index) or expandable:
                if quote_start is None:
                    quote_start = out.pos
                    quote_kind = "expandable_blockquote" if expandable else "blockquote"
                index += 3 if expandable else 1
                continue
            if quote_start is not None:
                # The quote ends before the newline that precedes this unquoted line.
                length = out.pos - 1 - quote_start
                entities.append({"type": quote_kind, "offset": quote_start, "length": length})
                quote_start = None
        if ch == "\\":
            if index + 1 < len(source) and 0 < ord(source[index + 1]) <= 126:
                out.add(source[index + 1])
                index += 2
                continue
            raise EntityParseError(
                "Character '\\' is reserved and must be escaped with the preceding '\\'"
            )
        if ch == "\n":
            # A trailing "||" before the newline closes an expandable quote; it's just text.
            out.add(ch)
            index += 1
            at_line_start = True
            continue
        if ch == "`":
            is_pre = source.startswith("```", index)
            token = "```" if is_pre else "`"
            found = _read_until(source, index + len(token), token, "`\\")
            if found is None:
                kind = "Pre" if is_pre else "Code"
                raise EntityParseError(
                    f"Can't find end of {kind} entity at byte offset {_byte_offset(source, index)}"
                )
            body, index = found
            entity: Entity = {"type": "pre" if is_pre else "code"}
            if is_pre and "\n" in body:
                first, rest = body.split("\n", 1)
                if first and " " not in first:
                    entity["language"] = first
                    body = rest
            entity["offset"] = out.pos
            out.add(body)
            entity["length"] = out.pos - entity["offset"]
            entities.append(entity)
            continue
        if ch == "[" or source.startswith("![", index):
            token = "![" if ch == "!" else "["
            kind = "custom_emoji" if token == "![" else "text_link"
            stack.append(_MdOpen(token, kind, out.pos, index))
            index += len(token)
            continue
        if ch == "]":
            opened = next((o for o in reversed(stack) if o.token in ("[", "![")), None)
            if opened is None:
                raise EntityParseError(
                    "Character ']' is reserved and must be escaped with the preceding '\\'"
                )
            stack.remove(opened)
            index += 1
            url = ""
            if source.startswith("(", index):
                found = _read_until(source, index + 1, ")", ")\\")
                if found is None:
                    raise EntityParseError(
                        f"Can't find end of a URL at byte offset {_byte_offset(source, index)}"
                    )
                url, index = found
            length = out.pos - opened.start
            if url and length > 0:
                link: Entity = {"type": opened.kind, "offset": opened.start, "length": length}
                if opened.kind == "custom_emoji":
                    link["custom_emoji_id"] = url.rsplit("id=", 1)[-1]
                else:
                    link["url"] = url
                entities.append(link)
            continue
        matched = next(
            ((tok, kind) for tok, kind in _MDV2_TOKENS_ALL if source.startswith(tok, index)),
            None,
        )
        if matched is not None:
            token, kind = matched
            opened = next((o for o in reversed(stack) if o.token == token), None)
            if opened is None:
                stack.append(_MdOpen(token, kind, out.pos, index))
            else:
                stack.remove(opened)
                entities.append(
                    {"type": kind, "offset": opened.start, "length": out.pos - opened.start}
                )
            index += len(token)
            continue
        if ch in _MDV2_RESERVED:
            raise EntityParseError(
                f"Character '{ch}' is reserved and must be escaped with the preceding '\\'"
            )
        out.add(ch)
        index += 1
    if stack:
        opened = stack[0]
        raise EntityParseError(
            f"Can't find end of {_ENTITY_TITLES.get(opened.kind, opened.kind)} entity at byte "
            f"offset {_byte_offset(source, opened.source_index)}"
        )
    if quote_start is not None:
        length = out.pos - quote_start
        entities.append({"type": quote_kind, "offset": quote_start, "length": length})
    return _finish(out.text(), entities)


# ----------------------------------------------------------------------------- legacy Markdown

_MD_TOKENS = {"*": "bold", "_": "italic"}


def parse_markdown(source: str) -> tuple[str, list[Entity]]:
    """Parse legacy ``Markdown``: *bold*, _italic_, `code`, ```pre```, [text](url)."""
    out = _TextBuilder()
    entities: list[Entity] = []
    index = 0
    while index < len(source):
        ch = source[index]
        if ch == "\\" and index + 1 < len(source) and source[index + 1] in "_*`[":
            out.add(source[index + 1])
            index += 2
            continue
        if ch in _MD_TOKENS or ch == "`":
            token = "```" if source.startswith("```", index) else ch
            end = source.find(token, index + len(token))
            if end < 0:
                raise EntityParseError(
                    "Can't find end of the entity starting at byte offset "
                    f"{_byte_offset(source, index)}"
                )
            body = source[index + len(token) : end]
            kind = "pre" if token == "```" else "code" if token == "`" else _MD_TOKENS[ch]
            start = out.pos
            out.add(body)
            entities.append({"type": kind, "offset": start, "length": out.pos - start})
            index = end + len(token)
            continue
        if ch == "[":
            close = source.find("](", index)
            end = source.find(")", close + 2) if close >= 0 else -1
            if close < 0 or end < 0:
                raise EntityParseError(
                    "Can't find end of the entity starting at byte offset "
                    f"{_byte_offset(source, index)}"
                )
            start = out.pos
            out.add(source[index + 1 : close])
            entities.append(
                {
                    "type": "text_link",
                    "offset": start,
                    "length": out.pos - start,
                    "url": source[close + 2 : end],
                }
            )
            index = end + 1
            continue
        out.add(ch)
        index += 1
    return _finish(out.text(), entities)


def parse_text(
    text: str, parse_mode: str | None, entities: list[Entity] | None = None
) -> tuple[str, list[Entity]]:
    """Apply ``parse_mode`` (HTML / MarkdownV2 / Markdown, case-insensitive) or explicit
    ``entities`` to ``text``; returns ``(plain_text, entities)``.

    Raises ``EntityParseError`` for bad markup and ``ValueError`` for unknown parse modes.
    """
    mode = (parse_mode or "").lower()
    if entities is not None or not mode:
        # Explicit entities win over parse_mode, exactly like the Bot API.
        return _finish(text, [dict(e) for e in entities or []])
    if mode == "html":
        return parse_html(text)
    if mode == "markdownv2":
        return parse_markdown_v2(text)
    if mode == "markdown":
        return parse_markdown(text)
    raise ValueError(f"unsupported parse mode: {parse_mode}")
