"""The store stage's writer: one thread of the crawl that writes batches of articles.

Writing an article costs a few milliseconds and the crawl fetches about one
page a second, so a thread is enough; it keeps SQLite's waits for the write
lock off the reactor. The queue is bounded, so a slow disk slows the crawl
down instead of filling memory. Each batch is one ``BEGIN IMMEDIATE``
transaction; when an article in it fails, the batch is written again one
article at a time, so only that article is lost (counted and logged). If the
thread itself dies, the batches it held or had queued are written by the
thread that notices: the failure is counted, no article is lost and nothing
waits forever.
"""

from __future__ import annotations

import atexit
import queue
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from crawler.store.db import is_busy, open_db, transaction
from crawler.stories import StoryConfig

if TYPE_CHECKING:
    import sqlite_utils

T = TypeVar("T")
Batch = list[tuple[dict[str, Any], list[dict[str, Any]], str]]
# Forms the search index already holds, remembered across batches; bounded.
KNOWN_FORMS_LIMIT = 500_000
# The writer's SQLite page cache. Each article looks up and inserts dozens of
# index entries (story bands, search vocabulary) all over a growing file; with
# SQLite's default 2 MB most of them are reads from the OS. Bounded, and small
# enough for the crawl process to peak under 200 MB at 20 000 articles per
# source (64 MB peaked at 245 MB, 16 MB at 191-202 MB, 8 MB at 187 MB; measured
# side by side with bench/bench_throughput.py --compare, docs/performance.md).
WRITER_CACHE_MB = 8
# A batch that meets a locked database (another program holding the write lock
# past busy_timeout, or a stale read snapshot) is rolled back and written
# again on a fresh connection, this many times in all, before it is reported lost.
BUSY_ATTEMPTS = 4
BUSY_BACKOFF_SECONDS = 0.25
RETRIES_STAT = "crawler/store_batches_retried"
# Batches written again one article at a time after one of their articles failed.
SALVAGED_STAT = "crawler/store_batches_salvaged"
# Batches handed over and not yet taken by the writer: past this the store stage waits.
MAX_QUEUED = 4
THREAD_NAME = "crawler-store-writer"


def tune_for_writing(db: Any) -> None:
    """Settings of a connection that writes a crawl's batches."""
    db.execute(f"PRAGMA cache_size = {-WRITER_CACHE_MB * 1024}")


def write_batch(db: Any, batch: Batch, stories: StoryConfig, known_forms: set[str]) -> Counter:
    """Write one batch in one transaction; returns the outcome counts."""
    from crawler.store.storage import save_article
    from crawler.stories.linking import refresh_story

    counts: Counter = Counter()
    if len(known_forms) > KNOWN_FORMS_LIMIT:
        known_forms.clear()
    touched: set[int] = set()
    with transaction(db):  # one transaction, the write lock taken before the first read
        for record, mentions, lexicon in batch:
            outcome = save_article(
                db,
                record,
                mentions,
                lexicon,
                stories=stories,
                known_forms=known_forms,
                touched_stories=touched,
            )
            counts[f"crawler/items_{outcome}"] += 1
            if outcome != "unchanged":
                counts["crawler/mentions_stored"] += len(mentions)
        for story in sorted(touched):  # once per story, not once per article
            refresh_story(db, story)
    return counts


class BatchWriter:
    """A connection that writes batches, and what it remembers between them."""

    def __init__(self, db_path: str) -> None:
        self.db_path = db_path
        self.db: sqlite_utils.Database | None = None
        self.known_forms: set[str] = set()

    def connection(self) -> sqlite_utils.Database:
        """The open connection (opened and migrated on first use)."""
        if self.db is None:
            self.db = open_db(self.db_path)
            tune_for_writing(self.db)
        return self.db

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None

    def write(self, stories: StoryConfig, batch: Batch) -> Counter:
        """Write ``batch`` in one transaction, again on a locked database; raises if it cannot."""
        counts, retried = self.run(
            lambda db, forms: write_batch(db, batch, stories, forms)  # one transaction
        )
        if retried:
            counts[RETRIES_STAT] += 1
        return counts

    def run(self, work: Callable[[sqlite_utils.Database, set[str]], T]) -> tuple[T, bool]:
        """``work(db, known_forms)``, a function that writes in one transaction, again on a
        fresh connection while the database is locked; returns its result and whether
        it had to be run again. Raises what else it raises."""
        attempt = 1
        while True:
            try:
                result = work(self.connection(), self.known_forms)
            except Exception as exc:
                # The rolled-back batch's forms are not in the index after all.
                self.known_forms.clear()
                if not is_busy(exc) or attempt == BUSY_ATTEMPTS:
                    raise
                # A fresh connection holds no read snapshot that could be stale.
                self.close()
                time.sleep(BUSY_BACKOFF_SECONDS * attempt)
                attempt += 1
                continue
            return result, attempt > 1

    def write_salvaging(self, stories: StoryConfig, batch: Batch) -> Outcome:
        """Write ``batch``; when it fails, write its articles one at a time, so one
        bad article loses only itself. Never raises for an article's error."""
        try:
            return Outcome(self.write(stories, batch))
        except Exception as exc:
            # A lock held past every retry would fail each article the same way, slowly.
            if is_busy(exc) or len(batch) == 1:
                return Outcome(Counter(), [(len(batch), _trace(batch))])
        outcome = Outcome(Counter({SALVAGED_STAT: 1}))
        for entry in batch:
            try:
                outcome.counts.update(self.write(stories, [entry]))
            except Exception:
                outcome.failures.append((1, _trace([entry])))
        return outcome


