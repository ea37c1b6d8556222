"""Two indexes of ``mentions`` that longer ones make redundant.

``(article_id)`` is the prefix of ``(article_id, category)`` (migration m004) and
``(term)`` the prefix of ``(term, article_id)`` (m007): SQLite answers every
lookup of either from the longer index, so each mention the crawl stores
updated two B-trees for nothing.
"""

from __future__ import annotations

import sqlite_utils

REDUNDANT = ("idx_mentions_article_id", "idx_mentions_term")


def migrate(db: sqlite_utils.Database) -> None:
    for name in REDUNDANT:
        db.execute(f"DROP INDEX IF EXISTS {name}")
