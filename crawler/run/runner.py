"""Running spiders in this process and reading back what each run did."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings
from scrapy.utils.project import get_project_settings

from crawler import pacing
from crawler.store.db import open_db

# What the replica needs instead of the polite defaults for the real sites.
REPLICA_SPEED = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "False",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "16",
}


@dataclass
class RunSummary:
    spider: str
    status: str
    requests: int
    items_new: int
    items_updated: int
    items_dropped: int
    errors: int
    seconds: float
    health: str = "healthy"
    health_reasons: str | None = None
    warnings: str | None = None
    queued: bool = False  # items went to the shared queue: counted, not yet stored

    @property
    def ok(self) -> bool:
        return self.status != "failed" and self.health != "unhealthy"

    def line(self) -> str:
        items = (
            f"{self.items_new} queued"
            if self.queued
            else f"{self.items_new} new, {self.items_updated} updated"
        )
        text = (
            f"{self.spider}: {self.status}, {self.requests} requests, {items}, "
            f"{self.items_dropped} dropped, {self.errors} errors in {self.seconds:.1f}s"
        )
        if self.health == "unhealthy":
            text += f"; UNHEALTHY: {self.health_reasons}"
        if self.warnings:
            text += f"; {self.warnings}"
        return text


def project_settings() -> Settings:
    """Our settings wherever the program runs: without this, Scrapy looks for a
    ``scrapy.cfg`` in the working directory and silently falls back to defaults."""
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    return get_project_settings()


def available_sources() -> list[str]:
    from scrapy.spiderloader import SpiderLoader

    return sorted(SpiderLoader.from_settings(project_settings()).list())


def build_settings(
    db: Path, *, full: bool = False, overrides: dict[str, str] | None = None
) -> Settings:
    settings = project_settings()
    settings.set("CRAWLER_DB", str(db), priority="cmdline")
    settings.set("CRAWLER_FULL", full, priority="cmdline")
    for name, value in (overrides or {}).items():
        settings.set(name, value, priority="cmdline")
    if overrides and "CRAWLER_CONTACT_URL" in overrides and "USER_AGENT" not in overrides:
        # The User-Agent names the contact URL, so it follows a changed one.
        settings.set(
            "USER_AGENT", f"crafts-crawler/0.1 (+{overrides['CRAWLER_CONTACT_URL']})", "cmdline"
        )
    return settings


def crawl(sources: list[str], settings: Settings) -> list[RunSummary]:
    """Run the spiders of ``sources`` together and wait for them (once per process)."""
    process = CrawlerProcess(settings)
    pacing.GATES.clear()  # a new crawl: nothing is in flight
    logging.getLogger("scrapy").setLevel(settings.get("LOG_LEVEL"))
    crawlers = []
    for source in sources:
        crawler = process.create_crawler(source)
        process.crawl(crawler)
        crawlers.append(crawler)
    process.start()
    summary = summarise_shared if settings.get("CRAWLER_QUEUE") else summarise
    return [
        summary(crawler.stats.get_stats(), source, settings)
        for crawler, source in zip(crawlers, sources, strict=True)
    ]


def summarise_shared(stats: dict[str, Any], source: str, settings: Settings) -> RunSummary:
    """What this process did in a shared run (the store worker keeps the run's row)."""
    from crawler.extensions import run_status
    from crawler.spiders.discovery import STAT_REPORT

    report = stats.get(STAT_REPORT)
    start, finish = stats.get("start_time"), stats.get("finish_time")
    role = "starter" if stats.get("crawler/queue/starter") else "joiner"
    run = stats.get("crawler/queue/run") or "?"
    ended = "; ended the run" if stats.get("crawler/queue/ended_run") else ""
    return RunSummary(
        spider=source,
        status=run_status(stats.get("finish_reason"), stats),
        requests=stats.get("downloader/request_count", 0),
        items_new=stats.get("crawler/items_queued", 0),
        items_updated=0,
        items_dropped=stats.get("item_dropped_count", 0),
        errors=stats.get("crawler/errors", 0),
        seconds=(finish - start).total_seconds() if start and finish else 0.0,
        health="unhealthy" if report else "healthy",
        health_reasons=report,
        warnings=f"{role} of shared run {run}{ended}",
        queued=True,
    )


def summarise(stats: dict[str, Any], source: str, settings: Settings) -> RunSummary:
    """The run's ``crawl_runs`` row (written by the recorder extension) as a summary."""
    run_id = stats.get("crawler/run_id")
    row: dict[str, Any] = {}
    if run_id is not None:
        db = open_db(settings.get("CRAWLER_DB"))
        row = next(db["crawl_runs"].rows_where("id = ?", [run_id]), {})
        db.close()
    start, finish = stats.get("start_time"), stats.get("finish_time")
    seconds = (finish - start).total_seconds() if start and finish else 0.0
    return RunSummary(
        spider=source,
        status=row.get("status") or "failed",
        requests=row.get("requests") or stats.get("downloader/request_count", 0),
        items_new=row.get("items_new") or 0,
        items_updated=row.get("items_updated") or 0,
        items_dropped=row.get("items_dropped") or 0,
        errors=row.get("errors") or stats.get("crawler/errors", 0),
        seconds=seconds,
        health=row.get("health") or "unhealthy",
        health_reasons=row.get("health_reasons") or (None if row else "the run left no record"),
        warnings=row.get("warnings"),
    )
