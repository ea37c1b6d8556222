"""Links leaving the site: off-site, look-alike, protocol-relative, javascript: and data:
links in listings, RSS, sitemaps and robots.txt are not followed; OffsiteMiddleware is on."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import TextResponse
from scrapy.utils.test import get_crawler

from crawler.run.runner import project_settings
from tests.hostile import BASE, ArnapressSpider, html_response

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
