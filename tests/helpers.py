"""Helpers for tests: running the CLI as a user would, replica settings."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures"
REPLICA_FAST = [
    "-s", "DOWNLOAD_DELAY=0",
    "-s", "AUTOTHROTTLE_ENABLED=False",
    "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16",
]  # fmt: skip


def replica_args(rep: object) -> list[str]:
    """Settings for a crawl of the replica's Almaty project and Arna Press, the two
    sources its corpus links into stories (an explicit --sources still wins)."""
    urls = rep.urls  # type: ignore[attr-defined]
    return [
        *REPLICA_FAST,
        "-s", "CRAWLER_SOURCES=akimat,arnapress",
        "-s", f"CRAWLER_AKIMAT_URL={urls['akimat']}",
        "-s", f"CRAWLER_ARNAPRESS_URL={urls['arnapress']}",
    ]  # fmt: skip


def run_cli(*args: str, env: dict[str, str] | None = None, timeout: float = 300, **kw):
    """Run the ``crawler`` program as a user would, in a child process."""
    full_env = {**os.environ, **(env or {})}
    full_env.pop("CRAWLER_DB", None)
    return subprocess.run(
        [sys.executable, "-m", "crawler", *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=timeout,
        cwd=kw.pop("cwd", ROOT),
        **kw,
    )


def stored_articles(db: Path) -> int:
    """Articles in ``db`` so far (0 before the crawl has created the table)."""
    import sqlite3

    try:
        conn = sqlite3.connect(db)
        try:
            return conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.OperationalError:
        return 0


def hold_write_lock(path: Path, *writes: str, seconds: float = 0.4) -> threading.Timer:
    """Another program takes the write lock on ``path`` now (and makes ``writes``),
    and lets go after ``seconds``."""
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    for sql in writes:
        other.execute(sql)

    def release() -> None:
        other.execute("COMMIT")
        other.close()

    timer = threading.Timer(seconds, release)
    timer.start()
    return timer
