"""Context rules: is a word of a named list near a match?

A term with ``context`` counts only if such a word is within its scope; an
exclusion with ``near`` hides terms only if such a word is within its scope.
The match's own words never count as its context.
"""

from __future__ import annotations

from functools import lru_cache

from crawler.text.mentions.lexicon import NEARBY_WORDS, Context
from crawler.text.mentions.sentences import paragraph_bounds, sentence_bounds
from crawler.text.morphology import PART_RE, fold


def scope_text(text: str, start: int, end: int, scope: str) -> str:
    """The folded text around ``text[start:end]`` (without it) that ``scope`` covers."""
    if scope == "paragraph":
        bounds = paragraph_bounds(text, start, end)
    else:
        bounds = sentence_bounds(text, start, end)
    low, high = bounds
    if scope == "nearby":
        before = [m.start() for m in PART_RE.finditer(text, low, start)]
        if len(before) > NEARBY_WORDS:
            low = before[-NEARBY_WORDS]
        after = [m.end() for m in PART_RE.finditer(text, end, high)]
        if len(after) > NEARBY_WORDS:
            high = after[NEARBY_WORDS - 1]
    # Terms near each other share a sentence: it is folded once (fold keeps offsets).
    folded, offset = _folded(text, *bounds), bounds[0]
    return folded[low - offset : start - offset] + " \u2026 " + folded[end - offset : high - offset]


@lru_cache(maxsize=64)
def _folded(text: str, low: int, high: int) -> str:
    return fold(text[low:high])


def context_word(
    text: str, start: int, end: int, contexts: tuple[Context, ...], scope: str
) -> tuple[str, str] | None:
    """(list name, word) of the first context word found around the match, or None."""
    around = scope_text(text, start, end, scope)
    for context in contexts:
        word = context.word_in(around)
        if word is not None:
            return context.name, word
    return None
