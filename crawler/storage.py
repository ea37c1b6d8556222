"""Writing articles, their mentions and stories; used by the store stage and rescans."""

from __future__ import annotations

import json
from typing import Any

import sqlite_utils

from crawler.db import utc_now

ARTICLE_COLUMNS = (
    "source",
    "url",
    "lang",
    "title",
    "published_at",
    "published_local",
    "body",
    "author",
    "source_id",
    "content_hash",
    "body_hash",
    "extraction",
)


def save_article(
    db: sqlite_utils.Database, record: dict[str, Any], mentions: list[dict[str, Any]], lexicon: str
) -> str:
    """Insert or update one article by URL; returns ``new``, ``updated`` or ``unchanged``.

    Unchanged content touches nothing, so a re-crawl writes nothing.
    """
    row = db.execute(
        "SELECT id, content_hash FROM articles WHERE url = ?", [record["url"]]
    ).fetchone()
    now = utc_now()
    values = {name: record.get(name) for name in ARTICLE_COLUMNS}
    if row is None:
        values.update(first_seen_at=now, last_seen_at=now, updated_at=now)
        article_id = db["articles"].insert(values).last_pk
        assign_story(db, article_id, values)
        replace_mentions(db, article_id, mentions, lexicon)
        return "new"
    article_id, content_hash = row
    if content_hash == values["content_hash"]:
        return "unchanged"
    values.update(last_seen_at=now, updated_at=now)
    db["articles"].update(article_id, values)
    replace_mentions(db, article_id, mentions, lexicon)
    story_id = db.execute("SELECT story_id FROM articles WHERE id = ?", [article_id]).fetchone()[0]
    if story_id is not None:
        refresh_story(db, story_id)
    return "updated"


def replace_mentions(
    db: sqlite_utils.Database, article_id: int, mentions: list[dict[str, Any]], lexicon: str
) -> None:
    db.execute("DELETE FROM mentions WHERE article_id = ?", [article_id])
    if not mentions:
        return
    now = utc_now()
    db["mentions"].insert_all(
        {
            "article_id": article_id,
            "category": m["category"],
            "term": m["term"],
            "text": m["text"],
            "field": m.get("field", "body"),
            "start": m["start"],
            "end": m["end"],
            "snippet": m["snippet"],
            "lexicon_version": lexicon,
            "found_at": now,
        }
        for m in mentions
    )


def assign_story(db: sqlite_utils.Database, article_id: int, values: dict[str, Any]) -> int:
    """Put a new article in a story: the language versions of one gov.kz item
    share a story; otherwise the article starts its own."""
    story_id = None
    if values.get("source_id"):
        found = db.execute(
            "SELECT story_id FROM articles WHERE source = ? AND source_id = ? AND id != ? "
            "AND story_id IS NOT NULL LIMIT 1",
            [values["source"], values["source_id"], article_id],
        ).fetchone()
        story_id = found[0] if found else None
    if story_id is None:
        now = utc_now()
        story_id = db["stories"].insert({"created_at": now, "updated_at": now}).last_pk
    db["articles"].update(article_id, {"story_id": story_id})
    refresh_story(db, story_id)
    return story_id


def refresh_story(db: sqlite_utils.Database, story_id: int) -> None:
    """Recompute a story's origin, first publication, outlets and languages."""
    rows = db.execute(
        "SELECT id, source, lang, title, published_at FROM articles WHERE story_id = ? "
        "ORDER BY published_at IS NULL, published_at, id",
        [story_id],
    ).fetchall()
    if not rows:
        return
    origin = rows[0]
    db["stories"].update(
        story_id,
        {
            "origin_article_id": origin[0],
            "title": origin[3],
            "first_published_at": origin[4],
            "outlets": json.dumps(sorted({r[1] for r in rows})),
            "langs": json.dumps(sorted({r[2] for r in rows if r[2]})),
            "article_count": len(rows),
            "updated_at": utc_now(),
        },
    )
