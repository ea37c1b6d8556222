"""Finding lexicon terms in text: fast candidate search, then word-by-word matching.

Most news paragraphs mention no craft at all, so the detector first looks for the
anchors of all phrases (a prefix every form of one of the phrase's words starts
with) with one Aho–Corasick automaton over the original text. Only the
neighbourhood of a hit is split into words, normalised and matched against the
phrases; exclusions (look-alikes) and overlaps are resolved there too.
"""

from __future__ import annotations

import itertools
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass
from functools import cache, lru_cache
from os import PathLike
from pathlib import Path

import ahocorasick

from crawler.mentions.lexicon import CATEGORIES, Entry, Lexicon, Phrase, load_lexicon
from crawler.mentions.sentences import paragraph_bounds, sentence_bounds, snippet, starts_sentence
from crawler.morphology import PART_RE, fold, word_keys

DEFAULT_LEXICON = Path(__file__).with_name("lexicon.toml")
# Characters around a candidate where the other words of its phrase must be.
_MARGIN = 160
# Characters around a candidate that are split into words: enough for the
# longest phrase on either side of its anchor, and look-alikes around it.
_WINDOW = 90
# What may stand between two words of a phrase: spaces, hyphens, dashes, quotes.
_GAP_CHARS = frozenset(" \t\r\n\u00a0\u202f-\u2010\u2011\u2012\u2013\u2014\"'«»“”„‘’‹›")
_GAP_MAX = 8
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
        self._by_anchor: dict[str, list[_Anchored]] = defaultdict(list)
        for entry in lexicon.entries:
            for phrase in entry.phrases:
                if entry.exclusion:
                    self._index_exclusion(entry, phrase)
                    continue
                index = _pick_anchor(phrase)
                others = tuple(
                    {
                        word.anchor
                        for j, word in enumerate(phrase.words)
                        if j != index and len(word.anchor) >= 2
                    }
                    - {phrase.words[index].anchor}
                )
                self._by_anchor[phrase.words[index].anchor].append(
                    _Anchored(entry, phrase, index, others)
                )
        # Only the anchor of one word per phrase is searched for in the whole text;
        # the others are checked in the neighbourhood of its hits.
        self._automaton = ahocorasick.Automaton()
        for anchor in self._by_anchor:
            for variant in _case_variants(anchor):
                self._automaton.add_word(variant, (len(variant), anchor))
        self._automaton.make_automaton()
        self._keys_cache: dict[str, frozenset[str]] = {}

    def _index_exclusion(self, entry: Entry, phrase: Phrase) -> None:
        for index, word in enumerate(phrase.words):
            if word.kind == "keys":
                for key in word.keys:
                    self._exclusions_by_key[key].append((entry, phrase, index))
            elif word.kind == "literal":
                self._exclusions_by_literal[word.anchor].append((entry, phrase, index))
            else:
                self._exclusion_prefixes.append((word.anchor, entry, phrase, index))

    @classmethod
    def from_file(cls, path: str | PathLike[str]) -> MentionDetector:
        """A detector for the lexicon file at ``path`` (raises LexiconError if it is bad)."""
        return cls(load_lexicon(path))

    # -- public API -------------------------------------------------------------
    def find(self, text: str) -> list[Mention]:
        """Mentions in ``text``, sorted by start, without overlaps."""
        if not text:
            return []
        matches = []
        for low, high, hits in self._regions(text):
            matches.extend(self._match_region(text, low, high, hits))
        # Regions do not overlap, so what each kept stays valid across regions.
        return [
            Mention(
                category=m.entry.category or "",
                term=m.entry.term,
                text=text[m.start : m.end],
                start=m.start,
                end=m.end,
                snippet=snippet(text, m.start, m.end),
            )
            for m in matches
        ]

    def find_in_article(self, title: str | None, body: str | None) -> list[Mention]:
        """Mentions in an article's title (``field="title"``, offsets into the title)
        followed by those in its body (``field="body"``, offsets into the body)."""
        found = [_with_field(m, "title") for m in self.find(title or "")]
        return found + self.find(body or "")

    # -- candidates -----------------------------------------------------------------
    def _regions(self, text: str) -> list[tuple[int, int, list[tuple[int, _Anchored]]]]:
        """Stretches of text worth matching, each with the phrases to try and where.

        A hit counts only at the start of a word, and only if the anchors of the
        phrase's other words occur nearby too (so «город» alone costs nothing).
        """
        candidates: list[tuple[int, _Anchored]] = []
        size = len(text)
        for end, (length, anchor) in self._automaton.iter(text):
            start = end + 1 - length
            if start > 0 and (text[start - 1].isalnum() or text[start - 1] in "'’"):
                continue
            around = None
            for anchored in self._by_anchor[anchor]:
                if anchored.others:
                    if around is None:
                        # lower() and replace() run in C; fold() is slower on Cyrillic.
                        piece = text[max(0, start - _MARGIN) : start + _MARGIN]
                        around = piece.lower().replace("ё", "е")
                    if not all(_word_start_in(other, around) for other in anchored.others):
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
    def _keys(self, token: str) -> frozenset[str]:
        keys = self._keys_cache.get(token)
        if keys is None:
            if len(self._keys_cache) > 500_000:
                self._keys_cache.clear()
            keys = self._keys_cache[token] = word_keys(token)
        return keys

    def _match_region(
        self, text: str, low: int, high: int, hits: list[tuple[int, _Anchored]]
    ) -> list[_Match]:
        tokens = [(m.start(), m.end(), m.group()) for m in PART_RE.finditer(text, low, high)]
        starts = [token[0] for token in tokens]
        folded_cache: dict[int, str] = {}

        def folded(i: int) -> str:
            value = folded_cache.get(i)
            if value is None:
                value = folded_cache[i] = fold(tokens[i][2])
            return value

        def word_matches(i: int, word) -> bool:
            if word.kind == "keys":
                return not word.keys.isdisjoint(self._keys(tokens[i][2]))
            if word.kind == "literal":
                return folded(i) == word.anchor
            return folded(i).startswith(word.anchor)

        def phrase_at(phrase: Phrase, first: int) -> bool:
            last = first + len(phrase.words) - 1
            return (
                first >= 0
                and last < len(tokens)
                and all(word_matches(first + j, word) for j, word in enumerate(phrase.words))
                and all(_gap_ok(text, tokens[j][1], tokens[j + 1][0]) for j in range(first, last))
            )

        found: list[_Match] = []
        for start, anchored in hits:
            i = bisect_right(starts, start) - 1
            first = i - anchored.index
            if i >= 0 and phrase_at(anchored.phrase, first):
                last = first + len(anchored.phrase.words) - 1
                found.append(_Match(anchored.entry, tokens[first][0], tokens[last][1]))
        if not found:
            return found
        # Look-alikes that may hide what was found: tried at every word near a find.
        near = set()
        for match in found:
            i = bisect_right(starts, match.start) - 1
            j = bisect_right(starts, match.end - 1) - 1
            near.update(range(max(0, i - 6), min(len(tokens), j + 7)))
        seen = set()
        for i in sorted(near):
            options = list(self._exclusions_by_literal.get(folded(i), ()))
            for key in self._keys(tokens[i][2]):
                options.extend(self._exclusions_by_key.get(key, ()))
            options.extend(
                (entry, phrase, index)
                for prefix, entry, phrase, index in self._exclusion_prefixes
                if folded(i).startswith(prefix)
            )
            for entry, phrase, index in options:
                first = i - index
                if (id(phrase), first) in seen:
                    continue
                seen.add((id(phrase), first))
                if phrase_at(phrase, first):
                    last = first + len(phrase.words) - 1
                    found.append(_Match(entry, tokens[first][0], tokens[last][1]))
        return _resolve(found, text)


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


