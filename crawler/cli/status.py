"""``crawler status``: how each source's recent runs went."""

from __future__ import annotations

import json
import sys
from contextlib import closing
from pathlib import Path

import click

from crawler.cli.options import db_option
from crawler.run.verdict import source_health
from crawler.store.db import open_db


@click.command("status")
@db_option
@click.option("--runs", type=click.IntRange(1, 1000), default=5, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def command(db: Path, runs: int, as_json: bool) -> None:
    """Show each source's health and its latest runs; exit 1 if a source is unhealthy.

    Example: crawler status --db crafts.db --runs 10
    """
    if not db.exists():
        raise click.BadParameter(f"no database at {db}", param_hint="--db")
    with closing(open_db(db)) as database:
        sources = source_health(database.conn, runs)
    if as_json:
        history = {s.source: list(s.runs) for s in sources}
        click.echo(json.dumps(history, ensure_ascii=False, indent=2))
    elif not sources:
        click.echo("no crawl has run yet")
    for source in [] if as_json else sources:
        click.echo(
            f"{source.source}: {source.verdict.upper()}"
            + (f" — {source.reasons}" if source.reasons else "")
        )
        if source.warnings:
            click.echo(f"  warning: {source.warnings}")
        for row in source.runs:
            # A run through the shared queue names its crawl processes.
            shared = f"  ({row['processes']} processes)" if row.get("processes") else ""
            click.echo(
                f"  #{row['id']} {row['started_at']} {row['status']:<11} "
                f"{row['requests'] or 0:>6} requests {row['items_new'] or 0:>5} new "
                f"{row['errors'] or 0:>4} errors  {row['health'] or ''}{shared}"
            )
    if any(source.unhealthy for source in sources):
        sys.exit(1)
