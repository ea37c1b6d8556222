"""Stories on the replica, which knows which Arna Press article copies which release.

The akimat is crawled first and Arna Press in a second run, so the copies find their
originals through the index stored by the earlier run.
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.helpers import replica_args, run_cli

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def linked(tmp_path_factory):
    from crawler.replica.server import Replica

    db = tmp_path_factory.mktemp("stories") / "stories.db"
    with Replica(articles=150, seed=2) as rep:
        for source in ("akimat", "arnapress"):
            result = run_cli("crawl", "--db", str(db), "--sources", source, *replica_args(rep))
            assert result.returncode == 0, result.stderr[-2000:]
        pairs = rep.arnapress.syndication_pairs()  # paths as the site serves them
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    yield conn, pairs
    conn.close()


def truth_of(row: sqlite3.Row, copies: dict[str, str]) -> str:
    """The release an article belongs to by the replica's record, or the article itself."""
    if row["source"] == "akimat":
        return f"release {row['source_id']}"
    path = urlsplit(row["url"]).path
    return f"release {copies[path]}" if path in copies else f"article {row['url']}"


def test_every_copy_shares_the_story_of_its_release_whose_origin_is_the_release(linked) -> None:
    conn, pairs = linked
    assert len(pairs) > 30
    for path, akimat_id, lang in pairs:
        copy = conn.execute(
            "SELECT * FROM articles WHERE source = 'arnapress' AND url LIKE ?", [f"%{path}"]
        ).fetchone()
        assert copy is not None, path
        release = conn.execute(
            "SELECT * FROM articles WHERE source = 'akimat' AND source_id = ? AND lang = ?",
            [str(akimat_id), lang],
        ).fetchone()
        assert copy["story_id"] == release["story_id"], (path, akimat_id)
        story = conn.execute("SELECT * FROM stories WHERE id = ?", [copy["story_id"]]).fetchone()
        origin = conn.execute(
            "SELECT * FROM articles WHERE id = ?", [story["origin_article_id"]]
        ).fetchone()
        assert (origin["source"], origin["source_id"]) == ("akimat", str(akimat_id))
        assert story["first_published_at"] == release["published_at"]
        assert "arnapress" in json.loads(story["outlets"])
        assert copy["cites_source"] == "akimat" and copy["relayed_by"] == "Arna Press"


def test_unrelated_articles_never_share_a_story(linked) -> None:
    conn, pairs = linked
    copies = {path: str(akimat_id) for path, akimat_id, _lang in pairs}
    members: dict[int, set[str]] = defaultdict(set)
    stories_of: dict[str, set[int]] = defaultdict(set)
    for row in conn.execute("SELECT * FROM articles"):
        truth = truth_of(row, copies)
        members[row["story_id"]].add(truth)
        stories_of[truth].add(row["story_id"])
    mixed = {story: truths for story, truths in members.items() if len(truths) > 1}
    assert mixed == {}
    split = {truth: ids for truth, ids in stories_of.items() if len(ids) > 1}
    assert split == {}
    # Most Arna Press articles are not copies: each is a story of its own.
    assert sum(1 for t in stories_of if t.startswith("article")) > 50


def test_language_versions_of_a_release_share_one_story(linked) -> None:
    conn, _pairs = linked
    by_item: dict[str, set[int]] = defaultdict(set)
    langs: dict[str, set[str]] = defaultdict(set)
    for row in conn.execute("SELECT * FROM articles WHERE source = 'akimat'"):
        by_item[row["source_id"]].add(row["story_id"])
        langs[row["source_id"]].add(parse_qs(urlsplit(row["url"]).query)["lang"][0])
    assert by_item and all(len(stories) == 1 for stories in by_item.values())
    for item, (story_id,) in by_item.items():
        story = conn.execute("SELECT langs FROM stories WHERE id = ?", [story_id]).fetchone()
        assert set(json.loads(story["langs"])) == langs[item]


def test_story_rows_match_their_articles(linked) -> None:
    conn, _pairs = linked
    for story in conn.execute("SELECT * FROM stories WHERE article_count > 0"):
        rows = conn.execute(
            "SELECT source, lang, published_at FROM articles WHERE story_id = ?", [story["id"]]
        ).fetchall()
        assert story["article_count"] == len(rows)
        assert json.loads(story["outlets"]) == sorted({r["source"] for r in rows})
        assert story["first_published_at"] == min(r["published_at"] for r in rows)
    empty = conn.execute(
        "SELECT count(*) FROM stories s WHERE NOT EXISTS "
        "(SELECT 1 FROM articles a WHERE a.story_id = s.id) AND s.merged_into IS NULL"
    ).fetchone()[0]
    assert empty == 0
