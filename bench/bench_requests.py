"""Requests per scheduled run against the replica: what an incremental run costs the sites.

    python bench/bench_requests.py [--articles N] [--new K] [--profiles laravel,configured]

For each Arna Press profile of the replica (``laravel``: found only by discovery;
``configured``: what the TOML describes) runs `crawler run` three times against
one replica: a first run (empty database), a second run with nothing new, and a
run after the replica published K new articles per source. Prints the requests
each site served per run (robots.txt counted apart) next to the articles stored,
the profiles side by side.
"""

from __future__ import annotations

import argparse
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler.replica.server import Replica  # noqa: E402

FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False",
        "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16"]  # fmt: skip


def count_requests(log: list, since: int) -> Counter:
    counts: Counter = Counter()
    for site, _method, path, _status in log[since:]:
        counts[(site, "robots" if path == "/robots.txt" else "other")] += 1
    return counts


def stored(db: Path) -> dict[str, int]:
    conn = sqlite3.connect(db)
    try:
        return dict(conn.execute("SELECT source, count(*) FROM articles GROUP BY source"))
    finally:
        conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--new", type=int, default=10)
    parser.add_argument("--profiles", default="laravel,configured")
    args = parser.parse_args()
    rows = []
    for profile in args.profiles.split(","):
        rows += measure(args.articles, args.new, profile)
    print(f"replica: {args.articles} articles per source; akimat items exist in ru, kk (and en)")
    print(
        f"{'profile':<12}{'run':<22}{'site':<11}{'requests':>9}{'robots':>8}{'stored':>8}{'wall s':>8}"
    )
    for profile, label, site, requests, robots, new, seconds in rows:
        print(f"{profile:<12}{label:<22}{site:<11}{requests:>9}{robots:>8}{new:>8}{seconds:>8.1f}")


def measure(articles: int, new: int, profile: str) -> list[tuple]:
    rows = []
    with (
        tempfile.TemporaryDirectory() as tmp,
        Replica(articles=articles, seed=11, profile=profile) as rep,
    ):
        db = Path(tmp) / "bench.db"
        settings = [*FAST, "-s", f"CRAWLER_AKIMAT_URL={rep.urls['akimat']}",
                    "-s", f"CRAWLER_ARNAPRESS_URL={rep.urls['arnapress']}"]  # fmt: skip
        before: dict[str, int] = {}
        for label in ("first run", "nothing new", f"{new} new per source"):
            if label.endswith("per source"):
                rep.set_articles(articles + new)
            mark = len(rep.request_log)
            started = time.monotonic()
            result = subprocess.run(
                [sys.executable, "-m", "crawler", "run", "--db", str(db), *settings],
                capture_output=True, text=True, cwd=ROOT,
            )  # fmt: skip
            if result.returncode != 0:
                sys.exit(f"{label}: crawler run failed:\n{result.stderr[-2000:]}")
            seconds = time.monotonic() - started
            counts = count_requests(rep.request_log, mark)
            now = stored(db)
            for site in ("akimat", "arnapress"):
                rows.append((profile, label, site, counts[(site, "other")],
                             counts[(site, "robots")], now.get(site, 0) - before.get(site, 0),
                             seconds))  # fmt: skip
            before = now
    return rows


if __name__ == "__main__":
    main()
