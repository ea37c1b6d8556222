"""The store stage's batch writer against a database another program also uses:
a moment's lock is waited out, a stale read snapshot is written again on a
fresh connection, and a batch that cannot be written loses nothing else."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest

from crawler.db import is_busy, open_db
from crawler.stories import StoryConfig
from crawler.writer import RETRIES_STAT, BatchWriter


def record(n: int, body: str = "Мастера Алматы показали керамику и войлок.") -> dict:
    return {
        "source": "arnapress",
        "url": f"https://example.test/news/{n}",
        "lang": "ru",
        "title": f"Ярмарка ремёсел {n}",
        "body": f"{body} Выпуск {n}.",
        "published_at": "2026-11-20T10:00:00Z",
        "content_hash": f"h{n}",
    }


def batch(*numbers: int) -> list:
    return [(record(n), [], "test") for n in numbers]


def urls(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [r[0] for r in conn.execute("SELECT url FROM articles ORDER BY url")]
    finally:
        conn.close()


def vocabulary(path: Path) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        return {r[0] for r in conn.execute("SELECT form FROM search_vocab")}
    finally:
        conn.close()


@pytest.fixture
def path(tmp_path: Path) -> Path:
    db_path = tmp_path / "crafts.db"
    open_db(db_path).close()
    return db_path


def test_a_lock_held_for_a_moment_is_waited_for(path: Path) -> None:
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    release = threading.Timer(0.5, lambda: other.execute("COMMIT"))
    writer = BatchWriter(str(path))
    release.start()
    started = time.monotonic()
    counts = writer.write(StoryConfig(), batch(1, 2))
    waited = time.monotonic() - started
    writer.close()
    release.join()
    other.close()
    assert counts["crawler/items_new"] == 2
    assert RETRIES_STAT not in counts  # waited through busy_timeout, not retried
    assert waited >= 0.4
    assert len(urls(path)) == 2


def test_a_stale_read_snapshot_is_written_again_on_a_fresh_connection(path: Path) -> None:
    writer = BatchWriter(str(path))
    writer.write(StoryConfig(), batch(1, 2))
    # A statement left running keeps the writer's read snapshot open; another
    # program then commits, so the writer cannot upgrade that snapshot to write.
    running = writer.connection().conn.execute("SELECT id FROM articles")
    running.fetchone()
    other = sqlite3.connect(path)
    with other:
        other.execute("CREATE TABLE other_program (x)")
    other.close()

    counts = writer.write(StoryConfig(), batch(3))
    writer.close()
    assert counts["crawler/items_new"] == 1
    assert counts[RETRIES_STAT] == 1
    assert urls(path) == [f"https://example.test/news/{n}" for n in (1, 2, 3)]


def test_a_batch_that_cannot_be_written_leaves_nothing_half_done(path: Path) -> None:
    writer = BatchWriter(str(path))
    writer.write(StoryConfig(), batch(1))
    edited = record(1, body="Мастера Алматы провели мастер-класс по чеканке.")
    edited["content_hash"] = "h1-edited"
    new = record(2, body="Гончары Алматы открыли мастерскую глазури.")
    broken = record(3)
    broken["lang"] = ["ru"]  # SQLite cannot store a list
    with pytest.raises(sqlite3.Error):
        writer.write(StoryConfig(), [(edited, [], "test"), (new, [], "test"), (broken, [], "test")])
    # One transaction: the edit (and the version it keeps) went with the rest.
    conn = sqlite3.connect(path)
    body = conn.execute("SELECT body FROM articles WHERE url LIKE '%/1'").fetchone()[0]
    versions = conn.execute("SELECT count(*) FROM article_versions").fetchone()[0]
    conn.close()
    assert urls(path) == ["https://example.test/news/1"]
    assert "керамику" in body and versions == 0
    # The forms of the rolled-back articles are not taken as indexed: written
    # again, they still reach the search vocabulary.
    counts = writer.write(StoryConfig(), [(edited, [], "test"), (new, [], "test")])
    writer.close()
    assert counts["crawler/items_updated"] == 1 and counts["crawler/items_new"] == 1
    assert {"чеканке", "глазури"} <= vocabulary(path)


def test_is_busy_knows_sqlite_busy_from_other_errors(path: Path) -> None:
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    waiter = sqlite3.connect(path, timeout=0)
    try:
        with pytest.raises(sqlite3.OperationalError) as locked:
            waiter.execute("BEGIN IMMEDIATE")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        waiter.close()
    assert is_busy(locked.value)
    assert not is_busy(sqlite3.OperationalError("no such table: x"))
    assert not is_busy(ValueError("database is locked"))
