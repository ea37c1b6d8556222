"""Stage 5: write articles and mentions to SQLite in batched transactions."""

from __future__ import annotations

import time
from typing import Any, Self

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

from crawler.db import open_db
from crawler.storage import ARTICLE_COLUMNS, save_article


class StorePipeline:
    def __init__(
        self, stats: StatsCollector, db_path: str, batch_size: int, flush_seconds: float = 2.0
    ) -> None:
        self.stats = stats
        self.db_path = db_path
        self.batch_size = max(1, batch_size)
        self.flush_seconds = flush_seconds
        self.last_flush = time.monotonic()
        self.pending: list[tuple[dict[str, Any], list[dict[str, Any]], str]] = []
        self.db = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        return cls(
            crawler.stats, settings.get("CRAWLER_DB"), settings.getint("CRAWLER_STORE_BATCH")
        )

    def open_spider(self) -> None:
        self.db = open_db(self.db_path)

    def close_spider(self) -> None:
        self.flush()
        if self.db is not None:
            self.db.close()

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        record = {name: adapter.get(name) for name in ARTICLE_COLUMNS if name in adapter}
        extra = adapter.get("extra") or {}
        record["content_hash"] = extra.get("content_hash")
        record["body_hash"] = extra.get("body_hash")
        self.pending.append(
            (record, adapter.get("mentions") or [], extra.get("lexicon_version", ""))
        )
        due = time.monotonic() - self.last_flush >= self.flush_seconds
        if len(self.pending) >= self.batch_size or due:
            self.flush()
        return item

    def flush(self) -> None:
        """One transaction per batch: far fewer fsyncs than one per article."""
        if not self.pending or self.db is None:
            return
        with self.db.conn:
            for record, mentions, lexicon in self.pending:
                outcome = save_article(self.db, record, mentions, lexicon)
                self.stats.inc_value(f"crawler/items_{outcome}")
                if outcome != "unchanged":
                    self.stats.inc_value("crawler/mentions_stored", len(mentions))
        self.pending.clear()
        self.last_flush = time.monotonic()
