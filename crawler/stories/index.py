"""The persistent near-duplicate index: shingle fingerprints and LSH band keys in SQLite.

``story_fingerprints`` keeps each article's shingle hashes; ``story_bands`` keeps its
band keys with the day it came out, clustered by (day, band_key). A new article
finds its candidates with one indexed query over a few days around its own date, so
nothing is rehashed or loaded into memory when a run starts, and the cost of a
lookup does not grow with the archive.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime

import numpy as np
import sqlite_utils

from crawler.stories.minhash import band_keys
from crawler.stories.shingles import article_text, from_blob, shingle_hashes, to_blob

SECONDS_PER_DAY = 86_400


def parse_time(value: str | None) -> float | None:
    """Seconds since the epoch of an ISO 8601 time (``Z`` or offset), or None."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(value).timestamp()
    except ValueError:
        return None


def day_of(seconds: float | None) -> int:
    return 0 if seconds is None else math.floor(seconds / SECONDS_PER_DAY)


def index_article(
    db: sqlite_utils.Database,
    article_id: int,
    hashes: np.ndarray,
    when: float | None,
    keys: list[int] | None = None,
    *,
    new: bool = False,
) -> None:
    """Store (or replace) the fingerprint and band keys (``keys`` if computed) of one
    article; ``new`` says it has never been indexed, saving a lookup."""
    if not new:
        old = db.execute(
            "SELECT day, shingles FROM story_fingerprints WHERE article_id = ?", [article_id]
        ).fetchone()
        if old is not None:
            db.conn.executemany(
                "DELETE FROM story_bands WHERE day = ? AND band_key = ? AND article_id = ?",
                [(old[0], key, article_id) for key in band_keys(from_blob(old[1]))],
            )
    day = day_of(when)
    keys = band_keys(hashes) if keys is None else keys
    db.execute(
        "INSERT OR REPLACE INTO story_fingerprints (article_id, day, shingles) VALUES (?, ?, ?)",
        [article_id, day, to_blob(hashes)],
    )
    db.conn.executemany(
        "INSERT OR IGNORE INTO story_bands (day, band_key, article_id) VALUES (?, ?, ?)",
        [(day, key, article_id) for key in keys],
    )


def candidate_ids(
    db: sqlite_utils.Database, keys: list[int], when: float | None, window_seconds: float
) -> set[int]:
    """Articles with one of the band ``keys``, dated within the window (by whole days)."""
    if not keys:
        return set()
    day = day_of(when)
    spread = math.ceil(window_seconds / SECONDS_PER_DAY)
    days = list(range(day - spread, day + spread + 1))
    # Both lists as IN: SQLite seeks every (day, band_key) pair of the primary key.
    # No DISTINCT: the set below drops repeats without SQLite's temporary B-tree.
    day_marks, key_marks = ",".join("?" * len(days)), ",".join("?" * len(keys))
    rows = db.execute(
        f"SELECT article_id FROM story_bands WHERE day IN ({day_marks}) "  # noqa: S608 placeholders-only IN lists
        f"AND band_key IN ({key_marks})",
        [*days, *keys],
    )
    return {row[0] for row in rows}


def fingerprints(db: sqlite_utils.Database, ids: Iterable[int]) -> dict[int, np.ndarray]:
    ids = list(ids)
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    rows = db.execute(
        f"SELECT article_id, shingles FROM story_fingerprints WHERE article_id IN ({marks})",  # noqa: S608 placeholders-only IN list
        ids,
    )
    return {row[0]: from_blob(row[1]) for row in rows}


def reindex_all(db: sqlite_utils.Database) -> int:
    """Fingerprint every article again (after a change of shingling or banding)."""
    db.execute("DELETE FROM story_bands")
    db.execute("DELETE FROM story_fingerprints")
    count = 0
    rows = db.execute(
        "SELECT id, title, body, coalesce(published_at, first_seen_at) FROM articles"
    ).fetchall()
    for article_id, title, body, when in rows:
        index_article(db, article_id, shingle_hashes(article_text(title, body)), parse_time(when))
        count += 1
    return count
