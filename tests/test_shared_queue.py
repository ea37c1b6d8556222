"""The shared queue's parts against a real redis-server: the run membership (starter,
joiners, a dead starter replaced, held requests given back), the per-run seen-set,
the store worker's exactly-once replay, and the command line's checks."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import redis
from scrapy import Request
from scrapy.utils.request import RequestFingerprinter

from crawler.run.runner import project_settings
from crawler.run.shared_dupefilter import SharedDupeFilter
from crawler.run.shared_held import Held
from crawler.run.shared_queue import Keys, connect, parse_queue_url
from crawler.run.shared_run import SharedRun
from crawler.store import queue_worker
from crawler.store.item_queue import ARTICLE, JOINED, LEFT, Inbox, Outbox, WorkerBusy
from crawler.store.queue_worker import StoreWorker
from crawler.store.shared_runs import merge_stats
from tests.helpers import run_cli

# --- the queue's address -----------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["redis://127.0.0.1:6379/0", "redis://h", "redis://:secret@h:1/15", "rediss://h:6380"]
)
def test_queue_urls_that_are_accepted(url: str) -> None:
    assert parse_queue_url(url) == url


@pytest.mark.parametrize(
    "url",
    ["http://h:6379/0", "redis://", "redis://h:99999/0", "redis://h:0/0", "redis://h:1/x",
     "redis://h:1/0?db=2", "h:6379", ""],
)  # fmt: skip
def test_queue_urls_that_are_refused(url: str) -> None:
    with pytest.raises(ValueError, match="redis://"):
        parse_queue_url(url)


def test_a_bad_queue_url_is_a_one_line_usage_error(tmp_path: Path) -> None:
    db = str(tmp_path / "a.db")
    for args, name in (
        (["crawl", "--db", db, "--queue", "http://127.0.0.1:6379/0"], "--queue"),
        (["run", "--db", db, "--queue", "redis://h:70000/0"], "--queue"),
        (["crawl", "--db", db, "-s", "CRAWLER_QUEUE=redis:/nohost"], "CRAWLER_QUEUE"),
        (["store-worker", "--db", db, "--queue", "redis://h:1/db0"], "--queue"),
        (["crawl", "--db", db, "-s", "CRAWLER_QUEUE_LEASE_SECONDS=0"], "LEASE"),
    ):
        result = run_cli(*args, timeout=60)
        errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        assert len(errors) == 1 and name in errors[0], result.stderr
        assert "Traceback" not in result.stderr


def test_an_unreachable_queue_is_a_one_line_failure(tmp_path: Path) -> None:
    from tests.helpers import free_port

    url = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    for command in ("crawl", "store-worker"):
        result = run_cli(command, "--db", str(tmp_path / "a.db"), "--queue", url, timeout=60)
        assert result.returncode == 1, (command, result.stdout, result.stderr)
        (line,) = result.stderr.strip().splitlines()
        assert "does not answer" in line and url in line, line
    assert not (tmp_path / "a.db").exists()


# --- run membership -------------------------------------------------------------------------


def member(server: redis.Redis, lease: float = 30) -> SharedRun:
    run = SharedRun(server, "arnapress", lease)
    run.join()
    return run


def queue_request(server: redis.Redis, data: bytes, priority: int = 0) -> None:
    server.zadd(Keys.requests("arnapress"), {data: -priority})


def test_the_first_process_starts_the_run_and_the_others_help(redis_url: str) -> None:
    server = connect(redis_url)
    first, second = member(server), member(server)
    assert first.starter and not second.starter
    assert first.run_id == second.run_id
    # The starter is alive: nobody takes its place.
    assert not second.take_over()
    assert member(server).starter is False


def test_a_dead_starter_is_replaced_until_discovery_is_done(redis_url: str) -> None:
    server = connect(redis_url)
    starter, joiner = member(server), member(server)
    server.delete(Keys.owner(starter.token))  # its lease ran out: it died
    assert joiner.take_over() and joiner.starter
    assert joiner.state().starter == joiner.token
    # A process joining now finds a live starter again.
    assert not member(server).starter
    joiner.mark_discovered()
    server.delete(Keys.owner(joiner.token))
    assert not member(server).starter, "discovery is done: nothing to start again"


def test_requests_of_a_dead_process_go_back_to_the_queue(redis_url: str) -> None:
    server = connect(redis_url)
    dying, other = member(server), member(server)
    queue_request(server, b"a", priority=1)
    queue_request(server, b"b")
    assert dying.take() == b"a"  # the highest priority first
    assert other.take() == b"b"
    assert other.take() is None
    assert other.recover() == 0, "its owner is alive"
    server.delete(Keys.owner(dying.token))
    assert other.recover() == 1
    assert other.take() == b"a"
    other.done(b"a", b"b")
    assert server.hlen(Keys.inflight("arnapress")) == 0


def test_a_stopping_process_gives_back_what_it_holds(redis_url: str) -> None:
    server = connect(redis_url)
    run = member(server)
    queue_request(server, b"a")
    assert run.take() == b"a"
    assert run.give_back_own() == 1
    assert server.zrange(Keys.requests("arnapress"), 0, -1) == [b"a"]


def test_the_run_ends_when_discovery_is_done_and_nothing_is_queued_or_held(
    redis_url: str,
) -> None:
    server = connect(redis_url)
    starter, joiner = member(server), member(server)
    seen = Keys.seen("arnapress", starter.run_id)
    server.sadd(seen, "fingerprint")
    assert joiner.complete() == -1, "discovery is not done"
    starter.mark_discovered()
    queue_request(server, b"a")
    assert joiner.complete() == -1, "a request is queued"
    joiner.take()
    assert joiner.complete() == -1, "a request is held"
    joiner.done(b"a")
    assert joiner.complete() == 1
    assert starter.complete() == 0, "ended already"
    assert not server.exists(Keys.run("arnapress"), seen)
    assert member(server).run_id != starter.run_id, "the next crawl opens a new run"


def test_the_seen_set_is_shared_within_a_run_and_new_in_the_next(redis_url: str) -> None:
    server = connect(redis_url)
    fingerprinter = RequestFingerprinter()

    def dupefilter(run: str) -> SharedDupeFilter:
        return SharedDupeFilter(server, Keys.seen("arnapress", run), fingerprinter)

    one, other, next_run = dupefilter("r1"), dupefilter("r1"), dupefilter("r2")
    assert not one.request_seen(Request("http://example.kz/news/1"))
    assert other.request_seen(Request("http://example.kz/news/1#top")), "the same page"
    assert not next_run.request_seen(Request("http://example.kz/news/1"))
    one.close("finished")
    assert server.exists(Keys.seen("arnapress", "r1")), "closing keeps it for the others"


def test_a_held_request_is_done_once_its_page_and_items_are(redis_url: str) -> None:
    server = connect(redis_url)
    run = member(server)
    queue_request(server, b"page")
    held = Held(run)
    key = held.took(run.take() or b"")
    held.item_out(key)
    held.outputs_over(key)
    assert server.hlen(Keys.inflight("arnapress")) == 1, "its item is not pushed yet"
    held.item_done(key)
    assert server.hlen(Keys.inflight("arnapress")) == 0
    held.item_done(key)  # a second signal for the same item changes nothing


# --- the store worker ------------------------------------------------------------------------


def article(url: str) -> dict:
    body = f"Шеберлер жәрмеңкесі өтті: {url}."
    return {
        "type": ARTICLE,
        "spider": "arnapress",
        "run": "r1",
        "record": {
            "source": "arnapress",
            "url": url,
            "lang": "kk",
            "title": "Қолөнер",
            "body": body,
            "content_hash": f"c-{url}",
            "body_hash": f"b-{body}",
        },
        "mentions": [],
        "lexicon": "test",
    }


def send_run(server: redis.Redis, urls: list[str]) -> None:
    outbox = Outbox(server, "host:1:arnapress:aa")
    outbox.push({"type": JOINED, "spider": "arnapress", "run": "r1", "starter": True})
    for url in urls:
        outbox.push(article(url))
    stats = {"downloader/request_count": len(urls), "finish_reason": "finished"}
    outbox.push(
        {"type": LEFT, "spider": "arnapress", "run": "r1", "reason": "finished",
         "ended": True, "stats": stats}
    )  # fmt: skip


def worker(db: Path, server: redis.Redis) -> StoreWorker:
    settings = project_settings()
    settings.set("CRAWLER_STORE_BATCH", 3)
    return StoreWorker(str(db), server, settings, lambda line: None)


def stored(db: Path) -> tuple[list[str], tuple]:
    conn = sqlite3.connect(db)
    try:
        urls = [r[0] for r in conn.execute("SELECT url FROM articles ORDER BY url")]
        run = conn.execute(
            "SELECT status, items_new, items_unchanged, requests, processes FROM crawl_runs"
        ).fetchone()
    finally:
        conn.close()
    return urls, run


URLS = [f"http://127.0.0.1/news/{n}" for n in range(1, 6)]


def test_the_worker_stores_every_message_and_records_the_run(
    redis_url: str, tmp_path: Path
) -> None:
    server = connect(redis_url)
    send_run(server, URLS)
    totals = worker(tmp_path / "q.db", server).run(until_idle=0)
    assert stored(tmp_path / "q.db") == (URLS, ("ok", 5, 0, 5, 1))
    assert totals.outcomes["new"] == 5 and totals.runs == 1
    assert server.llen(Keys.ITEMS) == server.llen(Keys.PROCESSING) == 0
    assert len(server.smembers(Keys.known("arnapress"))) == 5
    assert server.lrange(Keys.recent("arnapress"), 0, 0) == [URLS[-1].encode()]


class Killed(BaseException):
    """A worker stopping dead (SIGKILL) at a chosen point."""


def test_a_worker_killed_after_its_commit_applies_nothing_twice(
    redis_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server, db = connect(redis_url), tmp_path / "q.db"
    send_run(server, URLS)

    def killed() -> None:
        raise Killed

    first = worker(db, server)
    monkeypatch.setattr(first.inbox, "done", killed)
    with pytest.raises(Killed):
        first.run(until_idle=0)
    # Committed, not released: the batch is still in the processing list.
    assert server.llen(Keys.PROCESSING) == 3
    server.delete(Keys.WORKER)  # its lease, as if it had run out

    totals = worker(db, server).run(until_idle=0)

    assert totals.replayed == 3, "the committed batch is skipped, message by message"
    assert stored(db) == (URLS, ("ok", 5, 0, 5, 1)), "nothing counted or stored twice"


def test_a_worker_killed_before_its_commit_loses_nothing(
    redis_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server, db = connect(redis_url), tmp_path / "q.db"
    send_run(server, URLS)
    saved = []

    def save_then_die(db_, record, *args, **kwargs):
        if len(saved) == 2:
            raise Killed  # mid-batch, inside its transaction
        saved.append(record["url"])
        return real_save(db_, record, *args, **kwargs)

    real_save = queue_worker.save_article
    monkeypatch.setattr(queue_worker, "save_article", save_then_die)
    with pytest.raises(Killed):
        worker(db, server).run(until_idle=0)
    monkeypatch.setattr(queue_worker, "save_article", real_save)
    # Batches of 3: the first (joined, two articles) committed; the second died in
    # its transaction, rolled back, and waits in the processing list.
    assert stored(db)[0] == URLS[:2]
    assert server.llen(Keys.PROCESSING) == 3
    server.delete(Keys.WORKER)

    totals = worker(db, server).run(until_idle=0)

    assert totals.replayed == 0
    assert stored(db) == (URLS, ("ok", 5, 0, 5, 1))


def test_replaying_an_article_already_stored_changes_nothing(
    redis_url: str, tmp_path: Path
) -> None:
    # The crawl side may push an article twice (a process killed between its push and
    # the release of the request): the store keeps one row per URL.
    server, db = connect(redis_url), tmp_path / "q.db"
    send_run(server, [*URLS, URLS[0]])
    worker(db, server).run(until_idle=0)
    assert stored(db) == (URLS, ("ok", 5, 1, 6, 1))


def test_only_one_worker_drains_a_queue(redis_url: str) -> None:
    server = connect(redis_url)
    Inbox(server).claim()
    other = Inbox(server)
    other.name = "elsewhere:1"
    with pytest.raises(WorkerBusy, match="another store worker"):
        other.claim()


def test_merged_stats_of_a_run() -> None:
    starter = {
        "downloader/request_count": 40,
        "crawler/discovery/parsed": 3,
        "crawler/discovery/report": None,
        "crawler/discovery/missing_hints": ["http://h/rss"],
        "start_time": "2026-01-01 10:00:00+00:00",
        "finish_time": "2026-01-01 10:00:09+00:00",
        "finish_reason": "finished",
        "crawler/queue/starter": True,
    }
    joiner = {
        "downloader/request_count": 35,
        "start_time": "2026-01-01 10:00:01+00:00",
        "finish_time": "2026-01-01 10:00:10+00:00",
        "finish_reason": "finished",
        "crawler/queue/starter": False,
    }
    merged = merge_stats([starter, joiner])
    assert merged["downloader/request_count"] == 75
    assert merged["start_time"].endswith("10:00:00+00:00")
    assert merged["finish_time"].endswith("10:00:10+00:00")
    assert merged["crawler/discovery/report"] is None
    assert merged["crawler/discovery/missing_hints"] == ["http://h/rss"]
    assert merged["crawler/queue/starter"] is True
    assert (
        merge_stats([starter, {**joiner, "finish_reason": "shutdown"}])["finish_reason"]
        == "shutdown"
    )