def _resolve(matches: list[_Match], text: str) -> list[_Match]:
    """Drop terms hidden by exclusions or failing their context; longest match wins."""
    exclusions = [
        m
        for m in matches
        if m.entry.exclusion
        and (
            not m.entry.only_capitalised
            or (
                text[m.start].isupper()
                and not text[m.start : m.end].isupper()
                and not starts_sentence(text, m.start)
            )
        )
    ]
    terms = []
    for m in matches:
        if m.entry.exclusion:
            continue
        if any(
            e.start < m.end
            and m.start < e.end
            and e.length >= m.length
            and e.entry.category in (None, m.entry.category)
            for e in exclusions
        ):
            continue
        if m.entry.context is not None and not _has_context(text, m):
            continue
        terms.append(m)
    terms.sort(key=lambda m: (-m.length, _PRIORITY[m.entry.category], m.start))
    kept: list[_Match] = []
    for m in terms:
        if all(m.end <= k.start or k.end <= m.start for k in kept):
            kept.append(m)
    kept.sort(key=lambda m: m.start)
    return kept


def _has_context(text: str, match: _Match) -> bool:
    bounds = paragraph_bounds if match.entry.context_scope == "paragraph" else sentence_bounds
    low, high = bounds(text, match.start, match.end)
    scope = fold(text[low : match.start] + " " + text[match.end : high])
    return match.entry.context.search(scope) is not None


def _pick_anchor(phrase: Phrase) -> int:
    """The word whose anchor triggers matching: the longest anchor (the rarest, roughly)."""
    return max(range(len(phrase.words)), key=lambda i: len(phrase.words[i].anchor))


def _case_variants(anchor: str) -> set[str]:
    """Spellings of an anchor that occur in text: lower, Capitalised, UPPER, with ё."""
    spellings = {anchor}
    positions = [i for i, c in enumerate(anchor) if c == "е"]
    if 0 < len(positions) <= 3:
        for chosen in itertools.product("её", repeat=len(positions)):
            letters = list(anchor)
            for position, letter in zip(positions, chosen, strict=True):
                letters[position] = letter
            spellings.add("".join(letters))
    variants = set()
    for spelling in spellings:
        variants.update({spelling, spelling[:1].upper() + spelling[1:], spelling.upper()})
    return variants


def _with_field(mention: Mention, field: str) -> Mention:
    return Mention(**{**mention.as_dict(), "field": field})


@cache
def default_detector() -> MentionDetector:
    """The detector for the bundled ``crawler/mentions/lexicon.toml`` (built once)."""
    return MentionDetector.from_file(DEFAULT_LEXICON)


@lru_cache(maxsize=4)
def detector_for(lexicon: str | None) -> MentionDetector:
    """The detector of a lexicon file (the bundled one for ``None``), built once."""
    return MentionDetector.from_file(lexicon) if lexicon else default_detector()


def article_mentions(
    lexicon: str | None, title: str | None, body: str | None
) -> tuple[str, list[dict]]:
    """The lexicon version and the mentions of a title and body, as dicts.

    What the mentions stage stores; run by the offload worker (no Scrapy here).
    """
    detector = detector_for(lexicon)
    return detector.version, [m.as_dict() for m in detector.find_in_article(title, body)]
