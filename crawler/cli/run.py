"""``crawler run``: the scheduled job."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from crawler.alerts import SmtpSettings, Subscriptions, run_alerts
from crawler.cli.alerts import echo_report, load_alert_config, subscriptions_option
from crawler.cli.options import (
    chosen_queue,
    parse_settings,
    parse_sources,
    queue_option,
    settings_option,
    sources_option,
    verbose_option,
    writable_db_option,
)
from crawler.run.jobs import available_sources, crawl_job, report
from crawler.store.db import open_db
from crawler.store.lock import LockHeld, run_lock

# Exit code when another run still holds the lock: nothing was wrong, nothing was done.
EXIT_LOCKED = 0


@click.command("run")
@writable_db_option
@sources_option
@queue_option
@settings_option
@subscriptions_option
@verbose_option
def command(
    db: Path,
    sources: str | None,
    queue: str | None,
    scrapy_settings: tuple[str, ...],
    subscriptions: Path | None,
    verbose: bool,
) -> None:
    """The scheduled job: crawl incrementally, process, send alerts; print a summary.

    A second run started while one is still going exits at once (code 0).
    With --queue it crawls through the shared queue (see `crawler crawl`) and
    leaves the alerts to the machine of the store worker.

    Example: crawler run --db crafts.db
    """
    chosen = parse_sources(sources, available_sources())
    overrides = parse_settings(scrapy_settings)
    if chosen_queue(queue, overrides):
        summaries = crawl_job(db, chosen, overrides=overrides, verbose=verbose)
        ok = report(summaries)
        # The database, and so the alerts, are where the store worker runs.
        click.echo(
            "alerts: not sent from a crawl process; run `crawler alerts` beside the store worker"
        )
        if not ok:
            sys.exit(1)
        return
    # A bad subscriptions file or SMTP setting stops the job before the crawl.
    subs, smtp = load_alert_config(db, subscriptions)
    try:
        with run_lock(db):
            summaries = crawl_job(db, chosen, overrides=overrides, verbose=verbose)
            ok = report(summaries)
            send_alerts(db, subs, smtp)
    except LockHeld as exc:
        click.echo(f"skipped: {exc}", err=True)
        sys.exit(EXIT_LOCKED)
    if not ok:
        sys.exit(1)


def send_alerts(db: Path, subs: Subscriptions, smtp: SmtpSettings | None) -> None:
    """Queue and send alerts; a mail outage leaves them queued for the next run."""
    if not subs.recipients:
        click.echo("alerts: no recipients (no subscriptions file and ALERT_TO not set)")
        return
    database = open_db(db)
    try:
        echo_report(run_alerts(database, subs, smtp))
    finally:
        database.close()
