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
KAZAKH_LATIN_LETTERS = frozenset("áóúǵńıýäöüğñşç")
# Letters only Uzbek Cyrillic has.
UZBEK_LETTERS = frozenset("ўҳ")
_CYRILLIC = re.compile(r"[а-яё]")
# A lowercase Cyrillic letter of Russian, Kazakh or Uzbek: a folded word holding one is
# not a Latin spelling.
CYRILLIC_LETTER_RE = re.compile("[а-яёәғқңөұүһіўҳ]")

# Case folding that keeps every offset: str.lower() changes the length of one
# character only (U+0130, Turkish/Kazakh-Latin dotted capital I).
_FOLD = str.maketrans(
    {
        "ё": "е",
        "Ё": "е",
        "\u0130": "i",
        "\u2019": "'",  # ’ typographic apostrophe
        "\u02bc": "'",  # ʼ modifier apostrophe
        "\u02bb": "'",  # ʻ turned comma (Uzbek Latin oʻ, gʻ)
        "\u2018": "'",  # ‘ left quote, typed for the Uzbek oʻ and gʻ
        "`": "'",
        "\u2010": "-",  # ‐ hyphen
        "\u2011": "-",  # non-breaking hyphen
        "\u2012": "-",  # figure dash
        "\u2013": "-",  # – en dash
    }
)
APOSTROPHES = "'\u2019\u02bc\u02bb\u2018`"
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


def latin_word_keys(word: str) -> frozenset[str]:
    """``word_keys`` of a Latin word read as Kazakh or Uzbek even when nothing in it
    says so (sheber, hunarmand): the Cyrillic stems of its transliterations."""
    folded = fold(word).strip(APOSTROPHES + HYPHENS)
    if "-" in folded or _CYRILLIC.search(folded):
        return word_keys(folded)
    return _part_keys(folded) | _turkic_latin_keys(folded)


@lru_cache(maxsize=200_000)
def _normalise_part(word: str) -> str:
    if not word:
        return word
    if not UZBEK_LETTERS.isdisjoint(word):
        return uzbek_stems(word)[0]
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
        # Kazakh in the Latin alphabet shares its keys with the Cyrillic spelling.
        return kazakh_stem(latin_to_cyrillic(word, "kk"))
    if _UZ_LATIN_MARK.search(word):
        return uzbek_stems(latin_to_cyrillic(word, "uz"))[0]
    return english_stem(word)


@lru_cache(maxsize=200_000)
def _part_keys(word: str) -> frozenset[str]:
    if not UZBEK_LETTERS.isdisjoint(word):
        return frozenset(uzbek_stems(word))
    if not KAZAKH_LETTERS.isdisjoint(word):
        return frozenset(kazakh_stems(word))  # the first stem is _normalise_part's
    if _CYRILLIC.search(word):
        # One parse gives every lemma; the first is _normalise_part's key of a
        # known word (parsing is the search index's main cost per new form).
        morph = morph_analyzer()
        keys = {p.normal_form.replace("ё", "е") for p in morph.parse(word)}
        if not morph.word_is_known(word):
            keys.update(kazakh_stems(word))
            # Uzbek Cyrillic without ў/ҳ (кулолчилик) looks like this too.
            keys.update(uzbek_stems(word))
        return frozenset(keys)
    keys = {_normalise_part(word)}
    if _looks_turkic(word):
        keys |= _turkic_latin_keys(word)
    return frozenset(keys)


@lru_cache(maxsize=100_000)
def _turkic_latin_keys(word: str) -> frozenset[str]:
    if not KAZAKH_LATIN_LETTERS.isdisjoint(word):
        return frozenset(kazakh_stems(latin_to_cyrillic(word, "kk")))
    keys = set(uzbek_stems(latin_to_cyrillic(word, "uz")))
    if not _UZ_LATIN_MARK.search(word):
        keys.update(kazakh_stems(latin_to_cyrillic(word, "kk")))
    return frozenset(keys)


