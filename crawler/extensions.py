"""Records one ``crawl_runs`` row per spider run, filled from Scrapy's stats."""

from __future__ import annotations

import json
import logging
from contextlib import closing
from typing import Any, Self
from urllib.parse import urlsplit

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.settings import BaseSettings

from crawler.alerts import enqueue_health_alert
from crawler.run.blocking import off_reactor
from crawler.run.health import RunFacts, evaluate
from crawler.spiders.discovery import STAT_MISSING_HINTS, STAT_REPORT
from crawler.store.db import open_db, transaction, utc_now

logger = logging.getLogger(__name__)


class SpiderErrorCounter(logging.Handler):
    """Counts ERROR records of one spider.

    Scrapy's own ``log_count/ERROR`` counts every record in the process, so
    with several spiders in one process each would count the others' errors.
    """

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(level=logging.ERROR)
        self.crawler = crawler

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(record, "crawler", None) is self.crawler or (
            getattr(record, "spider", None) is not None
            and getattr(record, "spider", None) is self.crawler.spider
        ):
            self.crawler.stats.inc_value("crawler/errors")


def run_status(finish_reason: str | None, stats: dict[str, Any]) -> str:
    """``ok``, ``partial`` (finished with errors) or ``failed`` (also when no list,
    feed or listing could be read: such a run got nothing, whatever else it did)."""
    if finish_reason != "finished" or stats.get(STAT_REPORT):
        return "failed"
    errors = stats.get("crawler/errors", 0)
    responses = stats.get("downloader/response_count", 0)
    if errors and not responses:
        return "failed"
    return "partial" if errors else "ok"


def run_row(stats: dict[str, Any], finish_reason: str | None) -> dict[str, Any]:
    """The ``crawl_runs`` columns that come from a finished run's stats."""
    return {
        "feeds_changed": stats.get("crawler/feeds_changed", 0),
        "items_incomplete": stats.get("crawler/items_incomplete", 0),
        "finished_at": utc_now(),
        "finish_reason": finish_reason,
        "status": run_status(finish_reason, stats),
        "requests": stats.get("downloader/request_count", 0),
        "items_new": stats.get("crawler/items_new", 0),
        "items_updated": stats.get("crawler/items_updated", 0),
        "items_unchanged": stats.get("crawler/items_unchanged", 0),
        "items_dropped": stats.get("item_dropped_count", 0),
        "errors": stats.get("crawler/errors", 0),
        "warnings": run_warnings(stats),
        "stats": json.dumps(stats, default=str, ensure_ascii=False, sort_keys=True),
    }


def judged_row(
    db: Any,
    spider: str,
    run_id: int,
    stats: dict[str, Any],
    reason: str | None,
    settings: BaseSettings,
) -> tuple[dict[str, Any], list[str]]:
    """The finished ``crawl_runs`` row of run ``run_id`` and why it is unhealthy (if it
    is), judged against the runs of ``spider`` before it."""
    row = run_row(stats, reason)
    earlier = list(
        db.query(
            "SELECT items_new, feeds_changed FROM crawl_runs WHERE spider = ? AND id < ? "
            "AND status != 'running' ORDER BY id DESC LIMIT 20",
            [spider, run_id],
        )
    )
    reasons = evaluate(RunFacts(row["status"], stats, earlier, settings))
    row["health"] = "unhealthy" if reasons else "healthy"
    row["health_reasons"] = "; ".join(reasons) or None
    return row, reasons


def run_warnings(stats: dict[str, Any]) -> str | None:
    """What a maintainer should fix even though the run worked: configured paths that
    answered 404 or 410."""
    missing = stats.get(STAT_MISSING_HINTS) or []
    if not missing:
        return None
    return "configured but missing (404): " + ", ".join(_path_of(url) for url in missing)


def _path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "") or url


class CrawlRunRecorder:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.db_path = crawler.settings.get("CRAWLER_DB")
        self.full = crawler.settings.getbool("CRAWLER_FULL")
        self.run_id: int | None = None
        self.error_counter = SpiderErrorCounter(crawler)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider: Spider) -> None:
        logging.getLogger().addHandler(self.error_counter)
        db = open_db(self.db_path)
        with transaction(db):
            # A run still marked running was killed before it could finish.
            db.execute(
                "UPDATE crawl_runs SET status = 'interrupted' "
                "WHERE spider = ? AND status = 'running'",
                [spider.name],
            )
            table = db["crawl_runs"]
            table.insert(
                {
                    "spider": spider.name,
                    "started_at": utc_now(),
                    "status": "running",
                    "full": int(self.full),
                }
            )
            self.run_id = table.last_pk
        self.crawler.stats.set_value("crawler/run_id", self.run_id)
        db.close()

    def spider_closed(self, spider: Spider, reason: str) -> Any:
        logging.getLogger().removeHandler(self.error_counter)
        if self.run_id is None:
            return None
        stats = {**self.crawler.stats.get_stats(), "finish_reason": reason}
        return off_reactor(self.record, spider, stats, reason)

    def record(self, spider: Spider, stats: dict[str, Any], reason: str) -> None:
        """Finish the run's ``crawl_runs`` row, judged healthy or not."""
        with closing(open_db(self.db_path)) as db:
            assert self.run_id is not None
            row, reasons = judged_row(
                db, spider.name, self.run_id, stats, reason, self.crawler.settings
            )
            with transaction(db):
                db["crawl_runs"].update(self.run_id, row)
                for text in reasons:
                    logger.error("%s is unhealthy: %s", spider.name, text, extra={"spider": spider})
                    enqueue_health_alert(db, spider.name, text)
