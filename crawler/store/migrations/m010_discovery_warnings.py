"""Warnings of a run that still succeeded, such as configured feeds that answer 404."""

from __future__ import annotations

import sqlite_utils


def migrate(db: sqlite_utils.Database) -> None:
    db["crawl_runs"].add_column("warnings", str)
