"""Finding lexicon terms in text: fast candidate search, then word-by-word matching.

Most news paragraphs mention no craft at all, so the detector first looks for the
anchors of all phrases (a prefix every form of one of the phrase's words starts
with) with one Aho–Corasick automaton over the original text. Only the
neighbourhood of a hit is split into words, normalised and matched against the
phrases; exclusions (look-alikes) and overlaps are resolved there too.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from os import PathLike

import ahocorasick

from crawler.text.mentions.context import context_word
from crawler.text.mentions.explain import EXCLUDED, KEPT, NO_CONTEXT, OVERLAPPED, Decision
from crawler.text.mentions.lexicon import (
    CATEGORIES,
    EXCLUSION_WORDS_MAX,
    Entry,
    Lexicon,
    Phrase,
    Word,
    load_lexicon,
)
from crawler.text.mentions.sentences import snippet, starts_sentence
from crawler.text.morphology import (
    APOSTROPHES,
    CYRILLIC_LETTER_RE,
    PART_RE,
    fold,
    latin_word_keys,
    word_keys,
)

# Package data, read through importlib.resources: it loads from a zipped egg (Scrapyd) too.
DEFAULT_LEXICON: Traversable = files(__package__) / "lexicon.toml"
# Characters around a candidate where the other words of its phrase must be.
_MARGIN = 160
# Characters around a candidate that are split into words: enough for the
# longest phrase on either side of its anchor, and look-alikes around it.
_WINDOW = 64
# Anchors shorter than this are checked against their word before a region is built.
_SHORT_ANCHOR = 4
# What may stand between two words of a phrase: spaces, hyphens, dashes, quotes.
_GAP_CHARS = frozenset(" \t\r\n\u00a0\u202f-\u2010\u2011\u2012\u2013\u2014\"'«»“”„‘’‹›")
_GAP_MAX = 8
# Words tried for look-alikes on either side of a find: any exclusion overlapping it.
_NEAR_WORDS = EXCLUSION_WORDS_MAX - 1
# What may stand right before a word where a term starts: spaces, line breaks,
# opening quotes and brackets, hyphens and dashes, a slash, a hash. (A term glued
# to other punctuation, «…remesla», is not looked for.) The scanned copy of the
# text has a space for each of them but the apostrophes, which Uzbek words contain.
_WORD_OPENERS = " '‘"
_SPACED = '\n«"(-“„\u2013\u2014/\u00a0#[\t\r\u2010\u2011\u2012\u202f'
_SPACED_SET = frozenset(_SPACED)
# What the scanned copy of the text replaces, letter for letter.
_SCAN_REPLACEMENTS = (("ё", "е"), *((opener, " ") for opener in _SPACED))
# Anchors frequent in any city news: another word of a phrase is searched for instead.
_COMMON = frozenset(
    ["город", "дерев", "работ", "выдел", "ағаш", "столиц", "список", "списк", "city", "world"]
)
# When two mentions of equal length overlap, the more specific category wins.
_PRIORITY = {category: rank for rank, category in enumerate(CATEGORIES)}


@dataclass(frozen=True)
class Mention:
    """One occurrence of a lexicon term in a text."""

    category: str  # world_craft_city | world_crafts_council | crafts
    term: str  # the lexicon term (canonical form) that matched
    text: str  # the text as written in the input
    start: int  # offsets into the given text: text[start:end] == self.text
    end: int
    snippet: str  # the sentence around it (at most about 300 characters)
    field: str = "body"  # "title" or "body" (see MentionDetector.find_in_article)

    def as_dict(self) -> dict:
        # Spelled out: dataclasses.asdict deep-copies and was a hot spot when storing.
        return {
            "category": self.category,
            "term": self.term,
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "snippet": self.snippet,
            "field": self.field,
        }


@dataclass(frozen=True)
class _Match:
    entry: Entry
    start: int
    end: int
    phrase: Phrase | None = None

    @property
    def length(self) -> int:
        return self.end - self.start


@dataclass(frozen=True)
class _Anchored:
    """A term phrase with the anchors its candidates are searched by."""

    entry: Entry
    phrase: Phrase
    index: int  # the word whose anchor triggers matching
    others: tuple[str, ...]  # anchors of the other words, all needed nearby


class MentionDetector:
    """Detects the terms of one lexicon; build it once and reuse it (it is thread-safe)."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self.version: str = lexicon.version
        # Exclusions are matched only around terms that were found.
        self._exclusions_by_key: dict[str, list[tuple[Entry, Phrase, int]]] = defaultdict(list)
        self._exclusions_by_literal: dict[str, list[tuple[Entry, Phrase, int]]] = defaultdict(list)
        self._exclusion_prefixes: list[tuple[str, Entry, Phrase, int]] = []
        self._latin_exclusions_by_key: dict[str, list[tuple[Entry, Phrase, int]]] = defaultdict(
            list
        )
        self._by_anchor: dict[str, list[_Anchored]] = defaultdict(list)
        for entry in lexicon.entries:
            for phrase in entry.phrases:
                if entry.exclusion:
                    self._index_exclusion(entry, phrase)
                    continue
                index = _pick_anchor(phrase)
                others = tuple(
                    {
                        _searched(word)
                        for j, word in enumerate(phrase.words)
                        if j != index and len(_searched(word)) >= 2
                    }
                    - {_searched(phrase.words[index])}
                )
                for anchor in phrase.words[index].searched:
                    self._by_anchor[anchor].append(_Anchored(entry, phrase, index, others))
        # Only the anchor of one word per phrase is searched for in the whole text;
        # the others are checked in the neighbourhood of its hits.
        self._automaton = ahocorasick.Automaton()
        # Each anchor is stored after each character that may open a word, so a hit
        # is at a word start by construction, and most characters of the text fail
        # at the automaton's root among these few (its children are searched in turn).
        spaced = [a for a in self._by_anchor if not _SPACED_SET.isdisjoint(a)]
        if spaced:
            raise ValueError(f"anchors holding a word opener cannot be searched: {spaced}")
        for before in _WORD_OPENERS:
            for anchor in self._by_anchor:
                for variant in _spellings(anchor):
                    self._automaton.add_word(before + variant, (len(variant), anchor))
        self._automaton.make_automaton()
        self._keys_cache: dict[str, frozenset[str]] = {}
        self._latin_keys_cache: dict[str, frozenset[str]] = {}
        self._exclusion_options: dict[str, tuple[tuple[Entry, Phrase, int], ...]] = {}

    def _index_exclusion(self, entry: Entry, phrase: Phrase) -> None:
        # By one word, the rarest: an exclusion that can hide a find overlaps it, so
        # all its words (at most EXCLUSION_WORDS_MAX) lie among the words tried near it.
        index = _pick_anchor(phrase)
        word = phrase.words[index]
        if word.kind == "keys":
            table = self._latin_exclusions_by_key if word.latin else self._exclusions_by_key
            for key in word.keys:
                table[key].append((entry, phrase, index))
        elif word.kind == "literal":
            self._exclusions_by_literal[word.anchor].append((entry, phrase, index))
        else:
            for prefix in word.searched:
                self._exclusion_prefixes.append((prefix, entry, phrase, index))

    @classmethod
    def from_file(cls, path: str | PathLike[str] | Traversable) -> MentionDetector:
        """A detector for the lexicon file at ``path`` (raises LexiconError if it is bad)."""
        return cls(load_lexicon(path))

    # -- public API -------------------------------------------------------------
    def find(self, text: str) -> list[Mention]:
        """Mentions in ``text``, sorted by start, without overlaps."""
        if not text:
            return []
        mentions = []
        lowered = _lowered(text)
        # Regions do not overlap, so what each kept stays valid across regions. Its
        # snippets are cut right away, while its sentences are still remembered.
        for region in self._regions(text, lowered):
            mentions.extend(
                Mention(
                    category=m.entry.category or "",
                    term=m.entry.term,
                    text=text[m.start : m.end],
                    start=m.start,
                    end=m.end,
                    snippet=snippet(text, m.start, m.end),
                )
                for m in self._match_region(text, lowered, region)
            )
        return mentions

    def explain(self, text: str) -> list[Decision]:
        """Every candidate in ``text`` (a place where all words of a term were found),
        reported or not, with the term, context rule and exclusion that decided it.
        The kept ones are exactly what :meth:`find` returns."""
        text = text or ""
        decisions: list[Decision] = []
        lowered = _lowered(text)
        for region in self._regions(text, lowered):
            self._match_region(text, lowered, region, decisions)
        decisions.sort(key=lambda d: (d.start, d.outcome != KEPT, -d.end))
        return decisions

    def find_in_article(self, title: str | None, body: str | None) -> list[Mention]:
        """Mentions in an article's title (``field="title"``, offsets into the title)
        followed by those in its body (``field="body"``, offsets into the body)."""
        found = [_with_field(m, "title") for m in self.find(title or "")]
        return found + self.find(body or "")

    # -- candidates -----------------------------------------------------------------
    def _regions(
        self, text: str, lowered: str
    ) -> list[tuple[int, int, list[tuple[int, _Anchored]]]]:
        """Stretches of text worth matching, each with the phrases to try and where.

        A hit counts only at the start of a word, and only if the anchors of the
        phrase's other words occur nearby too (so «город» alone costs nothing).
        """
        candidates: list[tuple[int, _Anchored]] = []
        size = len(text)
        # The space put first opens the text's first word; it shifts offsets by one.
        for end, (length, anchor) in self._automaton.iter(" " + lowered):
            start = end - length
            around = None
            token = None
            for anchored in self._by_anchor[anchor]:
                if len(anchor) < _SHORT_ANCHOR:
                    # A verb's forms may share one letter (шить: шью, шил): check the
                    # word itself before a region is built around every word in ш-.
                    if token is None:
                        found = PART_RE.match(text, start)
                        token = found.group() if found else ""
                    if not token or not self._word_is(anchored.phrase.words[anchored.index], token):
                        continue
                if anchored.others:
                    if around is None:
                        around = lowered[max(0, start - _MARGIN) : start + _MARGIN]
                    # A plain loop: this runs for most hits, a generator costs more.
                    missing = False
                    for other in anchored.others:
                        if other not in around or not _word_start_in(other, around):
                            missing = True
                            break
                    if missing:
                        continue
                candidates.append((start, anchored))
        if not candidates:
            return []
        candidates.sort(key=lambda item: item[0])
        regions: list[tuple[int, int, list[tuple[int, _Anchored]]]] = []
        for start, anchored in candidates:
            low, high = max(0, start - _WINDOW), min(size, start + _WINDOW)
            if regions and low <= regions[-1][1]:
                regions[-1][2].append((start, anchored))
                regions[-1] = (regions[-1][0], high, regions[-1][2])
            else:
                regions.append((low, high, [(start, anchored)]))
        out = []
        for low, high, hits in regions:
            while low > 0 and not text[low - 1].isspace():
                low -= 1
            while high < size and not text[high].isspace():
                high += 1
            out.append((low, high, hits))
        return out

    # -- matching ------------------------------------------------------------------
    def _word_is(self, word: Word, token: str, folded: str | None = None) -> bool:
        """Whether ``token`` (as written; ``folded``, when known) is a form of ``word``."""
        if word.kind == "keys":
            if word.latin:
                return not word.keys.isdisjoint(self._latin_keys(token))
            return not word.keys.isdisjoint(self._keys(token))
        if folded is None:
            folded = fold(token)
        if word.kind == "literal":
            return folded == word.anchor
        return folded.startswith(word.searched)

    def _keys(self, token: str) -> frozenset[str]:
        keys = self._keys_cache.get(token)
        if keys is None:
            if len(self._keys_cache) > 500_000:
                self._keys_cache.clear()
            keys = self._keys_cache[token] = word_keys(token)
        return keys

    def _exclusions_at(self, token: str, folded: str) -> tuple[tuple[Entry, Phrase, int], ...]:
        """The exclusion phrases that have ``token`` as one of their words (cached)."""
        options = list(self._exclusions_by_literal.get(folded, ()))
        # Keys in a fixed order: --explain names the first exclusion that applies.
        for key in sorted(self._keys(token)):
            options.extend(self._exclusions_by_key.get(key, ()))
        # A word without Cyrillic letters may be Latin-spelt Kazakh or Uzbek (qolóner, ydys).
        if self._latin_exclusions_by_key and not CYRILLIC_LETTER_RE.search(folded):
            for key in sorted(self._latin_keys(token)):
                options.extend(self._latin_exclusions_by_key.get(key, ()))
        options.extend(
            (entry, phrase, index)
            for prefix, entry, phrase, index in self._exclusion_prefixes
            if folded.startswith(prefix)
        )
        if len(self._exclusion_options) > 200_000:
            self._exclusion_options.clear()
        found = self._exclusion_options[token] = tuple(options)
        return found

    def _latin_keys(self, token: str) -> frozenset[str]:
        keys = self._latin_keys_cache.get(token)
        if keys is None:
            if len(self._latin_keys_cache) > 200_000:
                self._latin_keys_cache.clear()
            keys = self._latin_keys_cache[token] = latin_word_keys(token)
        return keys

    def _match_region(
        self,
        text: str,
        lowered: str,
        region: tuple[int, int, list[tuple[int, _Anchored]]],
        trace: list[Decision] | None = None,
    ) -> list[_Match]:
        low, high, hits = region
        tokens = [(m.start(), m.end(), m.group()) for m in PART_RE.finditer(text, low, high)]
        starts = [token[0] for token in tokens]
        # The lowercased text is the folded text but for apostrophes inside a word.
        folded_tokens = [
            lowered[start:end] if word.isalnum() else fold(word) for start, end, word in tokens
        ]
        folded = folded_tokens.__getitem__

        def word_matches(i: int, word: Word) -> bool:
            return self._word_is(word, tokens[i][2], folded_tokens[i])

        def phrase_at(phrase: Phrase, first: int) -> bool:
            # Plain loops: this runs for every candidate, generators cost more here.
            words = phrase.words
            if first < 0 or first + len(words) > len(tokens):
                return False
            for j, word in enumerate(words):
                if not word_matches(first + j, word):
                    return False
            for j in range(first, first + len(words) - 1):
                if not _gap_ok(text, tokens[j][1], tokens[j + 1][0]):
                    return False
            return True

        found: list[_Match] = []
        for start, anchored in hits:
            i = bisect_right(starts, start) - 1
            first = i - anchored.index
            if i >= 0 and phrase_at(anchored.phrase, first):
                last = first + len(anchored.phrase.words) - 1
                found.append(
                    _Match(anchored.entry, tokens[first][0], tokens[last][1], anchored.phrase)
                )
        if not found:
            return found
        # Look-alikes that may hide what was found: tried at every word near a find.
        near = set()
        for match in found:
            i = bisect_right(starts, match.start) - 1
            j = bisect_right(starts, match.end - 1) - 1
            near.update(range(max(0, i - _NEAR_WORDS), min(len(tokens), j + _NEAR_WORDS + 1)))
        seen = set()
        for i in sorted(near):
            options = self._exclusion_options.get(tokens[i][2])
            if options is None:
                options = self._exclusions_at(tokens[i][2], folded(i))
            for entry, phrase, index in options:
                first = i - index
                if (id(phrase), first) in seen:
                    continue
                seen.add((id(phrase), first))
                if phrase_at(phrase, first):
                    last = first + len(phrase.words) - 1
                    found.append(_Match(entry, tokens[first][0], tokens[last][1], phrase))
        return _resolve(found, text, trace)


