"""One key for the same headline, so copies the story linker kept apart still
reach a reader as one entry."""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"\w+")
# Short headlines ("Новости", "(без заголовка)") are shared by unrelated stories.
_MIN_WORDS = 3
_MIN_CHARS = 15


def headline_key(title: str | None) -> str | None:
    """The headline reduced to its words: case, punctuation, quotes, ё/е and
    spacing do not count. None when it is too short to identify a story."""
    if not title:
        return None
    text = unicodedata.normalize("NFKC", title).casefold().replace("ё", "е")
    words = _WORD.findall(text)
    key = " ".join(words)
    if len(words) < _MIN_WORDS or len(key) < _MIN_CHARS:
        return None
    return key
