"""What is wrong with an image file, in plain words, before or instead of a decoder's message.

OpenCV reports a zero-byte file as ``(-215:Assertion failed) !buf.empty()`` and decodes a
truncated JPEG without complaint, filling the missing rows with grey: a detector then runs on
half a frame. These checks read a few bytes (the whole file only for a JPEG whose tail is
not its end marker) and name the problem.
"""
from __future__ import annotations

import os
from pathlib import Path

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff")
# Leading bytes of the formats bddet reads (IMAGE_EXTENSIONS), as their specifications give them.
_SIGNATURES = {
    b"\xff\xd8\xff": "JPEG",
    b"\x89PNG\r\n\x1a\n": "PNG",
    b"BM": "BMP",
    b"II*\x00": "TIFF",
    b"MM\x00*": "TIFF",
}
_TAIL = 4096


def image_format(head: bytes) -> str | None:
    """The format a file's first bytes announce, or None."""
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WebP"
    for magic, name in _SIGNATURES.items():
        if head.startswith(magic):
            return name
    return None


def _jpeg_complete(f, size: int) -> bool:
    """Whether an end-of-image marker (FF D9) follows the start of the main scan (FF DA).

    The header segments are walked by their lengths, which steps over an EXIF thumbnail and
    its own markers. Inside entropy-coded data every FF byte is followed by 00 or a restart
    marker, so FF D9 there is the real end; data after it (a camera's trailer) is allowed.
    """
    f.seek(2)
    while True:
        marker = f.read(2)
        if len(marker) < 2:
            return False  # the file ends inside its headers
        if marker[0] != 0xFF:
            return True  # not a layout we know: leave the verdict to the decoder
        kind = marker[1]
        if kind == 0xFF:
            f.seek(-1, 1)  # fill byte
            continue
        if kind == 0xDA:
            break
        if kind == 0xD9:
            return True
        if kind == 0x01 or 0xD0 <= kind <= 0xD8:
            continue  # markers without a length
        length = f.read(2)
        if len(length) < 2:
            return False
        f.seek(int.from_bytes(length, "big") - 2, 1)
    scan = f.tell()
    f.seek(max(scan, size - _TAIL))
    if b"\xff\xd9" in f.read():
        return True
    f.seek(scan)
    return b"\xff\xd9" in f.read()


def _png_complete(f, size: int) -> bool:
    """A PNG ends with its IEND chunk (12 bytes: length 0, 'IEND', CRC)."""
    f.seek(max(0, size - 64))
    return b"IEND" in f.read()


def image_file_problem(path: str | os.PathLike[str]) -> str | None:
    """Why ``path`` is not a usable image ("an empty file", "a truncated JPEG", ...), or None."""
    try:
        size = os.path.getsize(path)
        if size == 0:
            return "an empty file (0 bytes)"
        with open(path, "rb") as f:
            head = f.read(16)
            kind = image_format(head)
            if kind is None:
                return f"not an image (its first bytes are no JPEG, PNG, BMP, TIFF or WebP signature: {head[:8]!r})"
            if kind == "JPEG" and not _jpeg_complete(f, size):
                return f"a truncated JPEG ({size} bytes, no end-of-image marker)"
            if kind == "PNG" and not _png_complete(f, size):
                return f"a truncated PNG ({size} bytes, no IEND chunk)"
    except FileNotFoundError:
        return "no such file"
    except IsADirectoryError:
        return "a folder, not an image file"
    except OSError as e:
        return f"cannot be read ({e.strerror})"
    return None


def list_images(folder: str | os.PathLike[str], extensions: tuple[str, ...] = IMAGE_EXTENSIONS) -> list[str]:
    """Image files (or other ``extensions``) below ``folder`` as sorted relative paths."""
    root = Path(folder)
    found = [p.relative_to(root).as_posix() for p in root.rglob("*")
             if p.suffix.lower() in extensions and p.is_file()]
    return sorted(found)
