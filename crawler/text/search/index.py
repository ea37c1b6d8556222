"""The search index: an FTS5 table over the articles and the key → form vocabulary."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator

import sqlite_utils

from crawler.text.morphology import PART_RE, word_keys

FTS_TABLE = "articles_fts"
VOCAB_TABLE = "search_vocab"

# External content: the FTS table stores only the index, the text stays in
# ``articles``; triggers keep it in step whoever writes the articles. The
# double-quoted content= lets plain Datasette find it for the articles table too.
_SCHEMA = (
    f"""CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(
        title, body, content="articles", content_rowid="id", tokenize="unicode61")""",
    f"""CREATE TABLE IF NOT EXISTS {VOCAB_TABLE} (
        key TEXT NOT NULL, form TEXT NOT NULL, PRIMARY KEY (key, form)) WITHOUT ROWID""",
    f"""CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_ai AFTER INSERT ON articles BEGIN
        INSERT INTO {FTS_TABLE}(rowid, title, body) VALUES (new.id, new.title, new.body);
    END""",  # noqa: S608 table names are module constants
    f"""CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_ad AFTER DELETE ON articles BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, title, body)
        VALUES ('delete', old.id, old.title, old.body);
    END""",  # noqa: S608 table names are module constants
    f"""CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_au AFTER UPDATE OF title, body ON articles BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, title, body)
        VALUES ('delete', old.id, old.title, old.body);
        INSERT INTO {FTS_TABLE}(rowid, title, body) VALUES (new.id, new.title, new.body);
    END""",  # noqa: S608 table names are module constants
)


def _conn(db: sqlite_utils.Database | sqlite3.Connection) -> sqlite3.Connection:
    return db.conn if isinstance(db, sqlite_utils.Database) else db


def create_search_schema(db: sqlite_utils.Database | sqlite3.Connection) -> None:
    """Create the FTS table, the vocabulary and the triggers if they are missing."""
    conn = _conn(db)
    for statement in _SCHEMA:
        conn.execute(statement)


def word_forms(*texts: str | None) -> set[str]:
    """The distinct forms of ``texts`` as the FTS tokenizer sees them: lowercase,
    hyphenated compounds split, ё kept (unicode61 does not fold it)."""
    forms: set[str] = set()
    for text in texts:
        if text:
            # Distinct words first: most repeat, and lower() is then run once each.
            forms.update(word.lower() for word in set(PART_RE.findall(text)))
    return forms


def vocab_rows(forms: Iterable[str]) -> Iterator[tuple[str, str]]:
    """(key, form) for every key of every form."""
    for form in forms:
        for key in word_keys(form):
            if key:
                yield key, form


def add_forms(db: sqlite_utils.Database | sqlite3.Connection, forms: Iterable[str]) -> None:
    _conn(db).executemany(
        f"INSERT OR IGNORE INTO {VOCAB_TABLE} (key, form) VALUES (?, ?)",  # noqa: S608 table name is a module constant
        vocab_rows(forms),
    )


def index_article(
    db: sqlite_utils.Database | sqlite3.Connection,
    title: str | None,
    body: str | None,
    *,
    known_forms: set[str] | None = None,
) -> None:
    """Record the word forms of a new or changed article (the FTS rows follow by trigger).

    ``known_forms``, kept by one writer across articles, skips the forms it already
    recorded: most words of an article are, and their morphology keys are the cost.
    """
    forms = word_forms(title, body)
    if known_forms is not None:
        forms -= known_forms
        known_forms |= forms
    add_forms(db, forms)


def rebuild_index(db: sqlite_utils.Database | sqlite3.Connection) -> int:
    """Build the whole index again from ``articles``; returns the number of articles."""
    conn = _conn(db)
    create_search_schema(conn)
    conn.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")  # noqa: S608 table name is a module constant
    conn.execute(f"DELETE FROM {VOCAB_TABLE}")  # noqa: S608 table name is a module constant
    count, forms = 0, set()
    # The vocabulary is small (distinct word forms), so collect it all, write once.
    for title, body in conn.execute("SELECT title, body FROM articles"):
        forms |= word_forms(title, body)
        count += 1
    add_forms(conn, forms)
    return count
