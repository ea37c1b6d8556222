"""``crawler run``: the scheduled job."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from crawler.alerts import SmtpSettings, Subscriptions, run_alerts
from crawler.cli.alerts import (
    echo_report,
    load_alert_config,
    send_backlog_option,
    subscriptions_option,
)
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
@send_backlog_option
@verbose_option
def command(
    db: Path,
    sources: str | None,
    queue: str | None,
    scrapy_settings: tuple[str, ...],
    subscriptions: Path | None,
    send_backlog: bool,
    verbose: bool,
) -> None:
    """The scheduled job: crawl incrementally, process, send alerts; print a summary.

    Alerts that failed wait for their retry time (CRAWLER_ALERT_RETRY_SECONDS,
    60 s by default, doubled after each failure up to 6 h); `crawler alerts`
    sends them at once. A second run started while one is still going exits
    at once (code 0). With --queue it crawls through the shared queue (see
    `crawler crawl`) and leaves the alerts to the machine of the store worker.

    Example: crawler run --db crafts.db
    """
    overrides = parse_settings(scrapy_settings)
    chosen = chosen_sources(sources, overrides)
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
            send_alerts(db, subs, smtp, send_backlog=send_backlog)
    except LockHeld as exc:
        click.echo(f"skipped: {exc}", err=True)
        sys.exit(EXIT_LOCKED)
    if not ok:
        sys.exit(1)


def send_alerts(
    db: Path, subs: Subscriptions, smtp: SmtpSettings | None, *, send_backlog: bool = False
) -> None:
    """Queue and send alerts; an outage leaves them queued for a later run."""
    if not subs.recipients:
        click.echo("alerts: no recipients (no subscriptions file and ALERT_TO not set)")
        return
    database = open_db(db)
    try:
        echo_report(run_alerts(database, subs, smtp, send_backlog=send_backlog))
    finally:
        database.close()
