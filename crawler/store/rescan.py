"""Re-running mention detection over stored articles after the lexicon changed.

Only the difference is written: mentions the new lexicon no longer finds are
deleted, new ones inserted, and unchanged ones keep their rows (and ids, so
alerts already sent for them stay sent). Running it twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sqlite_utils

from crawler.store.db import transaction, utc_now
from crawler.text.mentions import Mention, MentionDetector

Key = tuple[str, int, int, str, str]


@dataclass
class RescanResult:
    version: str
    articles: int = 0
    added: int = 0
    removed: int = 0

    def line(self) -> str:
        return (
            f"rescanned {self.articles} articles with lexicon {self.version}: "
            f"{self.added} mentions added, {self.removed} removed"
        )


def mention_key(field: str, start: int, end: int, category: str, term: str) -> Key:
    return (field, start, end, category, term)


def rescan(
    db: sqlite_utils.Database,
    detector: MentionDetector,
    *,
    everything: bool = False,
    batch: int = 500,
    progress: Callable[[RescanResult], None] | None = None,
) -> RescanResult:
    """Rescan articles not yet scanned with ``detector.version`` (all with ``everything``)."""
    result = RescanResult(detector.version)
    last_id = 0
    condition = "" if everything else "AND lexicon_version IS NOT :version"
    while True:
        rows = db.execute(
            f"SELECT id, title, body FROM articles WHERE id > :last {condition} "  # noqa: S608 condition is one of two fixed strings; values are named parameters
            "ORDER BY id LIMIT :batch",
            {"last": last_id, "version": detector.version, "batch": batch},
        ).fetchall()
        if not rows:
            return result
        with transaction(db):
            for article_id, title, body in rows:
                found = detector.find_in_article(title, body)
                added, removed = apply_difference(db, article_id, found, detector.version)
                result.articles += 1
                result.added += added
                result.removed += removed
        last_id = rows[-1][0]
        if progress is not None:
            progress(result)


def apply_difference(
    db: sqlite_utils.Database, article_id: int, found: list[Mention], version: str
) -> tuple[int, int]:
    """Make the article's stored mentions equal ``found``; returns (added, removed)."""
    stored = {
        mention_key(*row[1:]): row[0]
        for row in db.execute(
            'SELECT id, field, start, "end", category, term FROM mentions WHERE article_id = ?',
            [article_id],
        )
    }
    wanted = {mention_key(m.field, m.start, m.end, m.category, m.term): m for m in found}
    gone = [stored[key] for key in stored.keys() - wanted.keys()]
    if gone:
        db.execute(
            f"DELETE FROM mentions WHERE id IN ({','.join('?' * len(gone))})",  # noqa: S608 placeholders-only IN list
            gone,
        )
    now = utc_now()
    new = [wanted[key] for key in wanted.keys() - stored.keys()]
    if new:
        db["mentions"].insert_all(
            {**m.as_dict(), "article_id": article_id, "lexicon_version": version, "found_at": now}
            for m in new
        )
    db.execute(
        "UPDATE mentions SET lexicon_version = ? WHERE article_id = ?", [version, article_id]
    )
    db.execute("UPDATE articles SET lexicon_version = ? WHERE id = ?", [version, article_id])
    return len(new), len(gone)
