"""Whole-job throughput: the crawl with all item pipelines against the same
spiders with pipelines disabled, side by side on one replica.

    python bench/bench_throughput.py [--sizes 2000,20000] [--repeat 1]

For each size the replica (its own process) serves that many articles per
source; each configuration crawls it into a fresh database, alternating, so
both see the same machine state (in ABBA order across rounds). Prints
articles/s of both, their ratio (the cost of normalising, deduplicating,
finding mentions, linking stories and storing), and the peak RSS of the
crawl's largest process (the crawl itself, its writer or its offload worker),
with the crawl's own peak and its largest helper's beside it.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False",
        "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16", "-s", "LOG_LEVEL=ERROR"]  # fmt: skip
CONFIGS = {"pipelines": [], "no pipelines": ["-s", "ITEM_PIPELINES={}"]}


def start_replica(articles: int) -> tuple[subprocess.Popen, dict[str, str]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "crawler", "replica", "--articles", str(articles)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=ROOT,
    )  # fmt: skip
    urls = {}
    while len(urls) < 2:
        line = proc.stdout.readline()
        if not line:
            sys.exit("the replica did not start")
        name, url = line.split()
        urls[name] = url
    return proc, urls


def crawl(db: Path, urls: dict[str, str], extra: list[str]) -> tuple[float, int, int, int, int]:
    """Crawl into ``db``; returns (seconds, items, peak RSS in MB of the largest process,
    of the crawl's own process, and of its largest helper: the store writer or the
    offload worker)."""
    args = [sys.executable, "-m", "crawler", "crawl", "--db", str(db), *FAST,
            "-s", f"CRAWLER_AKIMAT_URL={urls['akimat']}",
            "-s", f"CRAWLER_ARNAPRESS_URL={urls['arnapress']}", *extra]  # fmt: skip
    started = time.monotonic()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=ROOT)
    helpers: dict[int, int] = {}
    own = 0
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        own = max(own, peak_rss_mb(proc.pid))  # VmHWM: the peak so far
        for child in children(proc.pid):
            helpers[child] = max(helpers.get(child, 0), peak_rss_mb(child))
        time.sleep(0.2)
    seconds = time.monotonic() - started
    output = proc.stdout.read().decode()
    proc.stdout.close()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"crawl failed:\n{output}")
    # Items that reached the pipelines: what the spiders yielded, from crawl_runs
    # (with no pipelines nothing else counts them).
    items = scraped_items(db)
    # ru_maxrss of a waited-for child: the largest of it and its descendants.
    return seconds, items, usage.ru_maxrss // 1024, own, max(helpers.values(), default=0)


def children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


def peak_rss_mb(pid: int) -> int:
    """The peak resident set (VmHWM) of a running process, in MB (0 if gone)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) // 1024
    except OSError:
        pass
    return 0


SPIN = "import os, sys\nos.sched_setaffinity(0, {int(sys.argv[1])})\nwhile True: pass"


def busy_core_slowdown() -> float | None:
    """How much slower one core runs Python while the other core is busy.

    With the pipelines the helpers keep the second core busy, and on machines
    whose cores share a physical core or a power budget that alone slows the
    reactor thread; the disabled run leaves that core mostly idle.
    """
    if not hasattr(os, "sched_setaffinity") or len(os.sched_getaffinity(0)) < 2:
        return None
    own = os.sched_getaffinity(0)
    first, second = sorted(own)[:2]
    os.sched_setaffinity(0, {first})

    def loop() -> float:
        started = time.thread_time()
        table: dict[int, int] = {}
        for i in range(2_000_000):
            table[i & 4095] = i
        return time.thread_time() - started

    try:
        alone = min(loop() for _ in range(3))
        spinner = subprocess.Popen([sys.executable, "-c", SPIN, str(second)])
        try:
            time.sleep(0.3)
            busy = min(loop() for _ in range(3))
        finally:
            spinner.kill()
            spinner.wait()
    finally:
        os.sched_setaffinity(0, own)
    return busy / alone - 1


def scraped_items(db: Path) -> int:
    import json
    import sqlite3

    conn = sqlite3.connect(db)
    try:
        rows = conn.execute("SELECT stats FROM crawl_runs").fetchall()
    finally:
        conn.close()
    return sum(json.loads(row[0]).get("item_scraped_count", 0) for row in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="2000,20000")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    sizes = [int(s) for s in re.split(r"[, ]+", args.sizes) if s]
    slowdown = busy_core_slowdown()
    if slowdown is not None:
        change = "slower" if slowdown >= 0 else "faster"
        print(
            f"this machine: one core runs Python {abs(slowdown):.0%} {change} while the other is busy"
        )
    results: dict[tuple[int, str], list[tuple[float, int, int]]] = {}
    for size in sizes:
        replica, urls = start_replica(size)
        try:
            with tempfile.TemporaryDirectory() as tmp:
                for round_ in range(args.repeat):
                    # ABBA order: a machine getting faster or slower over the
                    # rounds favours neither configuration.
                    order = list(CONFIGS.items())
                    for name, extra in order if round_ % 2 == 0 else order[::-1]:
                        db = Path(tmp) / f"{size}-{round_}-{name.replace(' ', '_')}.db"
                        result = crawl(db, urls, extra)
                        results.setdefault((size, name), []).append(result)
                        print(f"  {size}/source {name}: {result[1]} items in {result[0]:.1f}s, "
                              f"peak RSS {result[2]} MB (crawl {result[3]}, largest helper "
                              f"{result[4]})", file=sys.stderr)  # fmt: skip
        finally:
            replica.terminate()
            replica.wait()
    print(f"{'articles/source':>16} {'config':<13} {'items':>7} {'items/s':>8} {'RSS MB':>7} "
          f"{'crawl':>6} {'helper':>6}")  # fmt: skip
    for size in sizes:
        rates = {}
        for name in CONFIGS:
            runs = results[(size, name)]
            seconds = statistics.median(r[0] for r in runs)
            items = int(statistics.median(r[1] for r in runs))
            rss, own, helper = (int(statistics.median(r[i] for r in runs)) for i in (2, 3, 4))
            rates[name] = items / seconds
            print(f"{size:>16} {name:<13} {items:>7} {rates[name]:>8.1f} {rss:>7} {own:>6} "
                  f"{helper:>6}")  # fmt: skip
        overhead = rates["no pipelines"] / rates["pipelines"] - 1
        # Each round's own ratio too: on a shared machine the speed drifts
        # between rounds far more than between the two runs of one round.
        paired = statistics.median(
            p[0] / n[0] - 1
            for p, n in zip(
                results[(size, "pipelines")], results[(size, "no pipelines")], strict=True
            )
        )
        print(
            f"{size:>16} pipelines cost {overhead:+.0%} over the disabled run "
            f"(medians of {args.repeat}; median of the rounds' own ratios {paired:+.0%})"
        )


if __name__ == "__main__":
    main()
