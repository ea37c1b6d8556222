"""The store stage's batch writer against a database another program also uses:
a moment's lock is waited out, a stale read snapshot is written again on a
fresh connection, and a batch that cannot be written loses nothing else. An
article that cannot be written loses only itself, a dead writer thread is
counted and loses nothing, and a writer that is behind does not block the loop."""

from __future__ import annotations

import asyncio
import inspect
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from scrapy.utils.test import get_crawler

from crawler.items import ArticleItem
from crawler.store import writer as writer_module
from crawler.store.db import is_busy, open_db
from crawler.store.writer import RETRIES_STAT, SALVAGED_STAT, THREAD_NAME, BatchWriter
from crawler.stories import StoryConfig
from pipelines.store import WRITER_FAILURES_STAT, StorePipeline
from tests.helpers import hold_write_lock


def record(n: int, body: str = "Мастера Алматы показали керамику и войлок.") -> dict:
    return {
        "source": "arnapress",
        "url": f"https://example.test/news/{n}",
        "lang": "ru",
        "title": f"Ярмарка ремёсел {n}",
        "body": f"{body} Выпуск {n}.",
        "published_at": "2026-11-20T10:00:00Z",
        "content_hash": f"h{n}",
    }


def batch(*numbers: int) -> list:
    return [(record(n), [], "test") for n in numbers]


