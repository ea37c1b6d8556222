"""Deployed to Scrapyd the way a user does it: ``scrapyd-deploy`` builds the egg and
uploads it, ``schedule.json`` runs both spiders against the replica, and the runs
land in the database.

Scrapyd runs each job from the zipped egg, so this also proves that the package data
(source specs, lexicon) is read from inside the egg, not from the source tree.
"""

from __future__ import annotations

import configparser
import contextlib
import importlib.util
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.replica.server import Replica
from tests.helpers import ROOT, replica_args

pytestmark = pytest.mark.slow

SPIDERS = ("akimat", "arnapress")
VERSION = "r1"
# What the egg must carry besides modules (paths inside the egg).
EGG_DATA = (
    "crawler/sources/arnapress.toml",
    "crawler/sources/govkz.toml",
    "crawler/text/mentions/lexicon.toml",
    "crawler/alerts/templates/alert_email.html",
    "crawler/alerts/templates/alert_email.txt",
    "crawler/datasette/templates/mentions_chart.html",
    "crawler/datasette/plugins/crafts_crawler.py",
    "crawler/store/migrations/m001_initial.py",
)
JOBS_TIMEOUT = 45.0


def require(module: str, package: str) -> None:
    if importlib.util.find_spec(module) is None:
        pytest.fail(
            f"{package} is not installed; it is a test dependency: pip install -e '.[test]'",
            pytrace=False,
        )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def clean_env() -> dict[str, str]:
    """This environment without the project's settings: the jobs get theirs from
    schedule.json, and their settings module from the egg."""
    return {
        k: v for k, v in os.environ.items() if not k.startswith(("CRAWLER_", "SCRAPY_", "SCRAPYD_"))
    }


def api(url: str, data: list[tuple[str, str]] | None = None) -> dict:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    with urllib.request.urlopen(url, data=body, timeout=10) as response:
        answer = json.loads(response.read())
    assert answer.get("status") == "ok", f"{url}: {answer}"
    return answer


def tail(path: Path, lines: int = 30) -> str:
    if not path.exists():
        return f"({path} does not exist)"
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


