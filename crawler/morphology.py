"""Word normalisation for Russian, Kazakh and English, shared by mentions and search.

``normalise_word`` maps every inflected form of a word to one key: Russian words to
their lemma (pymorphy3), Kazakh words to a stem with the agglutinative endings
(plural, possessive, case) stripped, English words to the singular without the
possessive. ``tokenize`` splits text into words with their offsets.

>>> normalise_word("Ремёслами"), normalise_word("қолөнершілерінің"), normalise_word("Artisans'")
('ремесло', 'қолөнерші', 'artisan')
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache, lru_cache

import pymorphy3

# Letters only Kazakh Cyrillic has (Russian lacks them): a word with one is Kazakh.
KAZAKH_LETTERS = frozenset("әғқңөұүһі")
# Letters of the Kazakh Latin alphabets (2018 and 2021) that English lacks.
KAZAKH_LATIN_LETTERS = frozenset("áóúǵńıäöüğñşç")
_CYRILLIC = re.compile(r"[а-яё]")

# Case folding that keeps every offset: str.lower() changes the length of one
# character only (U+0130, Turkish/Kazakh-Latin dotted capital I).
_FOLD = str.maketrans(
    {
        "ё": "е",
        "Ё": "е",
        "\u0130": "i",
        "\u2019": "'",  # ’ typographic apostrophe
        "\u02bc": "'",  # ʼ modifier apostrophe
        "\u02bb": "'",  # ʻ turned comma (old Kazakh Latin)
        "`": "'",
        "\u2010": "-",  # ‐ hyphen
        "\u2011": "-",  # non-breaking hyphen
        "\u2012": "-",  # figure dash
        "\u2013": "-",  # – en dash
    }
)
APOSTROPHES = "'\u2019\u02bc\u02bb`"
HYPHENS = "-\u2010\u2011\u2012\u2013"

# A word: letters/digits with apostrophes inside (artisan's, O’Connor); a compound
# word joins such parts with hyphens (мастера-ремесленники, WCC‑AISBL).
_PART = r"[^\W_]+(?:[" + APOSTROPHES + r"][^\W_]+)*"
PART_RE = re.compile(_PART)
WORD_RE = re.compile(_PART + r"(?:[" + HYPHENS + r"]" + _PART + r")*")


# The same mapping as replacements: most texts hold few of these characters,
# and a scan for each is far cheaper than translate() of every character.
_FOLD_PAIRS = tuple((chr(source), target) for source, target in _FOLD.items())


def fold(text: str) -> str:
    """Lowercase, ё→е, one apostrophe and one hyphen; same length as ``text``."""
    for source, target in _FOLD_PAIRS:
        if source in text:
            text = text.replace(source, target)
    return text.lower()


def tokenize(text: str, split_hyphens: bool = False) -> Iterator[tuple[str, int, int]]:
    """Yield ``(word, start, end)`` for each word of ``text``, ``text[start:end] == word``.

    Hyphenated compounds are one word unless ``split_hyphens`` is true, then each part
    is a word. Quotes, dashes between spaces and other punctuation are never words.
    """
    pattern = PART_RE if split_hyphens else WORD_RE
    for match in pattern.finditer(text):
        yield match.group(), match.start(), match.end()


@cache
def morph_analyzer() -> pymorphy3.MorphAnalyzer:
    """The one pymorphy3 analyser of the process (loading it takes a while)."""
    return pymorphy3.MorphAnalyzer()


def normalise_word(word: str) -> str:
    """A key shared by all inflected forms of ``word`` (ru lemma, kk stem, en singular).

    Hyphenated compounds are normalised part by part and joined with "-".
    """
    folded = fold(word).strip(APOSTROPHES + HYPHENS)
    if "-" in folded:
        return "-".join(_normalise_part(part) for part in folded.split("-") if part)
    return _normalise_part(folded)


def word_keys(word: str) -> frozenset[str]:
    """Every key ``word`` may have: all lemmas of an ambiguous Russian form, and the
    Kazakh stem of a Cyrillic word pymorphy3 does not know. Includes ``normalise_word``.
    """
    folded = fold(word).strip(APOSTROPHES + HYPHENS)
    if "-" in folded:
        return frozenset({normalise_word(folded)})
    return _part_keys(folded)


@lru_cache(maxsize=200_000)
def _normalise_part(word: str) -> str:
    if not word:
        return word
    if not KAZAKH_LETTERS.isdisjoint(word):
        return kazakh_stem(word)
    if _CYRILLIC.search(word):
        morph = morph_analyzer()
        if morph.word_is_known(word):
            return morph.parse(word)[0].normal_form.replace("ё", "е")
        # An unknown word is more often Kazakh than Russian: keep it as a Kazakh stem
        # (pymorphy3's guesses still count as keys in word_keys).
        return kazakh_stem(word)
    if not KAZAKH_LATIN_LETTERS.isdisjoint(word):
        return kazakh_latin_stem(word)
    return english_stem(word)


@lru_cache(maxsize=200_000)
def _part_keys(word: str) -> frozenset[str]:
    if not KAZAKH_LETTERS.isdisjoint(word):
        return frozenset(kazakh_stems(word))  # the first stem is _normalise_part's
    if _CYRILLIC.search(word):
        # One parse gives every lemma; the first is _normalise_part's key of a
        # known word (parsing is the search index's main cost per new form).
        morph = morph_analyzer()
        keys = {p.normal_form.replace("ё", "е") for p in morph.parse(word)}
        if not morph.word_is_known(word):
            keys.update(kazakh_stems(word))
        return frozenset(keys)
    return frozenset({_normalise_part(word)})


# --- Kazakh -----------------------------------------------------------------
# Endings are stripped from the outside in, at most one per layer:
# (adjectival locative) → case → possessive → plural. Derivational suffixes
# (-шы/-ші, -лық/-лік, -шылық …) are kept: қолөнерші is not қолөнер.
_KK_ADJ_LOC = ("ндағы", "ндегі", "дағы", "дегі", "тағы", "тегі")
_KK_CASE = (
    "менен",
    "ның", "нің", "дың", "дің", "тың", "тің",  # genitive
    "дан", "ден", "тан", "тен", "нан", "нен",  # ablative
    "мен", "бен", "пен",  # instrumental
    "нда", "нде",  # locative after a possessive
    "ға", "ге", "қа", "ке", "на", "не",  # dative
    "да", "де", "та", "те",  # locative
    "ны", "ні", "ды", "ді", "ты", "ті",  # accusative
    "н",  # accusative after a possessive (қаласын)
)  # fmt: skip
# Endings that only follow a possessive (the stem left must end in ы/і).
_KK_AFTER_POSSESSIVE = frozenset({"н", "на", "не", "нда", "нде"})
_KK_POSSESSIVE = (
    "ымыз", "іміз", "мыз", "міз", "ыңыз", "іңіз", "ңыз", "ңіз",
    "сы", "сі", "ым", "ім", "ың", "ің", "ы", "і",
)  # fmt: skip
_KK_PLURAL = ("лар", "лер", "дар", "дер", "тар", "тер")
_KK_VOWELS = frozenset("аәеиоөуұүыіэюя")
_KK_VOICELESS = frozenset("кқпстфхцчшщ")
# Final consonants voiced before a vowel ending: кітап → кітабы, атақ → атағы.
_KK_DEVOICE = {"г": "к", "ғ": "қ", "б": "п"}


def _kk_fits(suffix: str, prev: str) -> bool:
    """Whether Kazakh sound harmony allows ``suffix`` after the letter ``prev``.

    This is what keeps nominatives such as жәрмеңке or мереке whole: -ке follows
    only voiceless consonants.
    """
    first = suffix[0]
    if suffix in ("ны", "ні", "ның", "нің", "мыз", "міз", "ңыз", "ңіз", "сы", "сі"):
        return prev in _KK_VOWELS
    if suffix in ("нан", "нен"):
        return prev in "мнңыі"
    if suffix[0] in "ыі":  # possessive -ы/-і … after a consonant (у, ю count as one)
        return prev not in _KK_VOWELS or prev in "ую"
    if first in "тқкп":
        return prev in _KK_VOICELESS or prev in "бвгд"
    if first in "дғгбм":
        return prev not in _KK_VOICELESS
    if first == "л":
        return prev in _KK_VOWELS or prev in "рйу"
    return True


def _kk_strip(word: str, suffixes: tuple[str, ...], vowels: frozenset[str]) -> str | None:
    for suffix in suffixes:
        if word.endswith(suffix):
            stem = word[: -len(suffix)]
            if len(stem) >= 2 and not vowels.isdisjoint(stem):
                return stem
    return None


def kazakh_stem(word: str) -> str:
    """Strip Kazakh inflectional endings from a lowercase Cyrillic word."""
    return kazakh_stems(word)[0]


@lru_cache(maxsize=100_000)
def kazakh_stems(word: str) -> tuple[str, ...]:
    """Possible stems of a lowercase Kazakh Cyrillic word, the likeliest first.

    Without a dictionary a few endings are ambiguous: кеңесі is кеңес + і, қаласы is
    қала + сы, and тері (skin) ends in і itself; every reading is returned.
    """
    stem = _kk_strip_layer(word, _KK_ADJ_LOC) or (word, False)
    stem = _kk_strip_layer(stem[0], _KK_CASE) or stem
    readings = [stem]
    possessive = _kk_strip_layer(stem[0], _KK_POSSESSIVE)
    if possessive is not None:
        readings = [possessive]
        removed = stem[0][len(possessive[0]) :]
        if removed in ("сы", "сі"):
            readings.append((stem[0][:-1], True))
        elif removed in ("ы", "і"):
            readings.append(stem)
    stems: list[str] = []
    for base, vowel_ending in readings:
        plural = _kk_strip_layer(base, _KK_PLURAL)
        if plural is not None:
            base, vowel_ending = plural
        if vowel_ending and base != word and base[-1] in _KK_DEVOICE:
            base = base[:-1] + _KK_DEVOICE[base[-1]]
        if base not in stems:
            stems.append(base)
    return tuple(stems)


def _kk_strip_layer(word: str, layer: tuple[str, ...]) -> tuple[str, bool] | None:
    """Strip the first ending of ``layer`` that fits; (stem, ending began with a vowel)."""
    for suffix in layer:
        if not word.endswith(suffix):
            continue
        shorter = word[: -len(suffix)]
        if len(shorter) < 2 or _KK_VOWELS.isdisjoint(shorter):
            continue
        if suffix in _KK_AFTER_POSSESSIVE:
            if not shorter.endswith(("ы", "і")) or len(shorter) < 3:
                continue
        elif not _kk_fits(suffix, shorter[-1]):
            continue
        return shorter, suffix[0] in _KK_VOWELS
    return None


_KKL_CASE = (
    "nyń", "niń", "dyń", "diń", "tyń", "tiń", "nyñ", "niñ", "dıñ", "tıñ", "nıñ",
    "dan", "den", "tan", "ten", "nan", "nen", "men", "ben", "pen",
    "ǵa", "ge", "qa", "ke", "ğa", "da", "de", "ta", "te",
    "ny", "ni", "dy", "di", "ty", "ti", "nı", "dı", "tı",
)  # fmt: skip
_KKL_POSSESSIVE = ("sy", "si", "sı", "y", "i", "ı")
_KKL_VOWELS = frozenset("aáäeéioóöuúüyı")


def kazakh_latin_stem(word: str) -> str:
    """Strip the commonest Kazakh endings from a lowercase Kazakh Latin word."""
    stem = word
    for layer in (_KKL_CASE, _KKL_POSSESSIVE, _KK_PLURAL_LATIN):
        stem = _kk_strip(stem, layer, _KKL_VOWELS) or stem
    return stem


_KK_PLURAL_LATIN = ("lar", "ler", "dar", "der", "tar", "ter")


# --- English ------------------------------------------------------------------
def english_stem(word: str) -> str:
    """Singular without possessive: artisans' → artisan, potteries → pottery."""
    for ending in ("'s", "'"):
        if word.endswith(ending):
            word = word[: -len(ending)]
            break
    if len(word) <= 3:
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "ches", "shes", "xes", "zes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word
