"""Reading and checking the mention lexicon (``lexicon.toml``).

The file is data edited by people who do not program, so every mistake is
reported as a ``LexiconError`` naming the file, the entry and the problem.
Phrases are compiled here into word specifications the detector matches
token by token.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from os import PathLike
from pathlib import Path

from crawler.morphology import (
    HYPHENS,
    KAZAKH_LATIN_LETTERS,
    KAZAKH_LETTERS,
    PART_RE,
    fold,
    morph_analyzer,
    normalise_word,
    word_keys,
)

CATEGORIES = ("world_craft_city", "world_crafts_council", "crafts")
LANGS = ("ru", "kk", "en")
TERM_KEYS = {"term", "lang", "forms", "patterns", "inflect", "context", "context_scope", "note"}
EXCLUDE_KEYS = {"phrase", "pattern", "lang", "when", "note"}
CONTEXT_SCOPES = ("sentence", "paragraph")
_WORD_RE = re.compile(r"[^\W_]+(?:['’][^\W_]+)*\*?")


class LexiconError(ValueError):
    """The lexicon file cannot be used; the message says where and why."""


@dataclass(frozen=True)
class Word:
    """One word of a phrase: matched by inflection keys, as a prefix, or literally."""

    kind: str  # "keys" | "prefix" | "literal"
    keys: frozenset[str]  # for "keys"; for the others the one folded string
    anchor: str  # a folded string every matching word starts with


@dataclass(frozen=True)
class Phrase:
    words: tuple[Word, ...]
    written: str  # as written in the lexicon, for messages


@dataclass(frozen=True)
class Entry:
    """A term (reported as a mention) or an exclusion (a look-alike that hides terms)."""

    category: str | None  # None: an exclusion for every category
    term: str
    lang: str | None
    phrases: tuple[Phrase, ...]
    exclusion: bool = False
    context: re.Pattern[str] | None = None
    context_scope: str = "sentence"
    only_capitalised: bool = False  # exclusions with when = "capitalised"


@dataclass(frozen=True)
class Lexicon:
    version: str
    entries: tuple[Entry, ...]
    path: str


def load_lexicon(path: str | PathLike[str]) -> Lexicon:
    """Read, check and compile the lexicon file at ``path``."""
    name = Path(path).name
    try:
        raw = Path(path).read_bytes().decode("utf-8")
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

    contexts: dict[str, re.Pattern[str]] = {}
    raw_contexts = data.get("contexts", {})
    if not isinstance(raw_contexts, dict):
        raise fail("contexts", "must be a table of named word lists")
    for ctx_name, words in raw_contexts.items():
        if not isinstance(words, list) or not words or not all(isinstance(w, str) for w in words):
            raise fail(f"contexts.{ctx_name}", "must be a non-empty list of words")
        stems = sorted({fold(w.strip()).rstrip("*") for w in words if w.strip()}, key=len)
        # A context word counts when a word of the text starts with it.
        alternatives = "|".join(re.escape(s) for s in reversed(stems))
        contexts[ctx_name] = re.compile(rf"(?<![^\W_])(?:{alternatives})")

    entries: list[Entry] = []
    for index, item in enumerate(_table_list(data, "exclude", name)):
        entries.append(_exclusion(item, None, f"exclude[{index}]", fail))
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
            entries.append(_exclusion(item, category, f"{category}.exclude[{index}]", fail))
    return Lexicon(version=version.strip(), entries=tuple(entries), path=path)


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
    phrases = [_phrase(text, inflect, where, fail) for text in [term, *forms]]
    phrases += [_phrase(text, False, where, fail) for text in patterns]
    context = item.get("context")
    if context is not None and context not in contexts:
        raise fail(where, f"context {context!r} is not defined in [contexts]")
    scope = item.get("context_scope", "sentence")
    if scope not in CONTEXT_SCOPES:
        raise fail(where, f"'context_scope' must be one of {', '.join(CONTEXT_SCOPES)}")
    return Entry(
        category=category,
        term=term.strip(),
        lang=lang,
        phrases=tuple(phrases),
        context=contexts[context] if context else None,
        context_scope=scope,
    )


def _exclusion(item: dict, category: str | None, where: str, fail) -> Entry:
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
    return Entry(
        category=category,
        term=text.strip(),
        lang=lang,
        phrases=(_phrase(text, phrase is not None, f"{where} ({text})", fail),),
        exclusion=True,
        only_capitalised=when == "capitalised",
    )


def _strings(item: dict, key: str, where: str, fail) -> list[str]:
    value = item.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise fail(where, f"'{key}' must be a list of non-empty strings")
    return value


def _phrase(text: str, inflect: bool, where: str, fail) -> Phrase:
    # Hyphens and quotes separate words exactly like spaces do.
    cleaned = text
    for hyphen in HYPHENS:
        cleaned = cleaned.replace(hyphen, " ")
    words = _WORD_RE.findall(cleaned)
    if not words or len(_WORD_RE.sub("", cleaned).strip(" \"'«»“”„()")) > 0:
        raise fail(where, f"cannot read the phrase {text!r}: use words, spaces and hyphens")
    compiled = []
    for word in words:
        folded = fold(word)
        if folded.endswith("*"):
            stem = folded[:-1]
            if len(stem) < 2:
                raise fail(where, f"{word!r}: a word ending in * needs at least 2 letters")
            compiled.append(Word("prefix", frozenset({stem}), stem))
        elif not inflect:
            compiled.append(Word("literal", frozenset({folded}), folded))
        else:
            keys = word_keys(folded)
            compiled.append(Word("keys", keys, _anchor(folded, keys)))
    return Phrase(words=tuple(compiled), written=text)


def _anchor(word: str, keys: frozenset[str]) -> str:
    """A prefix shared by every form of ``word`` (used to find candidates fast)."""
    forms = {word, *keys}
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
        return _common_prefix(forms)
    prefix = _common_prefix(forms)
    # Kazakh stems voice their last consonant before vowels (өрнек → өрнегі) and
    # English plurals turn y into ies (city → cities).
    if len(prefix) > 3 and prefix[-1] in "кқпгғбkqpy":
        prefix = prefix[:-1]
    if not KAZAKH_LATIN_LETTERS.isdisjoint(word) and len(prefix) > 4:
        prefix = prefix[:-1]
    return prefix


def _common_prefix(words: set[str]) -> str:
    first, last = min(words), max(words)
    size = 0
    while size < min(len(first), len(last)) and first[size] == last[size]:
        size += 1
    return first[:size]