@pytest.fixture
def scrapyd(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A Scrapyd of its own on a free 127.0.0.1 port; yields its URL and its directory."""
    require("scrapyd", "scrapyd")
    home = tmp_path / "scrapyd"
    home.mkdir()
    port = free_port()
    # The example configuration of deploy/, with a free port and directories of its own.
    conf = configparser.ConfigParser(interpolation=None)
    conf.read(ROOT / "deploy" / "scrapyd.conf")
    conf["scrapyd"].update(
        {
            "bind_address": "127.0.0.1",
            "http_port": str(port),
            **{f"{name}_dir": str(home / name) for name in ("eggs", "logs", "dbs", "items")},
            "poll_interval": "0.2",
        }
    )
    with (home / "scrapyd.conf").open("w") as fh:
        conf.write(fh)
    out = home / "scrapyd.out"
    with out.open("wb") as log:
        # Scrapyd reads scrapyd.conf from its working directory.
        process = subprocess.Popen(
            [sys.executable, "-m", "scrapyd"],
            cwd=home,
            env=clean_env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its jobs join its process group
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                api(url + "daemonstatus.json")
                break
            except (urllib.error.URLError, ConnectionError):
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"Scrapyd did not start:\n{tail(out)}", pytrace=False)
                time.sleep(0.2)
        yield url, home
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        # Jobs still running (a test that timed out) go with it.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)


def project_copy(tmp_path: Path, url: str) -> Path:
    """The project as a user has it, with the ``scrapyd`` target of scrapy.cfg pointing at
    ``url`` (the build also writes build/ and *.egg-info/ there, not into the tree)."""
    copy = tmp_path / "project"
    copy.mkdir()
    junk = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("crawler", "pipelines"):
        shutil.copytree(ROOT / name, copy / name, ignore=junk)
    for name in ("setup.py", "pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, copy / name)
    cfg = configparser.ConfigParser(interpolation=None)
    cfg.read(ROOT / "scrapy.cfg")
    cfg["deploy:scrapyd"]["url"] = url
    with (copy / "scrapy.cfg").open("w") as fh:
        cfg.write(fh)
    return copy


def scrapyd_deploy() -> list[str]:
    script = Path(sys.executable).with_name("scrapyd-deploy")
    return [str(script)] if script.exists() else [sys.executable, "-m", "scrapyd_client.deploy"]


def schedule_settings(rep: Replica, db: Path) -> list[tuple[str, str]]:
    """schedule.json's ``setting=NAME=VALUE`` pairs: the database, the replica's URLs and
    the fast settings the tests' command-line runs use."""
    args = replica_args(rep)
    pairs = [args[i + 1] for i in range(0, len(args), 2) if args[i] == "-s"]
    return [("setting", pair) for pair in [f"CRAWLER_DB={db}", *pairs]]


def wait_for_jobs(url: str, jobs: dict[str, str], logs: Path) -> None:
    deadline = time.monotonic() + JOBS_TIMEOUT
    while time.monotonic() < deadline:
        listed = api(url + "listjobs.json?project=crawler")
        if {job["id"] for job in listed["finished"]} >= set(jobs.values()):
            return
        time.sleep(0.5)
    details = "\n".join(
        f"--- {spider} ({job}):\n{tail(logs / 'crawler' / spider / f'{job}.log')}"
        for spider, job in jobs.items()
    )
    pytest.fail(f"the jobs did not finish in {JOBS_TIMEOUT:.0f} s:\n{details}", pytrace=False)


def test_scrapyd_deploy_and_schedule_store_both_sources(
    scrapyd: tuple[str, Path], tmp_path: Path
) -> None:
    require("scrapyd_client", "scrapyd-client")
    url, home = scrapyd
    project = project_copy(tmp_path, url)

    deployed = subprocess.run(
        [*scrapyd_deploy(), "scrapyd", "-p", "crawler", "-v", VERSION],
        cwd=project,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert deployed.returncode == 0, deployed.stderr + deployed.stdout
    answer = json.loads(deployed.stdout)
    assert answer["status"] == "ok", answer
    assert set(SPIDERS) <= set(api(url + "listspiders.json?project=crawler")["spiders"])

    egg = home / "eggs" / "crawler" / f"{VERSION}.egg"
    with zipfile.ZipFile(egg) as archive:
        names = set(archive.namelist())
        missing = [name for name in EGG_DATA if name not in names]
        assert not missing, f"the egg lacks {missing}"
        entry_points = archive.read("EGG-INFO/entry_points.txt").decode()
        assert "[scrapy]" in entry_points and "settings = crawler.settings" in entry_points
    # Scrapyd's runner puts the egg behind what is installed: the jobs must import the
    # project from the egg, or this test would not be testing it.
    imported = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from scrapyd.runner import activate_egg; activate_egg(sys.argv[1]);"
            " import crawler.sources.spec as m; print(m.__file__)",
            str(egg),
        ],
        cwd=home,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert imported.stdout.startswith(str(egg)), imported.stdout + imported.stderr

    db = tmp_path / "crafts.db"
    with Replica(articles=30, seed=2) as rep:
        settings = schedule_settings(rep, db)
        jobs = {
            spider: api(
                url + "schedule.json",
                [("project", "crawler"), ("spider", spider), *settings],
            )["jobid"]
            for spider in SPIDERS
        }
        wait_for_jobs(url, jobs, home / "logs")

    for spider, job in jobs.items():
        log = home / "logs" / "crawler" / spider / f"{job}.log"
        assert log.exists(), f"no job log at {log}"
    conn = sqlite3.connect(db)
    try:
        runs = {
            spider: conn.execute(
                "SELECT status, health FROM crawl_runs WHERE spider = ? ORDER BY id DESC",
                [spider],
            ).fetchall()
            for spider in SPIDERS
        }
        stored = dict(conn.execute("SELECT source, count(*) FROM articles GROUP BY source"))
    finally:
        conn.close()
    for spider in SPIDERS:
        log = home / "logs" / "crawler" / spider / f"{jobs[spider]}.log"
        assert runs[spider] == [("ok", "healthy")], f"{spider}: {runs[spider]}\n{tail(log)}"
        assert stored.get(spider, 0) > 0, f"no {spider} articles stored: {stored}\n{tail(log)}"
