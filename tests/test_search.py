"""Search that understands inflection: the index the store stage keeps, the query expansion."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from crawler.db import open_db
from crawler.search import match_expression, query_terms, rebuild_index, register_functions
from crawler.storage import save_article

ARTICLES = {
    "ru-artisans": ("Ремесленники Алматы", "Городские ремесленники показали керамику."),
    "ru-crafts": ("Ярмарка", "На ярмарке представили народные ремёсла и промыслы."),
    "kk-artisans": ("Қолөнершілер", "Алматының қолөнершілері көрмеге қатысты."),
    "kk-craft": ("Қолөнер", "Қолөнер орталығы ашылды."),
    "en-artisans": ("Artisans' fair", "Local artisans sold their pottery."),
    "other": ("Дороги", "В городе отремонтировали дороги и тротуары."),
}


def record(key: str, title: str, body: str, content_hash: str = "h0") -> dict:
    return {
        "source": "arnapress",
        "url": f"https://example.test/{key}",
        "lang": "ru",
        "title": title,
        "body": body,
        "published_at": "2025-10-20T10:00:00Z",
        "content_hash": content_hash,
    }


@pytest.fixture
def db(tmp_path: Path):
    database = open_db(tmp_path / "search.db")
    with database.conn:
        for key, (title, body) in ARTICLES.items():
            save_article(database, record(key, title, body), [], "test")
    register_functions(database.conn)
    yield database
    database.close()


def found(db, query: str) -> set[str]:
    rows = db.execute(
        "SELECT a.url FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid "
        "WHERE articles_fts MATCH crawler_search_match(?)",
        [query],
    ).fetchall()
    return {url.rsplit("/", 1)[1] for (url,) in rows}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("ремесленниками", {"ru-artisans"}),
        ("РЕМЕСЛЕННИКОВ", {"ru-artisans"}),
        ("ремёслами", {"ru-crafts"}),
        ("ремеслами", {"ru-crafts"}),  # ё/е folded both ways
        ("қолөнершілерімен", {"kk-artisans"}),
        ("қолөнерді", {"kk-craft"}),
        ("artisan", {"en-artisans"}),
        ("ремесленник керамикой", {"ru-artisans"}),
        ("ремесленник ярмарки", set()),
        ("ремесленник OR ярмарка", {"ru-artisans", "ru-crafts"}),
        ("қолөнер*", {"kk-artisans", "kk-craft"}),
        ("вертолётами", set()),  # a word the articles never use finds nothing
        ("", set()),
        ('"«»', set()),
    ],
)
def test_every_inflected_form_is_found(db, query: str, expected: set[str]) -> None:
    assert found(db, query) == expected


def test_plain_fts_alone_misses_the_inflected_form(db) -> None:
    # What this module exists for: the exact token is not in the text.
    rows = db.execute("SELECT count(*) FROM articles_fts WHERE articles_fts MATCH 'ремесленниками'")
    assert rows.fetchone()[0] == 0


def test_updates_from_the_store_stage_keep_the_index_in_step(db) -> None:
    with db.conn:
        outcome = save_article(
            db,
            record("other", "Дороги", "Мастера-ремесленники починили мостовую.", "h1"),
            [],
            "test",
        )
    assert outcome == "updated"
    assert found(db, "ремесленниками") == {"ru-artisans", "other"}
    assert found(db, "тротуарами") == set()
    assert found(db, "мостовой") == {"other"}


def test_highlight_marks_the_forms_as_printed(db) -> None:
    expr = match_expression(db.conn, "ремесленниками")
    row = db.execute(
        "SELECT highlight(articles_fts, 1, '[', ']') FROM articles_fts WHERE articles_fts MATCH ?",
        [expr],
    ).fetchone()
    assert row[0] == "Городские [ремесленники] показали керамику."


def test_query_terms_keep_or_and_prefix() -> None:
    terms = query_terms("Ремёслами OR қолөнер* OR")
    assert [getattr(t, "word", t) for t in terms] == ["ремёслами", "OR", "қолөнер"]
    assert terms[0].keys == frozenset({"ремесло"})
    assert terms[2].prefix and not terms[2].keys


def test_rebuild_indexes_an_existing_database(db, tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "search.db")
    conn.execute("DELETE FROM search_vocab")
    conn.commit()
    register_functions(conn)
    count = "SELECT count(*) FROM articles_fts WHERE articles_fts MATCH crawler_search_match(?)"
    assert conn.execute(count, ["ремесленниками"]).fetchone()[0] == 0
    with conn:
        assert rebuild_index(conn) == len(ARTICLES)
    assert conn.execute(count, ["ремесленниками"]).fetchone()[0] == 1
    conn.close()
