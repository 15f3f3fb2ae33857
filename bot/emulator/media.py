"""Small helpers for uploaded media: image dimensions, MIME types and file extensions.

Only the standard library is used; images are never decoded, we just read the headers
that carry the width and height so ``PhotoSize`` looks plausible.
"""

from __future__ import annotations

import mimetypes
import struct

__all__ = ["guess_extension", "guess_mime_type", "image_size", "sniff_image_type"]

_DEFAULT_SIZE = (320, 320)


def sniff_image_type(data: bytes) -> str | None:
    """Return ``"png"``, ``"jpeg"``, ``"gif"`` or ``"webp"`` from magic bytes, else None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8"):
        return "jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    index = 2
    while index + 9 < len(data):
        if data[index] != 0xFF:
            index += 1
            continue
        marker = data[index + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            index += 2
            continue
        (segment_length,) = struct.unpack(">H", data[index + 2 : index + 4])
        # SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC) carry the frame size.
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[index + 5 : index + 9])
            return width, height
        index += 2 + segment_length
    return None


def image_size(data: bytes) -> tuple[int, int]:
    """Width and height from PNG/JPEG/GIF headers; a plausible default for anything else.

    Tests often upload a few fake bytes as a "photo"; Telegram would reject those, but a
    lenient fake keeps such tests simple, so unknown data gets a default size.
    """
    kind = sniff_image_type(data)
    try:
        if kind == "png" and len(data) >= 24:
            width, height = struct.unpack(">II", data[16:24])
            return width, height
        if kind == "gif" and len(data) >= 10:
            width, height = struct.unpack("<HH", data[6:10])
            return width, height
        if kind == "jpeg":
            size = _jpeg_size(data)
            if size is not None:
                return size
    except struct.error:
        pass
    return _DEFAULT_SIZE


def guess_mime_type(filename: str | None, declared: str | None = None) -> str:
    """MIME type from the file name (what Telegram does), else the declared part type."""
    if filename:
        guessed, _ = mimetypes.guess_type(filename)
        if guessed:
            return guessed
    if declared and declared != "application/octet-stream":
        return declared
    return "application/octet-stream"


def guess_extension(data: bytes, mime_type: str | None = None, default: str = ".bin") -> str:
    """File extension for saving ``data``: from image magic bytes, then the MIME type."""
    kind = sniff_image_type(data)
    if kind is not None:
        return ".jpg" if kind == "jpeg" else f".{kind}"
    if mime_type:
        ext = mimetypes.guess_extension(mime_type)
        if ext:
            return ext
    return default
