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

import multiprocessing
import os
import queue
import traceback
from collections import Counter
from typing import Any

from crawler.stories import StoryConfig

Batch = list[tuple[dict[str, Any], list[dict[str, Any]], str]]
# Forms the search index already holds, remembered across batches; bounded.
KNOWN_FORMS_LIMIT = 500_000


def write_batch(db: Any, batch: Batch, stories: StoryConfig, known_forms: set[str]) -> Counter:
    """Write one batch in one transaction; returns the outcome counts."""
    from crawler.storage import save_article

    counts: Counter = Counter()
    if len(known_forms) > KNOWN_FORMS_LIMIT:
        known_forms.clear()
    with db.conn:
        for record, mentions, lexicon in batch:
            outcome = save_article(
                db, record, mentions, lexicon, stories=stories, known_forms=known_forms
            )
            counts[f"crawler/items_{outcome}"] += 1
            if outcome != "unchanged":
                counts["crawler/mentions_stored"] += len(mentions)
    return counts


def _serve(db_path: str, stories: StoryConfig, inbox: Any, outbox: Any, parent: int) -> None:
    from crawler.db import open_db

    db = open_db(db_path)
    known_forms: set[str] = set()
    try:
        while True:
            try:
                batch = inbox.get(timeout=1.0)
            except queue.Empty:
                if os.getppid() != parent:  # the crawl was killed: nothing more will come
                    return
                continue
            if batch is None:
                return
            try:
                outbox.put(("ok", write_batch(db, batch, stories, known_forms)))
            except Exception:  # report, keep serving: one bad batch must not stop the rest
                outbox.put(("error", (len(batch), traceback.format_exc(limit=5))))
    finally:
        db.close()


class StoreWriter:
    """Hands batches to the writer process and collects what it reports."""

    def __init__(self, db_path: str, stories: StoryConfig, max_pending: int = 4) -> None:
        context = multiprocessing.get_context("spawn")
        self.inbox = context.Queue(maxsize=max_pending)
        self.outbox = context.Queue()
        self.process = context.Process(
            target=_serve,
            args=(db_path, stories, self.inbox, self.outbox, os.getpid()),
            name="crawler-store-writer",
        )
        self.process.start()

    def submit(self, batch: Batch) -> None:
        """Queue a batch; blocks while the writer is ``max_pending`` batches behind."""
        while True:
            try:
                self.inbox.put(batch, timeout=1.0)
                return
            except queue.Full:
                if not self.process.is_alive():
                    raise RuntimeError("the store writer died") from None

    def reports(self, wait: bool = False) -> list[tuple[str, Any]]:
        found = []
        while True:
            try:
                found.append(self.outbox.get(timeout=1.0) if wait else self.outbox.get_nowait())
            except queue.Empty:
                return found

    def close(self) -> list[tuple[str, Any]]:
        """Finish writing, stop the process and return the last reports."""
        if self.process.is_alive():
            self.inbox.put(None)
        found = []
        while self.process.is_alive() or not self.outbox.empty():
            found.extend(self.reports(wait=True))
        self.process.join()
        found.extend(self.reports())
        self.inbox.close()
        self.outbox.close()
        return found
