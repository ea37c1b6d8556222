"""Another program writing to the database during a crawl (``alerts send`` on its
schedule, a rescan) makes the crawl wait for the lock, never lose an article."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from crawler.replica.corpus import akimat_versions
from tests.helpers import ROOT, replica_args

pytestmark = pytest.mark.slow

HOLD_SECONDS = 0.05  # each of the other program's transactions keeps the lock this long


class OtherWriter(threading.Thread):
    """Commits small transactions, holding the write lock a moment each time."""

    def __init__(self, db: Path, stop: threading.Event) -> None:
        super().__init__(daemon=True)
        self.db, self.stop = db, stop
        self.commits = 0
        self.errors: list[str] = []

    def run(self) -> None:
        while not self.db.exists() and not self.stop.is_set():
            time.sleep(0.01)
        conn = sqlite3.connect(self.db, timeout=30, isolation_level=None)
        conn.execute("CREATE TABLE IF NOT EXISTS other_program (n INTEGER, at REAL)")
        while not self.stop.is_set():
            try:
                conn.execute("BEGIN IMMEDIATE")
                conn.execute("INSERT INTO other_program VALUES (?, ?)", (self.commits, time.time()))
                time.sleep(HOLD_SECONDS)
                conn.execute("COMMIT")
                self.commits += 1
            except sqlite3.OperationalError as exc:
                self.errors.append(str(exc))
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
            time.sleep(0.005)
        conn.close()


def test_a_second_writer_during_the_crawl_loses_no_article(tmp_path: Path) -> None:
    from crawler.replica.server import Replica

    db = tmp_path / "crafts.db"
    stop = threading.Event()
    with Replica(articles=150, seed=5) as rep:
        other = OtherWriter(db, stop)
        other.start()
        try:
            crawl = subprocess.run(
                [sys.executable, "-m", "crawler", "crawl", "--db", str(db), *replica_args(rep),
                 "-s", "CRAWLER_STORE_BATCH=10", "-s", "CRAWLER_STORE_FLUSH_SECONDS=0.2"],
                cwd=ROOT, capture_output=True, text=True, timeout=240,
            )  # fmt: skip
        finally:
            stop.set()
            other.join(timeout=60)
        corpus = rep.corpus
        expected = len(akimat_versions(corpus)) + len(corpus.arnapress_articles())
    assert crawl.returncode == 0, crawl.stderr[-3000:]
    assert "could not be stored" not in crawl.stderr
    conn = sqlite3.connect(db)
    stored = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    distinct = conn.execute("SELECT count(DISTINCT url) FROM articles").fetchone()[0]
    recorded = conn.execute("SELECT sum(items_new) FROM crawl_runs WHERE status = 'ok'").fetchone()[
        0
    ]
    conn.close()
    assert stored == distinct == expected == recorded
    assert other.errors == []
    assert other.commits > 20  # the other program really wrote throughout
