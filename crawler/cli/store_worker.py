"""``crawler store-worker``: drain the shared queue into the database."""

from __future__ import annotations

import signal
from pathlib import Path

import click

from crawler.cli.options import (
    parse_settings,
    required_queue_option,
    settings_option,
    verbose_option,
    writable_db_option,
)
from crawler.store.lock import LockHeld, run_lock


@click.command("store-worker")
@writable_db_option
@required_queue_option
@click.option(
    "--until-idle",
    type=click.FloatRange(0),
    default=None,
    metavar="SECONDS",
    help="Exit once no item came for this long (for cron and tests; default: run until stopped).",
)
@settings_option
@verbose_option
def command(
    db: Path,
    queue: str,
    until_idle: float | None,
    scrapy_settings: tuple[str, ...],
    verbose: bool,
) -> None:
    """Store what the crawl processes of a shared queue found: the one writer of --db.

    Items and run records arrive through Redis from `crawler crawl --queue` on any
    number of machines; each is written exactly once, also after this worker was
    killed. Stop it with Ctrl-C or SIGTERM (it finishes the batch in hand).

    Example: crawler store-worker --db crafts.db --queue redis://10.0.0.5:6379/0
    """
    import logging

    import redis

    from crawler.run.jobs import check_overrides, check_settings
    from crawler.run.runner import build_settings
    from crawler.run.shared_queue import QueueUnreachable, check_reachable, connect, redacted
    from crawler.store.item_queue import WorkerBusy
    from crawler.store.queue_worker import StoreWorker

    overrides = parse_settings(scrapy_settings)
    check_overrides(overrides)
    settings = build_settings(db, overrides=overrides)
    settings.set("CRAWLER_QUEUE", None, "cmdline")  # checked above; not a crawl
    check_settings(settings)
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING)
    try:
        check_reachable(queue)
    except QueueUnreachable as exc:
        raise click.ClickException(str(exc)) from None
    worker = StoreWorker(str(db), connect(queue), settings, click.echo)
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: worker.stop())
    try:
        # The worker is the database's writer: no `crawler crawl` without --queue meanwhile.
        with run_lock(db):
            totals = worker.run(until_idle)
    except (LockHeld, WorkerBusy) as exc:
        raise click.ClickException(str(exc)) from None
    except redis.RedisError as exc:
        # What was committed stays; the interrupted batch waits in Redis for the next worker.
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise click.ClickException(
            f"the queue {redacted(queue)} stopped answering: {reason}"
        ) from None
    click.echo(f"store-worker: done: {totals.line()}")
    if totals.failed:
        raise SystemExit(1)