def _word_start_in(needle: str, haystack: str) -> bool:
    """Whether a word of ``haystack`` starts with ``needle``."""
    position = haystack.find(needle)
    while position >= 0:
        if position == 0 or not haystack[position - 1].isalnum():
            return True
        position = haystack.find(needle, position + 1)
    return False


def _gap_ok(text: str, start: int, end: int) -> bool:
    return end - start <= _GAP_MAX and all(c in _GAP_CHARS for c in text[start:end])


def _resolve(matches: list[_Match], text: str, trace: list[Decision] | None = None) -> list[_Match]:
    """Drop terms hidden by exclusions or failing their context; longest match wins.

    With ``trace``, a Decision for every term match is appended to it.
    """
    exclusions: list[tuple[_Match, str]] = []
    for m in matches:
        if not m.entry.exclusion:
            continue
        if m.entry.only_capitalised and not (
            text[m.start].isupper()
            and not text[m.start : m.end].isupper()
            and not starts_sentence(text, m.start)
        ):
            continue
        why = m.entry.where
        if m.entry.near:
            near = context_word(text, m.start, m.end, m.entry.near, m.entry.near_scope)
            if near is None:
                continue
            why += f" near {near[0]}={near[1]}"
        exclusions.append((m, why))
    terms: list[tuple[_Match, str | None]] = []
    for m in matches:
        if m.entry.exclusion:
            continue
        hidden = next(
            (
                why
                for e, why in exclusions
                if e.start < m.end
                and m.start < e.end
                and e.length >= m.length
                and e.entry.category in (None, m.entry.category)
            ),
            None,
        )
        if hidden is not None:
            if trace is not None:
                trace.append(_decision(text, m, EXCLUDED, exclusion=hidden))
            continue
        found_context = None
        if m.entry.context or m.entry.context_all:
            found_context, missing = _context_of(text, m)
            if missing is not None:
                if trace is not None:
                    trace.append(_decision(text, m, NO_CONTEXT, context=missing))
                continue
        terms.append((m, found_context))
    terms.sort(key=lambda t: (-t[0].length, _PRIORITY[t[0].entry.category], t[0].start))
    kept: list[_Match] = []
    for m, found_context in terms:
        winner = next((k for k in kept if not (m.end <= k.start or k.end <= m.start)), None)
        if winner is None:
            kept.append(m)
        if trace is not None:
            if winner is None:
                trace.append(_decision(text, m, KEPT, context=found_context))
            else:
                by = f"{winner.entry.term} ({text[winner.start : winner.end]})"
                trace.append(_decision(text, m, OVERLAPPED, context=found_context, by=by))
    kept.sort(key=lambda m: m.start)
    return kept


