"""Writing articles, their mentions and stories; used by the store stage and rescans."""

from __future__ import annotations

from typing import Any

import sqlite_utils

from crawler.items import ARTICLE_COLUMNS
from crawler.store.db import utc_now
from crawler.stories import StoryConfig
from crawler.stories.linking import attribution_columns, link_new_article, update_article
from crawler.text.search import index_article


def save_article(
    db: sqlite_utils.Database,
    record: dict[str, Any],
    mentions: list[dict[str, Any]],
    lexicon: str,
    *,
    stories: StoryConfig | None = None,
    known_forms: set[str] | None = None,
    touched_stories: set[int] | None = None,
) -> str:
    """Insert or update one article by URL; returns ``new``, ``updated`` or ``unchanged``.

    Unchanged content touches nothing, so a re-crawl writes nothing; changed content
    keeps the previous text in ``article_versions``. A new article is linked into a
    story with the thresholds of ``stories`` (the settings' defaults if None).
    ``known_forms`` remembers the word forms the search index already has, across
    calls of one writer; ``touched_stories`` collects the stories to refresh
    after a batch (see :func:`crawler.stories.linking.link_new_article`).
    """
    row = db.execute(
        "SELECT id, content_hash FROM articles WHERE url = ?", [record["url"]]
    ).fetchone()
    now = utc_now()
    values = {name: record.get(name) for name in ARTICLE_COLUMNS}
    values.update(attribution_columns(values))
    values["lexicon_version"] = lexicon
    if row is None:
        values.update(first_seen_at=now, last_seen_at=now, updated_at=now)
        article_id = insert_row(db, "articles", values)
        index_article(db, values["title"], values["body"], known_forms=known_forms)
        link_new_article(db, article_id, values, stories, touched_stories)
        replace_mentions(db, article_id, mentions, lexicon, new=True)
        return "new"
    article_id, content_hash = row
    if content_hash == values["content_hash"]:
        return "unchanged"
    keep_version(db, article_id, now)
    values.update(last_seen_at=now, updated_at=now)
    update_row(db, "articles", article_id, values)
    index_article(db, values["title"], values["body"], known_forms=known_forms)
    replace_mentions(db, article_id, mentions, lexicon)
    update_article(db, article_id, values)
    return "updated"


def keep_version(db: sqlite_utils.Database, article_id: int, now: str) -> int:
    """Copy the article's current text into ``article_versions``; returns its number."""
    title, body, content_hash, published_at, fetched_at = db.execute(
        "SELECT title, body, content_hash, published_at, updated_at FROM articles WHERE id = ?",
        [article_id],
    ).fetchone()
    (earlier,) = db.execute(
        "SELECT count(*) FROM article_versions WHERE article_id = ?", [article_id]
    ).fetchone()
    version = earlier + 1
    db["article_versions"].insert(
        {
            "article_id": article_id,
            "version": version,
            "title": title,
            "body": body,
            "content_hash": content_hash,
            "published_at": published_at,
            "fetched_at": fetched_at,
            "replaced_at": now,
        }
    )
    return version


def replace_mentions(
    db: sqlite_utils.Database,
    article_id: int,
    mentions: list[dict[str, Any]],
    lexicon: str,
    *,
    new: bool = False,
) -> None:
    """Store an article's mentions in place of its old ones (``new``: it has none)."""
    if not new:
        db.execute("DELETE FROM mentions WHERE article_id = ?", [article_id])
    if not mentions:
        return
    now = utc_now()
    db.conn.executemany(
        'INSERT INTO mentions (article_id, category, term, text, field, start, "end", '
        "snippet, lexicon_version, found_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                article_id,
                m["category"],
                m["term"],
                m["text"],
                m.get("field", "body"),
                m["start"],
                m["end"],
                m["snippet"],
                lexicon,
                now,
            )
            for m in mentions
        ],
    )


# The hot path writes with plain prepared statements: sqlite-utils' insert()
# reads the table's schema on every call, which profiles showed costing more
# than the write itself. Table and column names come from our own code only.
def insert_row(db: sqlite_utils.Database, table: str, values: dict[str, Any]) -> int:
    """INSERT one row; returns its rowid."""
    columns = ", ".join(f'"{name}"' for name in values)
    marks = ", ".join("?" * len(values))
    cursor = db.conn.execute(
        f'INSERT INTO "{table}" ({columns}) VALUES ({marks})',  # noqa: S608 - names are ours
        list(values.values()),
    )
    return cursor.lastrowid


def update_row(db: sqlite_utils.Database, table: str, row_id: int, values: dict[str, Any]) -> None:
    """UPDATE one row by id."""
    assignments = ", ".join(f'"{name}" = ?' for name in values)
    db.conn.execute(
        f'UPDATE "{table}" SET {assignments} WHERE id = ?',  # noqa: S608 - names are ours
        [*values.values(), row_id],
    )