def _looks_turkic(word: str) -> bool:
    """Whether a Latin word without Kazakh letters is likelier Kazakh or Uzbek than
    English: a q not before u, an Uzbek oʻ/gʻ, or a Turkic ending. Only such words
    get the extra keys, so «master» stays apart from «мастер» in search."""
    return bool(_TURKIC_HINT.search(word))


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
KAZAKH_VOICED = {"к": "г", "қ": "ғ", "п": "б"}
_KK_DEVOICE = {voiced: plain for plain, voiced in KAZAKH_VOICED.items()}


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


# --- Uzbek ------------------------------------------------------------------
# No vowel harmony, so one ending per layer, outside in: case → possessive → plural.
_UZ_CASE = (
    "нинг", "даги", "дан", "тан", "ни", "га", "ка", "қа", "да", "та", "гача",
)  # fmt: skip
# (1st and 2nd person -м, -нг after a vowel are left out: rare in news, and гилам would lose its м.)
_UZ_POSSESSIVE = ("имиз", "ингиз", "лари", "си", "им", "инг", "и")
_UZ_VOWELS = frozenset("аеёиоуўэюя")


@lru_cache(maxsize=100_000)
def uzbek_stems(word: str) -> tuple[str, ...]:
    """Possible stems of a lowercase Uzbek Cyrillic word, the likeliest first:
    ҳунармандчиликни → ҳунармандчилик, кенгашининг → кенгаш (and кенгаши)."""
    base = _kk_strip(word, _UZ_CASE, _UZ_VOWELS) or word
    readings = [base]
    owned = _kk_strip(base, _UZ_POSSESSIVE, _UZ_VOWELS)
    if owned is not None:
        # A final -и may be the word's own (санъати / кулоли are ambiguous without a dictionary).
        readings = [owned, base] if base.endswith(("и", "си")) else [owned]
    stems: list[str] = []
    for reading in readings:
        stem = _kk_strip(reading, ("лар",), _UZ_VOWELS) or reading
        # -лик/-ак voice before a vowel ending: ҳунармандчилиги → ҳунармандчилик.
        if stem != word and stem[-1] in "гғ" and word[len(stem)] in _UZ_VOWELS:
            stem = stem[:-1] + ("к" if stem[-1] == "г" else "қ")
        # ҳ and х are often confused (Jaxon for Jahon): one key for both.
        stem = stem.replace("ҳ", "х")
        if stem not in stems:
            stems.append(stem)
    return tuple(stems)


# --- Latin script: Kazakh (2018 and 2021 alphabets) and Uzbek ------------------
# Latin words are read back into Cyrillic, so one set of stems serves both scripts
# (qolónershiler → қолөнершілер → қолөнерші).
_KK_LATIN_2018 = {
    "a": "а", "á": "ә", "b": "б", "c": "ц", "d": "д", "e": "е", "f": "ф", "g": "г",
    "ǵ": "ғ", "h": "х", "i": "і", "ı": "и", "j": "ж", "k": "к", "l": "л", "m": "м",
    "n": "н", "ń": "ң", "o": "о", "ó": "ө", "p": "п", "q": "қ", "r": "р", "s": "с",
    "t": "т", "u": "ұ", "ú": "ү", "v": "в", "w": "у", "x": "х", "y": "ы", "ý": "у",
    "z": "з",
}  # fmt: skip
# 2021: umlauts and cedillas; ı is і and i is и.
_KK_LATIN_2021 = {
    **_KK_LATIN_2018,
    "ä": "ә", "ö": "ө", "ü": "ү", "ğ": "ғ", "ñ": "ң", "ş": "ш", "ç": "ч", "ı": "і", "i": "и",
    "ū": "ұ",
}  # fmt: skip
_UZ_LATIN = {
    "a": "а", "b": "б", "c": "ц", "d": "д", "e": "е", "f": "ф", "g": "г", "h": "ҳ",
    "i": "и", "j": "ж", "k": "к", "l": "л", "m": "м", "n": "н", "o": "о", "p": "п",
    "q": "қ", "r": "р", "s": "с", "t": "т", "u": "у", "v": "в", "w": "в", "x": "х",
    "y": "й", "z": "з", "'": "ъ",
}  # fmt: skip
_UZ_DIGRAPHS = {"o'": "ў", "g'": "ғ", "sh": "ш", "ch": "ч", "yo": "ё", "yu": "ю", "ya": "я"}
_KK_2021_MARKS = frozenset("äöüğñşçū")
_UZ_LATIN_MARK = re.compile(r"[og]'")
# Hints that a plain Latin word is Kazakh or Uzbek rather than English.
_TURKIC_HINT = re.compile(
    r"q(?!u)|[og]'|(?:lar|ler|lik|lig|liq|lyq|chi|shi)"
    r"(?:i|y|im|imiz|ing|ni|ny|ga|ge|da|de|dan|den|si|dagi|lar|ler|ning)?$"
)