def _context_of(text: str, m: _Match) -> tuple[str | None, str | None]:
    """("list=word, …" that satisfied the term's context rule, None) or (None, what is missing)."""
    entry, scope = m.entry, m.entry.context_scope
    groups = ([entry.context] if entry.context else []) + [(c,) for c in entry.context_all]
    found = []
    for group in groups:
        word = context_word(text, m.start, m.end, group, scope)
        if word is None:
            return None, f"none of {'|'.join(c.name for c in group)} in the {scope}"
        found.append(f"{word[0]}={word[1]}")
    return ", ".join(found), None


def _decision(text: str, m: _Match, outcome: str, **reasons: str | None) -> Decision:
    return Decision(
        outcome=outcome,
        category=m.entry.category or "",
        term=m.entry.term,
        text=text[m.start : m.end],
        start=m.start,
        end=m.end,
        rule=m.entry.where,
        **reasons,
    )


def _searched(word: Word) -> str:
    """The part of a word's anchor looked for around a hit: up to an apostrophe, which
    is typed in several ways (Uzbek oʻ: o' o‘ oʻ o’), and in Latin spellings up to an
    h or x, which Uzbek writers mix up (Jaxon for Jahon)."""
    anchor = word.anchor.split("'")[0]
    if word.latin:
        anchor = re.split("[hx]", anchor)[0]
    return anchor


