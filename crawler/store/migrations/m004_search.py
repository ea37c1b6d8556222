"""Search that understands inflection, and the views browsing needs.

Creates the FTS5 index over the articles and the key → form vocabulary (see
``crawler.text.search``), fills both from the articles already stored, adds the indexes
newest-first listings and per-month counts use, and the ``mention_list`` view Datasette facets on.
"""

from __future__ import annotations

import sqlite_utils

MENTION_LIST = """
CREATE VIEW IF NOT EXISTS mention_list AS
SELECT
    m.id,
    substr(coalesce(a.published_local, a.published_at), 1, 7) AS month,
    a.published_at,
    a.source,
    a.lang,
    m.category,
    m.term,
    m.text,
    m.snippet,
    a.title,
    a.url,
    m.article_id
FROM mentions m
JOIN articles a ON a.id = m.article_id
"""


def migrate(db: sqlite_utils.Database) -> None:
    from crawler.text.search import rebuild_index

    rebuild_index(db)
    db.execute("CREATE INDEX IF NOT EXISTS idx_articles_published_at ON articles (published_at)")
    # Covering indexes for the per-month counts (crawler/datasette/queries.py).
    db.execute(
        "CREATE INDEX IF NOT EXISTS idx_mentions_article_category ON mentions (article_id, category)"
    )
    db.execute(
        "CREATE INDEX IF NOT EXISTS idx_mentions_category_article ON mentions (category, article_id)"
    )
    db.execute(MENTION_LIST)