def urls(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [r[0] for r in conn.execute("SELECT url FROM articles ORDER BY url")]
    finally:
        conn.close()


def vocabulary(path: Path) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        return {r[0] for r in conn.execute("SELECT form FROM search_vocab")}
    finally:
        conn.close()


@pytest.fixture
def path(tmp_path: Path) -> Path:
    db_path = tmp_path / "crafts.db"
    open_db(db_path).close()
    return db_path


def test_a_lock_held_for_a_moment_is_waited_for(path: Path) -> None:
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    release = threading.Timer(0.5, lambda: other.execute("COMMIT"))
    writer = BatchWriter(str(path))
    release.start()
    started = time.monotonic()
    counts = writer.write(StoryConfig(), batch(1, 2))
    waited = time.monotonic() - started
    writer.close()
    release.join()
    other.close()
    assert counts["crawler/items_new"] == 2
    assert RETRIES_STAT not in counts  # waited through busy_timeout, not retried
    assert waited >= 0.4
    assert len(urls(path)) == 2


def test_a_stale_read_snapshot_is_written_again_on_a_fresh_connection(path: Path) -> None:
    writer = BatchWriter(str(path))
    writer.write(StoryConfig(), batch(1, 2))
    # A statement left running keeps the writer's read snapshot open; another
    # program then commits, so the writer cannot upgrade that snapshot to write.
    running = writer.connection().conn.execute("SELECT id FROM articles")
    running.fetchone()
    other = sqlite3.connect(path)
    with other:
        other.execute("CREATE TABLE other_program (x)")
    other.close()

    counts = writer.write(StoryConfig(), batch(3))
    writer.close()
    assert counts["crawler/items_new"] == 1
    assert counts[RETRIES_STAT] == 1
    assert urls(path) == [f"https://example.test/news/{n}" for n in (1, 2, 3)]


def test_a_batch_that_cannot_be_written_leaves_nothing_half_done(path: Path) -> None:
    writer = BatchWriter(str(path))
    writer.write(StoryConfig(), batch(1))
    edited = record(1, body="Мастера Алматы провели мастер-класс по чеканке.")
    edited["content_hash"] = "h1-edited"
    new = record(2, body="Гончары Алматы открыли мастерскую глазури.")
    broken = record(3)
    broken["lang"] = ["ru"]  # SQLite cannot store a list
    with pytest.raises(sqlite3.Error):
        writer.write(StoryConfig(), [(edited, [], "test"), (new, [], "test"), (broken, [], "test")])
    # One transaction: the edit (and the version it keeps) went with the rest.
    conn = sqlite3.connect(path)
    body = conn.execute("SELECT body FROM articles WHERE url LIKE '%/1'").fetchone()[0]
    versions = conn.execute("SELECT count(*) FROM article_versions").fetchone()[0]
    conn.close()
    assert urls(path) == ["https://example.test/news/1"]
    assert "керамику" in body and versions == 0
    # The forms of the rolled-back articles are not taken as indexed: written
    # again, they still reach the search vocabulary.
    counts = writer.write(StoryConfig(), [(edited, [], "test"), (new, [], "test")])
    writer.close()
    assert counts["crawler/items_updated"] == 1 and counts["crawler/items_new"] == 1
    assert {"чеканке", "глазури"} <= vocabulary(path)


def test_is_busy_knows_sqlite_busy_from_other_errors(path: Path) -> None:
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    waiter = sqlite3.connect(path, timeout=0)
    try:
        with pytest.raises(sqlite3.OperationalError) as locked:
            waiter.execute("BEGIN IMMEDIATE")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        waiter.close()
    assert is_busy(locked.value)
    assert not is_busy(sqlite3.OperationalError("no such table: x"))
    assert not is_busy(ValueError("database is locked"))


def test_a_failing_article_loses_only_itself(path: Path) -> None:
    writer = BatchWriter(str(path))
    broken = record(3)
    broken["lang"] = ["ru"]  # SQLite cannot store a list
    entries = [(record(n), [], "test") for n in (1, 2)] + [(broken, [], "test")]
    entries += [(record(n), [], "test") for n in range(4, 201)]
    outcome = writer.write_salvaging(StoryConfig(), entries)
    writer.close()
    assert outcome.counts["crawler/items_new"] == 199
    assert outcome.counts[SALVAGED_STAT] == 1
    assert [lost for lost, _ in outcome.failures] == [1]
    assert "example.test/news/3" in outcome.failures[0][1]
    assert len(urls(path)) == 199


def items(*numbers: int) -> list[ArticleItem]:
    return [
        ArticleItem(
            source="arnapress",
            url=f"https://example.test/news/{n}",
            title=f"Ярмарка ремёсел {n}",
            body=f"Мастера Алматы показали керамику и войлок. Выпуск {n}.",
            lang="ru",
        )
        for n in numbers
    ]


def store_stage(path: Path, batch_size: int) -> StorePipeline:
    settings = {"CRAWLER_DB": str(path), "CRAWLER_STORE_BATCH": batch_size}
    crawler = get_crawler(settings_dict={**settings, "CRAWLER_STORE_FLUSH_SECONDS": 60})
    crawler.stats.open_spider()
    store = StorePipeline.from_crawler(crawler)
    store.open_spider()
    return store


def test_the_store_stage_counts_and_logs_an_article_it_cannot_write(
    path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = store_stage(path, batch_size=200)
    for item in items(*range(1, 201)):
        if item.url.endswith("/7"):
            item.lang = ["ru"]  # type: ignore[assignment]  # SQLite cannot store a list
        store.process_item(item)
    store.close_spider()
    stats = store.stats
    assert stats.get_value("crawler/items_new") == 199
    assert stats.get_value("crawler/items_not_stored") == 1
    assert len(urls(path)) == 199
    assert any("example.test/news/7" in r.getMessage() for r in caplog.records)


def test_a_dead_writer_thread_is_counted_and_loses_nothing(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = BatchWriter.write_salvaging

    def dies_in_the_thread(self: BatchWriter, stories: StoryConfig, batch: list):
        if threading.current_thread().name == THREAD_NAME:
            raise SystemExit("the writer thread ends")  # past every ``except Exception``
        return real(self, stories, batch)

    monkeypatch.setattr(BatchWriter, "write_salvaging", dies_in_the_thread)
    store = store_stage(path, batch_size=10)
    for item in items(*range(1, 101)):  # ten batches: the thread dies on the first
        store.process_item(item)
    closing = threading.Thread(target=store.close_spider, daemon=True)
    closing.start()
    closing.join(timeout=60)
    assert not closing.is_alive(), "closing waited forever for a dead writer"
    assert store.stats.get_value(WRITER_FAILURES_STAT) == 1
    assert store.stats.get_value("crawler/items_new") == 100
    assert not store.stats.get_value("crawler/items_not_stored")
    assert len(urls(path)) == 100
    assert not writer_module._shared  # released: a next crawl starts a new writer


def test_a_writer_that_is_behind_makes_the_stage_wait_off_the_loop(path: Path) -> None:
    store = store_stage(path, batch_size=1)
    lock_seconds = 1.0
    hold_write_lock(path, seconds=lock_seconds)  # the writer cannot write meanwhile

    async def main() -> tuple[int, int]:
        ticks, waited = 0, 0
        stop = asyncio.Event()

        async def ticker() -> None:
            nonlocal ticks
            while not stop.is_set():
                await asyncio.sleep(0.01)
                ticks += 1

        task = asyncio.ensure_future(ticker())
        for item in items(*range(1, 11)):  # more batches than the queue holds
            result = store.process_item(item)
            if inspect.isawaitable(result):
                waited += 1
                await result
        closing = store.close_spider()
        if closing is not None:
            await closing
        stop.set()
        await task
        return ticks, waited

    ticks, waited = asyncio.run(main())
    assert waited > 0  # the stage waited for room instead of queueing without bound
    assert ticks * 0.01 >= lock_seconds / 2  # and the loop ran meanwhile
    assert store.stats.get_value("crawler/items_new") == 10
    assert len(urls(path)) == 10
