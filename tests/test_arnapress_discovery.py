"""Arna Press found by discovery: the replica's laravel profile matches none of the
configured guesses, and the crawl still finds its articles cheaply.

The pure helpers (links, shapes, pagination, robots, feeds) are checked on their
own; the whole-crawl tests (marked slow) run the real CLI against the replica.
"""

from __future__ import annotations

import http.client
import re
import sqlite3
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit
from xml.etree import ElementTree

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from crawler.extraction import extract_article, load_rules
from crawler.replica import arnapress_laravel as laravel
from crawler.replica.corpus import Corpus
from crawler.replica.server import Replica
from crawler.spiders import links
from crawler.spiders.discovery import STAT_MISSING_HINTS, STAT_PARSED, STAT_REPORT
from crawler.spiders.sources import SPIDERS
from crawler.text.dates import parse_date
from tests.helpers import replica_args, run_cli

ArnapressSpider = SPIDERS["arnapress"]

SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
BASE = "https://arnapress.kz"
slow = pytest.mark.slow


def fetch(base: str, path: str, headers: dict | None = None):
    url = urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=5)
    try:
        conn.request("GET", path, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.headers, resp.read()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def site():
    with Replica(articles=90, seed=4) as rep:
        yield rep


# -- the laravel profile ------------------------------------------------------------------


def test_configured_guesses_all_miss_and_robots_names_the_sitemap(site) -> None:
    base = site.urls["arnapress"]
    for path in ("/sitemap.xml", "/ru/rss.xml", "/kz/rss.xml", "/ru/news", "/kz/news"):
        assert fetch(base, path)[0] == 404, path
    robots = fetch(base, "/robots.txt")[2].decode()
    assert links.sitemaps_in_robots(robots, base + "/robots.txt") == [f"{base}/sitemaps/index.xml"]
    index = ElementTree.fromstring(fetch(base, "/sitemaps/index.xml")[2])
    entries = [(e.findtext(f"{SM}loc"), e.findtext(f"{SM}lastmod")) for e in index]
    assert [loc for loc, _ in entries] == [
        f"{base}/sitemaps/news.xml",
        f"{base}/sitemaps/archive-1.xml",
    ]
    assert all(parse_date(stamp) for _, stamp in entries)


def test_home_announces_feed_and_kazakh_home_and_pages_without_rel_next(site) -> None:
    base = site.urls["arnapress"]
    home = fetch(base, "/")[2].decode()
    assert links.feed_links(home, base + "/") == [f"{base}/feed"]
    assert links.alternate_homes(home, base + "/") == [f"{base}/kz"]
    assert 'rel="next"' not in home
    assert links.next_page_link(home, base + "/") == f"{base}/?page=2"
    second = fetch(base, "/?page=2")[2].decode()
    assert links.next_page_link(second, f"{base}/?page=2") == f"{base}/?page=3"
    ru = [e for e in site.arnapress.expected_articles() if e.lang == "ru"]
    found = [urlsplit(u).path for u in links.candidate_article_links(home, base + "/", base)]
    assert found == [e.path for e in ru[:20]]
    assert "/storage/articles/converted/" in home and "/category/" in home and "/tag/" not in found


def test_article_pages_print_dates_only_as_text_and_keep_html_lang_ru(site) -> None:
    base = site.urls["arnapress"]
    expected = site.arnapress.expected_articles()
    assert all(int(re.match(r"/news/(\d+)-", e.path).group(1)) > 117_000 for e in expected)
    kk = next(e for e in expected if e.lang == "kk")
    page = fetch(base, kk.path)[2].decode()
    assert '<html lang="ru">' in page and '<meta property="og:type" content="article">' in page
    assert "<time" not in page and "published_time" not in page and "datePublished" not in page
    got = extract_article(page, base + kk.path, load_rules("arnapress"))
    assert (got.title, got.lang, got.methods["lang"]) == (kk.title, "kk", "text")
    assert parse_date(got.published) == kk.published
    assert got.layout is None and got.methods["body"] == "fallback"
    assert links.is_article_page(got)
    _, headers, _ = fetch(base, kk.path)
    assert fetch(base, kk.path, {"If-None-Match": headers["ETag"]})[0] == 304


def test_growing_site_changes_only_the_newest_archive_sitemap() -> None:
    corpus = Corpus(1200, seed=1)
    site = laravel.LaravelSite(corpus, lambda: "http://x", lambda: "v1", lambda a: [])

    def lastmods() -> list[str]:
        index = ElementTree.fromstring(site.sitemap_index().body)
        return [e.findtext(f"{SM}lastmod") for e in index]

    before = lastmods()
    corpus.set_articles(1203)
    after = lastmods()
    assert len(before) == len(after) == 4  # news + three archive pages of 500
    assert before[1:3] == after[1:3] and before[3] != after[3] and before[0] != after[0]


def test_broken_layout_makes_laravel_articles_unusable() -> None:
    with Replica(articles=20, seed=4, layout="broken") as rep:
        article = rep.arnapress.expected_articles()[0]
        page = fetch(rep.urls["arnapress"], article.path)[2].decode()
    got = extract_article(page, "http://x" + article.path)
    assert "og:" not in page and "<h1" not in page
    assert not links.is_article_page(got)


# -- pure helpers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "shape"),
    [
        ("https://arnapress.kz/news/117605-remeslenniki-almaty", "/news/{id}"),
        ("https://arnapress.kz/ru/news/12345-slug", "/ru/news/{id}"),
        ("https://arnapress.kz/123456", "/{id}"),
        ("https://arnapress.kz/2026/11/25/yarmarka-masterov", "/{y}/{m}/{d}/{slug}"),
        ("https://arnapress.kz/society/yarmarka-masterov-123456.html", "/society/{slug-id}"),
        ("https://arnapress.kz/category/society", None),
        ("https://arnapress.kz/tag/almaty", None),
        ("https://arnapress.kz/author/4512", None),
        ("https://arnapress.kz/page/about", None),
        ("https://arnapress.kz/news/page/2", None),
        ("https://arnapress.kz/?page=2", None),
        ("https://arnapress.kz/news?page=117600", None),
        ("https://arnapress.kz/storage/articles/converted/117600.jpg", None),
        ("https://arnapress.kz/i/Posts/98632.jpg", None),
        ("https://arnapress.kz/files/117600.pdf", None),
        ("https://arnapress.kz/2026/11/25", None),
        ("https://arnapress.kz/kz", None),
        ("https://arnapress.kz/", None),
    ],
)
def test_url_shapes(url: str, shape: str | None) -> None:
    assert links.url_shape(url) == shape


