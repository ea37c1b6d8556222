"""The store stage's writer: a child process that writes batches of articles.

SQLite, story linking and the search index cost more CPU per article than the
rest of the pipelines together, and none of it has to answer the crawl. In a
child process it runs on the second core while the reactor keeps fetching.
The queue between them is bounded, so a slow disk slows the crawl down instead
of filling memory. If the crawl dies, the writer notices its parent is gone,
writes what it has received and exits, so a killed crawl loses only the batch
it had not handed over yet.
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
import queue
import threading
import time
import traceback
from collections import Counter
from typing import TYPE_CHECKING, Any

from crawler.db import is_busy, open_db, transaction
from crawler.stories import StoryConfig

if TYPE_CHECKING:
    import sqlite_utils

Batch = list[tuple[dict[str, Any], list[dict[str, Any]], str]]
# Forms the search index already holds, remembered across batches; bounded.
KNOWN_FORMS_LIMIT = 500_000
# The writer's SQLite page cache. Each article looks up and inserts dozens of
# index entries (story bands, search vocabulary) all over a growing file; with
# SQLite's default 2 MB most of them are reads from the OS. Bounded, so the
# writer's memory stops growing here.
WRITER_CACHE_MB = 64
# A batch that meets a locked database (another program holding the write lock
# past busy_timeout, or a stale read snapshot) is rolled back and written
# again on a fresh connection, this many times in all, before it is reported lost.
BUSY_ATTEMPTS = 4
BUSY_BACKOFF_SECONDS = 0.25
RETRIES_STAT = "crawler/store_batches_retried"


def tune_for_writing(db: Any) -> None:
    """Settings of a connection that writes a crawl's batches."""
    db.execute(f"PRAGMA cache_size = {-WRITER_CACHE_MB * 1024}")


def write_batch(db: Any, batch: Batch, stories: StoryConfig, known_forms: set[str]) -> Counter:
    """Write one batch in one transaction; returns the outcome counts."""
    from crawler.storage import save_article
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
        attempt = 1
        while True:
            try:
                counts = write_batch(self.connection(), batch, stories, self.known_forms)
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
            if attempt > 1:
                counts[RETRIES_STAT] += 1
            return counts


def _exit_with_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(0)


def _serve(db_path: str, inbox: Any, outbox: Any, parent: int) -> None:
    from crawler.malloc_policy import return_freed_memory
    from crawler.priority import lower_priority

    lower_priority()
    return_freed_memory()
    # A crawl killed while its queue feeder was writing leaves half a message in
    # the pipe: get() then blocks on the rest for ever (this process holds the
    # pipe's other end too, so no EOF comes). Exit when the parent is gone; an
    # open transaction is rolled back by SQLite, as after any kill.
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()
    writer = BatchWriter(db_path)
    writer.connection()
    try:
        while True:
            try:
                message = inbox.get(timeout=1.0)
            except queue.Empty:
                if os.getppid() != parent:  # the crawl was killed: nothing more will come
                    return
                continue
            if message is None:
                return
            tag, kind, payload = message
            if kind == "sync":  # every earlier batch of this tag is written
                outbox.put((tag, "synced", None))
                continue
            stories, batch = payload
            try:
                outbox.put((tag, "ok", writer.write(stories, batch)))
            except Exception:  # report, keep serving: one bad batch must not stop the rest
                outbox.put((tag, "error", (len(batch), traceback.format_exc(limit=5))))
    finally:
        writer.close()


class StoreWriter:
    """One writer process per database, shared by the spiders of a crawl.

    Each store stage has a tag; its batches and reports carry it, and
    ``sync(tag)`` waits until everything that stage handed over is written.
    """

    def __init__(self, db_path: str, max_pending: int = 4) -> None:
        context = multiprocessing.get_context("spawn")
        self.inbox = context.Queue(maxsize=max_pending)
        self.outbox = context.Queue()
        self.process = context.Process(
            target=_serve,
            args=(db_path, self.inbox, self.outbox, os.getpid()),
            name="crawler-store-writer",
        )
        self.process.start()
        # A crawl that ends without closing its spiders (a second Ctrl-C) must
        # still exit: the writer would wait for its parent while the parent
        # waits for it. At exit it writes what it was handed, then stops.
        atexit.register(self.stop)
        self.stopped = False
        self.users = 0
        self.received: dict[str, list[tuple[str, Any]]] = {}
        # One stage may wait in sync() on a thread while another stage of the
        # crawl reads its reports on the reactor thread.
        self._received_lock = threading.Lock()

    def _put(self, message: Any) -> None:
        while True:
            try:
                self.inbox.put(message, timeout=1.0)
                return
            except queue.Full:
                if not self.process.is_alive():
                    raise RuntimeError("the store writer died") from None

    def submit(self, tag: str, stories: StoryConfig, batch: Batch) -> None:
        """Queue a batch; blocks while the writer is ``max_pending`` messages behind."""
        self._put((tag, "batch", (stories, batch)))

    def _collect(self, wait: bool) -> tuple[str, str, Any] | None:
        try:
            tag, kind, value = self.outbox.get(timeout=1.0) if wait else self.outbox.get_nowait()
        except queue.Empty:
            return None
        with self._received_lock:
            self.received.setdefault(tag, []).append((kind, value))
        return tag, kind, value

    def reports(self, tag: str) -> list[tuple[str, Any]]:
        """What the writer reported for ``tag`` so far (without waiting)."""
        while self._collect(wait=False):
            pass
        with self._received_lock:
            found = self.received.pop(tag, [])
        return [r for r in found if r[0] != "synced"]

    def _synced(self, tag: str) -> bool:
        with self._received_lock:
            return any(kind == "synced" for kind, _ in self.received.get(tag, []))

    def sync(self, tag: str) -> list[tuple[str, Any]]:
        """Wait until every batch of ``tag`` is written; return its reports.

        Blocks: the store stage calls it on a thread, so the other spiders of
        the crawl go on meanwhile."""
        self._put((tag, "sync", None))
        while not self._synced(tag):
            if self._collect(wait=True) is None and not self.process.is_alive():
                raise RuntimeError("the store writer died")
        return self.reports(tag)

    def stop(self) -> None:
        """Let the writer write what it was handed, and wait for it to end."""
        if self.stopped:
            return
        self.stopped = True
        atexit.unregister(self.stop)
        if self.process.is_alive():
            self._put(None)
        self.process.join()
        self.inbox.close()
        self.outbox.close()


_shared: dict[str, StoreWriter] = {}
_shared_lock = threading.Lock()  # release() may run on a thread (see StorePipeline)


def acquire(db_path: str) -> StoreWriter:
    """The writer of ``db_path`` in this process, started on first use."""
    with _shared_lock:
        writer = _shared.get(db_path)
        if writer is None or not writer.process.is_alive():
            writer = _shared[db_path] = StoreWriter(db_path)
        writer.users += 1
        return writer


def release(db_path: str, tag: str) -> list[tuple[str, Any]]:
    """Finish ``tag``'s writing; stop the writer when its last user leaves.

    Blocks until the writer has written ``tag``'s batches."""
    writer = _shared[db_path]
    found = writer.sync(tag)
    with _shared_lock:
        writer.users -= 1
        last = writer.users == 0
        if last and _shared.get(db_path) is writer:
            del _shared[db_path]
    if last:
        writer.stop()
    return found
