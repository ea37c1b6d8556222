"""Article text normalisation: Unicode, whitespace, HTML to text, language, dates.

Pure functions without Scrapy; :mod:`pipelines.normalise` is the stage using them.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from crawler.extraction.lang import guess_lang, normalise_lang
from crawler.extraction.text import html_to_text
from crawler.text.dates import iso_utc, parse_date, to_local
from crawler.text.scripts import repair_mixed_scripts

INLINE_SPACE = re.compile(r"[^\S\n]+")
MANY_NEWLINES = re.compile(r"\n\s*\n+")
INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")


def normalise_text(text: str | None, *, single_line: bool = False) -> str:
    """NFC, no invisible characters, each word in one alphabet (Cyrillic or Latin
    look-alikes, see :mod:`crawler.text.scripts`), single spaces, paragraphs split by
    one blank line."""
    if not text:
        return ""
    # Invisible characters go first: one between a letter and its accent would
    # keep NFC from composing them, and removing it afterwards leaves them apart.
    text = INVISIBLE.sub("", text)
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = repair_mixed_scripts(text)
    if single_line:
        return " ".join(text.split())
    lines = (INLINE_SPACE.sub(" ", line).strip() for line in text.split("\n"))
    return MANY_NEWLINES.sub("\n\n", "\n".join(lines)).strip()


# What the normalise stage reads from an item (it rewrites those normalised_fields returns).
SOURCE_FIELDS = ("title", "body", "body_html", "author", "lang", "published")


def normalised_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """The normalised title, body, author, language and dates of an article's fields."""
    title = normalise_text(fields.get("title"), single_line=True) or None
    body = normalise_text(fields.get("body") or html_to_text(fields.get("body_html") or "")) or None
    lang = normalise_lang(fields.get("lang")) or guess_lang(f"{title or ''} {body or ''}")
    out = {
        "title": title,
        "body": body,
        "author": normalise_text(fields.get("author"), single_line=True) or None,
        "lang": lang,
    }
    published = parse_date(fields.get("published"), lang)
    if published is not None:
        out["published_at"] = iso_utc(published)
        out["published_local"] = to_local(published).isoformat()
    return out
