"""The SQLite database: opening it the same way everywhere, and its migrations.

Every writer and reader goes through :func:`open_db`, so WAL mode and the
schema are always in place. Migrations are the modules of
``crawler/store/migrations`` (``m001_initial.py``, ``m002_….py``, each with a
``migrate(db)`` function), applied once in name order and recorded in
``_migrations``.
"""

from __future__ import annotations

import importlib
import pkgutil
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cache, lru_cache
from pathlib import Path

import sqlite_utils

import crawler.store.migrations

Migration = Callable[[sqlite_utils.Database], None]


@cache
def migrations() -> list[tuple[str, Migration]]:
    """The migration modules, in name order."""
    names = sorted(
        info.name
        for info in pkgutil.iter_modules(crawler.store.migrations.__path__)
        if info.name.startswith("m")
    )
    return [
        (name, importlib.import_module(f"crawler.store.migrations.{name}").migrate)
        for name in names
    ]


def utc_now() -> str:
    """The current time as ISO 8601 UTC with seconds precision."""
    return _utc_text(int(time.time()))


@lru_cache(maxsize=1)  # the writer asks many times a second; format each second once
def _utc_text(second: int) -> str:
    return datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


BUSY_TIMEOUT_SECONDS = 30
_DEFERRED_BEGINS = {"BEGIN", "BEGIN DEFERRED", "BEGIN TRANSACTION", "BEGIN DEFERRED TRANSACTION"}


class ImmediateConnection(sqlite3.Connection):
    """A connection whose every transaction takes the write lock when it begins.

    sqlite-utils opens its write transactions with a plain (deferred) ``BEGIN``
    and reads the schema before it writes. While another program holds the
    write lock, such a transaction cannot wait for it: SQLite answers
    "database is locked" at once instead of using the busy timeout, because
    waiting with a read snapshot open could deadlock. ``BEGIN IMMEDIATE`` takes
    the lock first, so the busy timeout applies.
    """

    def execute(self, sql: str, *args: object) -> sqlite3.Cursor:  # type: ignore[override]
        # Cheap length test first: every statement of the crawl passes here.
        if len(sql) <= 32 and " ".join(sql.rstrip("; \n\t").split()).upper() in _DEFERRED_BEGINS:
            sql = "BEGIN IMMEDIATE"
        return super().execute(sql, *args)


def open_db(path: str | Path, *, migrate: bool = True) -> sqlite_utils.Database:
    """Open (creating if needed) the project database in WAL mode, migrated."""
    path = Path(path)
    if path.parent and not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
    # WAL lets Datasette and other readers work while a crawl writes; the busy
    # timeout makes a second writer wait for the lock instead of failing at once.
    conn = sqlite3.connect(
        str(path),
        timeout=BUSY_TIMEOUT_SECONDS,
        factory=ImmediateConnection,
        isolation_level="IMMEDIATE",
    )
    db = sqlite_utils.Database(conn)
    enable_wal(db)
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute("PRAGMA foreign_keys = ON")
    if migrate:
        apply_migrations(db)
    return db


def is_busy(exc: BaseException) -> bool:
    """Whether ``exc`` is SQLite's "database is locked" (SQLITE_BUSY and its variants)."""
    code = getattr(exc, "sqlite_errorcode", None)
    return (
        isinstance(exc, sqlite3.OperationalError)
        and code is not None
        and code & 0xFF == sqlite3.SQLITE_BUSY
    )


def enable_wal(db: sqlite_utils.Database) -> None:
    """Switch to WAL mode (once per database file), waiting for other programs.

    The switch needs the database to itself, and SQLite does not wait for that
    through the busy timeout when the other program is also writing, so wait here.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_SECONDS
    while True:
        try:
            db.enable_wal()
            return
        except sqlite3.OperationalError as exc:
            if not is_busy(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def apply_migrations(db: sqlite_utils.Database) -> list[str]:
    """Apply the migrations not yet recorded; return the names applied."""
    db["_migrations"].create({"name": str, "applied_at": str}, pk="name", if_not_exists=True)
    done = {row["name"] for row in db["_migrations"].rows}
    applied = []
    for name, func in migrations():
        if name in done:
            continue
        with transaction(db):
            # Another process may have applied it while this one waited for the lock.
            if db.execute("SELECT 1 FROM _migrations WHERE name = ?", [name]).fetchone():
                continue
            func(db)
            db["_migrations"].insert({"name": name, "applied_at": utc_now()})
        applied.append(name)
    return applied


@contextmanager
def transaction(db: sqlite_utils.Database) -> Iterator[None]:
    """All writes inside commit together or not at all; joins a transaction already open.

    It begins IMMEDIATE: the write lock is taken up front (waiting through the
    busy timeout), so two programs cannot both read a row and then both write it.
    """
    if db.conn.in_transaction:
        yield
        return
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.conn.rollback()
        raise
    db.conn.commit()


class Rollback(Exception):
    """Raised inside :func:`transaction` to undo it quietly (caught by the caller)."""
