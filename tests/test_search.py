"""Search that understands inflection: the index the store stage keeps, the query expansion."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from crawler.store.db import open_db
from crawler.store.storage import save_article
from crawler.text.search import match_expression, query_terms, rebuild_index, register_functions

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


# mention_months (migration m007) must always equal a fresh GROUP BY over the mentions.
FRESH_MONTHS = """
SELECT coalesce(substr(coalesce(a.published_local, a.published_at), 1, 7), ''), m.category,
    a.source, count(*), count(DISTINCT m.article_id)
FROM mentions m JOIN articles a ON a.id = m.article_id GROUP BY 1, 2, 3
"""


def month_counts(db) -> tuple[set, set]:
    kept = set(db.execute("SELECT month, category, source, mentions, articles FROM mention_months"))
    return kept, set(db.execute(FRESH_MONTHS))


def mention(category: str, term: str, start: int = 0) -> dict:
    return {"category": category, "term": term, "text": term, "start": start,
            "end": start + len(term), "snippet": term}  # fmt: skip


def test_month_summary_follows_every_writer(tmp_path: Path) -> None:
    from crawler.store.rescan import apply_difference
    from crawler.text.mentions import Mention

    db = open_db(tmp_path / "months.db")
    wcc, crafts = ("world_craft_city", "Всемирный город ремёсел"), ("crafts", "ремесло")
    with db.conn:
        save_article(db, record("a", "A", "a"), [mention(*wcc), mention(*crafts, 5)], "v1")
        save_article(db, record("b", "B", "b"), [mention(*crafts), mention(*crafts, 9)], "v1")
        save_article(db, {**record("c", "C", "c"), "published_at": None}, [mention(*crafts)], "v1")
    kept, fresh = month_counts(db)
    assert kept == fresh
    assert ("2025-10", "crafts", "arnapress", 3, 2) in kept and (
        "",
        "crafts",
        "arnapress",
        1,
        1,
    ) in kept

    # Re-stored with other text, another month and other mentions.
    moved = {**record("a", "A2", "a2", content_hash="h1"), "published_local": "2025-12-01T09:00"}
    with db.conn:
        save_article(db, moved, [mention(*crafts), mention(*crafts, 7)], "v1")
    kept, fresh = month_counts(db)
    assert kept == fresh
    assert {row[:3] for row in kept} == {("2025-12", "crafts", "arnapress"),
                                        ("2025-10", "crafts", "arnapress"),
                                        ("", "crafts", "arnapress")}  # fmt: skip

    # A rescan: one mention goes, one of another category comes.
    (b_id,) = db.execute("SELECT id FROM articles WHERE url LIKE '%/b'").fetchone()
    found = [Mention(*crafts, "ремесло", 0, 7, "ремесло"),
             Mention(*wcc, "Всемирный город ремёсел", 20, 43, "…")]  # fmt: skip
    with db.conn:
        assert apply_difference(db, b_id, found, "v2") == (1, 1)
    kept, fresh = month_counts(db)
    assert kept == fresh and ("2025-10", "world_craft_city", "arnapress", 1, 1) in kept

    # A mention moved to another article, a source renamed, then deletes.
    with db.conn:
        db.execute("UPDATE mentions SET article_id = ? WHERE category = 'world_craft_city'", [1])
        db.execute("UPDATE articles SET source = 'akimat' WHERE id = ?", [b_id])
    assert month_counts(db)[0] == month_counts(db)[1]
    with db.conn:
        db.execute("DELETE FROM mentions WHERE article_id = ?", [b_id])
        db.execute("DELETE FROM mentions WHERE id = (SELECT min(id) FROM mentions)")
    kept, fresh = month_counts(db)
    assert kept == fresh and all(row[2] != "akimat" for row in kept)
    with db.conn:
        db.execute("DELETE FROM mentions")
    assert month_counts(db) == (set(), set())
    db.close()


def test_month_summary_is_filled_for_an_existing_database(db) -> None:
    from crawler.store.migrations.m007_query_speed import create_summary

    with db.conn:
        save_article(db, record("x", "X", "x"), [mention("crafts", "ремесло")], "v1")
        db.execute("DELETE FROM mention_months")
        create_summary(db)
    kept, fresh = month_counts(db)
    assert kept == fresh and len(kept) == 1


# --- Kazakh and Uzbek in both alphabets ----------------------------------------------
SCRIPTS = {
    "kk-cyrillic": ("Қолөнер", "Алматының қолөнершілері мәртебе алды."),
    "kk-latin": ("Qolóner", "Almatynyń qolónershileri mártebe aldy."),
    "uz-cyrillic": ("Ҳунармандчилик", "Хивада ҳунармандчилик ривожланмоқда."),
    "uz-latin": ("Hunarmandchilik", "Xivada hunarmandchiligi va zardo‘zlik rivojlanmoqda."),
    "uz-other": ("Kasb", "Yoshlar kollejda o‘qiydi."),
}


@pytest.fixture
def scripts_db(tmp_path: Path):
    database = open_db(tmp_path / "scripts.db")
    with database.conn:
        for key, (title, body) in SCRIPTS.items():
            save_article(database, record(key, title, body), [], "test")
    register_functions(database.conn)
    yield database
    database.close()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("қолөнершілер", {"kk-cyrillic", "kk-latin"}),
        ("qolónershilerdiń", {"kk-cyrillic", "kk-latin"}),
        ("Qolónershiler", {"kk-cyrillic", "kk-latin"}),
        ("мәртебесі", {"kk-cyrillic", "kk-latin"}),
        ("ҳунармандчиликни", {"uz-cyrillic", "uz-latin"}),
        ("hunarmandchilik", {"uz-cyrillic", "uz-latin"}),
        ("зардўзлик", {"uz-latin"}),
        ("zardoʻzlikni", {"uz-latin"}),
    ],
)
def test_kazakh_and_uzbek_are_found_in_either_alphabet(
    scripts_db, query: str, expected: set[str]
) -> None:
    assert found(scripts_db, query) == expected
