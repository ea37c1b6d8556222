"""With ``--queue``: a crawl process sends its part of the run record to the store worker.

A crawl process through the shared queue has no database. It tells the store
worker when it joins a spider's shared run and, when it leaves, what it did (its
Scrapy stats, the finish reason, whether it saw the run end). The worker keeps one
``crawl_runs`` row per shared run and judges it when every process has left
(:mod:`crawler.store.shared_runs`).
"""

from __future__ import annotations

import logging
from typing import Any, Self

import redis
from scrapy import Spider, signals
from scrapy.crawler import Crawler

from crawler.extensions import SpiderErrorCounter
from crawler.run.shared_middlewares import shared_scheduler
from crawler.store.db import utc_now
from crawler.store.item_queue import JOINED, LEFT

logger = logging.getLogger(__name__)


class SharedRunRecorder:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.full = crawler.settings.getbool("CRAWLER_FULL")
        self.error_counter = SpiderErrorCounter(crawler)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider: Spider) -> None:
        logging.getLogger().addHandler(self.error_counter)
        scheduler = shared_scheduler(self.crawler)
        if scheduler is None:
            return
        self._send(
            {
                "type": JOINED,
                "spider": spider.name,
                "run": scheduler.run.run_id,
                "starter": scheduler.run.starter,
                "full": self.full,
                "at": utc_now(),
            }
        )

    def spider_closed(self, spider: Spider, reason: str) -> None:
        logging.getLogger().removeHandler(self.error_counter)
        scheduler = shared_scheduler(self.crawler)
        if scheduler is None:
            return
        stats: dict[str, Any] = {**self.crawler.stats.get_stats(), "finish_reason": reason}
        sent = self._send(
            {
                "type": LEFT,
                "spider": spider.name,
                "run": scheduler.run.run_id,
                "reason": reason,
                "ended": bool(stats.get("crawler/queue/ended_run")),
                "at": utc_now(),
                "stats": stats,
            }
        )
        if sent:
            # Only now: the worker counts a process without a lease as gone, and must
            # not judge the run before this message arrives.
            scheduler.run.drop_lease()

    def _send(self, message: dict[str, Any]) -> bool:
        scheduler = shared_scheduler(self.crawler)
        assert scheduler is not None
        try:
            scheduler.outbox.push(message)
        except redis.RedisError as exc:
            logger.error("the run record could not be sent to the shared queue: %s", exc)
            return False
        return True