BAD_LINKS = [
    "http://arnapress.kz:99999/news/117601-a",
    "javascript:void(0)",
    "javascript:alert(1)//news/117602-b",
    "mailto:info@arnapress.kz",
    "tel:+77222000000",
    "/news/117603-%zz",
    "http://[x/news/117604-c",
    "https://arnapress.kz:abc/news/117605-d",
]
GOOD_LINKS = ["/news/117610-good", "https://arnapress.kz/2026/11/25/good-day", "/117620"]


def bad_links_page() -> str:
    anchors = "".join(f'<a href="{href}">x</a>' for href in BAD_LINKS[:3] + GOOD_LINKS[:1])
    anchors += "".join(f'<a href="{href}">y</a>' for href in BAD_LINKS[3:] + GOOD_LINKS[1:])
    return f"<html><body>{anchors}<a class='page-link' href='/?page=2'>›</a></body></html>"


def test_bad_links_are_skipped_and_the_good_ones_kept() -> None:
    found = links.candidate_article_links(bad_links_page(), BASE + "/", BASE)
    assert found == [
        f"{BASE}/news/117610-good",
        f"{BASE}/news/117603-%zz",
        f"{BASE}/2026/11/25/good-day",
        f"{BASE}/117620",
    ]


def test_spider_listing_with_bad_links_queues_the_good_ones(tmp_path: Path) -> None:
    crawler = get_crawler(
        ArnapressSpider, {"CRAWLER_DB": str(tmp_path / "a.db"), "CRAWLER_ARNAPRESS_URL": BASE}
    )
    spider = ArnapressSpider.from_crawler(crawler)
    url = f"{BASE}/"
    response = HtmlResponse(
        url, body=bad_links_page().encode(), encoding="utf-8", request=Request(url)
    )
    urls = [r.url for r in spider.parse_listing(response, 0, home=True)]
    assert f"{BASE}/news/117610-good" in urls and f"{BASE}/117620" in urls
    assert f"{BASE}/2026/11/25/good-day" in urls and f"{BASE}/?page=2" in urls
    assert not any("99999" in u or "abc" in u or "[" in u or ":void" in u for u in urls)


