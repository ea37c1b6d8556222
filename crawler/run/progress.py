"""Live progress on stderr while attached to a terminal (quiet under cron)."""

from __future__ import annotations

import sys
import time
from typing import Self

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.utils.asyncio import create_looping_call

INTERVAL = 2.0


def progress_line(spider: str, pages: int, items: int, seconds: float) -> str:
    rate = items / seconds if seconds > 0 else 0.0
    return f"{spider}: {pages} pages, {items} items, {rate:.1f} items/s"


class ProgressReporter:
    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats
        self.task = None
        self.started = 0.0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("CRAWLER_PROGRESS"):
            raise NotConfigured
        reporter = cls(crawler)
        crawler.signals.connect(reporter.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(reporter.spider_closed, signal=signals.spider_closed)
        return reporter

    def spider_opened(self, spider: Spider) -> None:
        self.started = time.monotonic()
        self.task = create_looping_call(self.show, spider)
        self.task.start(INTERVAL, now=False)

    def show(self, spider: Spider) -> None:
        line = progress_line(
            spider.name,
            self.stats.get_value("response_received_count", 0),
            self.stats.get_value("item_scraped_count", 0),
            time.monotonic() - self.started,
        )
        print(line, file=sys.stderr, flush=True)

    def spider_closed(self, spider: Spider) -> None:
        if self.task is not None and self.task.running:
            self.task.stop()
