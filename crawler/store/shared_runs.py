"""``crawl_runs`` rows of crawls through the shared queue, kept by the store worker.

One row per shared run of a spider (``queue_run``), as for a one-process crawl: the
row is opened by the first ``joined`` message, counts the articles the worker
stores as they come, and is judged (status, health, alerts) once a process has seen
the run end and every process that joined has left or lost its lease. Its stats
are the processes' stats merged: counts summed, the run's first start and last
finish, discovery as the starter(s) saw it.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from typing import Any

import sqlite_utils
from scrapy.settings import BaseSettings

from crawler.alerts import enqueue_health_alert
from crawler.extensions import judged_row
from crawler.spiders.discovery import STAT_MISSING_HINTS, STAT_PARSED, STAT_REPORT
from crawler.store.db import transaction, utc_now
from crawler.store.storage import insert_row

# Stats of one process that say nothing about the run as a whole.
PER_PROCESS = frozenset({"crawler/queue/process", "crawler/run_id"})
HIGHEST = frozenset({"memusage/max", "memusage/startup", "elapsed_time_seconds"})


def run_row_id(db: sqlite_utils.Database, spider: str, run: str) -> int | None:
    row = db.execute(
        "SELECT id FROM crawl_runs WHERE spider = ? AND queue_run = ?", [spider, run]
    ).fetchone()
    return row[0] if row else None


def joined(db: sqlite_utils.Database, message: dict[str, Any]) -> int:
    """A process joined a shared run: the run's row (opened now if it is the first)."""
    spider, run = message["spider"], message["run"]
    row_id = run_row_id(db, spider, run)
    if row_id is None:
        # An earlier shared run of this spider that nobody finished will not be now.
        db.execute(
            "UPDATE crawl_runs SET status = 'interrupted' WHERE spider = ? "
            "AND status = 'running' AND queue_run IS NOT NULL AND queue_run != ?",
            [spider, run],
        )
        row_id = insert_row(
            db,
            "crawl_runs",
            {
                "spider": spider,
                "started_at": message.get("at") or utc_now(),
                "status": "running",
                "full": int(bool(message.get("full"))),
                "queue_run": run,
                "processes": 0,
                "items_new": 0,
                "items_updated": 0,
                "items_unchanged": 0,
                "items_dropped": 0,
            },
        )
    db.execute(
        "INSERT OR IGNORE INTO crawl_run_processes (process, run_id, starter, joined_at) "
        "VALUES (?, ?, ?, ?)",
        [message["process"], row_id, int(bool(message.get("starter"))), message.get("at")],
    )
    db.execute(
        "UPDATE crawl_runs SET processes = "
        "(SELECT count(*) FROM crawl_run_processes WHERE run_id = ?) WHERE id = ?",
        [row_id, row_id],
    )
    return row_id


def left(db: sqlite_utils.Database, message: dict[str, Any]) -> None:
    """A process left a shared run, with its stats."""
    row_id = joined(db, message)  # its joined message may be older than the row (resumed)
    stats = message.get("stats") or {}
    db.execute(
        "UPDATE crawl_run_processes SET left_at = ?, reason = ?, ended = ?, stats = ?, "
        "starter = max(starter, ?) WHERE process = ? AND run_id = ?",
        [
            message.get("at") or utc_now(),
            message.get("reason"),
            int(bool(message.get("ended"))),
            json.dumps(stats, ensure_ascii=False, sort_keys=True),
            int(bool(stats.get("crawler/queue/starter"))),
            message["process"],
            row_id,
        ],
    )


class RunCounts:
    """What the worker stored for each shared run, added to the rows in the batch's
    transaction (so a replayed batch does not count twice)."""

    def __init__(self) -> None:
        self.counts: dict[tuple[str, str], Counter] = {}

    def add(self, spider: str, run: str, outcome: str) -> None:
        self.counts.setdefault((spider, run), Counter())[outcome] += 1

    def flush(self, db: sqlite_utils.Database) -> None:
        for (spider, run), counts in self.counts.items():
            db.execute(
                "UPDATE crawl_runs SET items_new = items_new + ?, "
                "items_updated = items_updated + ?, items_unchanged = items_unchanged + ?, "
                "items_dropped = items_dropped + ? WHERE spider = ? AND queue_run = ?",
                [
                    counts["new"],
                    counts["updated"],
                    counts["unchanged"],
                    counts["dropped"],
                    spider,
                    run,
                ],
            )
        self.counts.clear()


def finish_ready(
    db: sqlite_utils.Database, alive: Callable[[str], bool], settings: BaseSettings
) -> list[dict[str, Any]]:
    """Judge the shared runs that are over; returns their finished rows."""
    finished = []
    running = db.execute(
        "SELECT id, spider, items_new, items_updated, items_unchanged, items_dropped "
        "FROM crawl_runs WHERE status = 'running' AND queue_run IS NOT NULL"
    ).fetchall()
    for row_id, spider, new, updated, unchanged, dropped in running:
        processes = db.execute(
            "SELECT process, left_at, ended, stats FROM crawl_run_processes WHERE run_id = ?",
            [row_id],
        ).fetchall()
        if not any(ended for _p, _l, ended, _s in processes):
            continue
        gone = [p for p, left_at, _e, _s in processes if left_at is None and not alive(p)]
        if any(left_at is None and p not in gone for p, left_at, _e, _s in processes):
            continue  # a process still works (or its last message is on its way)
        stats = merge_stats([json.loads(s) for _p, left_at, _e, s in processes if left_at])
        stats.update(
            {
                "crawler/items_new": new,
                "crawler/items_updated": updated,
                "crawler/items_unchanged": unchanged,
                "item_dropped_count": stats.get("item_dropped_count", 0) + dropped,
                "crawler/queue/processes": len(processes),
                "crawler/queue/processes_lost": len(gone),
            }
        )
        row, reasons = judged_row(db, spider, row_id, stats, stats.get("finish_reason"), settings)
        with transaction(db):
            db["crawl_runs"].update(row_id, row)
            for text in reasons:
                enqueue_health_alert(db, spider, text)
        finished.append({"id": row_id, "spider": spider, **row})
    return finished


def merge_stats(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """The stats of a run from those of its processes."""
    merged: dict[str, Any] = {}
    for stats in parts:
        for key, value in stats.items():
            if key in PER_PROCESS or value is None:
                continue
            if key in HIGHEST:
                merged[key] = max(merged.get(key, value), value)
            elif isinstance(value, bool):
                merged[key] = merged.get(key, False) or value
            elif isinstance(value, int | float):
                merged[key] = merged.get(key, 0) + value
            elif isinstance(value, list):
                merged[key] = sorted({*merged.get(key, []), *map(str, value)})
            else:
                merged.setdefault(key, value)
    starts = [s["start_time"] for s in parts if s.get("start_time")]
    finishes = [s["finish_time"] for s in parts if s.get("finish_time")]
    if starts:
        merged["start_time"] = min(starts)
    if finishes:
        merged["finish_time"] = max(finishes)
    # Discovery worked if any process's worked (a starter replaced after dying).
    reports = [s.get(STAT_REPORT) for s in parts if s.get(STAT_REPORT)]
    merged[STAT_REPORT] = None if merged.get(STAT_PARSED) else (reports[0] if reports else None)
    merged.setdefault(STAT_MISSING_HINTS, [])
    reasons = [s.get("finish_reason") for s in parts]
    merged["finish_reason"] = next((r for r in reasons if r != "finished"), "finished")
    return merged
