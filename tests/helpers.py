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


REDIS_MISSING = (
    "redis-server is not installed: the shared-queue tests need Debian's redis-server "
    "(apt-get install redis-server; .ci/run installs it)"
)


class RedisServer:
    """A redis-server of the test's own on a free 127.0.0.1 port, in a temp dir, with
    nothing saved to disk."""

    def __init__(self, folder: Path) -> None:
        import shutil

        self.exe = shutil.which("redis-server")
        self.folder = folder
        self.proc: subprocess.Popen | None = None
        self.url = ""

    def start(self) -> RedisServer:
        import pytest

        if self.exe is None:
            pytest.fail(REDIS_MISSING, pytrace=False)
        for _attempt in range(5):
            port = free_port()
            self.proc = subprocess.Popen(
                [self.exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                 "--appendonly", "no", "--dir", str(self.folder)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )  # fmt: skip
            if self._answers(port):
                self.url = f"redis://127.0.0.1:{port}/0"
                return self
            self.stop()  # the port was taken meanwhile: another one
        pytest.fail("redis-server did not start", pytrace=False)

    def _answers(self, port: int) -> bool:
        import socket
        import time

        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                return False
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        return True
            except OSError:
                time.sleep(0.05)
        return False

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def open_stages(crawler: object, *, validate: bool = False) -> list:
    """The item pipeline's stages in their order, opened on ``crawler`` (the
    validation stage first with ``validate``); close them with close_stages."""
    from pipelines.dedup import DedupPipeline
    from pipelines.mentions import MentionsPipeline
    from pipelines.normalise import NormalisePipeline
    from pipelines.store import StorePipeline
    from pipelines.validate import ValidatePipeline

    stages = [ValidatePipeline.from_crawler(crawler)] if validate else []
    stages += [
        NormalisePipeline.from_crawler(crawler),
        DedupPipeline.from_crawler(crawler),
        MentionsPipeline(),
        StorePipeline.from_crawler(crawler),
    ]
    for stage in stages:
        if hasattr(stage, "open_spider"):
            stage.open_spider()
    return stages


def close_stages(stages: list) -> None:
    for stage in stages:
        if hasattr(stage, "close_spider"):
            stage.close_spider()
