"""The store worker: drains the shared queue's messages into SQLite, exactly once.

A batch is moved from ``crawler:items`` into ``crawler:items:processing`` (LMOVE),
written in one transaction through the store stage's own code (``save_article``,
story linking, the search index, the busy-database retries of
:class:`crawler.store.writer.BatchWriter`), and deleted from Redis only after the
commit. The same transaction records the last message number applied per crawl
process, so a batch replayed after a crash (committed, not yet deleted) changes
nothing: applied messages are skipped, and an article is stored once anyway (one
row per URL). After the commit the stored URLs are published for the spiders'
next runs, and shared runs that are over get their ``crawl_runs`` row judged.
"""

from __future__ import annotations

import logging
import time
import traceback
from collections import Counter
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from typing import Any

import redis
import sqlite_utils
from scrapy.settings import BaseSettings

from crawler.run.shared_queue import Keys
from crawler.spiders.memory import publish_stored
from crawler.spiders.news_site import SEED_URLS
from crawler.store import shared_runs
from crawler.store.db import open_db, transaction, utc_now
from crawler.store.digests import digest64
from crawler.store.item_queue import ARTICLE, JOINED, Inbox, decode
from crawler.store.storage import save_article
from crawler.store.writer import BatchWriter
from crawler.stories import StoryConfig
from crawler.stories.linking import refresh_story

logger = logging.getLogger(__name__)

# Seconds to wait for the first message of a batch before looking at the runs again.
WAIT_SECONDS = 1.0
# Seconds between progress lines while messages keep coming.
PROGRESS_SECONDS = 5.0
SEED_CHUNK = 10_000


@dataclass
class Totals:
    """What the worker did, for its progress lines and summary."""

    messages: int = 0
    batches: int = 0
    replayed: int = 0  # messages already applied before a crash: skipped
    failed: int = 0  # messages kept in crawler:items:failed
    outcomes: Counter = field(default_factory=Counter)  # new, updated, unchanged, dropped
    runs: int = 0

    def line(self) -> str:
        o = self.outcomes
        text = (
            f"{self.messages} messages in {self.batches} batches: {o['new']} new, "
            f"{o['updated']} updated, {o['unchanged']} unchanged, {o['dropped']} dropped; "
            f"{self.runs} runs recorded"
        )
        if self.replayed:
            text += f"; {self.replayed} already applied (skipped)"
        if self.failed:
            text += f"; {self.failed} FAILED (kept in {Keys.FAILED})"
        return text


@dataclass
class Applied:
    """One batch's effect, known once its transaction committed."""

    stored: dict[str, list[str]] = field(default_factory=dict)  # source -> new URLs
    outcomes: Counter = field(default_factory=Counter)
    replayed: int = 0


