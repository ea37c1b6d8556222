"""Incremental crawling against a replica whose archive grows between runs."""

from __future__ import annotations

import sqlite3
from collections import Counter
from pathlib import Path

import pytest

from crawler.replica.corpus import akimat_versions
from tests.helpers import replica_args, run_cli

pytestmark = pytest.mark.slow

# One ticket, then the API list in ru, kk and en (its entries carry the articles).
AKIMAT_FEEDS = 4
# The sitemap index, the two home pages and their two feeds (robots.txt aside);
# the configured paths answered 404 on the first run and are not asked again.
ARNAPRESS_FEEDS = 5
# New articles move the <lastmod> of the news sitemap and of the newest archive page.
ARNAPRESS_CHANGED_SITEMAPS = 2


def requests_by_site(rep, since: int) -> Counter:
    """Requests each replica site served after the first ``since`` ones, robots.txt aside."""
    return Counter(
        site for site, _method, path, _status in rep.request_log[since:] if path != "/robots.txt"
    )


def article_count(db: Path) -> dict[str, int]:
    conn = sqlite3.connect(db)
    try:
        return dict(conn.execute("SELECT source, count(*) FROM articles GROUP BY source"))
    finally:
        conn.close()


def test_unchanged_replica_costs_one_request_per_feed_and_new_articles_one_each(
    fresh_replica, tmp_path: Path
) -> None:
    db = tmp_path / "inc.db"
    args = ["run", "--db", str(db), *replica_args(fresh_replica)]
    assert run_cli(*args).returncode == 0
    first = article_count(db)

    mark = len(fresh_replica.request_log)
    second = run_cli(*args)
    assert second.returncode == 0, second.stderr
    assert requests_by_site(fresh_replica, mark) == {
        "akimat": AKIMAT_FEEDS,
        "arnapress": ARNAPRESS_FEEDS,
    }
    assert article_count(db) == first
    assert "akimat: ok, " in second.stdout and " 0 new" in second.stdout

    k = 7
    fresh_replica.set_articles(len(fresh_replica.corpus.arnapress_articles()) + k)
    newest = {item.id for item in fresh_replica.corpus.akimat_items()[:k]}
    new_akimat = sum(item_id in newest for item_id, _ in akimat_versions(fresh_replica.corpus))
    mark = len(fresh_replica.request_log)
    third = run_cli(*args)
    assert third.returncode == 0, third.stderr
    assert article_count(db) == {
        "akimat": first["akimat"] + new_akimat,
        "arnapress": first["arnapress"] + k,
    }
    assert requests_by_site(fresh_replica, mark) == {
        "akimat": AKIMAT_FEEDS,
        "arnapress": ARNAPRESS_FEEDS + ARNAPRESS_CHANGED_SITEMAPS + k,
    }


def test_refetch_on_request_only(fresh_replica, tmp_path: Path) -> None:
    db = tmp_path / "inc.db"
    args = ["crawl", "--db", str(db), "--sources", "arnapress", *replica_args(fresh_replica)]
    assert run_cli(*args).returncode == 0
    mark = len(fresh_replica.request_log)
    assert run_cli(*args, "-s", "CRAWLER_REFETCH=True").returncode == 0
    refetched = requests_by_site(fresh_replica, mark)["arnapress"]
    assert refetched >= len(fresh_replica.corpus.arnapress_articles())
