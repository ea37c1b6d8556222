"""Schema migrations that change what the writer maintains."""

from __future__ import annotations

import pytest

from crawler.store.db import open_db
from crawler.store.migrations.m008_fewer_mention_indexes import REDUNDANT


@pytest.mark.parametrize(
    ("query", "index"),
    [
        ("SELECT * FROM mentions WHERE article_id = 1", "idx_mentions_article_category"),
        ("SELECT * FROM mentions WHERE term = 'x'", "idx_mentions_term_article"),
    ],
)
def test_mention_lookups_use_the_longer_indexes(tmp_path, query: str, index: str) -> None:
    db = open_db(tmp_path / "crafts.db")
    names = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert not names & set(REDUNDANT)
    plan = " ".join(row[3] for row in db.execute(f"EXPLAIN QUERY PLAN {query}"))
    assert index in plan
