"""``crawler serve``: Datasette's own test client against the project's metadata and plugin."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.cli import main
from crawler.datasette import make_datasette
from crawler.store.db import open_db
from crawler.store.storage import save_article

# (key, source, lang, published_at, title, body, [(category, term, text)])
ARTICLES = [
    ("a1", "akimat", "ru", "2025-10-20T05:00:00Z", "Алматы — Всемирный город ремёсел",
     "Алматы получил статус Всемирного города ремёсел. Ремесленники города рады.",
     [("world_craft_city", "Всемирный город ремёсел", "Всемирного города ремёсел"),
      ("crafts", "ремесленник", "Ремесленники")]),
    ("a2", "arnapress", "kk", "2025-11-02T06:00:00Z", "Қолөнершілер көрмесі",
     "Алматының қолөнершілері Дүниежүзілік қолөнер қаласы атағын тойлады.",
     [("world_craft_city", "Дүниежүзілік қолөнер қаласы", "Дүниежүзілік қолөнер қаласы"),
      ("crafts", "қолөнерші", "қолөнершілері")]),
    ("a3", "arnapress", "ru", "2025-11-03T07:00:00Z", "Ярмарка ремёсел",
     "Мастера показали ремёсла: керамику и войлок.",
     [("crafts", "ремесло", "ремёсла")]),
    ("a4", "akimat", "en", "2025-09-01T08:00:00Z", "Roads repaired",
     "The city repaired roads.", []),
]  # fmt: skip


@pytest.fixture(scope="module")
def db_path(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("serve") / "crafts.db"
    db = open_db(path)
    with db.conn:
        for key, source, lang, published, title, body, found in ARTICLES:
            record = {
                "source": source,
                "url": f"https://example.test/{key}",
                "lang": lang,
                "title": title,
                "body": body,
                "published_at": published,
                "content_hash": key,
            }
            mentions = [
                {
                    "category": category,
                    "term": term,
                    "text": text,
                    "start": body.find(text),
                    "end": body.find(text) + len(text),
                    "snippet": body,
                }
                for category, term, text in found
            ]
            save_article(db, record, mentions, "test")
        for spider, status, errors in [("akimat", "ok", 0), ("arnapress", "failed", 3)]:
            db["crawl_runs"].insert(
                {
                    "spider": spider,
                    "started_at": "2025-11-03T10:00:00Z",
                    "finished_at": "2025-11-03T10:00:42Z",
                    "status": status,
                    "requests": 40,
                    "items_new": 2,
                    "items_updated": 0,
                    "items_dropped": 0,
                    "errors": errors,
                }
            )
    db.close()
    return path


@pytest.fixture(scope="module")
def ds(db_path: Path):
    return make_datasette(db_path)


def get(ds, path: str):
    async def fetch():
        return await ds.client.get(path)

    response = asyncio.run(fetch())
    assert response.status_code == 200, (path, response.text[:500])
    return response


def rows(ds, path: str) -> list[dict]:
    sep = "&" if "?" in path else "?"
    return get(ds, f"{path}{sep}_shape=array").json()


def keys(found: list[dict]) -> set[str]:
    return {row["url"].rsplit("/", 1)[1] for row in found}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("ремесленниками", {"a1"}),
        ("ремёслами", {"a1", "a3"}),
        ("қолөнершілерімен", {"a2"}),
        ("Қолөнер", {"a2"}),
    ],
)
def test_articles_search_box_finds_every_form(ds, query: str, expected: set[str]) -> None:
    assert keys(rows(ds, f"/crafts/articles.json?_search={query}")) == expected


def test_articles_search_box_newest_first_for_many_matches(ds) -> None:
    page = get(ds, "/crafts/articles.json?_search=ремёслами").json()
    # Half the articles match: SQLite walks them by date instead of sorting the matches.
    assert (
        page["query"]["sql"].startswith("select ")
        and "+id in (select rowid" in page["query"]["sql"]
    )
    assert [r[0] for r in page["rows"]] == [3, 1] and page["filtered_table_rows_count"] == 2
    assert rows(ds, "/crafts/articles.json?_search=ремёслами&_size=1&_facet=source")[0]["id"] == 3


def test_articles_search_page_keeps_what_was_typed(ds) -> None:
    html = get(ds, "/crafts/articles?_search=ремесленниками").text
    assert 'value="ремесленниками"' in html
    assert "1 row where search matches" in html


def test_search_query_ranks_and_highlights(ds) -> None:
    found = rows(ds, "/crafts/search.json?q=ремёслами")
    assert keys(found) == {"a1", "a3"}
    assert found[0]["url"].endswith("/a3")  # title and body both match: ranked first
    assert found[0]["title"] == "Ярмарка <mark>ремёсел</mark>"
    assert "<mark>ремёсла</mark>" in found[0]["snippet"]
    html = get(ds, "/crafts/search?q=ремёслами").text
    assert '<a href="https://example.test/a3">Ярмарка <mark>ремёсел</mark></a>' in html
    assert rows(ds, "/crafts/search.json?q=") == []


def test_latest_mentions_newest_first_with_links(ds) -> None:
    found = rows(ds, "/crafts/latest_mentions.json")
    published = [r["published"] for r in found]
    assert published == sorted(published, reverse=True)
    assert found[0]["title"] == "Ярмарка ремёсел" and found[0]["source"] == "arnapress"
    assert {"snippet", "url", "category", "term"} <= set(found[0])
    assert len(found) == 5
    html = get(ds, "/crafts/latest_mentions").text
    assert '<a href="https://example.test/a3">Ярмарка ремёсел</a>' in html


def test_world_craft_city_timeline(ds) -> None:
    assert rows(ds, "/crafts/world_craft_city_timeline.json") == [
        {"month": "2025-11", "source": "arnapress", "articles": 1, "mentions": 1},
        {"month": "2025-10", "source": "akimat", "articles": 1, "mentions": 1},
    ]


def test_stories_by_outlets(ds) -> None:
    found = rows(ds, "/crafts/stories_by_outlets.json")
    assert {r["title"] for r in found} == {a[4] for a in ARTICLES if a[6]}
    assert all(r["outlet_count"] == 1 for r in found)


def test_term_mentions(ds) -> None:
    found = rows(ds, "/crafts/term_mentions.json?term=ремесло")
    assert [(r["text"], r["title"]) for r in found] == [("ремёсла", "Ярмарка ремёсел")]
    assert rows(ds, "/crafts/term_mentions.json?term=ремесло&page=1") == found
    assert rows(ds, "/crafts/term_mentions.json?term=ремесло&page=2") == []


@pytest.fixture(scope="module")
def many(tmp_path_factory):
    """120 articles of one mention each, four a day through September 2025."""
    path = tmp_path_factory.mktemp("many") / "terms.db"
    db = open_db(path)
    with db.conn:
        for day in range(1, 31):
            for key in ("x", "y", "z", "w"):  # 120 mentions, four a day
                url = f"https://example.test/{key}{day}"
                record = {"source": "akimat", "url": url, "lang": "ru", "title": url,
                          "body": "ремесло", "published_at": f"2025-09-{day:02}T10:00:00Z",
                          "content_hash": url}  # fmt: skip
                found = {"category": "crafts", "term": "ремесло", "text": "ремесло",
                         "start": 0, "end": 7, "snippet": "ремесло"}  # fmt: skip
                save_article(db, record, [found], "test")
    db.close()
    return make_datasette(path)


def test_term_mentions_pages_newest_first(many) -> None:
    terms = many
    first = rows(terms, "/terms/term_mentions.json?term=ремесло")
    second = rows(terms, "/terms/term_mentions.json?term=ремесло&page=2")
    assert (len(first), len(second)) == (100, 20)
    published = [r["published"] for r in first + second]
    assert published == sorted(published, reverse=True) and published[0].startswith("2025-09-30")
    assert len({r["url"] for r in first + second}) == 120


def test_crawl_health(ds) -> None:
    found = {r["source"]: r for r in rows(ds, "/crafts/crawl_health.json")}
    assert found["arnapress"]["status"] == "failed" and found["arnapress"]["errors"] == 3
    assert found["akimat"]["seconds"] == 42
    assert found["akimat"]["requests"] == 40 and found["akimat"]["items_new"] == 2


def test_mentions_per_month_and_its_chart(ds) -> None:
    found = rows(ds, "/crafts/mentions_per_month.json")
    assert [
        (r["month"], r["source"], r["world_craft_city"], r["crafts"], r["total"]) for r in found
    ] == [("2025-11", "arnapress", 1, 2, 3), ("2025-10", "akimat", 1, 1, 2)]
    assert all(r["world_crafts_council"] is None for r in found)
    html = get(ds, "/-/mentions-chart").text
    assert "<svg" in html and "World Craft City title (2)" in html
    assert "2025-11 arnapress: 2" in html
    svg = html.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert "http" not in svg.replace("http://www.w3.org/2000/svg", "")  # nothing fetched


def test_metadata_describes_and_facets(ds) -> None:
    page = get(ds, "/crafts/mention_list.json?_size=0").json()
    assert {f["name"] for f in page["facet_results"].values()} == {
        "source",
        "category",
        "lang",
        "month",
    }
    assert page["filtered_table_rows_count"] == 5
    html = get(ds, "/crafts/articles").text
    assert "Language: ru, kk or en." in html  # column descriptions
    home = get(ds, "/").text
    assert "Crafts in Kazakh news" in home and "Arna Press" in home
    queries = {q["name"] for q in get(ds, "/crafts.json").json()["queries"]}
    assert {
        "search",
        "latest_mentions",
        "world_craft_city_timeline",
        "stories_by_outlets",
        "term_mentions",
        "crawl_health",
        "mentions_per_month",
    } <= queries


def test_nothing_can_be_written_from_the_web(ds) -> None:
    async def attempt():
        return await ds.client.get("/crafts.json?sql=delete+from+articles")

    response = asyncio.run(attempt())
    assert response.status_code == 400
    assert len(rows(ds, "/crafts/articles.json")) == len(ARTICLES)


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["--db", "/no/such/dir/x.db"], "no database at /no/such/dir/x.db"),
        (["--setting", "nosuch", "1"], "unknown Datasette setting 'nosuch'"),
        (["--setting", "sql_time_limit_ms", "soon"], "sql_time_limit_ms expects a int"),
    ],
)
def test_serve_usage_errors_exit_2(args, reason, db_path: Path) -> None:
    db_args = [] if args[0] == "--db" else ["--db", str(db_path)]
    result = CliRunner().invoke(main, ["serve", *db_args, *args])
    assert result.exit_code == 2, result.output
    assert reason in result.output


@pytest.mark.parametrize(("word", "walks", "count"), [("ремесло", True, 120), ("x17", False, 1)])
def test_search_box_walks_by_date_only_for_big_match_sets(many, word, walks, count) -> None:
    page = get(many, f"/terms/articles.json?_search={word}&_size=5").json()
    assert ("+id in (select rowid" in page["query"]["sql"]) is walks
    assert page["filtered_table_rows_count"] == count
    published = [r[5] for r in page["rows"]]
    assert published == sorted(published, reverse=True) and len(published) == min(count, 5)


def test_serve_on_a_busy_port_is_one_line_and_exit_2(db_path: Path) -> None:
    import socket

    from tests.helpers import run_cli

    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        result = run_cli("serve", "--db", str(db_path), "--port", str(port), timeout=60)
    assert result.returncode == 2, result.stderr
    assert "Serving" not in result.stderr + result.stdout
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and str(port) in errors[0], result.stderr
    assert "Traceback" not in result.stderr


def test_serve_says_serving_once_it_listens(db_path: Path) -> None:
    import socket
    import subprocess
    import sys
    import urllib.request

    from tests.helpers import ROOT

    with socket.socket() as probe:  # a port free a moment ago
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "crawler", "serve", "--db", str(db_path), "--port", str(port)],
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        line = proc.stderr.readline()
        assert line.startswith("Serving "), line
        url = line.split(" at ", 1)[1].split()[0]
        with urllib.request.urlopen(url, timeout=30) as answer:
            assert answer.status == 200
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        proc.stderr.close()
