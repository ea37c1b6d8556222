"""Hostile input: arbitrary text, JSON and HTML never crash the job, are stored
as given, are never executed in Datasette or emails, and never lead the crawl
off the configured site."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import unicodedata
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from scrapy import Request
from scrapy.exceptions import DropItem, IgnoreRequest
from scrapy.http import HtmlResponse, TextResponse
from scrapy.utils.test import get_crawler

from crawler.alerts import Batch, render_message
from crawler.alerts.render import HealthEntry, Outlet, StoryEntry
from crawler.datasette import make_datasette
from crawler.items import ArticleItem
from crawler.run.runner import project_settings
from crawler.spiders.akimat import AkimatSpider, article_from_api
from crawler.spiders.arnapress import ArnapressSpider
from crawler.spiders.govkz import real_lang
from crawler.store.db import open_db
from crawler.store.storage import save_article
from crawler.text.mentions import default_detector
from pipelines.dedup import DedupPipeline
from pipelines.mentions import MentionsPipeline
from pipelines.normalise import INVISIBLE, NormalisePipeline, normalise_article, normalise_text
from pipelines.store import StorePipeline
from pipelines.validate import ValidatePipeline

BASE = "https://arnapress.kz"
PAYLOADS = (
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(2)>",
    '"><svg onload=alert(3)>',
)
RAW_TAGS = ("<script>alert(1)", "<img src=x", "<svg onload")
HOSTILE = " ".join(PAYLOADS)

# Words the detector knows, glued with the characters that break offset arithmetic.
CRAFT_PIECES = [
    "Всемирный город ремёсел", "Всемирного города ремесел", "ремесленники", "РЕМЁСЛА",
    "қолөнер", "Дүниежүзілік қолөнер қаласы", "World Craft City", "craftspeople",
    "World Crafts Council", "\u0301", "\u00ad", "\u200b", "İ", "ß", "ﬁ", "Ё", "😀", "\n",
    " ", ".", "«", "»", "-", "<b>", "&amp;",
]  # fmt: skip
texts = st.one_of(
    st.text(max_size=400),
    st.lists(st.sampled_from(CRAFT_PIECES), max_size=40).map("".join),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)
api_objects = st.fixed_dictionaries(
    {},
    optional={
        key: st.one_of(json_values, texts)
        for key in ("id", "title", "body", "created_date", "lang")
    },
)


# --- normalisation ---------------------------------------------------------------------
@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300), st.booleans())
@example("e\u200b\u0301 ремесло", False)  # an invisible character kept the accent apart
def test_normalise_text_is_clean_and_idempotent(text: str, single_line: bool) -> None:
    out = normalise_text(text, single_line=single_line)
    assert unicodedata.is_normalized("NFC", out)
    assert not INVISIBLE.search(out) and "\r" not in out
    assert out == out.strip()
    assert normalise_text(out, single_line=single_line) == out
    if single_line:
        assert "\n" not in out
    else:
        assert "\n\n\n" not in out


@settings(max_examples=150, deadline=None)
@given(
    title=st.one_of(st.none(), texts),
    body=st.one_of(st.none(), texts),
    body_html=st.one_of(st.none(), texts),
    lang=st.one_of(st.none(), st.text(max_size=8)),
    published=st.one_of(st.none(), st.text(max_size=40)),
    author=st.one_of(st.none(), texts),
)
def test_normalise_article_takes_anything(title, body, body_html, lang, published, author):
    item = ArticleItem(
        source="arnapress",
        url=f"{BASE}/ru/news/1",
        title=title,
        body=body,
        body_html=body_html,
        lang=lang,
        published=published,
        author=author,
    )
    normalise_article(item)
    assert item.title is None or (item.title and "\n" not in item.title)
    assert item.body is None or item.body == normalise_text(item.body)
    assert item.lang is None or isinstance(item.lang, str)
    if item.published_at is not None:
        assert datetime.fromisoformat(item.published_at).tzinfo is not None


# --- the akimat API ---------------------------------------------------------------------
@settings(max_examples=200, deadline=None)
@given(api_objects)
def test_article_from_api_maps_any_json(data: dict) -> None:
    item = article_from_api(data, "ru", f"{BASE}/x?lang=ru")
    for name in ("title", "body_html", "published", "source_id"):
        value = getattr(item, name)
        assert value is None or (isinstance(value, str) and value.strip())
    normalise_article(item)


@pytest.fixture(scope="module")
def akimat_spider(tmp_path_factory) -> AkimatSpider:
    db = tmp_path_factory.mktemp("akimat") / "a.db"
    crawler = get_crawler(
        AkimatSpider,
        {"CRAWLER_DB": str(db), "CRAWLER_AKIMAT_URL": "https://www.gov.kz"},
    )
    return AkimatSpider.from_crawler(crawler)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=api_objects, lang=st.sampled_from(["ru", "kk", "en"]))
def test_akimat_item_of_any_json_stays_on_site_and_keeps_its_language(
    akimat_spider: AkimatSpider, data: dict, lang: str
) -> None:
    url = "https://www.gov.kz/api/v1/public/content-manager/news/1"
    response = TextResponse(
        url, body=json.dumps(data).encode(), encoding="utf-8", request=Request(url)
    )
    for item in akimat_spider.parse_item(response, lang=lang):
        if isinstance(item, Request):  # a retry of the broken body
            continue
        parts = urlsplit(item.url)
        assert parts.scheme == "https" and parts.hostname == "gov.kz"
        # The language asked, unless the text is plainly in another one.
        assert parse_qs(parts.query)["lang"] == [real_lang(data, lang)]


# --- the whole item pipeline ------------------------------------------------------------
@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    db = tmp_path_factory.mktemp("chain") / "chain.db"
    crawler = get_crawler(settings_dict={"CRAWLER_DB": str(db), "CRAWLER_STORE_BATCH": 1})
    crawler.stats.open_spider()
    stages = [
        ValidatePipeline.from_crawler(crawler),
        NormalisePipeline.from_crawler(crawler),
        DedupPipeline.from_crawler(crawler),
        MentionsPipeline(),
        StorePipeline.from_crawler(crawler),
    ]
    for stage in stages:
        if hasattr(stage, "open_spider"):
            stage.open_spider()
    yield stages
    for stage in stages:
        if hasattr(stage, "close_spider"):
            stage.close_spider()


urls = st.one_of(
    st.text(max_size=60),
    st.text(max_size=40).map(lambda path: f"{BASE}/ru/news/{path}"),
    st.sampled_from(
        [
            "javascript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "http://[evil/x",
            "https://arnapress.kz:99999/x",
            "//evil.example/path",
            f"{BASE}/ru/news/1?utm_source=x#frag",
        ]
    ),
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(title=texts, body=st.one_of(texts, st.just(HOSTILE)), url=urls)
def test_pipeline_chain_drops_or_stores_exactly(chain, title: str, body: str, url: str) -> None:
    item = ArticleItem(source="arnapress", url=url, title=title, body=body, lang=None)
    try:
        for stage in chain:
            item = stage.process_item(item)
    except DropItem:
        return
    store = chain[-1]
    for job in store.handed:  # written by the writer thread
        store.writer.wait(job)
    db = sqlite3.connect(store.db_path)
    row = db.execute(
        "SELECT id, url, title, body FROM articles WHERE url = ?", [item.url]
    ).fetchone()
    assert row is not None
    assert urlsplit(row[1]).scheme in ("http", "https") and urlsplit(row[1]).hostname
    assert (row[2], row[3]) == (item.title, item.body)
    fields = {"title": row[2], "body": row[3]}
    for start, end, text, field in db.execute(
        'SELECT start, "end", text, field FROM mentions WHERE article_id = ?', [row[0]]
    ):
        assert fields[field][start:end] == text
    db.close()


# --- mentions -----------------------------------------------------------------------------
@settings(max_examples=300, deadline=None)
@given(title=texts, body=texts)
def test_mention_offsets_point_at_the_words(title: str, body: str) -> None:
    detector = default_detector()
    for text in (title, body):
        found = detector.find(text)
        ends = 0
        for mention in found:
            assert ends <= mention.start < mention.end <= len(text)
            assert text[mention.start : mention.end] == mention.text
            ends = mention.end
    for mention in detector.find_in_article(title, body):
        text = title if mention.field == "title" else body
        assert text[mention.start : mention.end] == mention.text


# --- extraction through the spider ----------------------------------------------------
@pytest.fixture(scope="module")
def arnapress(tmp_path_factory) -> ArnapressSpider:
    db = tmp_path_factory.mktemp("arnapress") / "a.db"
    crawler = get_crawler(ArnapressSpider, {"CRAWLER_DB": str(db), "CRAWLER_ARNAPRESS_URL": BASE})
    return ArnapressSpider.from_crawler(crawler)


def html_response(url: str, body: str | bytes) -> HtmlResponse:
    data = body.encode() if isinstance(body, str) else body
    return HtmlResponse(url, body=data, encoding="utf-8", request=Request(url))


@pytest.mark.parametrize(
    "page",
    [
        "<div>" * 30_000 + "<p>Глубоко вложенный текст о ремёслах.</p>" + "</div>" * 30_000,
        '<html><body><h1 title="' + "x" * 3_000_000 + '">Заголовок</h1>'
        '<a href="' + "/ru/news/" * 300_000 + '">ссылка</a>'
        "<p>" + "Текст абзаца о мастерах. " * 20 + "</p></body></html>",
        "<html><head><link rel=canonical href='http://[evil/x'>"
        "<meta property='og:url' content='https://evil.example/ru/news/9'></head>"
        "<body><h1>Заголовок</h1><p>" + "Текст абзаца. " * 30 + "</p></body></html>",
    ],
    ids=["deeply-nested", "huge-attributes", "hostile-canonical"],
)
def test_parse_article_survives_hostile_pages(arnapress: ArnapressSpider, page: str) -> None:
    url = f"{BASE}/ru/news/5-x"
    items = list(arnapress.parse_article(html_response(url, page)))
    assert len(items) == 1
    assert items[0].url == url  # an off-site or broken canonical never replaces the URL


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.sampled_from(["<div>", "</div>", "<p>", "</p>", "<h1>", "</h1>", "<article>", "<time "])
        | st.text(max_size=30)
        | st.sampled_from(PAYLOADS),
        max_size=80,
    )
)
def test_parse_article_on_tag_soup(arnapress: ArnapressSpider, parts: list[str]) -> None:
    items = list(arnapress.parse_article(html_response(f"{BASE}/ru/news/5-x", "".join(parts))))
    assert len(items) == 1 and items[0].url == f"{BASE}/ru/news/5-x"


# --- links leaving the site -----------------------------------------------------------
OFF_SITE = [
    "https://evil.example/ru/news/1-a",
    "https://arnapress.kz.evil.example/ru/news/2-b",
    "//evil.example/ru/news/3-c",
    "javascript:alert(1)//ru/news/4-d",
    "data:text/html,<script>alert(1)</script>/ru/news/5-e",
    "https://arnapress.kz@evil.example/ru/news/6-f",
    "http://[evil/ru/news/7-g",
    "https://evilarnapress.kz/ru/news/8-h",
]
ON_SITE = "/ru/news/100-ok"


def assert_stays_on_site(requests: list) -> None:
    hosts = {urlsplit(r.url).hostname for r in requests}
    assert hosts == {"arnapress.kz"}, hosts
    assert f"{BASE}{ON_SITE}" in {r.url for r in requests}


def test_listing_links_never_leave_the_site(arnapress: ArnapressSpider) -> None:
    cards = "".join(
        f'<article class="news-card"><a class="news-card__link" href="{href}">x</a></article>'
        for href in [*OFF_SITE, ON_SITE]
    )
    page = (
        f'<html><body>{cards}<a rel="next" href="//evil.example/ru/news?page=2">»</a></body></html>'
    )
    requests = list(arnapress.parse_listing(html_response(f"{BASE}/ru/news", page), 0))
    assert_stays_on_site(requests)
    assert not any("page=2" in r.url for r in requests)


def test_broken_next_link_does_not_lose_the_page(arnapress: ArnapressSpider) -> None:
    page = (
        f'<html><body><a href="{ON_SITE}">ok</a>'
        '<a rel="next" href="http://[evil/ru/news?page=2">»</a></body></html>'
    )
    requests = list(arnapress.parse_listing(html_response(f"{BASE}/ru/news", page), 0))
    assert [r.url for r in requests] == [f"{BASE}{ON_SITE}"]


def test_rss_links_never_leave_the_site(arnapress: ArnapressSpider) -> None:
    items = "".join(
        f"<item><title>t</title><link><![CDATA[{href}]]></link></item>"
        for href in [*OFF_SITE, f"{BASE}{ON_SITE}"]
    )
    rss = f'<?xml version="1.0"?><rss version="2.0"><channel>{items}</channel></rss>'
    url = f"{BASE}/ru/rss.xml"
    response = TextResponse(url, body=rss.encode(), encoding="utf-8", request=Request(url))
    assert_stays_on_site(list(arnapress.parse_feed(response)))


def test_sitemaps_and_robots_never_leave_the_site(arnapress: ArnapressSpider) -> None:
    ns = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
    locs = "".join(f"<url><loc>{h.replace('&', '&amp;')}</loc></url>" for h in OFF_SITE)
    sitemap = (
        f'<?xml version="1.0"?><urlset {ns}>{locs}<url><loc>{BASE}{ON_SITE}</loc></url></urlset>'
    )
    url = f"{BASE}/sitemap.xml"
    requests = list(arnapress.parse_sitemap(_xml(url, sitemap)))
    assert_stays_on_site(requests)

    index = (
        f'<?xml version="1.0"?><sitemapindex {ns}>'
        "<sitemap><loc>https://evil.example/sitemap.xml</loc></sitemap>"
        "<sitemap><loc>https://arnapress.kz.evil.example/sitemap.xml</loc></sitemap>"
        f"<sitemap><loc>{BASE}/sitemap-2.xml</loc></sitemap></sitemapindex>"
    )
    found = [r.url for r in arnapress.parse_sitemap(_xml(url, index))]
    assert found == [f"{BASE}/sitemap-2.xml"]

    robots = (
        "User-agent: *\nSitemap: https://evil.example/sitemap.xml\n"
        "Sitemap: //evil.example/s.xml\nSitemap: http://[evil/s.xml\n"
        f"Sitemap: {BASE}/sitemap-3.xml\n"
    )
    robots_url = f"{BASE}/robots.txt"
    response = TextResponse(
        robots_url, body=robots.encode(), encoding="utf-8", request=Request(robots_url)
    )
    assert [r.url for r in arnapress.parse_robots(response)] == [f"{BASE}/sitemap-3.xml"]


def _xml(url: str, text: str) -> TextResponse:
    return TextResponse(url, body=text.encode(), encoding="utf-8", request=Request(url))


def test_offsite_middleware_is_on_and_keeps_the_crawl_home(tmp_path: Path) -> None:
    settings = project_settings()
    path = "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware"
    assert settings.getwithbase("DOWNLOADER_MIDDLEWARES").get(path) is not None
    crawler = get_crawler(
        ArnapressSpider,
        {
            "CRAWLER_DB": str(tmp_path / "o.db"),
            "CRAWLER_ARNAPRESS_URL": "http://127.0.0.1:8123",
        },
    )
    spider = ArnapressSpider.from_crawler(crawler)
    assert spider.allowed_domains == ["127.0.0.1"]
    from scrapy.downloadermiddlewares.offsite import OffsiteMiddleware

    crawler.spider = spider
    middleware = OffsiteMiddleware.from_crawler(crawler)
    middleware.spider_opened(spider)
    middleware.process_request(Request("http://127.0.0.1:8123/ru/news/1"))
    for url in ("https://evil.example/ru/news/1", "http://127.0.0.1.evil.example/x"):
        with pytest.raises(IgnoreRequest):
            middleware.process_request(Request(url))


# --- Datasette and email never run article HTML ----------------------------------------
@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("xss") / "crafts.db"
    db = open_db(path)
    body = f"Мастера ремёсел собрались. {HOSTILE} Ремесленники рады."
    with db.conn:
        for n, url in enumerate([f"{BASE}/ru/news/1-x", "javascript:alert(4)"], start=1):
            record = {
                "source": "arnapress",
                "url": url,
                "lang": "ru",
                "title": f"Ремёсла {HOSTILE} {n}",
                "body": body,
                "author": HOSTILE,
                "published_at": f"2025-11-0{n}T05:00:00Z",
                "content_hash": str(n),
            }
            mentions = [
                {
                    "category": "crafts",
                    "term": "ремесло",
                    "text": "ремёсел",
                    "start": body.find("ремёсел"),
                    "end": body.find("ремёсел") + 7,
                    "snippet": body,
                }
            ]
            save_article(db, record, mentions, "test")
    db.close()
    return path


@pytest.mark.parametrize(
    "page",
    [
        "/crafts/articles",
        "/crafts/articles/1",
        "/crafts/articles/2",
        "/crafts/latest_mentions",
        "/crafts/search?q=ремёсла",
        "/crafts/articles?_search=ремёсла",
        "/crafts/mentions",
        "/-/feeds/mentions.atom",
    ],
)
def test_datasette_pages_escape_article_html(hostile_db: Path, page: str) -> None:
    ds = make_datasette(hostile_db)

    async def fetch():
        await ds.invoke_startup()
        return await ds.client.get(page)

    response = asyncio.run(fetch())
    assert response.status_code == 200, response.text[:300]
    html = response.text
    for raw in RAW_TAGS:
        assert raw not in html, (page, raw)
    assert 'href="javascript:' not in html
    if page != "/crafts/mentions":
        assert "&lt;script&gt;alert(1)" in html  # the text is shown, escaped


def test_alert_email_escapes_article_html() -> None:
    story = StoryEntry(
        story_id=1,
        title=f"Ремёсла {HOSTILE}",
        source=HOSTILE,
        lang=PAYLOADS[1],
        url=f'{BASE}/ru/news/1"><script>alert(1)</script>',
        published_at=None,
        snippet=f"Мастера ремёсел {HOSTILE} собрались.",
        highlight=PAYLOADS[0],
        categories=("crafts", PAYLOADS[2]),
        other_outlets=(Outlet(HOSTILE, PAYLOADS[1], f'{BASE}/kz/news/1"><svg onload=alert(3)>'),),
        datasette_url='https://data.example.kz/"><img src=x onerror=alert(2)>',
    )
    batch = Batch(
        recipient="a@example.kz",
        name=HOSTILE,
        mode="immediate",
        alert_ids=(1,),
        stories=(story,),
        health=(HealthEntry(HOSTILE, HOSTILE, datetime(2026, 1, 1, tzinfo=UTC)),),
    )
    msg = render_message(batch, sender="alerts@example.kz", now=datetime(2026, 1, 1, tzinfo=UTC))
    html = msg.get_body(("html",)).get_content()
    for raw in RAW_TAGS:
        assert raw not in html, raw
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<mark>&lt;script&gt;alert(1)&lt;/script&gt;</mark>" in html  # highlighted, inert
    for header in ("Subject", "To"):
        assert "\n" not in str(msg[header])
