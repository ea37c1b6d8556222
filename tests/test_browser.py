"""The latest mentions in a real headless Chromium, served by ``crawler serve``."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import ROOT, replica_args, run_cli

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,900",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(replica, tmp_path_factory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("browse")
    db = folder / "crafts.db"
    result = run_cli("crawl", "--db", str(db), *replica_args(replica))
    assert result.returncode == 0, result.stderr
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "CRAWLER_DB"}
    process = subprocess.Popen(
        [sys.executable, "-m", "crawler", "serve", "--db", str(db), "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/-/versions.json", timeout=2):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"crawler serve did not start: {process.stderr.read()}")
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)
        process.stderr.close()


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed (.ci/run installs Debian's chromium)")
    profile = tmp_path / "profile"
    profile.mkdir(exist_ok=True)
    return subprocess.run(
        [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_latest_mentions_page_shows_cyrillic_rows(server: str, tmp_path: Path) -> None:
    url = f"{server}/crafts/latest_mentions"
    dom = chromium(tmp_path, "--dump-dom", url)
    assert dom.returncode == 0, dom.stderr
    assert "Latest mentions" in dom.stdout
    cells = re.findall(r'<td class="col-snippet[^"]*">(.*?)</td>', dom.stdout, re.S)
    assert len(cells) >= 20
    assert sum(bool(re.search(r"[а-яәғқңөұүһі]{4}", cell, re.I)) for cell in cells) >= 20
    assert re.search(r'<td class="col-title[^"]*"><a href="http://127\.0\.0\.1:\d+/', dom.stdout)

    shot = tmp_path / "latest_mentions.png"
    result = chromium(tmp_path, f"--screenshot={shot}", url)
    assert result.returncode == 0, result.stderr
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 30_000  # a page of text, not a blank canvas
