"""The offload worker: results, errors, batching and a worker that dies."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import threading
from pathlib import Path

import pytest

from crawler import offload
from crawler.mentions import article_mentions
from crawler.normalisation import normalised_fields
from tests.helpers import replica_args, run_cli

TEXT = "  Мастера  ремёсел\u00ad\r\n\r\n\r\nАлматы —  Всемирный город ремёсел. "


async def _with_worker(body):
    worker = offload.acquire()
    try:
        return await body(worker)
    finally:
        offload.release(worker)


def test_results_match_the_functions_run_here() -> None:
    fields = {"title": " Ярмарка ", "body": TEXT, "published": "25 ноября 2026, 14:30"}

    async def body(worker):
        return await asyncio.gather(
            worker.call("crawler.normalisation:normalised_fields", fields),
            worker.call("crawler.mentions:article_mentions", None, "Ярмарка", TEXT),
            *(worker.call("builtins:len", "x" * n) for n in range(200)),
        )

    normalised, mentions, *lengths = asyncio.run(_with_worker(body))
    assert normalised == normalised_fields(fields)
    assert normalised["published_at"] == "2026-11-25T09:30:00Z"
    assert mentions == article_mentions(None, "Ярмарка", TEXT)
    assert {m["category"] for m in mentions[1]} == {"crafts", "world_craft_city"}
    assert lengths == list(range(200))  # every answer reaches its own caller
    assert offload.worker_pid() is None  # the last user stopped it


def test_errors_reach_the_caller_with_their_type() -> None:
    async def body(worker):
        with pytest.raises(ZeroDivisionError):
            await worker.call("operator:truediv", 1, 0)
        with pytest.raises(ModuleNotFoundError):
            await worker.call("no_such_module:f")
        return await worker.call("operator:add", 2, 3)  # and the worker still serves

    assert asyncio.run(_with_worker(body)) == 5


def test_a_killed_worker_loses_no_call() -> None:
    async def body(worker):
        slow = [worker.call("time:sleep", 0.05) for _ in range(20)]
        counted = [worker.call("builtins:len", "y" * n) for n in range(50)]
        await asyncio.sleep(0.2)  # the worker is busy with the sleeps
        os.kill(worker.process.pid, signal.SIGKILL)
        results = await asyncio.wait_for(asyncio.gather(*slow, *counted), timeout=30)
        after = await worker.call("builtins:len", "zz")  # run here from now on
        return worker, results, after

    worker, results, after = asyncio.run(_with_worker(body))
    assert results[20:] == list(range(50))
    assert after == 2
    assert not worker.alive


def test_the_calls_in_the_workers_hands_are_bounded() -> None:
    """A worker behind makes the caller wait, so unanswered calls stay bounded."""
    calls = offload.MAX_UNANSWERED * 3

    async def body(worker):
        futures, most = [], 0
        for _ in range(calls):
            futures.append(worker.call("time:sleep", 0.002))
            most = max(most, worker._unanswered)
        await asyncio.wait_for(asyncio.gather(*futures), timeout=60)
        return worker, most

    worker, most = asyncio.run(_with_worker(body))
    assert most == offload.MAX_UNANSWERED  # reached, never passed
    assert worker.waited_seconds > 0  # the caller did wait
    assert worker._unanswered == 0


def test_a_worker_killed_while_the_caller_waits_for_it_loses_no_call() -> None:
    async def body(worker):
        threading.Timer(0.3, os.kill, (worker.process.pid, signal.SIGKILL)).start()
        # Each call takes the worker 20 ms: the caller waits within the first
        # few hundred, and the kill comes while it waits.
        futures = [worker.call("operator:add", n, 1) for n in range(offload.MAX_UNANSWERED)]
        futures += [worker.call("time:sleep", 0.02) for _ in range(offload.MAX_UNANSWERED)]
        futures += [worker.call("operator:add", n, 2) for n in range(offload.MAX_UNANSWERED)]
        results = await asyncio.wait_for(asyncio.gather(*futures), timeout=60)
        return worker, results

    worker, results = asyncio.run(_with_worker(body))
    count = offload.MAX_UNANSWERED
    assert results[:count] == [n + 1 for n in range(count)]
    assert results[2 * count :] == [n + 2 for n in range(count)]
    assert not worker.alive


def test_stop_ends_the_worker_process() -> None:
    worker = offload.acquire()
    again = offload.acquire()
    assert again is worker and worker.process.is_alive()
    offload.release(again)
    assert worker.process.is_alive()  # still has a user
    offload.release(worker)
    assert not worker.process.is_alive()


def _stored(db: Path) -> tuple[list[tuple], list[tuple]]:
    conn = sqlite3.connect(db)
    try:
        articles = conn.execute(
            "SELECT url, lang, title, body, author, published_at, published_local, "
            "content_hash, lexicon_version FROM articles ORDER BY url"
        ).fetchall()
        mentions = conn.execute(
            'SELECT a.url, m.category, m.term, m.text, m.field, m.start, m."end", m.snippet '
            "FROM mentions m JOIN articles a ON a.id = m.article_id ORDER BY 1, 5, 6"
        ).fetchall()
    finally:
        conn.close()
    return articles, mentions


def test_a_crawl_stores_the_same_with_and_without_the_worker(replica, tmp_path) -> None:
    stored = {}
    for setting in ("True", "False"):
        db = tmp_path / f"offload-{setting}.db"
        args = ["crawl", "--db", str(db), *replica_args(replica)]
        result = run_cli(*args, "-s", f"CRAWLER_OFFLOAD_PROCESS={setting}")
        assert result.returncode == 0, result.stderr
        stored[setting] = _stored(db)
    articles, mentions = stored["True"]
    assert len(articles) > 100 and len(mentions) > 100
    assert stored["True"] == stored["False"]
