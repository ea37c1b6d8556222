"""Language codes: normalise declarations and guess from the alphabet."""

from __future__ import annotations

import re
from dataclasses import dataclass

_ALIASES = {
    "kk": "kk",
    "kz": "kk",
    "kaz": "kk",
    "qaz": "kk",
    "ru": "ru",
    "rus": "ru",
    "en": "en",
    "eng": "en",
}
_CODE_RE = re.compile(r"[a-z]{2,3}")
_KK_CYRILLIC = frozenset("әғқңөұүһіӘҒҚҢӨҰҮҺІ")
# Letters of the Kazakh Latin alphabets (2018 and 2021) that English does not use.
_KK_LATIN = frozenset("áǵńóúýıäğñöüşÁǴŃÓÚÝIÄĞÑÖÜŞ") - {"I"}


def normalise_lang(value: str | None) -> str | None:
    """'kk-KZ', 'kk_KZ', 'kz', 'kaz' -> 'kk'; 'ru_RU' -> 'ru'; other codes -> their
    primary subtag; nonsense -> None."""
    if not value or not isinstance(value, str):
        return None
    primary = re.split(r"[-_\s]", value.strip().lower(), maxsplit=1)[0]
    if primary in _ALIASES:
        return _ALIASES[primary]
    return primary if _CODE_RE.fullmatch(primary) else None


@dataclass(frozen=True)
class LetterCounts:
    """Letters of a text's first 20 000 characters, by alphabet."""

    cyrillic: int = 0
    kk: int = 0  # Kazakh-only Cyrillic letters, counted in ``cyrillic`` too
    latin: int = 0  # ASCII letters
    kk_latin: int = 0  # letters of the Kazakh Latin alphabets that English does not use


def letter_counts(text: str) -> LetterCounts:
    cyrillic = latin = kk = kk_latin = 0
    for ch in text[:20000]:
        if "\u0400" <= ch <= "\u04ff":
            cyrillic += 1
            if ch in _KK_CYRILLIC:
                kk += 1
        elif ch.isascii():
            if ch.isalpha():
                latin += 1
        elif ch in _KK_LATIN:
            kk_latin += 1
    return LetterCounts(cyrillic, kk, latin, kk_latin)


def guess_lang(text: str | None) -> str | None:
    """ru, kk or en from the letters of ``text`` (None when there are too few letters)."""
    if not text:
        return None
    counts = letter_counts(text)
    cyrillic, latin, kk, kk_latin = counts.cyrillic, counts.latin, counts.kk, counts.kk_latin
    if cyrillic + latin + kk_latin < 3:
        return None
    if cyrillic >= latin:
        # Kazakh-only letters are several per cent of Kazakh text; a Russian text
        # only has them in the odd name («Қазақстан»).
        return "kk" if kk >= max(3, cyrillic * 0.04) else "ru"
    return "kk" if kk_latin >= max(3, (latin + kk_latin) * 0.04) else "en"