def test_next_page_prefers_rel_next_and_keeps_to_the_same_listing() -> None:
    page = (
        '<a href="/category/society?page=2">2</a><a href="/news?page=3">3</a>'
        '<a class="page-link" href="/news?page=2">›</a>'
    )
    assert links.next_page_link(page, f"{BASE}/news") == f"{BASE}/news?page=2"
    assert links.next_page_link(page, f"{BASE}/news?page=2") == f"{BASE}/news?page=3"
    assert links.next_page_link(page + '<a rel="next" href="/x">»</a>', f"{BASE}/news") == (
        f"{BASE}/x"
    )
    assert links.next_page_link('<a href="/blog/page/3">3</a>', f"{BASE}/blog/page/2") == (
        f"{BASE}/blog/page/3"
    )
    assert links.next_page_link('<a href="http://[x?page=2">›</a>', f"{BASE}/news") is None


def test_robots_sitemaps_skip_unreadable_and_foreign_urls() -> None:
    text = (
        "User-agent: *\nSitemap: http://[x/s.xml\nsitemap: https://evil.example/s.xml\n"
        "Sitemap: /sitemaps/index.xml # main\nSITEMAP: https://www.arnapress.kz/news.xml\n"
    )
    assert links.sitemaps_in_robots(text, f"{BASE}/robots.txt") == [
        f"{BASE}/sitemaps/index.xml",
        "https://www.arnapress.kz/news.xml",
    ]


def test_lang_attribute_ru_on_kazakh_text_gives_kk() -> None:
    text = "Алматыда шеберлер көрмесі ашылды, қала тұрғындары мен қонақтар келді. " * 6
    page = f'<html lang="ru"><body><h1>Көрме ашылды</h1><p>{text}</p></body></html>'
    got = extract_article(page, BASE + "/news/117601-a")
    assert (got.lang, got.methods["lang"]) == ("kk", "text")
    short = '<html lang="ru"><body><p>Көрме ашылды</p></body></html>'
    assert extract_article(short, "u").lang == "ru"  # too little text to overrule


def test_shapes_learn_from_pages_that_are_not_articles() -> None:
    shapes = links.ShapeStats(max_misses=3)
    shapes.seed(["https://a.kz/news/117600-x"])
    for _ in range(3):
        shapes.saw("/video/{id}", False)
        shapes.saw("/news/{id}", False)
    assert not shapes.followable("/video/{id}")
    assert shapes.followable("/news/{id}") and shapes.trusted("/news/{id}")


def test_spider_stops_following_a_shape_whose_pages_are_not_articles(tmp_path: Path) -> None:
    crawler = get_crawler(
        ArnapressSpider, {"CRAWLER_DB": str(tmp_path / "a.db"), "CRAWLER_ARNAPRESS_URL": BASE}
    )
    spider = ArnapressSpider.from_crawler(crawler)
    gallery = "<html><head><title>Фото</title></head><body><h1>Галерея</h1></body></html>"
    for n in range(3):
        url = f"{BASE}/video/11760{n}"
        assert spider.is_article_url(url)
        response = HtmlResponse(url, body=gallery.encode(), encoding="utf-8", request=Request(url))
        assert list(spider.parse_page(response)) == []
    assert not spider.is_article_url(f"{BASE}/video/117609")
    assert spider.is_article_url(f"{BASE}/news/117609-a")
    assert crawler.stats.get_value("crawler/pages_not_article") == 3


def test_section_pages_are_not_articles(site) -> None:
    base = site.urls["arnapress"]
    for path in ("/category/society", "/page/about", "/"):
        got = extract_article(fetch(base, path)[2], base + path)
        assert not links.is_article_page(got), path


# -- whole crawls -----------------------------------------------------------------------------


def crawl(rep: Replica, db: Path, *extra: str):
    result = run_cli("crawl", "--db", str(db), *replica_args(rep), "--sources", "arnapress", *extra)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def arnapress_requests(rep: Replica, since: int) -> list[tuple[str, int]]:
    return [
        (path, status) for site, _m, path, status in rep.request_log[since:] if site == "arnapress"
    ]


