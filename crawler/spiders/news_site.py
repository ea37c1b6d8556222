"""Shared crawling for HTML news sites described by a source config.

Discovery: RSS/Atom feeds and paginated listings on every run, sitemaps
(found in the config and in robots.txt) when backfilling with ``--full``.
Articles go through the extraction chain: metadata, declared selectors,
then the generic fallback.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, ClassVar
from urllib.parse import urlsplit

import scrapy
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse
from scrapy.utils.sitemap import Sitemap

from crawler.db import utc_now
from crawler.extraction import Extracted, extract_article, load_rules
from crawler.items import ArticleItem
from crawler.source_config import load_source_config
from crawler.spiders.base import SourceSpider, next_quiet_pages
from crawler.urls import canonical_url, join_url, same_site

FEED_LINKS = (
    "//*[local-name()='item']/*[local-name()='link']/text()",
    "//*[local-name()='entry']/*[local-name()='link']/@href",
)


class NewsSiteSpider(SourceSpider):
    """Base for HTML sources; a subclass sets ``name``, ``url_setting`` and ``source_config``."""

    source_config: ClassVar[str]

    def configure(self, crawler: Crawler) -> None:
        super().configure(crawler)
        discovery = load_source_config(self.source_config)["discovery"]
        self.sitemaps: list[str] = discovery.get("sitemaps", [])
        self.feed_paths: list[str] = discovery.get("feeds", [])
        self.listings: list[dict[str, str]] = discovery.get("listings", [])
        self.next_page_selectors: list[str] = discovery.get("next_page", [])
        self.listing_link_selectors: list[str] = discovery.get("listing_links", [])
        self.article_path = re.compile(discovery["article_url"])
        self.rules = load_rules(self.source_config)

    # --- discovery -------------------------------------------------------------
    def discovery_requests(self) -> Iterator[scrapy.Request]:
        if self.full:
            yield scrapy.Request(f"{self.base_url}/robots.txt", callback=self.parse_robots)
            for path in self.sitemaps:
                yield scrapy.Request(self.absolute(path), callback=self.parse_sitemap)
        for path in self.feed_paths:
            yield self.feed_request(self.absolute(path), callback=self.parse_feed)
        for listing in self.listings:
            yield self.feed_request(
                self.absolute(listing["url"]),
                callback=self.parse_listing,
                cb_kwargs={"quiet_pages": 0},
            )

    async def start(self):  # type: ignore[override]
        for request in self.discovery_requests():
            yield request

    def absolute(self, path: str) -> str:
        return path if "://" in path else f"{self.base_url}{path}"

    def is_article_url(self, url: str) -> bool:
        return same_site(url, self.base_url) and bool(self.article_path.search(urlsplit(url).path))

    def article_request(self, url: str) -> scrapy.Request | None:
        if not self.is_article_url(url) or self.is_known(url):
            return None
        return scrapy.Request(url, callback=self.parse_article, priority=self.ARTICLE_PRIORITY)

    def parse_robots(self, response: Response) -> Iterator[scrapy.Request]:
        if not isinstance(response, TextResponse):
            return
        # Read here rather than with Scrapy's helper, which stops at the first
        # unreadable URL ("http://[x") and loses the sitemaps listed after it.
        for line in response.text.splitlines():
            name, _, value = line.partition(":")
            if name.strip().lower() != "sitemap":
                continue
            url = join_url(response.url, value)
            if url and same_site(url, self.base_url):
                yield scrapy.Request(url, callback=self.parse_sitemap)

    def parse_sitemap(self, response: Response) -> Iterator[scrapy.Request]:
        try:
            sitemap = Sitemap(response.body)
        except Exception:  # lxml raises several kinds on broken XML
            self.logger.warning("Unreadable sitemap %s", response.url)
            self.crawler.stats.inc_value("crawler/errors/bad_sitemap")
            return
        for entry in sitemap:
            loc = entry.get("loc")
            if not loc:
                continue
            if sitemap.type == "sitemapindex":
                if same_site(loc, self.base_url):
                    yield scrapy.Request(loc, callback=self.parse_sitemap)
            elif request := self.article_request(loc):
                yield request

    def parse_feed(self, response: Response) -> Iterator[scrapy.Request]:
        if not self.feed_changed(response) or not isinstance(response, TextResponse):
            return
        for xpath in FEED_LINKS:
            for link in response.xpath(xpath).getall():
                url = join_url(response.url, link)
                if url and (request := self.article_request(url)):
                    yield request

    def parse_listing(self, response: Response, quiet_pages: int) -> Iterator[scrapy.Request]:
        """Queue unknown articles of one listing page, then maybe the next page."""
        if not self.feed_changed(response) or not isinstance(response, TextResponse):
            return
        links = self.first_match(response, self.listing_link_selectors)
        urls = dict.fromkeys(join_url(response.url, link) for link in links)
        articles = [url for url in urls if url and self.is_article_url(url)]
        new = 0
        for url in articles:
            if request := self.article_request(url):
                new += 1
                yield request
        quiet_pages = next_quiet_pages(quiet_pages, new, len(articles))
        next_links = self.first_match(response, self.next_page_selectors)
        next_url = join_url(response.url, next_links[0]) if next_links else None
        # Only pages of this site: a hostile "next" link must not lead the crawl away.
        if (
            next_url
            and same_site(next_url, self.base_url)
            and self.keep_paging(new, len(articles), quiet_pages)
        ):
            yield scrapy.Request(
                next_url, callback=self.parse_listing, cb_kwargs={"quiet_pages": quiet_pages}
            )

    @staticmethod
    def first_match(response: TextResponse, selectors: list[str]) -> list[str]:
        """Results of the first declared selector that finds anything."""
        for selector in selectors:
            query = response.xpath if selector.startswith(("/", "(")) else response.css
            found = [value.strip() for value in query(selector).getall() if value.strip()]
            if found:
                return found
        return []

    # --- articles --------------------------------------------------------------
    def parse_article(self, response: Response) -> Iterator[Any]:
        if not isinstance(response, TextResponse):
            self.crawler.stats.inc_value("crawler/errors/not_text")
            return
        extracted = extract_article(response.body, response.url, self.rules)
        url = response.url
        if extracted.canonical_url and same_site(extracted.canonical_url, self.base_url):
            url = extracted.canonical_url
        yield article_from_page(self.name, url, extracted)


def article_from_page(source: str, url: str, extracted: Extracted) -> ArticleItem:
    """An article item from what the extraction chain found on a page."""
    return ArticleItem(
        source=source,
        url=canonical_url(url),
        title=extracted.title,
        body=extracted.body,
        lang=extracted.lang,
        published=extracted.published,
        author=extracted.author,
        extraction=",".join(f"{k}:{v}" for k, v in sorted(extracted.methods.items())),
        fetched_at=utc_now(),
    )