class StoreWorker:
    def __init__(
        self,
        db_path: str,
        server: redis.Redis,
        settings: BaseSettings,
        echo: Callable[[str], None],
    ) -> None:
        self.db_path = db_path
        self.server = server
        self.settings = settings
        self.echo = echo
        self.inbox = Inbox(server, settings.getfloat("CRAWLER_QUEUE_LEASE_SECONDS"))
        self.writer = BatchWriter(db_path)
        self.stories = StoryConfig.from_settings(settings)
        self.batch_size = max(1, settings.getint("CRAWLER_STORE_BATCH"))
        self.totals = Totals()
        self.stopping = False

    # --- the loop ---------------------------------------------------------------------
    def run(self, until_idle: float | None = None) -> Totals:
        """Drain until stopped, or until no message came for ``until_idle`` seconds."""
        self.inbox.claim()
        try:
            self.seed()
            unfinished = self.inbox.unfinished()
            if unfinished:
                self.echo(
                    f"store-worker: {len(unfinished)} messages of an interrupted batch: "
                    "applying them (what was committed is skipped)"
                )
                self.apply(unfinished)
            idle_since = last_line = time.monotonic()
            while not self.stopping:
                self.inbox.renew()
                batch = self.inbox.take(self.batch_size, WAIT_SECONDS)
                now = time.monotonic()
                if batch:
                    self.apply(batch)
                    idle_since = now
                    if now - last_line >= PROGRESS_SECONDS:
                        last_line = now
                        waiting = self.inbox.waiting()
                        self.echo(f"store-worker: {self.totals.line()}; {waiting} waiting")
                    continue
                self.finish_runs()
                if until_idle is not None and now - idle_since >= until_idle:
                    break
            self.finish_runs()
        finally:
            self.writer.close()
            self.inbox.release()
        return self.totals

    def stop(self) -> None:
        """Stop after the batch in hand (a signal handler calls this)."""
        self.stopping = True

    # --- what the spiders remember ------------------------------------------------------
    def seed(self) -> None:
        """Publish every stored URL (idempotent): a worker killed between a commit and
        its publishing, or a database filled without the queue, leaves nothing out."""
        with closing(open_db(self.db_path)) as db:
            sources = [r[0] for r in db.execute("SELECT DISTINCT source FROM articles")]
            for source in sources:
                rows = db.execute("SELECT url FROM articles WHERE source = ?", [source])
                while chunk := rows.fetchmany(SEED_CHUNK):
                    digests = [digest64(url).to_bytes(8, "big") for (url,) in chunk]
                    self.server.sadd(Keys.known(source), *digests)
                latest = [
                    url
                    for (url,) in db.execute(
                        "SELECT url FROM articles WHERE source = ? ORDER BY id DESC LIMIT ?",
                        [source, SEED_URLS],
                    )
                ]
                pipe = self.server.pipeline(transaction=True)
                pipe.delete(Keys.recent(source))
                if latest:
                    pipe.rpush(Keys.recent(source), *latest)
                pipe.execute()

    # --- one batch --------------------------------------------------------------------------
    def apply(self, raws: list[bytes]) -> None:
        """Write a batch in one transaction, then release it from Redis."""
        messages = []
        for raw in raws:
            message = decode(raw)
            if message is None:
                self.inbox.dead_letter(raw)
                self.totals.failed += 1
                logger.error("not a message of the store queue: %r", raw[:200])
            else:
                messages.append((raw, message))
        try:
            applied, _retried = self.writer.run(lambda db, forms: self.write(db, forms, messages))
        except Exception:
            applied = self.salvage(messages)
        self.inbox.done()
        publish_stored(self.server, applied.stored, SEED_URLS)
        self.totals.messages += len(raws)
        self.totals.batches += 1
        self.totals.replayed += applied.replayed
        self.totals.outcomes.update(applied.outcomes)
        self.finish_runs()

    def write(
        self,
        db: sqlite_utils.Database,
        known_forms: set[str],
        messages: list[tuple[bytes, dict[str, Any]]],
    ) -> Applied:
        applied = Applied()
        counts = shared_runs.RunCounts()
        touched: set[int] = set()
        with transaction(db):
            progress = self.progress(db, {m["process"] for _raw, m in messages})
            for _raw, message in messages:
                process, seq = message["process"], message["seq"]
                if seq <= progress.get(process, 0):
                    applied.replayed += 1
                    continue
                self.apply_one(db, message, known_forms, touched, counts, applied)
                progress[process] = seq
            for story in sorted(touched):
                refresh_story(db, story)
            counts.flush(db)
            now = utc_now()
            db.conn.executemany(
                "INSERT OR REPLACE INTO queue_progress (process, seq, applied_at) VALUES (?, ?, ?)",
                [(process, seq, now) for process, seq in progress.items()],
            )
        return applied

    def apply_one(
        self,
        db: sqlite_utils.Database,
        message: dict[str, Any],
        known_forms: set[str],
        touched: set[int],
        counts: shared_runs.RunCounts,
        applied: Applied,
    ) -> None:
        kind = message["type"]
        if kind == JOINED:
            shared_runs.joined(db, message)
            return
        if kind != ARTICLE:
            shared_runs.left(db, message)
            return
        record = message["record"]
        if same_body_elsewhere(db, record):
            outcome = "dropped"  # as the dedup stage does in a one-process crawl
        else:
            outcome = save_article(
                db,
                record,
                message.get("mentions") or [],
                message.get("lexicon") or "",
                stories=self.stories,
                known_forms=known_forms,
                touched_stories=touched,
            )
        counts.add(message["spider"], message["run"], outcome)
        applied.outcomes[outcome] += 1
        if outcome == "new":
            applied.stored.setdefault(record["source"], []).append(record["url"])

    def salvage(self, messages: list[tuple[bytes, dict[str, Any]]]) -> Applied:
        """The batch failed: apply its messages one at a time, so a bad one loses only
        itself (kept in ``crawler:items:failed``)."""
        applied = Applied()
        for entry in messages:
            raw, message = entry
            try:
                one, _retried = self.writer.run(
                    lambda db, forms, entry=entry: self.write(db, forms, [entry])
                )
            except Exception:
                logger.error("a message could not be stored:\n%s", traceback.format_exc(limit=5))
                self.inbox.dead_letter(raw)
                self.totals.failed += 1
                self.skip(message)
                continue
            for source, urls in one.stored.items():
                applied.stored.setdefault(source, []).extend(urls)
            applied.outcomes.update(one.outcomes)
            applied.replayed += one.replayed
        return applied

    def skip(self, message: dict[str, Any]) -> None:
        """Count a failed message as applied, so a replay does not fail on it again."""
        db = self.writer.connection()
        with transaction(db):
            db.execute(
                "INSERT INTO queue_progress (process, seq, applied_at) VALUES (?, ?, ?) "
                "ON CONFLICT (process) DO UPDATE SET seq = max(seq, excluded.seq), "
                "applied_at = excluded.applied_at",
                [message["process"], message["seq"], utc_now()],
            )

    @staticmethod
    def progress(db: sqlite_utils.Database, processes: set[str]) -> dict[str, int]:
        """The last message number applied of each of ``processes``."""
        found = {}
        for process in processes:
            row = db.execute(
                "SELECT seq FROM queue_progress WHERE process = ?", [process]
            ).fetchone()
            found[process] = row[0] if row else 0
        return found

    # --- runs ---------------------------------------------------------------------------------
    def finish_runs(self) -> None:
        """Judge the shared runs that are over, and say so."""
        db = self.writer.connection()
        finished = shared_runs.finish_ready(db, self.alive, self.settings)
        for row in finished:
            self.totals.runs += 1
            health = "" if row["health"] == "healthy" else f"; UNHEALTHY: {row['health_reasons']}"
            self.echo(
                f"store-worker: run #{row['id']} of {row['spider']} finished: {row['status']}, "
                f"{row['requests']} requests, {row['items_new']} new, {row['errors']} errors"
                + health
            )

    def alive(self, process: str) -> bool:
        return bool(self.server.exists(Keys.owner(process)))


def same_body_elsewhere(db: sqlite_utils.Database, record: dict[str, Any]) -> bool:
    """Another URL of the same source has this body: the crawl processes' dedup stages
    each see their own items only, so the worker checks across them."""
    body_hash = record.get("body_hash")
    if not body_hash:
        return False
    row = db.execute(
        "SELECT 1 FROM articles WHERE source = ? AND body_hash = ? AND url != ? LIMIT 1",
        [record.get("source"), body_hash, record.get("url")],
    ).fetchone()
    return row is not None