def _trace(batch: Batch) -> str:
    """The current exception, naming the article when there is one."""
    name = batch[0][0].get("url") if len(batch) == 1 else f"a batch of {len(batch)}"
    return f"{name}: {traceback.format_exc(limit=5)}"


@dataclass
class Outcome:
    """What writing a batch did: counts for the stats and the articles lost
    as (number, traceback); ``writer_failure`` when the writer thread died."""

    counts: Counter = field(default_factory=Counter)
    failures: list[tuple[int, str]] = field(default_factory=list)
    writer_failure: str | None = None


class Job:
    """A batch handed to the writer, and its outcome once written."""

    def __init__(self, stories: StoryConfig, batch: Batch) -> None:
        self.stories = stories
        self.batch = batch
        self.outcome: Outcome | None = None
        self.done = threading.Event()

    def finish(self, outcome: Outcome) -> None:
        self.outcome = outcome
        self.done.set()


class StoreThread:
    """One writer thread per database, shared by the spiders of a crawl."""

    def __init__(self, db_path: str, max_queued: int = MAX_QUEUED) -> None:
        self.db_path = db_path
        self.jobs: queue.Queue[Job | None] = queue.Queue(maxsize=max_queued)
        # Handed over and not written yet: what a rescue writes if the thread dies.
        self.unfinished: set[Job] = set()
        self.lock = threading.Lock()
        self.failure: str | None = None
        self.users = 0
        self.stopped = False
        # Daemon, and stopped at exit: a crawl that ends without closing its
        # spiders (a second Ctrl-C) still writes what it handed over, then exits.
        self.thread = threading.Thread(target=self._serve, name=THREAD_NAME, daemon=True)
        self.thread.start()
        atexit.register(self.stop)

    def _serve(self) -> None:
        writer = BatchWriter(self.db_path)
        try:
            while (job := self.jobs.get()) is not None:
                self._finish(job, writer.write_salvaging(job.stories, job.batch))
        except BaseException:
            self.failure = traceback.format_exc(limit=5)
        finally:
            writer.close()  # rolls back a transaction it died in

    def _finish(self, job: Job, outcome: Outcome) -> None:
        with self.lock:
            self.unfinished.discard(job)
        job.finish(outcome)

    @property
    def alive(self) -> bool:
        return self.thread.is_alive()

    def try_submit(self, job: Job) -> bool:
        """Queue ``job`` if there is room and the thread runs; False otherwise."""
        if not self.alive:
            return False
        with self.lock:
            self.unfinished.add(job)
        try:
            self.jobs.put_nowait(job)
        except queue.Full:
            with self.lock:
                self.unfinished.discard(job)
            return False
        return True

    def submit(self, job: Job) -> None:
        """Queue ``job``, waiting for room; written here if the thread has died."""
        with self.lock:
            self.unfinished.add(job)
        while self.alive:
            try:
                self.jobs.put(job, timeout=0.5)
                return
            except queue.Full:
                continue
        self.rescue()

    def wait(self, job: Job) -> Outcome:
        """Wait until ``job`` is written (here, if the thread dies meanwhile)."""
        while not job.done.wait(0.5):
            if not self.alive:
                self.rescue()
        assert job.outcome is not None
        return job.outcome

    def rescue(self) -> None:
        """Write what the dead thread held or had queued, in the calling thread."""
        with self.lock:
            jobs = [job for job in self.unfinished if not job.done.is_set()]
        if not jobs:
            return
        writer = BatchWriter(self.db_path)
        try:
            for job in jobs:
                with self.lock:  # two rescuers must not write a job twice
                    if job not in self.unfinished:
                        continue
                    self.unfinished.discard(job)
                outcome = writer.write_salvaging(job.stories, job.batch)
                outcome.writer_failure = self.failure or "the store writer thread ended"
                job.finish(outcome)
        finally:
            writer.close()
        while True:  # what the dead thread's queue still holds is written above
            try:
                self.jobs.get_nowait()
            except queue.Empty:
                break

    def stop(self) -> None:
        """Let the thread write what it was handed, and wait for it to end."""
        if self.stopped:
            return
        self.stopped = True
        atexit.unregister(self.stop)
        while self.alive:
            try:
                self.jobs.put(None, timeout=0.5)
                break
            except queue.Full:
                continue
        self.thread.join()
        self.rescue()


_shared: dict[str, StoreThread] = {}
_shared_lock = threading.Lock()  # release() runs on a thread (see StorePipeline)


def acquire(db_path: str) -> StoreThread:
    """The writer of ``db_path`` in this process, started on first use."""
    with _shared_lock:
        writer = _shared.get(db_path)
        if writer is None or writer.stopped:
            writer = _shared[db_path] = StoreThread(db_path)
        writer.users += 1
        return writer


def release(writer: StoreThread) -> None:
    """Stop the writer when its last user leaves."""
    with _shared_lock:
        writer.users -= 1
        last = writer.users == 0
        if last and _shared.get(writer.db_path) is writer:
            del _shared[writer.db_path]
    if last:
        writer.stop()
