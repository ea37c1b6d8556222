"""Concurrent reading: Datasette and plain sqlite3 readers query the database
throughout a crawl's writes and never meet "database is locked"."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from tests.helpers import ROOT, replica_args

pytestmark = pytest.mark.slow

DEADLINE_SECONDS = 240
QUERIES = (
    "SELECT count(*) FROM articles",
    "SELECT count(*) FROM mentions m JOIN articles a ON a.id = m.article_id",
    "SELECT id, title, substr(body, 1, 80) FROM articles ORDER BY published_at DESC LIMIT 20",
)

# A reader in a process of its own, as a second program (a report, a backup) would be.
PROCESS_READER = textwrap.dedent(
    """
    import json, sqlite3, sys, time
    db, stop, deadline = sys.argv[1], sys.argv[2], time.monotonic() + float(sys.argv[3])
    counts, errors = [], []
    conn = None
    while time.monotonic() < deadline:
        try:
            if conn is None:
                conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=2)
            counts.append(conn.execute("SELECT count(*) FROM articles").fetchone()[0])
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or counts:
                errors.append(str(exc))
            conn = None
        done = __import__("os").path.exists(stop)
        if done and counts:
            break
        time.sleep(0.01)
    print(json.dumps({"counts": counts, "errors": errors}))
    """
)


class Reader(threading.Thread):
    """Runs ``read()`` in a loop until told to stop; keeps counts and errors."""

    def __init__(self, db: Path, stop: threading.Event) -> None:
        super().__init__(daemon=True)
        self.db, self.stop = db, stop
        self.counts: list[int] = []
        self.errors: list[str] = []

    def run(self) -> None:
        deadline = time.monotonic() + DEADLINE_SECONDS
        while time.monotonic() < deadline:
            try:
                self.counts.append(self.read())
            except sqlite3.OperationalError as exc:
                # Before the crawl created the schema there is nothing to read yet.
                if "locked" in str(exc) or self.counts:
                    self.errors.append(str(exc))
            if self.stop.is_set() and self.counts:
                return
            time.sleep(0.005)

    def read(self) -> int:
        raise NotImplementedError


class SqliteReader(Reader):
    """A plain read-only connection, kept open across the whole crawl."""

    conn: sqlite3.Connection | None = None

    def read(self) -> int:
        if self.conn is None:
            self.conn = sqlite3.connect(
                f"file:{self.db}?mode=ro", uri=True, timeout=2, check_same_thread=False
            )
        try:
            counts = [self.conn.execute(sql).fetchall() for sql in QUERIES]
        except sqlite3.OperationalError:
            self.conn.close()
            self.conn = None
            raise
        return counts[0][0][0]


class DatasetteReader(Reader):
    """The project's Datasette, through its own test client."""

    def run(self) -> None:
        while not self.db.exists() and not self.stop.is_set():
            time.sleep(0.01)
        from crawler.datasette import make_datasette

        self.ds = make_datasette(self.db)
        self.loop = asyncio.new_event_loop()
        try:
            super().run()
        finally:
            self.loop.close()

    def read(self) -> int:
        async def fetch() -> int:
            count = None
            for path in (
                "/crafts/articles.json?_shape=array&_size=5",
                "/crafts/latest_mentions.json?_shape=array",
                "/crafts.json?sql=select+count(*)+as+n+from+articles&_shape=array",
            ):
                response = await self.ds.client.get(path)
                if response.status_code != 200:
                    raise sqlite3.OperationalError(
                        f"{path}: {response.status_code} {response.text}"
                    )
                if "count" in path:
                    count = response.json()[0]["n"]
            return count

        return self.loop.run_until_complete(fetch())


def test_readers_never_meet_a_locked_database(tmp_path: Path) -> None:
    from crawler.replica.server import Replica

    db = tmp_path / "crafts.db"
    stop_file = tmp_path / "stop"
    stop = threading.Event()
    with Replica(articles=300, seed=3) as rep:
        readers = [SqliteReader(db, stop) for _ in range(3)] + [DatasetteReader(db, stop)]
        other = subprocess.Popen(
            [sys.executable, "-c", PROCESS_READER, str(db), str(stop_file), str(DEADLINE_SECONDS)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for reader in readers:
            reader.start()
        # Small batches: many commits, so the readers see the table grow.
        crawl = subprocess.Popen(
            [sys.executable, "-m", "crawler", "crawl", "--db", str(db), *replica_args(rep),
             "-s", "CRAWLER_STORE_BATCH=10", "-s", "CRAWLER_STORE_FLUSH_SECONDS=0.2"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        try:
            _, err = crawl.communicate(timeout=DEADLINE_SECONDS)
        finally:
            stop.set()
            stop_file.touch()
            if crawl.poll() is None:
                crawl.kill()
        for reader in readers:
            reader.join(timeout=60)
        other_out, _ = other.communicate(timeout=60)
    assert crawl.returncode == 0, err[-2000:]

    final = sqlite3.connect(db).execute("SELECT count(*) FROM articles").fetchone()[0]
    assert final >= 600
    process = json.loads(other_out)
    everyone = [(type(r).__name__, r.counts, r.errors) for r in readers]
    everyone.append(("process", process["counts"], process["errors"]))
    for name, counts, errors in everyone:
        assert errors == [], (name, errors[:3])
        assert counts, name
        assert counts == sorted(counts), name  # committed rows only ever add up
    seen = sorted({n for _, counts, _ in everyone for n in counts})
    # Somebody read in the middle of the crawl, and every reader saw it grow or finish.
    assert any(0 < n < final for n in seen), seen
    assert max(seen) == final
