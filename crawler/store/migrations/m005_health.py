"""Crawl health per run, and what each feed looked like last time (for
conditional requests and for noticing that a listing changed)."""

from __future__ import annotations

import sqlite_utils


def migrate(db: sqlite_utils.Database) -> None:
    runs = db["crawl_runs"]
    runs.add_column("health", str)
    runs.add_column("health_reasons", str)
    runs.add_column("feeds_changed", int)
    runs.add_column("items_incomplete", int)
    db["feed_state"].create(
        {
            "key": str,  # feed URL, plus "#lang" where a header picks the language
            "spider": str,
            "etag": str,
            "last_modified": str,
            "body_hash": str,
            "checked_at": str,
        },
        pk="key",
    )
