"""Sentence boundaries around a position: snippets, context and capitalisation checks."""

from __future__ import annotations

import re
from functools import lru_cache

SNIPPET_MAX = 300
# How far to look for the ends of a sentence; a longer "sentence" is a list or a table.
_REACH = 600
_END_RE = re.compile(r"[.!?…]+[\"'»”’)\]]*(?=\s)|\n")
_MARKS = ".!?…\n"
# Short words a period follows without ending the sentence (г. Алматы, ул. Абая).
_ABBREVIATIONS = frozenset(
    [
        "г",
        "гг",
        "ул",
        "пр",
        "им",
        "обл",
        "р",
        "тыс",
        "млн",
        "млрд",
        "т",
        "е",
        "д",
        "см",
        "др",
        "проф",
        "акад",
        "св",
        "мкр",
        "ж",
        "жж",
        "көш",
        "etc",
        "mr",
        "mrs",
        "ms",
        "dr",
        "st",
        "no",
        "vs",
        "jr",
        "inc",
        "ltd",
        "co",
    ]
)
_OPENERS = " \t\r\"'«“„‘(-–—"


def _is_boundary(text: str, match: re.Match[str]) -> bool:
    if match.group() == "\n" or match.group()[0] != ".":
        return True
    return _period_ends_sentence(text, match.start())


def _period_ends_sentence(text: str, start: int) -> bool:
    word_start = start
    while word_start > 0 and text[word_start - 1].isalpha():
        word_start -= 1
    word = text[word_start:start]
    # An initial (И. Иванов) or a known abbreviation does not end a sentence.
    return not (len(word) == 1 and word.isupper()) and word.lower() not in _ABBREVIATIONS


@lru_cache(maxsize=256)
def sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence containing ``text[start:end]`` as (start, end) offsets, stripped.

    Remembered for the last 256 calls: a term's context rule and, once the whole
    text is matched, its snippet ask for the same sentence (a str's hash is
    computed once, so this is cheap; the texts held are the last few articles).
    """
    low = max(0, start - _REACH)
    sentence_start = low
    position = start
    while position > low:
        # The nearest earlier sentence end: str.rfind runs in C, unlike a regex scan.
        found = max(text.rfind(mark, low, position) for mark in _MARKS)
        if found < 0:
            break
        match = _END_RE.match(text, found)
        if match and match.end() <= start and _is_boundary(text, match):
            sentence_start = match.end()
            break
        position = found
    high = min(len(text), end + _REACH)
    sentence_end = high
    position = end
    while position < high:
        hits = [i for i in (text.find(mark, position, high) for mark in _MARKS) if i >= 0]
        if not hits:
            break
        found = min(hits)
        match = _END_RE.match(text, found)
        if match and _is_boundary(text, match):
            sentence_end = match.end() if match.group() != "\n" else match.start()
            break
        position = found + 1
    while sentence_start < start and text[sentence_start].isspace():
        sentence_start += 1
    while sentence_end > end and text[sentence_end - 1].isspace():
        sentence_end -= 1
    return sentence_start, sentence_end


def paragraph_bounds(text: str, start: int, end: int, reach: int = 3000) -> tuple[int, int]:
    """The line (paragraph of a stored body) containing ``text[start:end]``."""
    low = text.rfind("\n", max(0, start - reach), start) + 1 or max(0, start - reach)
    high = text.find("\n", end, end + reach)
    return low, high if high >= 0 else min(len(text), end + reach)


def snippet(text: str, start: int, end: int) -> str:
    """The sentence around ``text[start:end]``, cut to about ``SNIPPET_MAX`` characters."""
    low, high = sentence_bounds(text, start, end)
    if high - low > SNIPPET_MAX:
        room = max(0, SNIPPET_MAX - (end - start)) // 2
        new_low, new_high = max(low, start - room), min(high, end + room)
        # Cut at spaces so no word is cut in half.
        if new_low > low:
            space = text.find(" ", new_low, start)
            new_low = space + 1 if space >= 0 else new_low
        if new_high < high:
            space = text.rfind(" ", end, new_high)
            new_high = space if space >= 0 else new_high
        prefix = "…" if new_low > low else ""
        suffix = "…" if new_high < high else ""
        return prefix + " ".join(text[new_low:new_high].split()) + suffix
    return " ".join(text[low:high].split())


def starts_sentence(text: str, position: int) -> bool:
    """Whether only openers (spaces, quotes, dashes) stand between ``position`` and the
    start of the text or the end of the previous sentence."""
    index = position
    while index > 0 and text[index - 1] in _OPENERS:
        index -= 1
    if index == 0 or text[index - 1] == "\n":
        return True
    if text[index - 1] == ".":
        return _period_ends_sentence(text, index - 1)
    return text[index - 1] in "!?…:"
