"""What ``--queue`` (or the setting ``CRAWLER_QUEUE``) changes in a crawl's settings.

An add-on (``ADDONS`` in crawler/settings.py), so ``scrapy crawl`` with
``-s CRAWLER_QUEUE=redis://…`` crawls through the shared queue too.
"""

from __future__ import annotations

from typing import Any

from scrapy.settings import SETTINGS_PRIORITIES, BaseSettings

STORE_STAGE = "pipelines.store.StorePipeline"
PUSH_STAGE = "pipelines.push.PushPipeline"
RECORDER = "crawler.extensions.CrawlRunRecorder"
SHARED_RECORDER = "crawler.run.shared_recorder.SharedRunRecorder"
SHARED = "crawler.run.shared_middlewares"


class SharedQueueAddon:
    def update_settings(self, settings: BaseSettings) -> None:
        if settings.get("CRAWLER_QUEUE"):
            use_shared_queue(settings)


def use_shared_queue(settings: BaseSettings) -> None:
    """Crawl through the shared queue named by ``CRAWLER_QUEUE``: scrapy-redis' scheduler
    and duplicate filter (adapted), items and run records to the store worker."""
    _set(settings, "SCHEDULER", "crawler.run.shared_scheduler.SharedScheduler")
    _set(settings, "DUPEFILTER_CLASS", "crawler.run.shared_dupefilter.SharedDupeFilter")
    # scrapy-redis' own names, for anything of it that reads them.
    _set(settings, "REDIS_URL", settings.get("CRAWLER_QUEUE"))
    _set(settings, "SCHEDULER_PERSIST", True)
    _set(settings, "SCHEDULER_QUEUE_CLASS", "crawler.run.shared_scheduler.SharedQueue")
    _swap(settings, "ITEM_PIPELINES", STORE_STAGE, PUSH_STAGE)
    _swap(settings, "EXTENSIONS", RECORDER, SHARED_RECORDER)
    spider_mws = settings.getdict("SPIDER_MIDDLEWARES")
    # Innermost (nearest the spider): sees each callback's own output.
    spider_mws[f"{SHARED}.SharedOutcomeSpiderMiddleware"] = 1000
    spider_mws[f"{SHARED}.SharedStartMiddleware"] = 1000
    _set(settings, "SPIDER_MIDDLEWARES", spider_mws)
    downloader_mws = settings.getdict("DOWNLOADER_MIDDLEWARES")
    # Outermost: an exception reaches it only when no retry took the request on.
    downloader_mws[f"{SHARED}.SharedOutcomeDownloaderMiddleware"] = 10
    _set(settings, "DOWNLOADER_MIDDLEWARES", downloader_mws)


def _set(settings: BaseSettings, name: str, value: Any) -> None:
    # At least the priority the value has: a project default must not win over it.
    priority = max(settings.getpriority(name) or 0, SETTINGS_PRIORITIES["addon"])
    settings.set(name, value, priority=priority)


def _swap(settings: BaseSettings, name: str, old: str, new: str) -> None:
    components = settings.getdict(name)
    if old in components:
        components[new] = components.pop(old)
        _set(settings, name, components)
