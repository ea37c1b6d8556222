"""The SQLite database: opening it the same way everywhere, and its migrations.

Every writer and reader goes through :func:`open_db`, so WAL mode and the
schema are always in place. Migrations are the modules of
``crawler/migrations`` (``m001_initial.py``, ``m002_….py``, each with a
``migrate(db)`` function), applied once in name order and recorded in
``_migrations``.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import sqlite_utils

import crawler.migrations

Migration = Callable[[sqlite_utils.Database], None]


@cache
def migrations() -> list[tuple[str, Migration]]:
    """The migration modules, in name order."""
    names = sorted(
        info.name
        for info in pkgutil.iter_modules(crawler.migrations.__path__)
        if info.name.startswith("m")
    )
    return [(name, importlib.import_module(f"crawler.migrations.{name}").migrate) for name in names]


def utc_now() -> str:
    """The current time as ISO 8601 UTC with seconds precision."""
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def open_db(path: str | Path, *, migrate: bool = True) -> sqlite_utils.Database:
    """Open (creating if needed) the project database in WAL mode, migrated."""
    path = Path(path)
    if path.parent and not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite_utils.Database(path)
    # WAL lets Datasette and other readers work while a crawl writes;
    # busy_timeout makes a second writer wait instead of failing at once.
    db.execute("PRAGMA busy_timeout = 30000")
    db.enable_wal()
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute("PRAGMA foreign_keys = ON")
    if migrate:
        apply_migrations(db)
    return db


def apply_migrations(db: sqlite_utils.Database) -> list[str]:
    """Apply the migrations not yet recorded; return the names applied."""
    db["_migrations"].create({"name": str, "applied_at": str}, pk="name", if_not_exists=True)
    done = {row["name"] for row in db["_migrations"].rows}
    applied = []
    for name, func in migrations():
        if name in done:
            continue
        with db.conn:
            func(db)
            db["_migrations"].insert({"name": name, "applied_at": utc_now()})
        applied.append(name)
    return applied
