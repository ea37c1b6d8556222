"""Stage 3: one article per canonical URL, and no second copy of an identical
body under another URL of the same source."""

from __future__ import annotations

import hashlib
import sqlite3
from typing import Self

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.statscollectors import StatsCollector

from crawler.items import ArticleItem
from crawler.store.digests import DigestSet, digest64
from crawler.text.urls import canonical_url


def text_hash(*parts: str | None) -> str:
    return hashlib.sha1("\n".join(p or "" for p in parts).encode()).hexdigest()


class DedupPipeline:
    def __init__(self, stats: StatsCollector, db_path: str | None) -> None:
        self.stats = stats
        self.db_path = db_path
        # 64-bit digests in compact sets, not the strings: a large backfill
        # grows this run's memory by 16 bytes an article.
        self.seen_urls = DigestSet()
        self.seen_bodies = DigestSet()
        self.conn: sqlite3.Connection | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        # Through the shared queue the crawl has no database: the store worker
        # compares bodies with the stored articles (crawler/store/queue_worker.py).
        db_path = None if settings.get("CRAWLER_QUEUE") else settings.get("CRAWLER_DB")
        return cls(crawler.stats, db_path)

    def open_spider(self) -> None:
        if self.db_path is None:
            return
        try:
            self.conn = sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True)
            self.conn.execute("SELECT body_hash FROM articles LIMIT 0")
        except sqlite3.OperationalError:
            self.conn = None  # no database yet: only this run's items count

    def close_spider(self) -> None:
        if self.conn is not None:
            self.conn.close()

    def process_item(self, item: ArticleItem) -> ArticleItem:
        url = item.url = canonical_url(item.url)
        url_key = digest64(url)
        if not self.seen_urls.add(url_key):
            self.stats.inc_value("crawler/dropped/duplicate_url")
            raise DropItem(f"already seen in this run: {url}")
        body_hash = item.extra["body_hash"] = text_hash(item.body)
        item.extra["content_hash"] = text_hash(item.title, item.body)
        body_key = digest64(f"{item.source}\n{body_hash}")
        other = (
            "an earlier article of this run"
            if body_key in self.seen_bodies
            else self.stored_url_with_body(item.source, body_hash, url)
        )
        if other:
            self.stats.inc_value("crawler/dropped/duplicate_body")
            raise DropItem(f"same body as {other}: {url}")
        self.seen_bodies.add(body_key)
        return item

    def stored_url_with_body(self, source: str, body_hash: str, url: str) -> str | None:
        if self.conn is None:
            return None
        row = self.conn.execute(
            "SELECT url FROM articles WHERE source = ? AND body_hash = ? AND url != ? LIMIT 1",
            (source, body_hash, url),
        ).fetchone()
        return row[0] if row else None
