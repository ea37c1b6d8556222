"""Stage 5: write articles and mentions to SQLite in batched transactions.

The stage gathers a batch and hands it to the crawl's writer thread
(:mod:`crawler.store.writer`); when the writer is behind, the stage waits for room
on a thread, so the reactor goes on and the crawl slows down instead of
filling memory.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

from crawler.items import ARTICLE_COLUMNS, ArticleItem
from crawler.run.blocking import off_reactor
from crawler.store import writer
from crawler.store.db import open_db
from crawler.store.writer import RETRIES_STAT, Batch, Job, Outcome
from crawler.stories import StoryConfig

logger = logging.getLogger(__name__)

WRITER_FAILURES_STAT = "crawler/store_writer_failures"


def store_entry(item: ArticleItem) -> tuple[dict[str, Any], list[dict[str, Any]], str]:
    """What the store writes of an item: its ``articles`` columns, mentions and lexicon."""
    extra = item.extra
    # The hashes are the dedup stage's, in ``extra``; the other columns are fields.
    record = {name: getattr(item, name, None) for name in ARTICLE_COLUMNS}
    record["content_hash"] = extra.get("content_hash")
    record["body_hash"] = extra.get("body_hash")
    return record, item.mentions or [], extra.get("lexicon_version", "")


class StorePipeline:
    def __init__(
        self,
        stats: StatsCollector,
        db_path: str,
        batch_size: int,
        flush_seconds: float = 2.0,
        stories: StoryConfig | None = None,
    ) -> None:
        self.stats = stats
        self.db_path = db_path
        self.batch_size = max(1, batch_size)
        self.flush_seconds = flush_seconds
        self.stories = stories or StoryConfig()
        self.last_flush = time.monotonic()
        self.pending: Batch = []
        self.handed: list[Job] = []  # handed to the writer, outcome not counted yet
        self.writer: writer.StoreThread | None = None
        self.writer_failed = False
        self.crawler: Crawler | None = None
        self.waiting: asyncio.Future | None = None  # a batch waiting for room in the writer

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        pipeline = cls(
            crawler.stats,
            settings.get("CRAWLER_DB"),
            settings.getint("CRAWLER_STORE_BATCH"),
            settings.getfloat("CRAWLER_STORE_FLUSH_SECONDS"),
            StoryConfig.from_settings(settings),
        )
        pipeline.crawler = crawler
        return pipeline

    def open_spider(self) -> None:
        open_db(self.db_path).close()  # migrate now: a bad database fails the start
        self.writer = writer.acquire(self.db_path)

    def close_spider(self) -> Any:
        """Write what is left; in a crawl the wait for the writer happens on a
        thread, so the crawl's other spiders keep the reactor."""
        waiting = self.flush()
        if waiting is None:
            return off_reactor(self._finish)
        return self._finish_after(waiting)

    async def _finish_after(self, waiting: asyncio.Future) -> None:
        await waiting
        await asyncio.to_thread(self._finish)

    def _finish(self) -> None:
        if self.writer is None:
            return
        for job in self.handed:
            self.writer.wait(job)
        self.collect()
        writer.release(self.writer)
        self.writer = None

    def process_item(self, item: ArticleItem) -> Any:
        self.pending.append(store_entry(item))
        due = time.monotonic() - self.last_flush >= self.flush_seconds
        if len(self.pending) >= self.batch_size or due:
            waiting = self.flush()
            if waiting is not None:
                self.waiting = waiting
        # While the writer has no room every item waits, not only the one that
        # filled a batch: held items stop Scrapy from fetching more.
        if self.waiting is not None and not self.waiting.done():
            return self._item_after(self.waiting, item)
        return item

    async def _item_after(self, waiting: asyncio.Future, item: ArticleItem) -> ArticleItem:
        await waiting
        return item

    def flush(self) -> asyncio.Future | None:
        """Hand over the batch: one transaction per batch, far fewer commits.

        Returns what to await when the writer has no room (in a crawl)."""
        self.collect()
        self.last_flush = time.monotonic()
        if not self.pending or self.writer is None:
            return None
        job = Job(self.stories, self.pending)
        self.pending = []
        self.handed.append(job)
        if self.writer.try_submit(job):
            return None
        return off_reactor(self.writer.submit, job)

    def collect(self) -> None:
        """Count the outcomes of the batches written so far."""
        done = [job for job in self.handed if job.outcome is not None]
        self.handed = [job for job in self.handed if job.outcome is None]
        for job in done:
            assert job.outcome is not None
            self.count(job.outcome)

    def count(self, outcome: Outcome) -> None:
        for name, number in outcome.counts.items():
            self.stats.inc_value(name, number)
        if outcome.counts.get(RETRIES_STAT):
            logger.warning("the database was locked; a batch was written on a retry")
        if outcome.writer_failure and not self.writer_failed:
            self.writer_failed = True
            self.stats.inc_value(WRITER_FAILURES_STAT)
            logger.error(
                "the store writer thread failed; its batches were written by the crawl:\n%s",
                outcome.writer_failure,
                extra={"crawler": self.crawler},
            )
        for lost, trace in outcome.failures:
            self.stats.inc_value("crawler/items_not_stored", lost)
            # Tagged with the crawler so the run's error count includes it.
            logger.error(
                "%d articles could not be stored:\n%s", lost, trace, extra={"crawler": self.crawler}
            )
