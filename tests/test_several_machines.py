"""Several crawl processes and one store worker, with the real parts: a redis-server of
the test's own, the replica, and the ``crawler`` program in child processes.

Two crawl processes through the shared queue and one store worker must store what
one process stores on its own, each article once, asking the replica for nothing
more than one process would (robots.txt once per process); killing a crawl process
and the store worker mid-run (SIGKILL) and starting them again must lose nothing.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from crawler.replica.server import Replica
from crawler.run.shared_queue import Keys, connect
from tests.helpers import ROOT, replica_args, run_cli
from tests.test_reliability import corpus_articles

pytestmark = pytest.mark.slow

LEASE = "3"  # seconds: a killed process's requests come back quickly
DELAY = "0.1"  # per request and process: the crawl is delay-bound, so both get work


def crawl_args(rep: Replica, queue: str, delay: str = DELAY) -> list[str]:
    return [
        "crawl", "--queue", queue, *replica_args(rep),
        "-s", f"DOWNLOAD_DELAY={delay}", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1",
        "-s", f"CRAWLER_QUEUE_LEASE_SECONDS={LEASE}",
    ]  # fmt: skip


def start(args: list[str], log: Path) -> subprocess.Popen:
    """The ``crawler`` program in a child process, its output in ``log``."""
    env = {k: v for k, v in os.environ.items() if k not in ("CRAWLER_DB", "CRAWLER_QUEUE")}
    with open(log, "wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "crawler", *args],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=ROOT,
        )


def finish(proc: subprocess.Popen, log: Path, timeout: float = 240) -> str:
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        pytest.fail(f"{proc.args[3:5]} did not finish:\n{log.read_text()[-3000:]}")
    return log.read_text()


def worker_args(db: Path, queue: str, idle: str = "4") -> list[str]:
    return [
        "store-worker", "--db", str(db), "--queue", queue, "--until-idle", idle,
        "-s", "CRAWLER_STORE_BATCH=5", "-s", f"CRAWLER_QUEUE_LEASE_SECONDS={LEASE}",
    ]  # fmt: skip


def stored(db: Path) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        return [row[0] for row in conn.execute("SELECT url FROM articles")]
    finally:
        conn.close()


def runs(db: Path) -> dict[str, list[dict]]:
    """The crawl_runs rows of each spider, oldest first."""
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        rows = conn.execute("SELECT * FROM crawl_runs ORDER BY id").fetchall()
    finally:
        conn.close()
    found: dict[str, list[dict]] = {}
    for row in rows:
        found.setdefault(row["spider"], []).append(
            {**dict(row), "stats": json.loads(row["stats"] or "{}")}
        )
    return found


def requests_made(rep: Replica) -> Counter:
    return Counter((site, method, path) for site, method, path, _status in rep.request_log)


def single_crawl(rep: Replica, db: Path) -> tuple[list[str], Counter]:
    """What one process without the queue stores and asks, as the reference."""
    result = run_cli("crawl", "--db", str(db), *replica_args(rep))
    assert result.returncode == 0, result.stdout + result.stderr
    made = requests_made(rep)
    rep.request_log.clear()
    return stored(db), made


def test_two_crawl_processes_and_a_worker_store_what_one_process_does(
    redis_url: str, tmp_path: Path
) -> None:
    with Replica(articles=60, seed=0) as rep:
        expected, single_requests = single_crawl(rep, tmp_path / "single.db")
        # Arna Press articles have pages of their own (gov.kz's come in its list pages).
        articles = {(a.site, a.target) for a in corpus_articles(rep) if a.site == "arnapress"}

        crawls = [start(crawl_args(rep, redis_url), tmp_path / f"crawl{n}.log") for n in (1, 2)]
        outputs = [finish(proc, tmp_path / f"crawl{n}.log") for n, proc in enumerate(crawls, 1)]
        queue_requests = requests_made(rep)
        worker = run_cli(*worker_args(tmp_path / "q.db", redis_url, idle="2"))
        # The next run reads the feeds and listings again (no seen-set swallows them)
        # and skips the stored articles (published by the worker).
        rep.request_log.clear()
        next_run = run_cli(*crawl_args(rep, redis_url, delay="0"))
        next_requests = requests_made(rep)
        next_worker = run_cli(*worker_args(tmp_path / "q.db", redis_url, idle="2"))

    for proc, output in zip(crawls, outputs, strict=True):
        assert proc.returncode == 0, output
        assert "Traceback" not in output, output
    assert worker.returncode == 0, worker.stdout + worker.stderr
    urls = stored(tmp_path / "q.db")
    assert len(urls) == len(set(urls)), "an article was stored twice"
    assert sorted(urls) == sorted(expected)

    # No request made twice: each as often as one process asks it (the gov.kz list
    # URL once per language) or once; robots.txt once per process. Which listing
    # pages discovery reads depends on the order answers come in, in one process too.
    for key, count in queue_requests.items():
        allowed = 2 if key[2] == "/robots.txt" else max(1, single_requests[key])
        assert count <= allowed, (key, count, allowed)
    arna = [key for key in queue_requests if (key[0], key[2]) in articles]
    assert arna and all(queue_requests[key] == 1 for key in arna)
    # Both processes fetched articles (the crawl is delay-bound).
    arnapress_lines = [line for out in outputs for line in out.splitlines() if "arnapress:" in line]
    counts = sorted(int(line.split(", ")[1].split()[0]) for line in arnapress_lines)
    assert len(counts) == 2 and counts[0] > 1, arnapress_lines

    recorded = runs(tmp_path / "q.db")
    assert set(recorded) == {"akimat", "arnapress"}, recorded
    for spider, (first, second) in recorded.items():
        assert (first["status"], first["health"], first["processes"]) == ("ok", "healthy", 2)
        assert first["requests"] == sum(
            n for (site, _m, _p), n in queue_requests.items() if site == spider
        )
        assert (second["status"], second["processes"], second["items_new"]) == ("ok", 1, 0)
    assert sum(rows[0]["items_new"] for rows in recorded.values()) == len(expected)
    assert "2 runs recorded" in worker.stdout
    assert next_run.returncode == 0, next_run.stdout + next_run.stderr
    assert ("arnapress", "GET", "/") in next_requests, next_requests
    assert any(key[2].startswith("/api/v1/public/content-manager/news") for key in next_requests)
    assert not [key for key in next_requests if (key[0], key[2]) in articles]
    assert "0 new" in next_worker.stdout and len(stored(tmp_path / "q.db")) == len(expected)
    # The runs are over: nothing left behind in Redis but what the next run reads.
    server = connect(redis_url)
    assert server.llen(Keys.ITEMS) == server.llen(Keys.PROCESSING) == 0
    assert not server.keys(f"{Keys.inflight('*')}") and not server.keys("crawler:*:run")


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.mark.reliability
def test_killed_crawl_process_and_worker_lose_nothing_when_started_again(
    redis_url: str, tmp_path: Path
) -> None:
    server = connect(redis_url)
    db = tmp_path / "q.db"
    with Replica(articles=60, seed=3) as rep:
        expected, _single = single_crawl(rep, tmp_path / "single.db")
        articles = {a.target for a in corpus_articles(rep) if a.site == "arnapress"}

        def article_requests() -> Counter:
            return Counter(p for s, _m, p, _st in rep.request_log if p in articles)

        worker = start(worker_args(db, redis_url, idle="6"), tmp_path / "worker1.log")
        slow = crawl_args(rep, redis_url, delay="0.2")
        crawls = [start(slow, tmp_path / f"crawl{n}.log") for n in (1, 2)]
        # Mid-run: a third of the articles fetched, items on their way to the worker.
        wait_for(lambda: len(article_requests()) >= 20, 120, "20 article requests")
        starter = server.hget(Keys.run("arnapress"), "starter")
        assert starter, "the arnapress run must still be open"
        pid = int(starter.decode().split(":")[1])
        victim = next(proc for proc in crawls if proc.pid == pid)
        victim.send_signal(signal.SIGKILL)
        worker.send_signal(signal.SIGKILL)
        victim.wait()
        worker.wait()
        stored_at_kill = len(stored(db)) if db.exists() else 0

        again = start(slow, tmp_path / "crawl3.log")
        worker = start(worker_args(db, redis_url, idle="6"), tmp_path / "worker2.log")
        survivors = [proc for proc in crawls if proc is not victim]
        outputs = [
            finish(p, tmp_path / f"crawl{n}.log") for n, p in ((2, survivors[0]), (3, again))
        ]
        worker_output = finish(worker, tmp_path / "worker2.log")
        made = article_requests()

    for proc, output in zip([*survivors, again], outputs, strict=True):
        assert proc.returncode == 0, output
        assert "Traceback" not in output, output
    assert worker.returncode == 0, worker_output
    urls = stored(db)
    assert len(urls) == len(set(urls)), "an article was stored twice"
    assert sorted(urls) == sorted(expected), f"{stored_at_kill} stored when killed"
    assert set(made) == articles
    # Asked twice: only what the killed process held (one request at a time, each delayed).
    assert sum(n - 1 for n in made.values()) <= 3, made.most_common(5)
    row = runs(db)["arnapress"][0]
    assert row["status"] == "ok", row
    assert row["processes"] == 3 and row["stats"]["crawler/queue/processes_lost"] == 1, row
    assert server.llen(Keys.ITEMS) == server.llen(Keys.PROCESSING) == 0


def test_the_scheduled_job_crawls_through_the_queue_and_leaves_alerts_to_the_store(
    redis_url: str, replica, tmp_path: Path
) -> None:
    unused = tmp_path / "crawl-machine.db"
    result = run_cli(
        "run", "--db", str(unused), "--queue", redis_url, "--sources", "akimat",
        *replica_args(replica),
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "akimat: ok" in result.stdout and "queued" in result.stdout, result.stdout
    assert "alerts: not sent from a crawl process" in result.stdout
    assert not unused.exists(), "a crawl process through the queue opens no database"
    assert not Path(f"{unused}.lock").exists()
    worker = run_cli(*worker_args(tmp_path / "q.db", redis_url, idle="1"))
    assert worker.returncode == 0, worker.stdout + worker.stderr
    (row,) = runs(tmp_path / "q.db")["akimat"]
    assert row["status"] == "ok" and row["items_new"] == len(stored(tmp_path / "q.db")) > 0
