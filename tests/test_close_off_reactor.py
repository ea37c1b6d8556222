"""Closing one spider does not stall the crawl's others: the store stage's wait
for the writer, the run record and the feed state are written on a thread
while the event loop goes on, even when another program holds the database's
write lock meanwhile."""

from __future__ import annotations

import asyncio
import inspect
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from crawler.extensions import CrawlRunRecorder
from crawler.items import ArticleItem
from crawler.run.runner import project_settings
from crawler.spiders.sources import SPIDERS
from crawler.store.db import open_db
from pipelines.dedup import DedupPipeline
from pipelines.normalise import NormalisePipeline
from pipelines.store import StorePipeline
from tests.helpers import hold_write_lock

ArnapressSpider = SPIDERS["arnapress"]

LOCK_SECONDS = 1.0
TICK = 0.01


def run_with_ticker(close: Callable[[], Any]) -> tuple[int, float]:
    """Call ``close`` inside a running event loop and await what it returns,
    counting how often the loop ran a 10 ms ticker meanwhile; returns the ticks
    and the seconds ``close`` itself took to return."""

    async def main() -> tuple[int, float]:
        ticks = 0
        stop = asyncio.Event()

        async def ticker() -> None:
            nonlocal ticks
            while not stop.is_set():
                await asyncio.sleep(TICK)
                ticks += 1

        task = asyncio.ensure_future(ticker())
        await asyncio.sleep(0)
        started = time.monotonic()
        result = close()
        returned_after = time.monotonic() - started
        assert inspect.isawaitable(result), "a close handler in a running loop must not block"
        await result
        stop.set()
        await task
        return ticks, returned_after

    return asyncio.run(main())


def articles(n: int) -> list[ArticleItem]:
    return [
        ArticleItem(
            source="arnapress",
            url=f"https://arnapress.kz/ru/news/{i}-x",
            title=f"Мастера ремёсел {i}",
            body=f"Выставка ремесленников номер {i} прошла в Алматы.",
            lang="ru",
            published="25 ноября 2026, 14:30",
        )
        for i in range(n)
    ]


def stored(db: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_the_store_stage_waits_for_the_writer_off_the_loop(tmp_path: Path) -> None:
    db = tmp_path / "crafts.db"
    held = {"CRAWLER_STORE_BATCH": 100, "CRAWLER_STORE_FLUSH_SECONDS": 60}
    crawler = get_crawler(settings_dict={"CRAWLER_DB": str(db), **held})
    crawler.stats.open_spider()
    stages = [NormalisePipeline.from_crawler(crawler), DedupPipeline.from_crawler(crawler)]
    store = StorePipeline.from_crawler(crawler)
    for stage in [*stages, store]:
        if hasattr(stage, "open_spider"):
            stage.open_spider()
    for item in articles(5):
        for stage in stages:
            item = stage.process_item(item)
        store.process_item(item)  # held in the stage: the batch is handed over at close
    # The writer cannot write the batch until the other program lets go.
    hold_write_lock(db, seconds=LOCK_SECONDS)
    ticks, returned_after = run_with_ticker(store.close_spider)
    assert returned_after < LOCK_SECONDS / 4
    # The loop kept running while the writer waited for the lock.
    assert ticks * TICK >= LOCK_SECONDS / 2
    assert crawler.stats.get_value("crawler/items_new") == 5
    assert stored(db, "SELECT count(*) FROM articles") == [(5,)]


@pytest.fixture
def spider_and_recorder(tmp_path: Path) -> tuple[ArnapressSpider, CrawlRunRecorder, Path]:
    db = tmp_path / "crafts.db"
    open_db(db).close()
    # Our own settings' defaults (the health checks read them), not Scrapy's reactor.
    ours = {k: v for k, v in project_settings().copy_to_dict().items() if k.startswith("CRAWLER_")}
    settings = {**ours, "CRAWLER_DB": str(db)}
    crawler = get_crawler(
        ArnapressSpider, {**settings, "CRAWLER_ARNAPRESS_URL": "https://arnapress.kz"}
    )
    crawler.stats.open_spider()
    spider = ArnapressSpider.from_crawler(crawler)
    crawler.spider = spider
    recorder = CrawlRunRecorder.from_crawler(crawler)
    recorder.spider_opened(spider)
    return spider, recorder, db


def test_the_run_record_is_written_off_the_loop(spider_and_recorder) -> None:
    spider, recorder, db = spider_and_recorder
    hold_write_lock(db, seconds=LOCK_SECONDS)
    ticks, returned_after = run_with_ticker(lambda: recorder.spider_closed(spider, "finished"))
    assert returned_after < LOCK_SECONDS / 4
    assert ticks * TICK >= LOCK_SECONDS / 2
    assert stored(db, "SELECT spider, status FROM crawl_runs") == [("arnapress", "ok")]


def test_the_feed_state_is_written_off_the_loop(spider_and_recorder) -> None:
    spider, _, db = spider_and_recorder
    url = "https://arnapress.kz/ru/news/"
    spider.feeds.observe(url, HtmlResponse(url, body=b"<p>listing</p>", headers={"ETag": "v1"}))
    hold_write_lock(db, seconds=LOCK_SECONDS)
    ticks, returned_after = run_with_ticker(lambda: spider.closed("finished"))
    assert returned_after < LOCK_SECONDS / 4
    assert ticks * TICK >= LOCK_SECONDS / 2
    assert stored(db, "SELECT key, etag FROM feed_state") == [(url, "v1")]