def latin_to_cyrillic(word: str, lang: str) -> str:
    """A folded Latin ``word`` in Cyrillic, read as Kazakh (``"kk"``) or Uzbek (``"uz"``).

    >>> latin_to_cyrillic("dúnıejúzilik", "kk"), latin_to_cyrillic("zardo'zlik", "uz")
    ('дүниежүзілік', 'зардўзлик')
    """
    if lang == "uz":
        out, i = [], 0
        while i < len(word):
            pair = word[i : i + 2]
            if pair in _UZ_DIGRAPHS:
                out.append(_UZ_DIGRAPHS[pair])
                i += 2
                continue
            letter = word[i]
            out.append("э" if letter == "e" and i == 0 else _UZ_LATIN.get(letter, letter))
            i += 1
        return "".join(out)
    table = _KK_LATIN_2021 if not _KK_2021_MARKS.isdisjoint(word) else _KK_LATIN_2018
    word = word.replace("sh", "ш").replace("ch", "ч")
    out = []
    for i, letter in enumerate(word):
        cyrillic = table.get(letter, letter)
        # After a vowel and not before one, the 2018 ı is й (úı → үй, aıtty → айтты).
        if (
            letter == "ı"
            and table is _KK_LATIN_2018
            and i
            and word[i - 1] in _KKL_VOWELS
            and (i + 1 == len(word) or word[i + 1] not in _KKL_VOWELS)
        ):
            cyrillic = "й"
        out.append(cyrillic)
    return "".join(out)


_CYR_TO_KK_2018 = {
    **{cyr: lat for lat, cyr in _KK_LATIN_2018.items() if lat not in "cwx"},
    "и": "ı", "й": "ı", "у": "ý", "х": "h", "һ": "h", "ш": "sh", "щ": "sh", "ч": "ch",
    "ц": "ts", "ё": "ıo", "ю": "ıý", "я": "ıa", "э": "e", "ъ": "", "ь": "",
}  # fmt: skip
_CYR_TO_KK_2021 = {
    **_CYR_TO_KK_2018,
    "ә": "ä", "ө": "ö", "ү": "ü", "ғ": "ğ", "ң": "ñ", "ш": "ş", "щ": "ş", "ч": "ç",
    "і": "ı", "и": "i", "й": "i", "у": "u", "ю": "iu", "я": "ia", "ё": "io",
}  # fmt: skip
_CYR_TO_UZ = {
    **{cyr: lat for lat, cyr in _UZ_LATIN.items() if lat not in "cw'"},
    **{cyr: lat for lat, cyr in _UZ_DIGRAPHS.items()},
    "х": "x", "ц": "ts", "щ": "sh", "ъ": "'", "ь": "", "э": "e",
}  # fmt: skip


def cyrillic_to_latin(word: str, lang: str) -> tuple[str, ...]:
    """The Latin spellings of a folded Cyrillic word: Kazakh 2018 and 2021, or Uzbek."""
    tables = (_CYR_TO_UZ,) if lang == "uz" else (_CYR_TO_KK_2018, _CYR_TO_KK_2021)
    spellings = []
    for table in tables:
        spelling = "".join(table.get(letter, letter) for letter in word)
        if spelling not in spellings:
            spellings.append(spelling)
    if lang == "uz":
        # ҳ is often typed as x (Jaxon for Jahon).
        typed = "".join("x" if letter == "ҳ" else _CYR_TO_UZ.get(letter, letter) for letter in word)
        if typed not in spellings:
            spellings.append(typed)
    return tuple(spellings)


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
