"""What every source spider shares: its base URL, known articles, paging rule."""

from __future__ import annotations

import sqlite3
from typing import Any, ClassVar
from urllib.parse import urlsplit

import scrapy
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawler.urls import canonical_url


def known_urls(db_path: str, source: str) -> set[str]:
    """Canonical URLs of the articles of ``source`` already in the database."""
    try:
        conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    except sqlite3.OperationalError:
        return set()  # no database yet: nothing is known
    try:
        rows = conn.execute("SELECT url FROM articles WHERE source = ?", (source,))
        return {row[0] for row in rows}
    except sqlite3.OperationalError:
        return set()  # database not migrated yet
    finally:
        conn.close()


class SourceSpider(scrapy.Spider):
    """Base for our spiders; subclasses name the setting holding their base URL."""

    url_setting: ClassVar[str]

    base_url: str
    full: bool
    refetch: bool
    known: set[str]

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> SourceSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.configure(crawler)
        return spider

    def configure(self, crawler: Crawler) -> None:
        settings = crawler.settings
        base = (settings.get(self.url_setting) or "").strip().rstrip("/")
        parts = urlsplit(base)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise NotConfigured(f"{self.url_setting} must be an http(s) URL, got {base!r}")
        self.base_url = base
        # Scrapy's OffsiteMiddleware keeps the crawl on the configured site.
        self.allowed_domains = [parts.hostname]
        self.full = settings.getbool("CRAWLER_FULL") or _truthy(getattr(self, "full", False))
        self.refetch = settings.getbool("CRAWLER_REFETCH")
        self.overlap_pages = settings.getint("CRAWLER_OVERLAP_PAGES")
        self.known = set() if self.refetch else known_urls(settings.get("CRAWLER_DB"), self.name)

    def is_known(self, url: str) -> bool:
        return canonical_url(url) in self.known

    def keep_paging(self, new_on_page: int, items_on_page: int, quiet_pages: int) -> bool:
        """Whether to read the next listing page.

        Incremental runs stop once ``overlap_pages`` pages in a row held only
        known articles; ``--full`` reads to the end of the archive.
        """
        if items_on_page == 0:
            return False
        if self.full:
            return True
        return new_on_page > 0 or quiet_pages <= self.overlap_pages


def _truthy(value: Any) -> bool:
    return str(value).lower() in ("1", "true", "yes", "on")
