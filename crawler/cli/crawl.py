"""``crawler crawl``: crawl only."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from crawler.cli.options import (
    chosen_queue,
    chosen_sources,
    parse_settings,
    queue_option,
    settings_option,
    sources_option,
    verbose_option,
    writable_db_option,
)
from crawler.run.jobs import crawl_job, report
from crawler.store.lock import LockHeld, run_lock


@click.command("crawl")
@writable_db_option
@sources_option
@click.option(
    "--full", is_flag=True, help="Backfill the whole archive instead of stopping at known articles."
)
@queue_option
@settings_option
@verbose_option
def command(
    db: Path,
    sources: str | None,
    full: bool,
    queue: str | None,
    scrapy_settings: tuple[str, ...],
    verbose: bool,
) -> None:
    """Crawl the sources into the database, without sending alerts.

    Incremental unless --full; a --full backfill that was killed continues
    where it stopped when started again (stored articles are not fetched twice).

    With --queue, several crawl processes (on several machines) share one queue
    and send their items to `crawler store-worker`; --db is not used.

    Example: crawler crawl --db crafts.db --sources akimat -s DOWNLOAD_DELAY=0
    """
    overrides = parse_settings(scrapy_settings)
    chosen = chosen_sources(sources, overrides)
    if chosen_queue(queue, overrides):
        # No database here, so no lock: the crawl processes share the queue.
        summaries = crawl_job(db, chosen, full=full, overrides=overrides, verbose=verbose)
        if not report(summaries):
            sys.exit(1)
        return
    try:
        with run_lock(db):
            summaries = crawl_job(db, chosen, full=full, overrides=overrides, verbose=verbose)
    except LockHeld as exc:
        raise click.ClickException(str(exc)) from None
    if not report(summaries):
        sys.exit(1)
