"""What keeps browsing fast on a large database.

* ``mention_months``: mentions and articles per month (Almaty time), category and
  source, kept in step by triggers on ``mentions`` and ``articles`` whoever writes
  them (the store stage, rescans); the per-month canned queries and the chart read
  it instead of counting every mention;
* an index of stories in the order "stories by number of outlets" lists them;
* an index of mentions by term, so "mentions of one term" reads only that term's rows;
* an index of articles by language: the search box's language facet scans it when a
  search matching many articles walks the articles by date (the project's Datasette
  plugin, ``crawler/datasette/plugins/crafts_crawler.py``).
"""

from __future__ import annotations

import sqlite_utils

SUMMARY_TABLE = "mention_months"

# '' stands for an unknown month or source: NULL would not be one key of the table.
MONTH = "coalesce(substr(coalesce({a}.published_local, {a}.published_at), 1, 7), '')"
ARTICLE_KEY = "{month}, coalesce({a}.source, '')"

SCHEMA = f"""
CREATE TABLE IF NOT EXISTS {SUMMARY_TABLE} (
    month TEXT NOT NULL,
    category TEXT NOT NULL,
    source TEXT NOT NULL,
    mentions INTEGER NOT NULL,
    articles INTEGER NOT NULL,
    PRIMARY KEY (month, category, source)
) WITHOUT ROWID
"""


def _add(article: str, category: str, mention_id: str) -> str:
    """Count one mention (``mention_id``) of ``category`` in article ``article``;
    the article counts once per category, with its first mention of it."""
    return f"""
    INSERT INTO {SUMMARY_TABLE} (month, category, source, mentions, articles)
    SELECT {MONTH.format(a="a")}, {category}, coalesce(a.source, ''), 1,
        NOT EXISTS (SELECT 1 FROM mentions o WHERE o.article_id = {article}
                    AND o.category = {category} AND o.id <> {mention_id})
    FROM articles a WHERE a.id = {article}
    ON CONFLICT (month, category, source) DO UPDATE SET
        mentions = mentions + 1, articles = articles + excluded.articles;
    """  # noqa: S608 names are module constants and trigger row references


def _remove(article: str, category: str, mention_id: str) -> str:
    """Take back one mention; the article stops counting with its last mention."""
    key = f"""(SELECT {MONTH.format(a="a")}, {category}, coalesce(a.source, '')
              FROM articles a WHERE a.id = {article})"""  # noqa: S608 as above
    return f"""
    UPDATE {SUMMARY_TABLE} SET
        mentions = mentions - 1,
        articles = articles - NOT EXISTS (
            SELECT 1 FROM mentions o WHERE o.article_id = {article}
            AND o.category = {category} AND o.id <> {mention_id})
    WHERE (month, category, source) = {key};
    DELETE FROM {SUMMARY_TABLE} WHERE (month, category, source) = {key} AND mentions <= 0;
    """  # noqa: S608 names are module constants and trigger row references


def _article_counts(row: str, sign: str) -> str:
    """Add (``+``) or take back (``-``) all the mentions of article ``row`` (new/old)."""
    month = MONTH.format(a=row)
    return f"""
    INSERT INTO {SUMMARY_TABLE} (month, category, source, mentions, articles)
    SELECT {month}, m.category, coalesce({row}.source, ''), {sign}count(*), {sign}1
    FROM mentions m WHERE m.article_id = {row}.id GROUP BY m.category
    ON CONFLICT (month, category, source) DO UPDATE SET
        mentions = mentions + excluded.mentions, articles = articles + excluded.articles;
    DELETE FROM {SUMMARY_TABLE}
    WHERE month = {month} AND source = coalesce({row}.source, '') AND mentions <= 0;
    """  # noqa: S608 names are module constants and trigger row references


TRIGGERS = (
    f"""CREATE TRIGGER IF NOT EXISTS {SUMMARY_TABLE}_mention_ai AFTER INSERT ON mentions
    BEGIN {_add("new.article_id", "new.category", "new.id")} END""",
    f"""CREATE TRIGGER IF NOT EXISTS {SUMMARY_TABLE}_mention_ad AFTER DELETE ON mentions
    BEGIN {_remove("old.article_id", "old.category", "old.id")} END""",
    f"""CREATE TRIGGER IF NOT EXISTS {SUMMARY_TABLE}_mention_au
    AFTER UPDATE OF article_id, category ON mentions
    WHEN old.article_id IS NOT new.article_id OR old.category IS NOT new.category
    BEGIN
        {_remove("old.article_id", "old.category", "old.id")}
        {_add("new.article_id", "new.category", "new.id")}
    END""",
    # An article whose date or source changes moves its mentions to the other month.
    f"""CREATE TRIGGER IF NOT EXISTS {SUMMARY_TABLE}_article_au
    AFTER UPDATE OF published_local, published_at, source ON articles
    WHEN {MONTH.format(a="old")} IS NOT {MONTH.format(a="new")}
        OR old.source IS NOT new.source
    BEGIN
        {_article_counts("old", "-")}
        {_article_counts("new", "")}
    END""",
    # Without foreign keys an article can go before its mentions: they stop counting.
    f"""CREATE TRIGGER IF NOT EXISTS {SUMMARY_TABLE}_article_ad AFTER DELETE ON articles
    BEGIN {_article_counts("old", "-")} END""",
)

BACKFILL = f"""
INSERT INTO {SUMMARY_TABLE} (month, category, source, mentions, articles)
SELECT {MONTH.format(a="a")} AS month, m.category, coalesce(a.source, '') AS source,
    count(*), count(DISTINCT m.article_id)
FROM mentions m JOIN articles a ON a.id = m.article_id
GROUP BY 1, 2, 3
"""  # noqa: S608 names are module constants


def create_summary(db: sqlite_utils.Database) -> None:
    """Create ``mention_months`` with its triggers and fill it from the mentions."""
    db.execute(SCHEMA)
    db.execute(f"DELETE FROM {SUMMARY_TABLE}")  # noqa: S608 module constant
    db.execute(BACKFILL)
    for trigger in TRIGGERS:
        db.execute(trigger)


def migrate(db: sqlite_utils.Database) -> None:
    create_summary(db)
    # Stories by number of outlets: the listing walks this index and stops at its limit.
    db.execute(
        "CREATE INDEX IF NOT EXISTS idx_stories_outlets ON stories "
        "(json_array_length(outlets) DESC, article_count DESC, first_published_at DESC)"
    )
    # Mentions of one term: its rows only, with the article to order them by.
    db.execute(
        "CREATE INDEX IF NOT EXISTS idx_mentions_term_article ON mentions (term, article_id)"
    )
