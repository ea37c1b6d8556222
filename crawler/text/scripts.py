"""Words typed in two alphabets at once, put back into one.

Some Kazakh sites type the Kazakh і as the Latin i (an old keyboard habit),
some pages come from converters that put Latin a, c, e, o, p in Cyrillic words,
and some Latin-alphabet Kazakh pages are typed with Cyrillic а, е, о, к. A reader
sees nothing wrong, but search and mentions do not recognise such words
(«Kиiз», «cыpтқы», «Qаzаqstаn»). Each word that mixes Cyrillic and Latin letters
gets the look-alike letters of one alphabet written in the other: the alphabet
of its letters that have no look-alike. Every letter keeps its place, so text
and offsets stay as they were.
"""

from __future__ import annotations

import re

# Look-alikes, letter for letter. Lowercase h is the Kazakh һ, uppercase H the Н.
_LATIN = "aceopxyijkhABCEHIKMOPTXY"
_CYRILLIC = "асеорхуіјкһАВСЕНІКМОРТХУ"
_TO_CYRILLIC = str.maketrans(_LATIN, _CYRILLIC)
_TO_LATIN = str.maketrans(_CYRILLIC, _LATIN)
_LATIN_LOOKALIKES = frozenset(_LATIN)
_CYRILLIC_LOOKALIKES = frozenset(_CYRILLIC)

# Latin letters, with the marks of Kazakh and Uzbek Latin (á, ǵ, ń, ı, ş, oʻ …).
_LATIN_LETTER = "A-Za-z\u00c0-\u024f\u1e00-\u1eff"
_CYRILLIC_LETTER = "\u0400-\u04ff"
# A Latin letter beside a Cyrillic one: a cheap test that most texts fail at once.
_MIXED = re.compile(f"[{_LATIN_LETTER}][{_CYRILLIC_LETTER}]|[{_CYRILLIC_LETTER}][{_LATIN_LETTER}]")
_WORD = re.compile(r"[^\W\d_]+")


def repair_mixed_scripts(text: str) -> str:
    """``text`` with each word of mixed alphabets written in one; same length."""
    if not text or not _MIXED.search(text):
        return text
    return _WORD.sub(_repaired_word, text)


def _repaired_word(match: re.Match[str]) -> str:
    word = match.group()
    cyrillic = latin = 0
    for letter in word:
        if "\u0400" <= letter <= "\u04ff":
            cyrillic += letter not in _CYRILLIC_LOOKALIKES
        elif letter not in _LATIN_LOOKALIKES:
            latin += 1
    if cyrillic > latin:
        return word.translate(_TO_CYRILLIC)
    if latin > cyrillic:
        return word.translate(_TO_LATIN)
    return word  # nothing says which alphabet it is: left as written
