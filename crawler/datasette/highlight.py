"""Marking mentions in text: ``<mark>`` around the words the lexicon found.

Mentions are stored with their character offsets in the title or body, so an
article page marks exactly them; a snippet (a sentence copied out of the body)
has no offsets, so its words are found again by their printed text.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterable

from markupsafe import Markup, escape

Span = tuple[int, int]
# A paragraph is a run of text between line breaks.
PARAGRAPH = re.compile(r"[^\n]+")


def merge_spans(spans: Iterable[Span]) -> list[Span]:
    """Sorted spans with the overlapping and touching ones joined."""
    merged: list[Span] = []
    for start, end in sorted(s for s in spans if s[1] > s[0]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def word_spans(text: str, words: Iterable[str]) -> list[Span]:
    """Where each of ``words`` occurs in ``text``, ignoring case."""
    spans: list[Span] = []
    for word in {w.strip() for w in words if w and w.strip()}:
        spans += [m.span() for m in re.finditer(re.escape(word), text, flags=re.IGNORECASE)]
    return merge_spans(spans)


def marked_html(text: str, spans: Iterable[Span], offset: int = 0, tag: str = "mark") -> Markup:
    """``text`` escaped, with ``<mark>`` (or ``tag``) around ``spans`` (offsets into
    a longer text that ``text`` starts at ``offset`` of)."""
    wrap = Markup(f"<{tag}>%s</{tag}>")
    parts: list[Markup] = []
    last = 0
    for start, end in merge_spans(spans):
        start, end = max(start - offset, last), min(end - offset, len(text))
        if end <= start:
            continue
        parts += [escape(text[last:start]), wrap % text[start:end]]
        last = end
    parts.append(escape(text[last:]))
    return Markup("").join(parts)


def paragraphs(text: str, spans: Iterable[Span]) -> list[Markup]:
    """The paragraphs of ``text`` as HTML, with the spans marked."""
    spans = merge_spans(spans)
    found = []
    for match in PARAGRAPH.finditer(text or ""):
        raw = match.group(0)
        lead = len(raw) - len(raw.lstrip())
        body = raw.strip()
        if body:
            start = match.start() + lead
            inside = [s for s in spans if s[0] < start + len(body) and s[1] > start]
            found.append(marked_html(body, inside, offset=start))
    return found


def mark_words(text: str | None, words_json: str | None) -> str | None:
    """SQL function ``crawler_mark(text, json_list_of_words)``: ``text`` with
    ``<mark>`` around the words, as FTS5's highlight() gives it (not escaped:
    the project's render_cell escapes it and keeps only the marks)."""
    if text is None:
        return None
    try:
        words = json.loads(words_json or "[]")
    except ValueError:
        return text
    if not isinstance(words, list):
        return text
    pieces, last = [], 0
    for start, end in word_spans(text, (w for w in words if isinstance(w, str))):
        pieces += [text[last:start], "<mark>", text[start:end], "</mark>"]
        last = end
    pieces.append(text[last:])
    return "".join(pieces)


def register_functions(conn: sqlite3.Connection) -> None:
    conn.create_function("crawler_mark", 2, mark_words, deterministic=True)