def _pick_anchor(phrase: Phrase) -> int:
    """The word whose anchor triggers matching: the longest anchor (the rarest, roughly),
    unless it is one ordinary news is full of."""
    return max(
        range(len(phrase.words)),
        key=lambda i: (
            phrase.words[i].anchor not in _COMMON,
            min(len(anchor) for anchor in phrase.words[i].searched),
        ),
    )


def _lowered(text: str) -> str:
    """``text`` lowercase with ё as е and a space for each word opener, offset for offset.

    The automaton then holds lowercase anchors after three openers only (fewer
    states, and most characters fail at a root of three children: a faster scan),
    and lower() and replace() run in C. Only U+0130 (İ) grows in lower().
    """
    lowered = text.lower()
    if len(lowered) != len(text):
        lowered = text.replace("\u0130", "i").lower()
    for before, after in _SCAN_REPLACEMENTS:
        if before in lowered:
            lowered = lowered.replace(before, after)
    return lowered


def _spellings(anchor: str) -> set[str]:
    """Spellings of a (lowercase, ё-folded) anchor in the lowercased text: the Uzbek
    oʻ and gʻ are typed with any of several apostrophes."""
    if "'" not in anchor:
        return {anchor}
    return {anchor.replace("'", mark) for mark in APOSTROPHES}


def _with_field(mention: Mention, field: str) -> Mention:
    return Mention(**{**mention.as_dict(), "field": field})


@cache
def default_detector() -> MentionDetector:
    """The detector for the bundled ``crawler/text/mentions/lexicon.toml`` (built once)."""
    return MentionDetector.from_file(DEFAULT_LEXICON)


@lru_cache(maxsize=4)
def detector_for(lexicon: str | None) -> MentionDetector:
    """The detector of a lexicon file (the bundled one for ``None``), built once."""
    return MentionDetector.from_file(lexicon) if lexicon else default_detector()


def article_mentions(
    lexicon: str | None, title: str | None, body: str | None
) -> tuple[str, list[dict]]:
    """The lexicon version and the mentions of a title and body, as dicts.

    What the mentions stage stores.
    """
    detector = detector_for(lexicon)
    return detector.version, [m.as_dict() for m in detector.find_in_article(title, body)]
