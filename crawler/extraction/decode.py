"""Bytes of a page to text: BOM, then <meta charset>, then UTF-8, then windows-1251."""

from __future__ import annotations

import codecs
import re

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


def declared_charset(data: bytes) -> str | None:
    """The codec named by <meta charset> or http-equiv in the first 4 KB, if Python knows it."""
    m = _META_CHARSET_RE.search(data[:4096])
    if not m:
        return None
    try:
        return codecs.lookup(m.group(1).decode("ascii")).name
    except (LookupError, UnicodeDecodeError):
        return None


def decode_html(data: bytes) -> str:
    """Decode a page. A declared non-UTF-8 charset loses to bytes that are valid UTF-8
    (servers often declare one thing and send another)."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding, "replace")
    declared = declared_charset(data)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None and (declared in (None, "utf-8") or not text.isascii()):
        return text
    if declared and declared != "utf-8":
        return data.decode(declared, "replace")
    return data.decode(FALLBACK_ENCODING, "replace")
