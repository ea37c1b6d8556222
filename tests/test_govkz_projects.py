"""Several gov.kz projects from one configuration: each its own source, one pace for the site.

Five projects of ``crawler/sources/govkz.toml`` are crawled together against the
replica of gov.kz, whose every answer takes a little time, and the replica
counts how many requests it had in flight at once: one, as for a single
project, because all the projects' spiders wait at one gate for the host.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from crawler.replica.server import Replica
from crawler.sources.spec import load_specs
from tests.helpers import run_cli

PROJECTS = ["akimat", "taraz", "zhambyl", "shymkent", "astana"]
SLUGS = {spec.name: spec.project for spec in load_specs() if spec.kind == "govkz"}


def polite_crawl(rep: Replica, db: Path, per_host: int, sources: list[str] = PROJECTS):
    return run_cli(
        "crawl",
        "--db", str(db),
        "--sources", ",".join(sources),
        "-s", "DOWNLOAD_DELAY=0.01",
        "-s", "AUTOTHROTTLE_ENABLED=False",
        "-s", f"CONCURRENT_REQUESTS_PER_DOMAIN={per_host}",
        "-s", f"CRAWLER_AKIMAT_URL={rep.urls['akimat']}",
        timeout=240,
    )  # fmt: skip


@pytest.mark.slow
def test_five_projects_crawl_side_by_side_one_request_at_a_time(tmp_path: Path) -> None:
    with Replica(articles=40, latency=0.03) as rep:
        result = polite_crawl(rep, tmp_path / "one.db", per_host=1)
        assert result.returncode == 0, result.stderr[-3000:]
        assert rep.most_in_flight["akimat"] == 1

    conn = sqlite3.connect(tmp_path / "one.db")
    runs = dict(conn.execute("SELECT spider, status || '/' || health FROM crawl_runs"))
    assert runs == {name: "ok/healthy" for name in PROJECTS}
    for name in PROJECTS:
        urls = [r[0] for r in conn.execute("SELECT url FROM articles WHERE source = ?", [name])]
        assert urls, name
        assert all(f"/memleket/entities/{SLUGS[name]}/press/news/details/" in u for u in urls)
    conn.close()
    for name in PROJECTS:
        assert f"{name}: ok" in result.stdout


@pytest.mark.slow
def test_the_gate_is_what_keeps_them_to_one(tmp_path: Path) -> None:
    # The same crawl allowed two requests per host: the replica sees two at once,
    # so the measure above can tell one from more.
    with Replica(articles=40, latency=0.03) as rep:
        result = polite_crawl(rep, tmp_path / "two.db", per_host=2)
        assert result.returncode == 0, result.stderr[-3000:]
        assert rep.most_in_flight["akimat"] == 2


@pytest.mark.slow
def test_a_project_whose_lists_are_empty_is_unhealthy(tmp_path: Path) -> None:
    # A wrong slug looks like this on the real site: every list answers `[]`.
    with Replica(articles=0) as rep:
        result = polite_crawl(rep, tmp_path / "empty.db", per_host=1, sources=["akimat", "taraz"])
    assert result.returncode == 1, result.stdout
    assert (
        "akimat: " in result.stdout
        and "UNHEALTHY: Its lists answered but named no" in result.stdout
    )
    conn = sqlite3.connect(tmp_path / "empty.db")
    health = dict(conn.execute("SELECT spider, health FROM crawl_runs"))
    conn.close()
    assert health == {"akimat": "unhealthy", "taraz": "healthy"}
