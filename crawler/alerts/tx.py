"""Explicit transactions: sqlite-utils commits each write on its own unless one is open."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlite_utils


@contextmanager
def transaction(db: sqlite_utils.Database) -> Iterator[None]:
    """All writes inside commit together or not at all; joins a transaction already open."""
    if db.conn.in_transaction:
        yield
        return
    # IMMEDIATE takes the write lock up front, so two senders cannot claim the same rows.
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.conn.rollback()
        raise
    db.conn.commit()


class Rollback(Exception):
    """Raised inside :func:`transaction` to undo it quietly (caught by the caller)."""
