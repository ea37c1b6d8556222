"""``crawler serve``: Datasette's own test client against the project's metadata and plugin."""

from __future__ import annotations

import asyncio
import re
import shutil
import sqlite3
from pathlib import Path

import feedparser
import pytest
from click.testing import CliRunner

from crawler.cli import main
from crawler.datasette import make_datasette
from crawler.datasette.feeds import FEED_SIZE
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
REFUSED = "failed — 3 list requests answered 503"
# (spider, started_at, status, errors, health, health_reasons), oldest first
RUNS = [
    ("arnapress", "2025-11-02T10:00:00Z", "ok", 0, "healthy", None),
    ("akimat", "2025-11-03T10:00:00Z", "ok", 0, "healthy", None),
    ("arnapress", "2025-11-03T10:00:00Z", "failed", 3, "unhealthy", REFUSED),
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
        for spider, started, status, errors, health, reasons in RUNS:
            db["crawl_runs"].insert(
                {
                    "spider": spider,
                    "started_at": started,
                    "finished_at": started.replace(":00Z", ":42Z"),
                    "status": status,
                    "health": health,
                    "health_reasons": reasons,
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


def test_latest_mentions_one_row_per_article_with_marks(ds) -> None:
    found = rows(ds, "/crafts/latest_mentions.json")
    assert keys(found) == {"a1", "a2", "a3"} and len(found) == 3  # a1 has two mentions
    published = [r["published"] for r in found]
    assert published == sorted(published, reverse=True)
    assert found[0]["title"] == "Ярмарка ремёсел" and found[0]["source"] == "arnapress"
    first = found[-1]  # a1: two categories, two terms, both marked in one sentence
    assert first["categories"] == "crafts, world_craft_city"
    assert first["terms"] == "Всемирный город ремёсел, ремесленник"
    assert first["snippet"] == (
        "Алматы получил статус <mark>Всемирного города ремёсел</mark>. "
        "<mark>Ремесленники</mark> города рады."
    )
    html = get(ds, "/crafts/latest_mentions").text
    assert '<a href="https://example.test/a3">Ярмарка ремёсел</a>' in html
    assert "Мастера показали <mark>ремёсла</mark>: керамику и войлок." in html
    assert f'<a href="/crafts/articles/{first["article"]}">read here</a>' in html
    assert '<td class="col-published">2025-10-20 10:00 Almaty (UTC+5)</td>' in html
    assert '<span title="arnapress">Arna Press</span>' in html


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


def test_crawl_runs_with_their_verdicts(ds) -> None:
    found = rows(ds, "/crafts/crawl_health.json")
    assert [(r["source"], r["health"]) for r in found] == [
        ("akimat", "healthy"),
        ("arnapress", "unhealthy"),
        ("arnapress", "healthy"),
    ]
    latest = found[1]
    assert latest["status"] == "failed" and latest["errors"] == 3
    assert latest["health_reasons"] == REFUSED
    assert found[0]["seconds"] == 42
    assert found[0]["requests"] == 40 and found[0]["items_new"] == 2


def test_crawl_health_page_says_what_crawler_status_says(ds, db_path: Path) -> None:
    html = get(ds, "/-/crawl-health").text
    status = CliRunner().invoke(main, ["status", "--db", str(db_path)])
    assert status.exit_code == 1  # arnapress is unhealthy
    assert f"arnapress: UNHEALTHY — {REFUSED}" in status.output
    assert "akimat: HEALTHY" in status.output
    arna = html.split('<section class="source-health verdict-unhealthy">', 1)[1]
    arna = arna.split("</section>", 1)[0]
    assert "<h2>Arna Press <span" in arna and ">UNHEALTHY</span>" in arna
    assert f"<strong>Why:</strong> {REFUSED}" in arna
    # Last run: the failed one; last success: the healthy run of the day before.
    assert "<dt>Last run</dt>" in arna and "2025-11-03 15:00 Almaty (UTC+5) — failed" in arna
    assert "2025-11-02 15:00 Almaty (UTC+5) (run #1)" in arna
    akimat = html.split('<section class="source-health verdict-healthy">', 1)[1]
    assert "<h2>Almaty akimat <span" in akimat and ">HEALTHY</span>" in akimat
    assert "Why:" not in akimat.split("</section>", 1)[0]


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


def test_article_page_reads_like_news(ds) -> None:
    html = get(ds, "/crafts/articles/1").text
    page = html.split('<section class="content">', 1)[1]
    assert "<title>Алматы — Всемирный город ремёсел</title>" in html
    assert "<h1>Алматы — Всемирный город ремёсел</h1>" in page
    assert '<strong class="source">Акимат Алматы</strong>' in page  # in the article's language
    assert ">gov.kz</a>" in page
    assert "<time>2025-10-20 10:00 Almaty (UTC+5)</time>" in page and "Russian" in page
    assert (
        "<p>Алматы получил статус <mark>Всемирного города ремёсел</mark>. "
        "<mark>Ремесленники</mark> города рады.</p>"
    ) in page
    assert '<a href="https://example.test/a1">Read the original article on gov.kz ↗</a>' in page
    assert "World Craft City title" in page and "ремесленник" in page
    for internal in ("content_hash", "body_hash", "lexicon_version", "extraction", "story_id"):
        assert internal not in page
    assert "Other copies of this story" not in page  # a story of one
    # Other tables keep Datasette's own row page; the JSON keeps every column.
    assert 'class="rows-and-columns"' in get(ds, "/crafts/stories/1").text
    assert "content_hash" in get(ds, "/crafts/articles/1.json").json()["columns"]


def test_article_page_lists_its_story_copies(db_path: Path, tmp_path: Path) -> None:
    copy = tmp_path / "crafts.db"
    shutil.copy(db_path, copy)
    with sqlite3.connect(copy) as conn:  # a2 joins a1's story
        conn.execute("UPDATE articles SET story_id = (SELECT story_id FROM articles WHERE id = 1) "
                     "WHERE id = 2")  # fmt: skip
    html = get(make_datasette(copy), "/crafts/articles/1").text
    copies = html.split("<h2>Other copies of this story</h2>", 1)[1].split("</ul>", 1)[0]
    assert '<a href="/crafts/articles/2">Қолөнершілер көрмесі</a>' in copies
    assert "Arna Press, Kazakh, 2025-11-02 11:00 Almaty (UTC+5)" in copies
    assert '(<a href="https://example.test/a2">original</a>)' in copies


def feed(ds, query: str = ""):
    response = get(ds, f"/-/feeds/mentions.atom{query}")
    assert response.headers["content-type"] == "application/atom+xml; charset=utf-8"
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return parsed


def test_mentions_feed_is_valid_atom_newest_first(ds) -> None:
    parsed = feed(ds)
    assert parsed.feed.id == "http://localhost/-/feeds/mentions.atom"
    assert parsed.feed.updated and parsed.feed.author == "Crafts in Kazakh news"
    assert [e.link for e in parsed.entries] == [
        f"https://example.test/{k}" for k in ("a3", "a2", "a1")
    ]
    first, _, last = parsed.entries
    assert first.id == "https://example.test/a3" and first.title == "Ярмарка ремёсел"
    assert first.published == "2025-11-03T07:00:00Z" and first.updated
    assert first.author == "Arna Press"
    related = [link.href for link in first.links if link.rel == "related"]
    assert related == ["http://localhost/crafts/articles/3"]
    assert "<strong>ремёсла</strong>" in first.summary
    assert "2025-11-03 12:00 Almaty (UTC+5)" in first.summary
    assert {(t.term, t.label) for t in last.tags if t.label} == {
        ("crafts", "Crafts and craftspeople"),
        ("world_craft_city", "World Craft City title"),
    }
    assert {t.term for t in last.tags} >= {"ремесленник", "Всемирный город ремёсел"}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?category=world_craft_city", ["a2", "a1"]),
        ("?term=ремесло", ["a3"]),
        ("?source=akimat", ["a1"]),
        ("?category=crafts&source=arnapress", ["a3", "a2"]),
        ("?term=ремесло&source=akimat", []),
    ],
)
def test_mentions_feed_per_category_term_and_source(ds, query, expected) -> None:
    parsed = feed(ds, query)
    assert [e.link.rsplit("/", 1)[1] for e in parsed.entries] == expected
    assert parsed.feed.id.startswith("http://localhost/-/feeds/mentions.atom?")


def test_mentions_feed_rejects_an_unknown_category(ds) -> None:
    async def fetch():
        return await ds.client.get("/-/feeds/mentions.atom?category=pottery")

    response = asyncio.run(fetch())
    assert response.status_code == 400 and "world_craft_city" in response.text


def test_mentions_feed_is_bounded(many) -> None:
    parsed = feed(many)
    assert len(parsed.entries) == FEED_SIZE
    assert parsed.entries[0].link == "https://example.test/w30"  # the newest day first
    assert parsed.entries[-1].published.startswith("2025-09-18")


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/crafts",
        "/crafts/articles",
        "/crafts/articles/1",
        "/crafts/stories/1",
        "/crafts/latest_mentions",
        "/-/mentions-chart",
        "/-/crawl-health",
    ],
)
def test_every_page_links_the_feed(ds, path: str) -> None:
    html = get(ds, path).text
    head = html.split("</head>", 1)[0]
    assert (
        '<link rel="alternate" type="application/atom+xml" title="New mentions (Atom)" '
        'href="/-/feeds/mentions.atom">'
    ) in head
    assert (
        '<a class="feed-link" href="/-/feeds/mentions.atom">Atom feed of new mentions</a>' in html
    )


