"""Reading and checking the mention lexicon (``lexicon.toml``).

The file is data edited by people who do not program, so every mistake is
reported as a ``LexiconError`` naming the file, the entry and the problem.
Phrases are compiled here into word specifications the detector matches
token by token.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from dataclasses import dataclass
from importlib.resources.abc import Traversable
from os import PathLike
from pathlib import Path

from crawler.text.morphology import (
    CYRILLIC_LETTER_RE,
    HYPHENS,
    KAZAKH_LATIN_LETTERS,
    KAZAKH_LETTERS,
    KAZAKH_VOICED,
    PART_RE,
    cyrillic_to_latin,
    fold,
    latin_to_cyrillic,
    morph_analyzer,
    normalise_word,
    word_keys,
)

CATEGORIES = ("world_craft_city", "world_crafts_council", "crafts")
LANGS = ("ru", "kk", "en", "uz")
# Languages written in Cyrillic and Latin alike: their terms are looked for in both.
TWO_SCRIPTS = ("kk", "uz")
TERM_KEYS = {
    "term", "lang", "forms", "patterns", "inflect", "context", "context_all", "context_scope",
    "note",
}  # fmt: skip
EXCLUDE_KEYS = {"phrase", "pattern", "lang", "when", "near", "near_scope", "note"}
CONTEXT_SCOPES = ("sentence", "paragraph", "nearby")
# "nearby": this many words on either side, within the sentence.
NEARBY_WORDS = 3
# The longest look-alike: the detector tries exclusions this many words around a find.
EXCLUSION_WORDS_MAX = 7
_WORD_RE = re.compile(r"[^\W_]+(?:['’ʻ‘][^\W_]+)*\*?")


class LexiconError(ValueError):
    """The lexicon file cannot be used; the message says where and why."""


@dataclass(frozen=True)
class Word:
    """One word of a phrase: matched by inflection keys, as a prefix, or literally."""

    kind: str  # "keys" | "prefix" | "literal"
    keys: frozenset[str]  # for "keys"; for the others the one folded string
    anchor: str  # a folded string every matching word starts with
    latin: bool = False  # a Kazakh or Uzbek word spelt in Latin: its keys are Cyrillic
    # Prefixes that together cover every form, searched for instead of ``anchor``:
    # longer ones for words whose forms share only a letter or two (ковать: кую,
    # ковал), and both stems of a Kazakh verb whose last consonant alternates (тоқ-,
    # тоғ-); a "prefix" word matches a token starting with any of them.
    anchors: tuple[str, ...] = ()

    @property
    def searched(self) -> tuple[str, ...]:
        """The prefixes the candidate search looks for: every form starts with one."""
        return self.anchors or (self.anchor,)


@dataclass(frozen=True)
class Phrase:
    words: tuple[Word, ...]
    written: str  # as written in the lexicon, for messages


@dataclass(frozen=True)
class Context:
    """A named word list of [contexts]: a text word counts if it starts with one."""

    name: str
    pattern: re.Pattern[str]

    def word_in(self, text: str) -> str | None:
        """The first word of the folded ``text`` that starts with a listed one (or None)."""
        found = self.pattern.search(text)
        return found.group() if found else None


@dataclass(frozen=True)
class Entry:
    """A term (reported as a mention) or an exclusion (a look-alike that hides terms)."""

    category: str | None  # None: an exclusion for every category
    term: str
    lang: str | None
    phrases: tuple[Phrase, ...]
    exclusion: bool = False
    # Terms: counted only if a word of one of these lists is within context_scope.
    context: tuple[Context, ...] = ()
    # Terms: and a word of every one of these lists too.
    context_all: tuple[Context, ...] = ()
    context_scope: str = "sentence"
    only_capitalised: bool = False  # exclusions with when = "capitalised"
    # Exclusions: hide terms only if a word of one of these lists is within near_scope.
    near: tuple[Context, ...] = ()
    near_scope: str = "nearby"
    where: str = ""  # the block in the file, for --explain


@dataclass(frozen=True)
class Lexicon:
    version: str  # the human version and a hash of the content: "2026-11-26.1+3f9a0c2b71de"
    entries: tuple[Entry, ...]
    path: str
    declared_version: str = ""  # the `version` string as written in the file


def content_version(declared: str, data: dict) -> str:
    """The human ``version`` with the first 12 hex digits of the sha256 of the parsed
    content, so an edit that forgets to change ``version`` still changes it, while
    comments and layout (which change no mention) do not."""
    canonical = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return f"{declared}+{hashlib.sha256(canonical.encode('utf-8')).hexdigest()[:12]}"


def load_lexicon(path: str | PathLike[str] | Traversable) -> Lexicon:
    """Read, check and compile the lexicon file at ``path`` (a file name, or a file of
    the package data such as ``DEFAULT_LEXICON``)."""
    file = Path(path) if isinstance(path, str | PathLike) else path
    name = file.name
    try:
        raw = file.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise LexiconError(f"{path}: lexicon file not found") from None
    except UnicodeDecodeError as exc:
        raise LexiconError(f"{name}: not UTF-8 text ({exc.reason})") from None
    try:
        data = tomllib.loads(raw)
    except tomllib.TOMLDecodeError as exc:
        raise LexiconError(f"{name}: not valid TOML: {exc}") from None
    return _compile(data, name, str(path))


def _compile(data: dict, name: str, path: str) -> Lexicon:
    def fail(where: str, problem: str) -> LexiconError:
        return LexiconError(f"{name}: {where}: {problem}")

    version = data.get("version")
    if not isinstance(version, str) or not version.strip():
        raise fail("version", 'missing or empty; write e.g. version = "2026-11-26.1" at the top')
    known = {"version", "contexts", "exclude", *CATEGORIES}
    for key in data:
        if key not in known:
            raise fail(key, f"unknown section; expected one of {', '.join(sorted(known))}")

    contexts: dict[str, Context] = {}
    raw_contexts = data.get("contexts", {})
    if not isinstance(raw_contexts, dict):
        raise fail("contexts", "must be a table of named word lists")
    for ctx_name, words in raw_contexts.items():
        if not isinstance(words, list) or not words or not all(isinstance(w, str) for w in words):
            raise fail(f"contexts.{ctx_name}", "must be a non-empty list of words")
        contexts[ctx_name] = Context(ctx_name, _context_pattern(words))

    entries: list[Entry] = []
    for index, item in enumerate(_table_list(data, "exclude", name)):
        entries.append(_exclusion(item, None, f"exclude[{index}]", contexts, fail))
    for category in CATEGORIES:
        section = data.get(category, {})
        if not isinstance(section, dict):
            raise fail(category, "must be a table with [[...terms]] and [[...exclude]] entries")
        for key in section:
            if key not in ("terms", "exclude"):
                raise fail(f"{category}.{key}", "unknown key; expected terms or exclude")
        terms = _table_list(section, "terms", name, prefix=f"{category}.")
        if not terms:
            raise fail(category, "has no terms")
        for index, item in enumerate(terms):
            entries.append(_term(item, category, f"{category}.terms[{index}]", contexts, fail))
        for index, item in enumerate(_table_list(section, "exclude", name, prefix=f"{category}.")):
            entries.append(
                _exclusion(item, category, f"{category}.exclude[{index}]", contexts, fail)
            )
    return Lexicon(
        version=content_version(version.strip(), data),
        entries=tuple(entries),
        path=path,
        declared_version=version.strip(),
    )


def _context_pattern(words: list[str]) -> re.Pattern[str]:
    """A word of the text counts if it starts with a listed word, or, for a listed word
    written with a full stop after it ("title."), if it is that word exactly."""
    stems = {fold(w.strip()).rstrip("*") for w in words if w.strip()}
    # Kazakh voices a final к, қ, п before a vowel (бесік → бесігі, өнеркәсіп →
    # өнеркәсібі): the voiced spelling is looked for too.
    stems |= {
        stem[:-1] + KAZAKH_VOICED[stem[-1]]
        for stem in stems
        if len(stem) >= 4 and stem[-1] in KAZAKH_VOICED and CYRILLIC_LETTER_RE.search(stem)
    }
    # Cyrillic words are looked for in their Kazakh and Uzbek Latin spellings too.
    for stem in list(stems):
        if CYRILLIC_LETTER_RE.search(stem):
            for lang in TWO_SCRIPTS:
                stems.update(cyrillic_to_latin(stem, lang))
    stems = {stem for stem in stems if len(stem.rstrip(".")) >= 2}
    # Longest first, so the word reported is the whole listed word.
    alternatives = "|".join(
        re.escape(s[:-1]) + r"(?![^\W_])" if s.endswith(".") else re.escape(s) + r"[^\W_]*"
        for s in sorted(stems, key=len, reverse=True)
    )
    return re.compile(rf"(?<![^\W_])(?:{alternatives})")


def _table_list(data: dict, key: str, name: str, prefix: str = "") -> list[dict]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise LexiconError(f"{name}: {prefix}{key}: write each entry as [[{prefix}{key}]]")
    return value


def _term(item: dict, category: str, where: str, contexts: dict, fail) -> Entry:
    unknown = set(item) - TERM_KEYS
    if unknown:
        raise fail(where, f"unknown key {sorted(unknown)[0]!r}; allowed: {sorted(TERM_KEYS)}")
    term = item.get("term")
    if not isinstance(term, str) or not term.strip():
        raise fail(where, "missing 'term' (the canonical form of the term)")
    where = f"{where} ({term})"
    lang = item.get("lang")
    if lang not in LANGS:
        raise fail(where, f"'lang' must be one of {', '.join(LANGS)}, got {lang!r}")
    inflect = item.get("inflect", True)
    if not isinstance(inflect, bool):
        raise fail(where, "'inflect' must be true or false")
    forms = _strings(item, "forms", where, fail)
    patterns = _strings(item, "patterns", where, fail)
    phrases = [p for text in [term, *forms] for p in _phrases(text, inflect, lang, where, fail)]
    phrases += [p for text in patterns for p in _phrases(text, False, lang, where, fail)]
    # The same words twice (a Latin pattern and the Latin spelling of the term) would
    # be matched twice.
    unique = {phrase.words: phrase for phrase in reversed(phrases)}
    phrases = [phrase for phrase in phrases if unique[phrase.words] is phrase]
    scope = item.get("context_scope", "sentence")
    if scope not in CONTEXT_SCOPES:
        raise fail(where, f"'context_scope' must be one of {', '.join(CONTEXT_SCOPES)}")
    return Entry(
        category=category,
        term=term.strip(),
        lang=lang,
        phrases=tuple(phrases),
        context=_contexts(item, "context", contexts, where, fail),
        context_all=_contexts(item, "context_all", contexts, where, fail),
        context_scope=scope,
        where=where,
    )


def _contexts(item: dict, key: str, contexts: dict, where: str, fail) -> tuple[Context, ...]:
    """The word lists named by ``key``: one name or a list of names."""
    value = item.get(key)
    if value is None:
        return ()
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise fail(where, f"'{key}' must be the name of a word list or a list of names")
    for name in names:
        if name not in contexts:
            raise fail(where, f"{key} {name!r} is not defined in [contexts]")
    return tuple(contexts[name] for name in names)


def _exclusion(item: dict, category: str | None, where: str, contexts: dict, fail) -> Entry:
    unknown = set(item) - EXCLUDE_KEYS
    if unknown:
        raise fail(where, f"unknown key {sorted(unknown)[0]!r}; allowed: {sorted(EXCLUDE_KEYS)}")
    phrase, pattern = item.get("phrase"), item.get("pattern")
    if (phrase is None) == (pattern is None):
        raise fail(where, "give exactly one of 'phrase' (inflected) or 'pattern' (as written)")
    text = phrase if phrase is not None else pattern
    if not isinstance(text, str) or not text.strip():
        raise fail(where, "the phrase or pattern must be a non-empty string")
    when = item.get("when")
    if when not in (None, "capitalised"):
        raise fail(where, f"'when' can only be \"capitalised\", got {when!r}")
    lang = item.get("lang")
    if lang is not None and lang not in LANGS:
        raise fail(where, f"'lang' must be one of {', '.join(LANGS)}, got {lang!r}")
    near_scope = item.get("near_scope", "nearby")
    if near_scope not in CONTEXT_SCOPES:
        raise fail(where, f"'near_scope' must be one of {', '.join(CONTEXT_SCOPES)}")
    where = f"{where} ({text})"
    phrases = tuple(_phrases(text, phrase is not None, lang, where, fail))
    if any(len(p.words) > EXCLUSION_WORDS_MAX for p in phrases):
        raise fail(where, f"an exclusion has at most {EXCLUSION_WORDS_MAX} words")
    return Entry(
        category=category,
        term=text.strip(),
        lang=lang,
        phrases=phrases,
        exclusion=True,
        only_capitalised=when == "capitalised",
        near=_contexts(item, "near", contexts, where, fail),
        near_scope=near_scope,
        where=where,
    )


def _strings(item: dict, key: str, where: str, fail) -> list[str]:
    value = item.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise fail(where, f"'{key}' must be a list of non-empty strings")
    return value


def _phrases(text: str, inflect: bool, lang: str | None, where: str, fail) -> list[Phrase]:
    """The phrase, and for Kazakh and Uzbek its spellings in the other script."""
    if lang not in TWO_SCRIPTS:
        return [_phrase(text, inflect, where, fail)]
    kazakh = lang == "kk"
    words = _words(text, where, fail)
    # Written in Latin: read it back into Cyrillic, where the stems live.
    cyrillic = [
        w if CYRILLIC_LETTER_RE.search(fold(w)) else latin_to_cyrillic(fold(w), lang) for w in words
    ]
    phrases = [_phrase(" ".join(cyrillic), inflect, where, fail, written=text, kazakh=kazakh)]
    # Kazakh: the 2018 and 2021 alphabets; Uzbek: as written, and with x for ҳ.
    for spelling in range(2):
        latin = []
        for word in phrases[0].words:
            spelt = _spelt(word.anchor, lang, spelling)
            if word.kind == "keys":
                latin.append(Word("keys", word.keys, spelt, latin=True))
            elif word.anchors:
                stems = {_spelt(stem, lang, spelling) for stem in word.anchors}
                common = _common_prefix(stems)
                latin.append(Word(word.kind, frozenset(stems), common, True, tuple(sorted(stems))))
            else:
                latin.append(Word(word.kind, frozenset({spelt}), spelt, latin=True))
        if all(len(w.anchor) >= 2 for w in latin) and all(p.words != tuple(latin) for p in phrases):
            phrases.append(Phrase(words=tuple(latin), written=text))
    return phrases


def _spelt(word: str, lang: str, spelling: int) -> str:
    """``word`` in the Latin alphabet number ``spelling`` of ``lang`` (the last one
    if ``lang`` has fewer)."""
    spellings = cyrillic_to_latin(word, lang)
    return spellings[min(spelling, len(spellings) - 1)]


# Kazakh consonants that alternate at the end of a verb stem (соқты, соғып).
_KK_VERB_PAIRS = {**KAZAKH_VOICED, **{v: k for k, v in KAZAKH_VOICED.items()}}


def _kazakh_verb_stems(word: str) -> frozenset[str]:
    """The stems of a Kazakh verbal noun (жасау, тоқу, тігу), which every form of the
    verb starts with (жасайды, жасап, жасаған; тоқиды, тоқып; тікті, тігіп); empty if
    ``word`` does not look like one. The stemmer knows nouns only."""
    if not word.endswith("у") or len(word) < 4:
        return frozenset()
    # Shorter stems (ой- of ою, өр- of өру) start too many other words.
    stem = word[:-1]
    stems = {stem}
    if stem[-1] in _KK_VERB_PAIRS:
        stems.add(stem[:-1] + _KK_VERB_PAIRS[stem[-1]])
    return frozenset(stems)


def _words(text: str, where: str, fail) -> list[str]:
    # Hyphens and quotes separate words exactly like spaces do.
    cleaned = text
    for hyphen in HYPHENS:
        cleaned = cleaned.replace(hyphen, " ")
    words = _WORD_RE.findall(cleaned)
    if not words or len(_WORD_RE.sub("", cleaned).strip(" \"'«»“”„()")) > 0:
        raise fail(where, f"cannot read the phrase {text!r}: use words, spaces and hyphens")
    return words


def _phrase(
    text: str,
    inflect: bool,
    where: str,
    fail,
    written: str | None = None,
    kazakh: bool = False,
) -> Phrase:
    compiled = []
    words = _words(text, where, fail)
    for position, word in enumerate(words):
        folded = fold(word)
        # The verb that ends a Kazakh phrase (киіз басу, домбыра жасау) is matched in
        # all its forms: «домбыра жасап», «киіз басты».
        verb = (
            _kazakh_verb_stems(folded)
            if kazakh and inflect and position > 0 and position == len(words) - 1
            else frozenset()
        )
        if verb:
            anchors = tuple(sorted(verb)) if len(verb) > 1 else ()
            compiled.append(Word("prefix", verb, _common_prefix(set(verb)), anchors=anchors))
            continue
        if folded.endswith("*"):
            stem = folded[:-1]
            if len(stem) < 2:
                raise fail(where, f"{word!r}: a word ending in * needs at least 2 letters")
            compiled.append(Word("prefix", frozenset({stem}), stem))
        elif not inflect:
            compiled.append(Word("literal", frozenset({folded}), folded))
        else:
            keys = word_keys(folded)
            # A dictionary form read as a stem plus an ending (ұста as ұс + -та) would
            # match unrelated short words: such one- and two-letter readings are dropped.
            keys = frozenset(k for k in keys if len(k) >= 3) or keys
            # The word itself is a key too: «бұйым» reads as бұй + -ым, while the
            # text's «бұйымдары» reads as бұйым + -дары.
            keys |= {folded}
            anchor, forms = _anchor(folded, keys)
            compiled.append(Word("keys", keys, anchor, anchors=_cover(anchor, forms)))
    return Phrase(words=tuple(compiled), written=written or text)


def _anchor(word: str, keys: frozenset[str]) -> tuple[str, set[str]]:
    """A prefix shared by every form of ``word`` (used to find candidates fast), and
    the forms it was taken from."""
    # Keys in the other script (the Kazakh reading of "jeweller") share no prefix.
    cyrillic = bool(CYRILLIC_LETTER_RE.search(word))
    forms = {word, *(k for k in keys if bool(CYRILLIC_LETTER_RE.search(k)) == cyrillic)}
    morph = morph_analyzer()
    if (
        PART_RE.fullmatch(word)
        and re.search("[а-я]", word)
        and KAZAKH_LETTERS.isdisjoint(word)
        and morph.word_is_known(word)
    ):
        lemma = normalise_word(word)
        forms = {word, lemma}
        for parse in morph.parse(word):
            if parse.normal_form.replace("ё", "е") == lemma:
                # Comparatives and superlatives (наивсемирнейший) would leave no prefix.
                forms.update(
                    f.word.replace("ё", "е")
                    for f in parse.lexeme
                    if not {"COMP", "Supr", "Cmp2"} & f.tag.grammemes
                )
        return _common_prefix(forms), forms
    # Uzbek keys spell ҳ as х (both are typed): compare so, keep the word's letters.
    prefix = word[: len(_common_prefix({form.replace("ҳ", "х") for form in forms}))]
    # Kazakh stems voice their last consonant before vowels (өрнек → өрнегі) and
    # English plurals turn y into ies (city → cities).
    if len(prefix) > 3 and prefix[-1] in "кқпгғбkqpy":
        prefix = prefix[:-1]
    if not KAZAKH_LATIN_LETTERS.isdisjoint(word) and len(prefix) > 4:
        prefix = prefix[:-1]
    return prefix, set()


# Anchors shorter than this are replaced by longer ones that cover every form.
_SHORT = 4


def _cover(anchor: str, forms: set[str]) -> tuple[str, ...]:
    """Prefixes of at least ``_SHORT`` letters (or whole shorter forms) that every
    form starts with one of, when the forms share fewer letters than that; else ()."""
    if len(anchor) >= _SHORT or not forms:
        return ()
    prefixes: dict[str, set[str]] = {}
    for form in forms:
        prefixes.setdefault(form[:_SHORT], set()).add(form)
    cover = sorted(_common_prefix(group) for group in prefixes.values())
    # A prefix that starts with another one adds nothing.
    return tuple(p for i, p in enumerate(cover) if not any(p.startswith(q) for q in cover[:i]))


def _common_prefix(words: set[str]) -> str:
    first, last = min(words), max(words)
    size = 0
    while size < min(len(first), len(last)) and first[size] == last[size]:
        size += 1
    return first[:size]
