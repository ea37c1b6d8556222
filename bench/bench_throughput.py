"""Whole-job cost: the crawl with all item pipelines against the same
spiders with pipelines disabled, side by side on one replica.

    python bench/bench_throughput.py [--sizes 2000,20000] [--repeat 1] [-s NAME=VALUE ...]

For each size the replica (its own process) serves that many articles per
source; each configuration crawls it into a fresh database, alternating, so
both see the same machine state (in ABBA order across rounds). Prints, for
both, the crawl process's CPU time per article (user + system, from the
``os.wait4`` rusage of the crawl, divided by the articles the spiders
yielded), articles/s and the crawl's peak RSS; the difference of the CPU
times is what the pipelines (normalise, dedup, mentions, stories, store)
cost per article. ``-s`` passes settings to both crawls.
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


def start_replica(articles: int, *options: str) -> tuple[subprocess.Popen, dict[str, str]]:
    """``crawler replica`` in a child process (with more ``options``), and its site URLs."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "crawler", "replica", "--articles", str(articles), *options],
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


Result = tuple[float, int, int, float]  # seconds, items, peak RSS MB, CPU seconds


def crawl(db: Path, urls: dict[str, str], extra: list[str], tree: Path = ROOT) -> Result:
    """Crawl into ``db`` with the code of ``tree``; returns (seconds, items, peak RSS in
    MB, CPU seconds of the crawl)."""
    args = [sys.executable, "-m", "crawler", "crawl", "--db", str(db), *FAST,
            "-s", f"CRAWLER_AKIMAT_URL={urls['akimat']}",
            "-s", f"CRAWLER_ARNAPRESS_URL={urls['arnapress']}", *extra]  # fmt: skip
    started = time.monotonic()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=tree)
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        time.sleep(0.2)
    seconds = time.monotonic() - started
    output = proc.stdout.read().decode()
    proc.stdout.close()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"crawl failed:\n{output}")
    # Items that reached the pipelines: what the spiders yielded, from crawl_runs
    # (with no pipelines nothing else counts them).
    items = scraped_items(db)
    # ru_maxrss and the CPU times of a waited-for child (and any descendants).
    return seconds, items, usage.ru_maxrss // 1024, usage.ru_utime + usage.ru_stime


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
    parser.add_argument("-s", dest="settings", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument(
        "--configs", default=",".join(CONFIGS), help="which of: " + ", ".join(CONFIGS)
    )
    parser.add_argument(
        "--compare",
        metavar="NAME=DIR",
        action="append",
        default=[],
        help="also crawl with the pipelines using the code checked out in DIR (another "
        "commit, e.g. a git worktree), reported as NAME",
    )
    args = parser.parse_args()
    chosen = {name: (CONFIGS[name], ROOT) for name in args.configs.split(",")}
    for spec in args.compare:
        name, _, tree = spec.partition("=")
        chosen[name] = ([], Path(tree).resolve())
    sizes = [int(s) for s in re.split(r"[, ]+", args.sizes) if s]
    common = [arg for setting in args.settings for arg in ("-s", setting)]
    results: dict[tuple[int, str], list[Result]] = {}
    for size in sizes:
        replica, urls = start_replica(size)
        try:
            with tempfile.TemporaryDirectory() as tmp:
                for round_ in range(args.repeat):
                    # ABBA order: a machine getting faster or slower over the
                    # rounds favours neither configuration.
                    order = list(chosen.items())
                    for name, (extra, tree) in order if round_ % 2 == 0 else order[::-1]:
                        db = Path(tmp) / f"{size}-{round_}-{name.replace(' ', '_')}.db"
                        result = crawl(db, urls, [*extra, *common], tree)
                        results.setdefault((size, name), []).append(result)
                        print(f"  {size}/source {name}: {result[1]} items in {result[0]:.1f}s, "
                              f"CPU {result[3]:.1f}s, peak RSS {result[2]} MB",
                              file=sys.stderr)  # fmt: skip
        finally:
            replica.terminate()
            replica.wait()
    print(f"{'articles/source':>16} {'config':<13} {'items':>7} {'items/s':>8} "
          f"{'CPU ms/item':>11} {'peak RSS MB':>11}")  # fmt: skip
    for size in sizes:
        cpu = {}
        for name in chosen:
            runs = results[(size, name)]
            seconds = statistics.median(r[0] for r in runs)
            items = int(statistics.median(r[1] for r in runs))
            rss = int(statistics.median(r[2] for r in runs))
            cpu[name] = statistics.median(1000 * r[3] / r[1] for r in runs)
            print(f"{size:>16} {name:<13} {items:>7} {items / seconds:>8.1f} "
                  f"{cpu[name]:>11.2f} {rss:>11}")  # fmt: skip
        if {"pipelines", "no pipelines"} <= cpu.keys():
            print(
                f"{size:>16} the pipelines cost {cpu['pipelines'] - cpu['no pipelines']:.2f} "
                f"ms of CPU per article (medians of {args.repeat})"
            )


if __name__ == "__main__":
    main()
