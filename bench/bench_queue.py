"""Crawl throughput with 1 and 2 crawl processes sharing the Redis queue, side by side.

    python bench/bench_queue.py [--runs 3] [--articles 200] [--delay 0.1] [--processes 1,2]

Starts a redis-server of its own (Debian's ``redis-server``, on a free 127.0.0.1
port, nothing saved) and the replica (its own process, with an access log). Each run
crawls the Arna Press replica from scratch (a flushed Redis database and a fresh
SQLite file) with N crawl processes through the queue, then drains the items with
``crawler store-worker``; configurations alternate (ABBA order). Every crawl process
is delay-bound (``DOWNLOAD_DELAY`` per process, one request at a time per site), as
on the real sites, so more processes should mean proportionally more articles a
second. Only Arna Press: its articles are one request each, while gov.kz delivers a
hundred per list request and gains nothing from more processes.

Prints per configuration the medians over the runs: requests, articles stored,
crawl seconds (the run's first spider start to its last close, from the store
worker's ``crawl_runs`` row), articles per second over that time and over the wall
time (Python start-up included), how much later than the first the last process
joined, and duplicates: requests of a URL beyond the first, robots.txt aside (must
be 0).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

from bench_throughput import start_replica  # the same child replica

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_redis(folder: Path) -> tuple[subprocess.Popen, str]:
    exe = shutil.which("redis-server")
    if exe is None:
        sys.exit("redis-server is not installed (apt-get install redis-server)")
    port = free_port()
    proc = subprocess.Popen(
        [exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(folder)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
                conn.sendall(b"PING\r\n")
                if conn.recv(16).startswith(b"+PONG"):
                    return proc, f"redis://127.0.0.1:{port}/0"
        except OSError:
            time.sleep(0.05)
    proc.kill()
    sys.exit("redis-server did not start")


def flush(queue: str) -> None:
    import redis

    client = redis.Redis.from_url(queue)
    client.flushdb()
    client.close()


def one_run(
    processes: int, queue: str, urls: dict[str, str], delay: float, folder: Path, log: Path
) -> dict[str, float]:
    """Crawl with ``processes`` crawl processes, drain, and measure."""
    flush(queue)
    db = folder / f"run-{processes}-{time.monotonic_ns()}.db"
    offset = log.stat().st_size if log.exists() else 0
    args = [
        sys.executable, "-m", "crawler", "crawl", "--sources", "arnapress", "--queue", queue,
        "-s", f"CRAWLER_ARNAPRESS_URL={urls['arnapress']}",
        "-s", f"CRAWLER_AKIMAT_URL={urls['akimat']}",
        "-s", f"DOWNLOAD_DELAY={delay}", "-s", "AUTOTHROTTLE_ENABLED=False",
        "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1",
    ]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if k not in ("CRAWLER_DB", "CRAWLER_QUEUE")}
    started = time.monotonic()
    crawls = [
        subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
        for _ in range(processes)
    ]
    for proc in crawls:
        output = proc.communicate()[0].decode()
        if proc.returncode != 0:
            sys.exit(f"a crawl failed:\n{output}")
    wall = time.monotonic() - started
    worker = subprocess.run(
        [sys.executable, "-m", "crawler", "store-worker", "--db", str(db), "--queue", queue,
         "--until-idle", "1"],
        capture_output=True, text=True, env=env, cwd=ROOT,
    )  # fmt: skip
    if worker.returncode != 0:
        sys.exit(f"the store worker failed:\n{worker.stdout}{worker.stderr}")
    conn = sqlite3.connect(db)
    try:
        articles, distinct = conn.execute(
            "SELECT count(*), count(DISTINCT url) FROM articles"
        ).fetchone()
        row_id, requests, stats = conn.execute(
            "SELECT id, requests, stats FROM crawl_runs WHERE spider = 'arnapress'"
        ).fetchone()
        parts = [
            json.loads(raw)
            for (raw,) in conn.execute(
                "SELECT stats FROM crawl_run_processes WHERE run_id = ?", [row_id]
            )
        ]
        starts = [parse_time(part["start_time"]) for part in parts]
    finally:
        conn.close()
    stats = json.loads(stats)
    crawl = (parse_time(stats["finish_time"]) - parse_time(stats["start_time"])).total_seconds()
    with open(log, "rb") as handle:
        handle.seek(offset)
        asked = Counter(
            entry["path"]
            for entry in map(json.loads, handle.read().decode().splitlines())
            if entry["site"] == "arnapress"
        )
    # Everything but robots.txt is asked once by one process (discovery) or another.
    duplicates = sum(n - 1 for path, n in asked.items() if path != "/robots.txt") + (
        articles - distinct
    )
    return {
        "requests": requests,
        "articles": articles,
        "crawl_s": crawl,
        "per_s": articles / crawl,
        "wall_s": wall,
        "wall_per_s": articles / wall,
        "duplicates": duplicates,
        # How much later the last process's spider opened than the first's.
        "late_s": (max(starts) - min(starts)).total_seconds(),
        "per_process": [
            (
                part.get("downloader/request_count", 0),
                round(
                    (
                        parse_time(part["finish_time"]) - parse_time(part["start_time"])
                    ).total_seconds(),
                    1,
                ),
            )
            for part in parts
        ],
    }


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per configuration (median)")
    parser.add_argument("--articles", type=int, default=200, help="replica articles")
    parser.add_argument("--delay", type=float, default=0.1, help="DOWNLOAD_DELAY, seconds")
    parser.add_argument("--processes", default="1,2", help="crawl processes to compare")
    options = parser.parse_args()
    configs = [int(n) for n in options.processes.split(",")]
    with tempfile.TemporaryDirectory(prefix="bench-queue-") as tmp:
        folder = Path(tmp)
        redis_proc, queue = start_redis(folder)
        log = folder / "access.jsonl"
        replica, urls = start_replica(options.articles, "--access-log", str(log))
        results: dict[int, list[dict[str, float]]] = {n: [] for n in configs}
        try:
            for round_ in range(options.runs):
                order = configs if round_ % 2 == 0 else configs[::-1]  # ABBA
                for processes in order:
                    result = one_run(processes, queue, urls, options.delay, folder, log)
                    results[processes].append(result)
                    print(f"run {round_ + 1}, {processes} process(es): {result}", flush=True)
        finally:
            replica.terminate()
            redis_proc.terminate()
            replica.wait()
            redis_proc.wait()
    print()
    print(
        f"Arna Press replica, {options.articles} articles, DOWNLOAD_DELAY={options.delay} s per "
        f"process, medians of {options.runs} runs"
    )
    header = ["processes", "requests", "articles", "crawl s", "articles/s", "wall s",
              "articles/s (wall)", "last joined after s", "duplicates"]  # fmt: skip
    print(" | ".join(header))
    base = None
    for processes in configs:
        runs = results[processes]

        def median(key: str, runs: list[dict[str, float]] = runs) -> float:
            return statistics.median(float(r[key]) for r in runs)

        base = base or median("per_s")
        print(
            f"{processes} | {median('requests'):.0f} | {median('articles'):.0f} | "
            f"{median('crawl_s'):.1f} | {median('per_s'):.2f} ({median('per_s') / base:.2f}x) | "
            f"{median('wall_s'):.1f} | {median('wall_per_s'):.2f} | {median('late_s'):.1f} | "
            f"{max(r['duplicates'] for r in runs):.0f}"
        )


if __name__ == "__main__":
    main()
