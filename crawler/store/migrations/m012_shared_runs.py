"""Crawls through the shared queue: one ``crawl_runs`` row per shared run, what each
crawl process of it reported, and how far the store worker has applied each
process's messages (so a batch replayed after a crash is applied once)."""

from __future__ import annotations

import sqlite_utils


def migrate(db: sqlite_utils.Database) -> None:
    runs = db["crawl_runs"]
    runs.add_column("queue_run", str)  # the shared run's id; NULL for a one-process crawl
    runs.add_column("processes", int)  # crawl processes that joined it
    runs.create_index(["spider", "queue_run"], if_not_exists=True)
    db["crawl_run_processes"].create(
        {
            "process": str,  # host:pid:spider:random, one spider in one crawl process
            "run_id": int,  # crawl_runs.id
            "starter": int,
            "joined_at": str,
            "left_at": str,
            "reason": str,  # Scrapy's finish reason
            "ended": int,  # 1: this process saw the run end
            "stats": str,  # JSON of its Scrapy stats
        },
        pk="process",
        if_not_exists=True,
    )
    db["crawl_run_processes"].create_index(["run_id"], if_not_exists=True)
    db["queue_progress"].create(
        {"process": str, "seq": int, "applied_at": str}, pk="process", if_not_exists=True
    )
