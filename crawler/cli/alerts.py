"""``crawler alerts``: queue alerts for new mentions and send them, now."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from crawler.alerts import (
    AlertReport,
    AlertSettings,
    ConfigError,
    SmtpSettings,
    Subscriptions,
    load_subscriptions,
    run_alerts,
    send_test_messages,
)
from crawler.cli.options import F, db_option


def subscriptions_option(func: F) -> F:
    return click.option(
        "--subscriptions",
        "subscriptions",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="Subscriptions file (default: $CRAWLER_SUBSCRIPTIONS, else subscriptions.toml "
        "next to the database; without one, everything goes to $ALERT_TO).",
    )(func)


def send_backlog_option(func: F) -> F:
    return click.option(
        "--send-backlog",
        is_flag=True,
        help="A recipient's channel that never had an alert gets the archive's stories "
        "(at most CRAWLER_ALERT_MAX_STORIES listed, then 'and N more') instead of one "
        "short notice about them.",
    )(func)


def load_alert_config(
    db: Path, subscriptions: Path | None
) -> tuple[Subscriptions, SmtpSettings | None]:
    """The recipients and SMTP settings, or a one-line usage error. The alert
    settings and every notification URL are checked here too, before any work."""
    from crawler.alerts.channels.setup import build_channels

    try:
        subs, smtp = load_subscriptions(db, subscriptions), SmtpSettings.from_env()
        settings = AlertSettings.from_env()
        build_channels(subs, smtp, settings.notify_timeout)
    except ConfigError as exc:
        raise click.UsageError(str(exc)) from None
    return subs, smtp


def echo_report(report: AlertReport) -> None:
    for preview in report.previews:
        click.echo(preview)
        click.echo("-" * 72)
    click.echo(report.line())
    for failure in report.failures:
        click.echo(failure.line(report.manual), err=True)
    for waiting in report.waiting:
        click.echo(waiting.line())


@click.command("alerts")
@db_option
@subscriptions_option
@click.option("--dry-run", is_flag=True, help="Print what would be sent; send and mark nothing.")
@send_backlog_option
@click.option(
    "--test",
    "test",
    is_flag=True,
    help="Send one test message through every configured channel of every recipient "
    "and report each result (exit 1 if one failed); the outbox is not touched.",
)
# Earlier versions started quietly only with this flag; a quiet start is now the default.
@click.option("--skip-backlog", is_flag=True, hidden=True)
def command(
    db: Path,
    subscriptions: Path | None,
    dry_run: bool,
    send_backlog: bool,
    test: bool,
    skip_backlog: bool,
) -> None:
    """Queue alerts for new mentions and send them at once, through email and
    each recipient's notification URLs (notify = [...] in subscriptions.toml).

    Alerts waiting to be retried after a failure are sent now too (the backoff
    paces only `crawler run`). A recipient's channel that never had an alert
    starts quietly: one short notice about the stories already in the archive,
    which are then never sent (see --send-backlog). Every summary line says
    what was not sent, why, and when it is tried next.

    SMTP comes from the environment (SMTP_HOST, SMTP_PORT, SMTP_USER,
    SMTP_PASSWORD, SMTP_STARTTLS, SMTP_SSL, SMTP_TIMEOUT, ALERT_FROM).

    Example: SMTP_HOST=mail.example.kz ALERT_FROM=alerts@example.kz crawler alerts --db crafts.db
    """
    from crawler.store.db import open_db

    if send_backlog and skip_backlog:
        raise click.UsageError("--send-backlog and --skip-backlog: choose one of them")
    subs, smtp = load_alert_config(db, subscriptions)
    if test:
        sys.exit(_test(subs, smtp))
    has_urls = any(r.notify for r in subs.recipients)
    if smtp is None and not dry_run and not skip_backlog and not has_urls:
        raise click.UsageError("SMTP_HOST is not set; set it (see --help) or use --dry-run")
    if not subs.recipients:
        click.echo("alerts: no recipients (no subscriptions file and ALERT_TO not set)", err=True)
    if not db.exists():
        raise click.UsageError(f"no database at {db}; run `crawler run --db {db}` first")
    database = open_db(db)
    try:
        report = run_alerts(
            database, subs, smtp, dry_run=dry_run, send_backlog=send_backlog, manual=True
        )
    finally:
        database.close()
    echo_report(report)
    if report.failures:
        sys.exit(1)


def _test(subs: Subscriptions, smtp: SmtpSettings | None) -> int:
    if not subs.recipients:
        raise click.UsageError("no recipients to test (no subscriptions file and ALERT_TO not set)")
    results = send_test_messages(subs, smtp, timeout=AlertSettings.from_env().notify_timeout)
    for result in results:
        click.echo(result.line(), err=result.outcome == "failed")
    counts = {o: sum(r.outcome == o for r in results) for o in ("sent", "failed", "skipped")}
    click.echo(
        f"test: {counts['sent']} sent, {counts['failed']} failed, {counts['skipped']} skipped"
    )
    return 1 if counts["failed"] else 0
