"""Versions: a changed article is updated in place and its earlier text kept."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from crawler.replica.corpus import akimat_versions
from crawler.store.db import open_db
from crawler.store.storage import save_article
from tests.helpers import replica_args, run_cli


def record(title: str, body: str) -> dict:
    return {
        "source": "arnapress",
        "url": "https://arnapress.kz/ru/news/7-park",
        "lang": "ru",
        "title": title,
        "body": body,
        "published_at": "2025-10-07T05:00:00Z",
        "content_hash": hashlib.sha1(f"{title}\n{body}".encode()).hexdigest(),
    }


def save(db, rec: dict) -> str:
    with db.conn:
        return save_article(db, rec, [], "test")


def test_a_changed_article_keeps_its_earlier_versions(tmp_path: Path) -> None:
    db = open_db(tmp_path / "v.db")
    first = record("Парк откроют в мае", "Работы идут по графику.")
    second = record("Парк откроют в мае — подробности", "Работы идут по графику. Обновлено.")
    third = record("Парк откроют в июне", "Сроки сдвинулись.")
    assert save(db, first) == "new"
    assert save(db, first) == "unchanged"
    assert db["article_versions"].count == 0
    assert save(db, second) == "updated"
    assert save(db, second) == "unchanged"
    assert save(db, third) == "updated"
    assert db["articles"].count == 1
    article = next(db["articles"].rows)
    assert (article["title"], article["body"]) == (third["title"], third["body"])
    versions = list(db.query("SELECT * FROM article_versions ORDER BY version"))
    assert [(v["version"], v["title"], v["body"]) for v in versions] == [
        (1, first["title"], first["body"]),
        (2, second["title"], second["body"]),
    ]
    assert [v["content_hash"] for v in versions] == [first["content_hash"], second["content_hash"]]
    assert all(v["article_id"] == article["id"] and v["replaced_at"] for v in versions)
    assert versions[0]["fetched_at"] <= versions[0]["replaced_at"]
    # The story follows the latest title.
    story = db["stories"].get(article["story_id"])
    assert story["title"] == third["title"]
    db.close()


def test_unchanged_content_writes_nothing(tmp_path: Path) -> None:
    db = open_db(tmp_path / "v.db")
    rec = record("Парк откроют в мае", "Работы идут по графику.")
    save(db, rec)
    before = db.execute("SELECT updated_at, last_seen_at FROM articles").fetchone()
    changes = db.conn.total_changes
    assert save(db, rec) == "unchanged"
    assert db.conn.total_changes == changes
    assert db.execute("SELECT updated_at, last_seen_at FROM articles").fetchone() == before
    db.close()


@pytest.mark.slow
def test_recrawl_after_the_replica_revised_articles_stores_versions(
    fresh_replica, tmp_path: Path
) -> None:
    db = tmp_path / "revisions.db"
    first = run_cli("crawl", "--db", str(db), *replica_args(fresh_replica))
    assert first.returncode == 0, first.stderr[-2000:]
    conn = sqlite3.connect(db)
    before = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    corpus = fresh_replica.corpus
    fresh_replica.set_revision(1)
    modified = {item.id for item in corpus.akimat_items() if item.modified}
    revised = {
        f"/details/{item_id}?lang={lang}"
        for item_id, lang in akimat_versions(corpus)
        if item_id in modified
    } | {
        fresh_replica.arnapress.public_path(article)
        for article in corpus.arnapress_articles()
        if article.modified
    }
    assert revised, "the replica revised nothing; pick another seed"

    second = run_cli(
        "crawl", "--db", str(db), *replica_args(fresh_replica), "-s", "CRAWLER_REFETCH=True"
    )
    assert second.returncode == 0, second.stderr[-2000:]
    assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == before
    versioned = [
        row[0]
        for row in conn.execute(
            "SELECT a.url FROM article_versions v JOIN articles a ON a.id = v.article_id"
        )
    ]
    assert len(versioned) == len(set(versioned)) == len(revised)
    assert {url for url in versioned if any(url.endswith(r) for r in revised)} == set(versioned)
    # The kept version is the text before the revision; the article has the new one.
    for old_body, body, old_hash, new_hash in conn.execute(
        "SELECT v.body, a.body, v.content_hash, a.content_hash "
        "FROM article_versions v JOIN articles a ON a.id = v.article_id"
    ):
        assert old_hash != new_hash
        assert old_body != body and len(body) > len(old_body)  # the update note was added
    conn.close()