def test_internal_tables_are_hidden(ds) -> None:
    tables = {t["name"]: t["hidden"] for t in get(ds, "/crafts.json").json()["tables"]}
    shown = {name for name, hidden in tables.items() if not hidden}
    assert shown == {"articles", "mentions", "stories", "crawl_runs", "article_versions"}
    for internal in ("story_bands", "story_fingerprints", "alert_sends", "alert_state",
                     "_migrations", "search_vocab", "articles_fts", "mention_months"):  # fmt: skip
        assert tables[internal] is True, internal
    index = get(ds, "/.json").json()["crafts"]
    listed = [t["name"] for t in index["tables_and_views_truncated"]]
    assert listed[0] == "mentions" and set(listed) <= shown | {"mention_list"}


def test_times_show_almaty_time_with_the_zone(ds) -> None:
    articles = get(ds, "/crafts/articles").text
    assert '<td class="col-published_at type-str">2025-11-03 12:00 Almaty (UTC+5)</td>' in articles
    runs = get(ds, "/crafts/crawl_health").text
    assert "2025-11-03 15:00 Almaty (UTC+5)" in runs
    cells = re.findall(r'<td class="col-(?:\w+_at|published)[^"]*">([^<]*)</td>', articles + runs)
    assert cells and all(c == "&nbsp;" or c.endswith("Almaty (UTC+5)") for c in cells), cells
    # JSON keeps the stored UTC.
    assert rows(ds, "/crafts/latest_mentions.json")[0]["published"] == "2025-11-03T07:00:00Z"
