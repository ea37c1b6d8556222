"""Bytes of a page to text: BOM, then the declared charset (HTTP header, <meta charset>)
weighed against what the bytes are, then windows-1251."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_META_CHARSET_RE = re.compile(
    rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})""", re.I
)
# Cyrillic sites that are not UTF-8 are, in practice, windows-1251.
FALLBACK_ENCODING = "windows-1251"
# Bytes that are not UTF-8 but for a few broken sequences are UTF-8 all the same:
# windows-1251 text forms almost no valid multi-byte sequences, so valid ones
# outnumbering broken ones this many times over cannot be chance.
MOSTLY_VALID = 10


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str
    # Invalid UTF-8 sequences replaced by U+FFFD (0 unless decoded as UTF-8 with repairs).
    replaced: int = 0


def codec_name(label: str | bytes | None) -> str | None:
    """Python's name for a charset label, or None when unknown."""
    if not label:
        return None
    try:
        text = label.decode("ascii") if isinstance(label, bytes) else label
        return codecs.lookup(text.strip().strip("\"'")).name
    except (LookupError, UnicodeDecodeError):
        return None


def declared_charset(data: bytes) -> str | None:
    """The codec named by <meta charset> or http-equiv in the first 4 KB, if Python knows it."""
    m = _META_CHARSET_RE.search(data[:4096])
    return codec_name(m.group(1)) if m else None


def cut_bytes(data: bytes, limit: int) -> bytes:
    """The first ``limit`` bytes, shortened so no UTF-8 character is cut in two."""
    if len(data) <= limit:
        return data
    end = limit
    # A continuation byte (10xxxxxx) at the cut belongs to a character begun before it.
    while end > max(0, limit - 3) and data[end] & 0xC0 == 0x80:
        end -= 1
    return data[:end]


def decode_page(data: bytes, encoding: str | None = None) -> Decoded:
    """Decode a page; ``encoding`` is what the HTTP header declared, if anything.

    Valid UTF-8 wins over a declared single-byte charset (servers often declare one
    thing and send another); UTF-8 that is declared, or valid for all but a few
    stray bytes, is decoded as UTF-8 with those bytes replaced.
    """
    for bom, name in _BOMS:
        if data.startswith(bom):
            return Decoded(data[len(bom) :].decode(name, "replace"), name)
    # The header outranks <meta>, as in browsers.
    declared = codec_name(encoding) or declared_charset(data)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None:
        if declared in (None, "utf-8") or not text.isascii():
            return Decoded(text, "utf-8")
        return Decoded(data.decode(declared, "replace"), declared)
    repaired, replaced, valid = _utf8_with_repairs(data)
    needed = 1 if declared == "utf-8" else MOSTLY_VALID
    if valid >= needed * replaced:
        return Decoded(repaired, "utf-8", replaced)
    if declared and declared != "utf-8":
        return Decoded(data.decode(declared, "replace"), declared)
    return Decoded(data.decode(FALLBACK_ENCODING, "replace"), FALLBACK_ENCODING)


def _utf8_with_repairs(data: bytes) -> tuple[str, int, int]:
    """UTF-8 with invalid sequences replaced; how many were, and how many valid
    multi-byte characters there are."""
    text = data.decode("utf-8", "replace")
    # U+FFFD the page itself carried (validly encoded) is no repair.
    replaced = text.count("\ufffd") - data.count("\ufffd".encode())
    valid = sum(1 for ch in text if ch > "\x7f") - text.count("\ufffd")
    return text, replaced, valid


def decode_html(data: bytes, encoding: str | None = None) -> str:
    """Decode a page (see :func:`decode_page`); ``encoding`` is the HTTP header's."""
    return decode_page(data, encoding).text