def last_stats(db: Path) -> dict:
    import json

    conn = sqlite3.connect(db)
    try:
        row = conn.execute(
            "SELECT stats FROM crawl_runs WHERE spider = 'arnapress' ORDER BY id DESC LIMIT 1"
        ).fetchone()
    finally:
        conn.close()
    return json.loads(row[0])


@slow
def test_laravel_site_found_by_discovery_cheaply_and_incrementally(tmp_path: Path) -> None:
    db = tmp_path / "laravel.db"
    with Replica(articles=150, seed=7) as rep:
        crawl(rep, db)
        expected = {e.path: e for e in rep.arnapress.expected_articles()}
        conn = sqlite3.connect(db)
        rows = conn.execute("SELECT url, title, published_at, lang FROM articles").fetchall()
        right = sum(
            1
            for url, title, published, lang in rows
            if (e := expected.get(urlsplit(url).path))
            and (title, lang) == (e.title, e.lang)
            and parse_date(published) == e.published
        )
        assert right >= 0.95 * len(expected), (right, len(expected))
        assert len(rows) == len(expected)  # nothing but articles stored
        stats = last_stats(db)
        assert stats[STAT_REPORT] is None and stats[STAT_PARSED] >= 5
        hints = stats[STAT_MISSING_HINTS]
        assert {urlsplit(u).path for u in hints} == {
            "/sitemap.xml", "/ru/rss.xml", "/kz/rss.xml", "/ru/news", "/kz/news",
        }  # fmt: skip

        # Unchanged: robots.txt, the sitemap index, two homes and two feeds, all but
        # robots.txt answered 304; the 404 hints are remembered, not asked.
        mark = len(rep.request_log)
        crawl(rep, db)
        again = arnapress_requests(rep, mark)
        assert len(again) <= 8, again
        assert {status for path, status in again if path != "/robots.txt"} == {304}
        assert last_stats(db)[STAT_MISSING_HINTS] == hints  # still reported

        # Three new articles: those three, plus the two child sitemaps whose
        # <lastmod> moved (the news sitemap and the newest archive page).
        rep.set_articles(153)
        mark = len(rep.request_log)
        crawl(rep, db)
        grown = arnapress_requests(rep, mark)
        assert len(grown) <= len(again) + 3 + 2, grown
        paths = {e.path for e in rep.arnapress.expected_articles()[:3]}
        assert paths <= {path for path, _ in grown}
        stored = {urlsplit(u).path for (u,) in conn.execute("SELECT url FROM articles")}
        assert paths <= stored and len(stored) == 153
        conn.close()


@slow
def test_hints_are_asked_again_after_the_recheck_period(tmp_path: Path) -> None:
    db = tmp_path / "recheck.db"
    with Replica(articles=30, seed=8) as rep:
        crawl(rep, db)
        mark = len(rep.request_log)
        crawl(rep, db, "-s", "CRAWLER_HINT_RECHECK_HOURS=0")
        asked = {path for path, _ in arnapress_requests(rep, mark)}
    assert {"/sitemap.xml", "/ru/rss.xml", "/kz/news"} <= asked


@slow
def test_configured_profile_still_crawls_fully(tmp_path: Path) -> None:
    db = tmp_path / "configured.db"
    with Replica(articles=80, seed=9, profile="configured") as rep:
        crawl(rep, db)
        expected = {a.path: a for a in rep.corpus.arnapress_articles()}
        conn = sqlite3.connect(db)
        rows = conn.execute("SELECT url, title, published_at, lang FROM articles").fetchall()
        conn.close()
        assert {urlsplit(u).path for u, *_ in rows} == set(expected)
        assert all(
            (t, lang) == (expected[urlsplit(u).path].title, expected[urlsplit(u).path].lang)
            and parse_date(p) == expected[urlsplit(u).path].published
            for u, t, p, lang in rows
        )
        assert last_stats(db)[STAT_MISSING_HINTS] == []
        kinds = Counter(path.split("?")[0] for path, _ in arnapress_requests(rep, 0))
        assert kinds["/ru/rss.xml"] == kinds["/sitemap.xml"] == 1
