"""The crawl's helper processes yield the CPU to the reactor."""

from __future__ import annotations

import multiprocessing
import os
import time

from crawler import writer
from crawler.priority import HELPER_NICENESS, lower_priority


def _niceness_after_lowering(queue) -> None:
    lower_priority()
    queue.put(os.nice(0))


def _niceness_of(pid: int, seconds: float = 10.0) -> int:
    """The niceness of ``pid`` once it has lowered it (a helper does so as it starts)."""
    deadline = time.monotonic() + seconds
    while os.getpriority(os.PRIO_PROCESS, pid) == os.nice(0) and time.monotonic() < deadline:
        time.sleep(0.05)
    return os.getpriority(os.PRIO_PROCESS, pid)


def test_lower_priority_takes_the_lowest_niceness() -> None:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_niceness_after_lowering, args=(queue,))
    process.start()
    niceness = queue.get(timeout=30)
    process.join()
    assert niceness == min(19, os.nice(0) + HELPER_NICENESS)
    assert os.nice(0) < niceness  # the calling process keeps its own priority


def test_the_store_writer_runs_at_low_priority(tmp_path) -> None:
    db_path = str(tmp_path / "crafts.db")
    store = writer.acquire(db_path)
    try:
        assert _niceness_of(store.process.pid) > os.nice(0)
    finally:
        writer.release(db_path, "test")
