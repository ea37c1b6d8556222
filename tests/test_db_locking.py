"""Connections of :func:`crawler.store.db.open_db` wait for a lock another program
holds instead of failing, whichever way they write."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest
import sqlite_utils

from crawler.store.db import Rollback, open_db, transaction
from tests.helpers import hold_write_lock

HOLD_SECONDS = 0.4


@pytest.fixture
def path(tmp_path: Path) -> Path:
    db_path = tmp_path / "crafts.db"
    open_db(db_path).close()
    return db_path


WRITES = {
    # sqlite-utils reads the schema inside its own BEGIN before it writes.
    "sqlite-utils insert": lambda db: db["notes"].insert({"text": "a"}),
    "sqlite-utils create": lambda db: db["more"].create({"id": int}, pk="id"),
    "transaction, read then write": lambda db: _read_then_write(db),
}


def _read_then_write(db: sqlite_utils.Database) -> None:
    with transaction(db):
        db.execute("SELECT count(*) FROM articles").fetchone()
        db.execute("INSERT INTO notes (text) VALUES ('b')")


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_a_write_waits_for_the_lock_another_program_holds(path: Path, write) -> None:
    db = open_db(path)
    db.execute("CREATE TABLE IF NOT EXISTS notes (text TEXT)")
    timer = hold_write_lock(path, seconds=HOLD_SECONDS)
    started = time.monotonic()
    write(db)
    waited = time.monotonic() - started
    timer.join()
    db.close()
    assert waited >= HOLD_SECONDS * 0.8


def test_a_plain_sqlite_utils_database_would_fail_at_once(path: Path) -> None:
    """What the connection of open_db is for: the same create, without it."""
    db = sqlite_utils.Database(sqlite3.connect(path, timeout=30))
    timer = hold_write_lock(path, seconds=HOLD_SECONDS)
    started = time.monotonic()
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        db["more"].create({"id": int}, pk="id")
    assert time.monotonic() - started < HOLD_SECONDS / 2
    timer.join()
    db.close()


def test_a_transaction_is_all_or_nothing(path: Path) -> None:
    db = open_db(path)
    db.execute("CREATE TABLE notes (text TEXT)")
    try:
        with transaction(db):
            db["notes"].insert({"text": "kept only with the rest"})
            db.execute("INSERT INTO notes (text) VALUES ('second')")
            raise Rollback
    except Rollback:
        pass
    with transaction(db):
        db["notes"].insert({"text": "one"})
        with transaction(db):  # joins the open one
            db["notes"].insert({"text": "two"})
    assert [r["text"] for r in db["notes"].rows] == ["one", "two"]
    db.close()


def test_switching_a_new_database_to_wal_waits_for_a_writer(tmp_path: Path) -> None:
    """Another program writing to a database that is not yet in WAL mode."""
    path = tmp_path / "new.db"
    other = sqlite3.connect(path)  # a rollback-journal database
    other.execute("CREATE TABLE other_program (x)")
    other.close()
    timer = hold_write_lock(path, "INSERT INTO other_program VALUES (1)", seconds=HOLD_SECONDS)
    started = time.monotonic()
    db = open_db(path)
    waited = time.monotonic() - started
    timer.join()
    assert db.journal_mode == "wal"
    assert "articles" in db.table_names()
    db.close()
    assert waited >= HOLD_SECONDS * 0.8
