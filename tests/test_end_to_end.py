"""Replica sites → spiders → pipelines → SQLite, through the real CLI."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from crawler.replica.corpus import akimat_versions
from crawler.sources.spec import load_specs
from tests.helpers import replica_args, run_cli

pytestmark = pytest.mark.slow


def counts(db: Path) -> dict[str, int]:
    conn = sqlite3.connect(db)
    try:
        return {
            table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608 table from the fixed tuple below
            for table in ("articles", "mentions", "stories", "crawl_runs")
        }
    finally:
        conn.close()


@pytest.fixture(scope="module")
def crawled(replica, tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("e2e") / "crawl.db"
    result = run_cli("crawl", "--db", str(db), *replica_args(replica))
    assert result.returncode == 0, result.stderr
    assert re.search(r"^akimat: ok, \d+ requests", result.stdout, re.M), result.stdout
    assert re.search(r"^arnapress: ok, \d+ requests", result.stdout, re.M), result.stdout
    return db


def test_both_sources_in_both_languages_with_complete_articles(crawled: Path, replica) -> None:
    conn = sqlite3.connect(crawled)
    pairs = set(conn.execute("SELECT DISTINCT source, lang FROM articles"))
    assert {("akimat", "ru"), ("akimat", "kk"), ("arnapress", "ru"), ("arnapress", "kk")} <= pairs
    incomplete = conn.execute(
        "SELECT count(*) FROM articles WHERE title IS NULL OR url IS NULL OR body IS NULL "
        "OR published_at IS NULL OR published_at NOT LIKE '____-__-__T__:__:__Z'"
    ).fetchone()[0]
    assert incomplete == 0
    # Every article the replica published is there: 60 per site, akimat in every language
    # it really has text in (an untranslated item answers in another language).
    corpus = replica.corpus
    by_source = dict(conn.execute("SELECT source, count(*) FROM articles GROUP BY source"))
    expected = {
        "akimat": len(akimat_versions(corpus)),
        "arnapress": len(corpus.arnapress_articles()),
    }
    assert by_source == expected
    conn.close()


def test_akimat_urls_are_the_human_pages(crawled: Path) -> None:
    conn = sqlite3.connect(crawled)
    urls = [row[0] for row in conn.execute("SELECT url FROM articles WHERE source = 'akimat'")]
    pattern = re.compile(r"/memleket/entities/almaty/press/news/details/\d+\?lang=(ru|kk|en)$")
    assert urls and all(pattern.search(url) for url in urls)
    conn.close()


def test_mentions_of_all_three_categories(crawled: Path) -> None:
    conn = sqlite3.connect(crawled)
    categories = {row[0] for row in conn.execute("SELECT DISTINCT category FROM mentions")}
    assert categories == {"world_craft_city", "world_crafts_council", "crafts"}
    conn.close()


def test_crawl_runs_record_each_spider(crawled: Path) -> None:
    conn = sqlite3.connect(crawled)
    conn.row_factory = sqlite3.Row
    rows = {row["spider"]: row for row in conn.execute("SELECT * FROM crawl_runs")}
    assert set(rows) == {"akimat", "arnapress"}
    for row in rows.values():
        assert row["status"] == "ok" and row["health"] == "healthy"
        assert row["requests"] > 0 and row["items_new"] > 0
        assert row["started_at"] <= row["finished_at"]
    # gov.kz list pages carry whole articles: far fewer requests than articles.
    assert rows["akimat"]["requests"] * 10 < rows["akimat"]["items_new"]
    # Arna Press costs one request per article, plus discovery.
    assert rows["arnapress"]["requests"] > rows["arnapress"]["items_new"]
    conn.close()


def test_second_crawl_adds_nothing(crawled: Path, replica) -> None:
    before = counts(crawled)
    result = run_cli("crawl", "--db", str(crawled), *replica_args(replica))
    assert result.returncode == 0, result.stderr
    after = counts(crawled)
    assert after["articles"] == before["articles"]
    assert after["mentions"] == before["mentions"]
    assert after["crawl_runs"] == before["crawl_runs"] + 2
    assert "0 new" in result.stdout


def test_scrapy_list_and_scrapy_crawl(replica, tmp_path: Path) -> None:
    import subprocess
    import sys

    from tests.helpers import ROOT

    listed = subprocess.run(
        [sys.executable, "-m", "scrapy", "list"], capture_output=True, text=True, cwd=ROOT
    )
    # One spider per source spec, the gov.kz projects and Arna Press.
    assert listed.stdout.split() == sorted(spec.name for spec in load_specs())
    assert {"akimat", "arnapress", "taraz"} <= set(listed.stdout.split())
    db = tmp_path / "scrapy.db"
    crawled = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "akimat", "-s", f"CRAWLER_DB={db}",
         *replica_args(replica)],
        capture_output=True, text=True, cwd=ROOT, timeout=300,
    )  # fmt: skip
    assert crawled.returncode == 0, crawled.stderr[-2000:]
    assert counts(db)["articles"] > 0


def test_demo_builds_a_database(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    result = run_cli("demo", "--db", str(db), "--articles", "30")
    assert result.returncode == 0, result.stderr[-3000:]
    # Only `crawler serve` has the project's metadata and inflection-aware search.
    browse = [line for line in result.stdout.splitlines() if line.startswith("browse:")]
    assert browse == [f"browse: crawler serve --db {db}"], result.stdout
    assert "datasette" not in result.stdout.lower()
    found = counts(db)
    assert found["articles"] > 60 and found["mentions"] > 0
