"""Turning what people type into an FTS5 MATCH expression over every inflected form.

Words are ANDed; ``OR`` (in capitals) between words gives alternatives; a word
ending in ``*`` is a prefix search on the letters typed. Each other word becomes
the set of forms in the vocabulary that share one of its morphology keys, plus
the word itself, so a word the articles never use simply finds nothing.
Kazakh and Uzbek words have the same keys in Cyrillic and in Latin letters
(:func:`crawler.text.morphology.word_keys`), so «қолөнершілер» finds «qolónershiler».
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from crawler.text.morphology import tokenize, word_keys
from crawler.text.search.index import VOCAB_TABLE

OR = "OR"
# A key with more forms than this is a very common word: the first forms are enough.
MAX_FORMS = 200
NOTHING = '""'  # an empty phrase: matches no row, and is valid syntax


@dataclass(frozen=True)
class Term:
    """One query word: lowercase as typed, its morphology keys, prefix or not."""

    word: str
    keys: frozenset[str]
    prefix: bool = False


def query_terms(query: str) -> list[Term | str]:
    """The words of ``query`` as terms, with ``OR`` kept between alternatives."""
    items: list[Term | str] = []
    for word, _start, end in tokenize(query or "", split_hyphens=True):
        if word in (OR, "AND"):
            if word == OR and items and items[-1] != OR:
                items.append(OR)
            continue
        prefix = query[end : end + 1] == "*"
        keys = frozenset() if prefix else word_keys(word)
        items.append(Term(word.lower(), keys, prefix))
    while items and items[-1] == OR:
        items.pop()
    return items


def quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def term_forms(conn: sqlite3.Connection, term: Term) -> list[str]:
    """The word as typed plus every indexed form sharing one of its keys."""
    forms = {term.word}
    if term.keys:
        keys = sorted(term.keys)
        marks = ", ".join("?" * len(keys))
        rows = conn.execute(
            f"SELECT form FROM {VOCAB_TABLE} WHERE key IN ({marks}) LIMIT {MAX_FORMS}",  # noqa: S608 module constants and a placeholders-only IN list
            keys,
        )
        forms.update(row[0] for row in rows)
    return sorted(forms)


def match_expression(conn: sqlite3.Connection, query: str) -> str:
    """An FTS5 MATCH expression finding every inflected form of the words of ``query``."""
    alternatives: list[list[str]] = [[]]
    for item in query_terms(query):
        if item == OR:
            alternatives.append([])
        elif isinstance(item, Term):
            if item.prefix:
                alternatives[-1].append(quote(item.word) + "*")
            else:
                forms = term_forms(conn, item)
                alternatives[-1].append("(" + " OR ".join(quote(f) for f in forms) + ")")
    parts = [" AND ".join(terms) for terms in alternatives if terms]
    if not parts:
        return NOTHING
    if len(parts) == 1:
        return parts[0]
    return " OR ".join(f"({part})" for part in parts)


def register_functions(conn: sqlite3.Connection) -> None:
    """SQL functions for queries: ``crawler_search_match(q)`` (the MATCH expression)
    and ``crawler_search_keys(q)`` (the keys of the words, for a look at what is searched).
    """

    def search_match(query: str | None) -> str:
        return match_expression(conn, query or "")

    def search_keys(query: str | None) -> str:
        terms = [t for t in query_terms(query or "") if isinstance(t, Term)]
        return " ".join(
            sorted({k for t in terms for k in t.keys} | {t.word for t in terms if t.prefix})
        )

    conn.create_function("crawler_search_match", 1, search_match, deterministic=True)
    conn.create_function("crawler_search_keys", 1, search_keys, deterministic=True)
