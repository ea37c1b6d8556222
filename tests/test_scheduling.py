"""The scheduled job: overlapping runs, killed backfills, failing sources, health."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from crawler.replica.corpus import akimat_versions
from crawler.replica.server import Replica
from tests.helpers import ROOT, replica_args, run_cli, stored_articles

pytestmark = pytest.mark.slow


def start_cli(*args: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != "CRAWLER_DB"}
    return subprocess.Popen(
        [sys.executable, "-m", "crawler", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def corpus_size(rep: Replica) -> int:
    """Articles the replica publishes (each language version of an API item counts)."""
    return len(akimat_versions(rep.corpus)) + len(rep.corpus.arnapress_articles())


def start_slow_backfill(args: list[str], db: Path, until: int) -> subprocess.Popen:
    """Start a backfill slow enough to be stopped once ``until`` articles are stored."""
    # Few concurrent requests, so the stop lands in the middle of the archive.
    slow = ["-s", "CONCURRENT_REQUESTS_PER_DOMAIN=2", "-s", "CRAWLER_STORE_BATCH=20"]
    crawl = start_cli(*args, *slow)
    deadline = time.monotonic() + 120
    while stored_articles(db) < until and time.monotonic() < deadline and crawl.poll() is None:
        time.sleep(0.1)
    assert crawl.poll() is None, "the backfill finished before it could be stopped"
    return crawl


def rerun_and_count(args: list[str], db: Path) -> tuple[int, int]:
    """Run the interrupted crawl again to the end; (articles, distinct URLs) stored."""
    second = run_cli(*args)
    assert second.returncode == 0, second.stderr
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT count(*), count(DISTINCT url) FROM articles").fetchone()
    finally:
        conn.close()


def test_killed_full_backfill_resumes_and_stores_every_article_once(tmp_path: Path) -> None:
    db = tmp_path / "full.db"
    with Replica(articles=400, seed=3) as rep:
        args = ["crawl", "--full", "--db", str(db), *replica_args(rep)]
        first = start_slow_backfill(args, db, until=100)
        first.send_signal(signal.SIGKILL)
        # Nothing the killed crawl started may hold its output pipes open (a writer
        # process blocked on half a message once did, for ever).
        first.communicate(timeout=60)
        partial = stored_articles(db)
        expected = corpus_size(rep)
        assert 0 < partial < expected

        mark = len(rep.request_log)
        total, distinct = rerun_and_count(args, db)
        conn = sqlite3.connect(db)
        interrupted = conn.execute(
            "SELECT count(*) FROM crawl_runs WHERE status = 'interrupted'"
        ).fetchone()[0]
        conn.close()
        assert total == distinct == expected
        assert interrupted >= 1  # the killed run is marked, not left "running"
        # Stored articles were not fetched again: the restart cost what was missing
        # plus the listings, not the whole archive.
        fetched_articles = sum(
            1
            for site, _m, path, _s in rep.request_log[mark:]
            if ("/news/" in path and "page=" not in path) or "content-manager/news/" in path
        )
        assert fetched_articles <= expected - partial + 2 * 20  # at most the unflushed batch


def test_overlapping_runs_do_not_both_crawl(tmp_path: Path) -> None:
    db = tmp_path / "lock.db"
    with Replica(articles=300, seed=4, faults="slow=0.02:1") as rep:
        first = start_cli("run", "--db", str(db), *replica_args(rep), "-s", "DOWNLOAD_TIMEOUT=2")
        lock = Path(f"{db}.lock")
        deadline = time.monotonic() + 30
        while not (lock.exists() and lock.read_text().strip()) and time.monotonic() < deadline:
            time.sleep(0.05)
        second = run_cli("run", "--db", str(db), *replica_args(rep))
        first_out, _ = first.communicate(timeout=300)
    assert second.returncode == 0
    assert "skipped: another run holds" in second.stderr
    assert second.stdout == ""
    assert "akimat:" in first_out
    conn = sqlite3.connect(db)
    runs = conn.execute("SELECT count(*) FROM crawl_runs").fetchone()[0]
    conn.close()
    assert runs == 2  # one per spider: only the first run crawled


def test_a_failing_source_does_not_stop_the_others(tmp_path: Path) -> None:
    db = tmp_path / "partial.db"
    with Replica(articles=20, seed=5) as rep:
        args = replica_args(rep)
        # Point akimat at a port nothing listens on.
        args[args.index(f"CRAWLER_AKIMAT_URL={rep.urls['akimat']}")] = (
            "CRAWLER_AKIMAT_URL=http://127.0.0.1:9"
        )
        result = run_cli("run", "--db", str(db), *args, "-s", "RETRY_TIMES=0")
    assert result.returncode == 1
    assert "akimat: failed" in result.stdout
    assert "arnapress: ok" in result.stdout
    conn = sqlite3.connect(db)
    by_source = dict(conn.execute("SELECT source, count(*) FROM articles GROUP BY source"))
    health = dict(conn.execute("SELECT spider, health FROM crawl_runs"))
    conn.close()
    assert by_source == {"arnapress": 20}
    assert health == {"akimat": "unhealthy", "arnapress": "healthy"}


def test_broken_markup_makes_the_source_unhealthy(tmp_path: Path) -> None:
    db = tmp_path / "drift.db"
    with Replica(articles=30, seed=6) as rep:
        assert run_cli("run", "--db", str(db), *replica_args(rep)).returncode == 0
        rep.set_layout("broken")
        rep.set_articles(40)
        result = run_cli("run", "--db", str(db), *replica_args(rep))
    assert result.returncode == 1
    assert "arnapress: ok" in result.stdout and "UNHEALTHY" in result.stdout
    assert "lacked a date or a full body" in result.stdout
    status = run_cli("status", "--db", str(db))
    assert status.returncode == 1
    assert "arnapress: UNHEALTHY" in status.stdout
    assert "akimat: HEALTHY" in status.stdout


def test_a_crawl_stopped_by_two_interrupts_exits_and_loses_nothing_it_handed_over(
    tmp_path: Path,
) -> None:
    # A second Ctrl-C stops the reactor without closing the spiders. The store
    # writer then never hears "stop"; the crawl used to hang at exit waiting for
    # it while it waited for the crawl.
    db = tmp_path / "stopped.db"
    with Replica(articles=400, seed=4) as rep:
        args = ["crawl", "--full", "--db", str(db), *replica_args(rep)]
        first = start_slow_backfill(args, db, until=40)
        first.send_signal(signal.SIGINT)
        time.sleep(0.05)
        first.send_signal(signal.SIGINT)
        try:
            first.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            first.kill()
            first.communicate()
            pytest.fail("the crawl did not exit after two interrupts")
        partial = stored_articles(db)
        assert partial >= 40

        total, distinct = rerun_and_count(args, db)
        assert total == distinct == corpus_size(rep)
