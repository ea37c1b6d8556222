"""Middlewares of a crawl through the shared queue.

* :class:`SharedStartMiddleware` runs the spider's start (discovery) only in the
  process that is the starter of the shared run.
* :class:`SharedOutcomeSpiderMiddleware` and :class:`SharedOutcomeDownloaderMiddleware`
  tell the scheduler when a request taken from the shared queue is settled, so it
  leaves ``inflight`` only once what it produced is safe in Redis: its page's
  outputs handed on (its item tagged, and released by the push stage or a drop), its
  page refused (HttpError, an exception in the callback) or its download failed
  for good. A retry or a redirect settles it too, in the scheduler, when the new
  request is queued in its place.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Self

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response

from crawler.items import ArticleItem
from crawler.run.shared_held import HELD, Held
from crawler.run.shared_scheduler import SharedScheduler


def shared_scheduler(crawler: Crawler) -> SharedScheduler | None:
    engine = crawler.engine
    scheduler = engine.scheduler if engine is not None else None
    return scheduler if isinstance(scheduler, SharedScheduler) else None


class _Middleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def held(self) -> Held | None:
        scheduler = shared_scheduler(self.crawler)
        return scheduler.held if scheduler is not None else None


class SharedStartMiddleware(_Middleware):
    """Only the starter runs ``start()``; the other processes take from the queue."""

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        scheduler = shared_scheduler(self.crawler)
        if scheduler is not None and not scheduler.run.starter:
            await start.aclose()
            return
        async for output in start:
            yield output


class SharedOutcomeSpiderMiddleware(_Middleware):
    async def process_spider_output(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        held = self.held()
        key = _key(response.request)
        if held is None or key is None:
            async for output in result:
                yield output
            return
        try:
            async for output in result:
                if isinstance(output, ArticleItem):
                    output.extra[HELD] = key
                    held.item_out(key)
                yield output
        finally:
            held.outputs_over(key)

    def process_spider_exception(self, response: Response, exception: Exception) -> None:
        held = self.held()
        if held is not None:
            held.outputs_over(_key(response.request))


class SharedOutcomeDownloaderMiddleware(_Middleware):
    """Outermost: an exception reaches it only when no retry took the request on."""

    def process_exception(self, request: Request, exception: Exception) -> None:
        held = self.held()
        if held is not None:
            held.failed(_key(request))


def _key(request: Request | None) -> str | None:
    return request.meta.get(HELD) if request is not None else None
