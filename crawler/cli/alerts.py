"""``crawler alerts``: queue alerts for new mentions and send the pending emails."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from crawler.alerts import (
    AlertReport,
    ConfigError,
    SmtpSettings,
    Subscriptions,
    load_subscriptions,
    run_alerts,
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


def load_alert_config(
    db: Path, subscriptions: Path | None
) -> tuple[Subscriptions, SmtpSettings | None]:
    """The recipients and SMTP settings, or a one-line usage error."""
    try:
        return load_subscriptions(db, subscriptions), SmtpSettings.from_env()
    except ConfigError as exc:
        raise click.UsageError(str(exc)) from None


def echo_report(report: AlertReport) -> None:
    for preview in report.previews:
        click.echo(preview)
        click.echo("-" * 72)
    click.echo(report.line())
    for recipient, error in report.failures:
        click.echo(f"alerts: sending to {recipient} failed, kept queued: {error}", err=True)


@click.command("alerts")
@db_option
@subscriptions_option
@click.option("--dry-run", is_flag=True, help="Print what would be sent; send and mark nothing.")
@click.option(
    "--skip-backlog",
    is_flag=True,
    help="Mark every mention found so far as already alerted, without sending (a quiet start).",
)
def command(db: Path, subscriptions: Path | None, dry_run: bool, skip_backlog: bool) -> None:
    """Queue alerts for new mentions and send the pending alert emails.

    SMTP comes from the environment (SMTP_HOST, SMTP_PORT, SMTP_USER,
    SMTP_PASSWORD, SMTP_STARTTLS, SMTP_SSL, SMTP_TIMEOUT, ALERT_FROM).

    Example: SMTP_HOST=mail.example.kz ALERT_FROM=alerts@example.kz crawler alerts --db crafts.db
    """
    from crawler.store.db import open_db

    subs, smtp = load_alert_config(db, subscriptions)
    if smtp is None and not dry_run and not skip_backlog:
        raise click.UsageError("SMTP_HOST is not set; set it (see --help) or use --dry-run")
    if not subs.recipients:
        click.echo("alerts: no recipients (no subscriptions file and ALERT_TO not set)", err=True)
    if not db.exists():
        raise click.UsageError(f"no database at {db}; run `crawler run --db {db}` first")
    database = open_db(db)
    try:
        report = run_alerts(database, subs, smtp, dry_run=dry_run, skip_backlog=skip_backlog)
    finally:
        database.close()
    echo_report(report)
    if report.failures:
        sys.exit(1)
