"""Stage 5: write articles and mentions to SQLite in batched transactions.

By default the writing happens in a child process (``crawler.writer``), so
the crawl keeps fetching meanwhile; ``CRAWLER_STORE_PROCESS = False`` writes
in the crawl's own process.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

from crawler import writer
from crawler.blocking import off_reactor
from crawler.db import open_db
from crawler.items import ARTICLE_COLUMNS, ArticleItem
from crawler.stories import StoryConfig
from crawler.writer import RETRIES_STAT, Batch, BatchWriter

logger = logging.getLogger(__name__)


class StorePipeline:
    def __init__(
        self,
        stats: StatsCollector,
        db_path: str,
        batch_size: int,
        flush_seconds: float = 2.0,
        stories: StoryConfig | None = None,
        in_process: bool = False,
    ) -> None:
        self.stats = stats
        self.db_path = db_path
        self.batch_size = max(1, batch_size)
        self.flush_seconds = flush_seconds
        self.stories = stories or StoryConfig()
        self.in_process = in_process
        self.last_flush = time.monotonic()
        self.pending: Batch = []
        self.writer: writer.StoreWriter | None = None
        self.tag = f"store-{id(self)}"
        self.crawler: Crawler | None = None
        self.batch_writer: BatchWriter | None = None  # in-process writing only

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        pipeline = cls(
            crawler.stats,
            settings.get("CRAWLER_DB"),
            settings.getint("CRAWLER_STORE_BATCH"),
            settings.getfloat("CRAWLER_STORE_FLUSH_SECONDS"),
            StoryConfig.from_settings(settings),
            in_process=not settings.getbool("CRAWLER_STORE_PROCESS"),
        )
        pipeline.crawler = crawler
        return pipeline

    def open_spider(self) -> None:
        # Migrate here, before a writer process opens the same file.
        if self.in_process:
            self.batch_writer = BatchWriter(self.db_path)
            self.batch_writer.connection()
        else:
            open_db(self.db_path).close()
            self.writer = writer.acquire(self.db_path)

    def close_spider(self) -> Any:
        """Write what is left; in a crawl the wait for the writer happens on a
        thread, so the crawl's other spiders keep the reactor."""
        self.flush()
        if self.batch_writer is not None:
            self.batch_writer.close()
        if self.writer is None:
            return None
        self.writer = None
        return off_reactor(self._release)

    def _release(self) -> None:
        self.count(writer.release(self.db_path, self.tag))

    def process_item(self, item: ArticleItem) -> ArticleItem:
        extra = item.extra
        # The hashes are the dedup stage's, in ``extra``; the other columns are fields.
        record = {name: getattr(item, name, None) for name in ARTICLE_COLUMNS}
        record["content_hash"] = extra.get("content_hash")
        record["body_hash"] = extra.get("body_hash")
        self.pending.append((record, item.mentions or [], extra.get("lexicon_version", "")))
        due = time.monotonic() - self.last_flush >= self.flush_seconds
        if len(self.pending) >= self.batch_size or due:
            self.flush()
        return item

    def flush(self) -> None:
        """Hand over the batch: one transaction per batch, far fewer commits."""
        if self.pending:
            if self.writer is not None:
                self.writer.submit(self.tag, self.stories, self.pending)
                self.count(self.writer.reports(self.tag))
            elif self.batch_writer is not None:
                self.count([("ok", self.batch_writer.write(self.stories, self.pending))])
            self.pending = []
        self.last_flush = time.monotonic()

    def count(self, reports: list[tuple[str, Any]]) -> None:
        for kind, value in reports:
            if kind == "ok":
                for name, number in Counter(value).items():
                    self.stats.inc_value(name, number)
                if value.get(RETRIES_STAT):
                    logger.warning("the database was locked; a batch was written on a retry")
            else:
                lost, trace = value
                self.stats.inc_value("crawler/items_not_stored", lost)
                # Tagged with the crawler so the run's error count includes it.
                logger.error(
                    "%d articles could not be stored:\n%s",
                    lost,
                    trace,
                    extra={"crawler": self.crawler},
                )
