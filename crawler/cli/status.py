"""``crawler status``: how each source's recent runs went."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from crawler.cli.options import db_option
from crawler.store.db import open_db

COLUMNS = (
    "id",
    "spider",
    "started_at",
    "finished_at",
    "status",
    "health",
    "health_reasons",
    "warnings",
    "requests",
    "items_new",
    "items_updated",
    "items_dropped",
    "errors",
    "processes",
)


def recent_runs(db_path: Path, runs: int) -> dict[str, list[dict]]:
    """The ``runs`` newest crawl_runs rows per spider, newest first."""
    db = open_db(db_path)
    try:
        spiders = [
            row[0] for row in db.execute("SELECT DISTINCT spider FROM crawl_runs ORDER BY 1")
        ]
        return {
            spider: list(
                db.query(
                    f"SELECT {', '.join(COLUMNS)} FROM crawl_runs WHERE spider = ? "  # noqa: S608 column names from the fixed COLUMNS tuple
                    "ORDER BY id DESC LIMIT ?",
                    [spider, runs],
                )
            )
            for spider in spiders
        }
    finally:
        db.close()


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
    history = recent_runs(db, runs)
    unhealthy = [s for s, rows in history.items() if rows and rows[0]["health"] == "unhealthy"]
    if as_json:
        click.echo(json.dumps(history, ensure_ascii=False, indent=2))
    elif not history:
        click.echo("no crawl has run yet")
    for spider, rows in ({} if as_json else history).items():
        latest = rows[0]
        state = (latest["health"] or "unknown").upper()
        click.echo(
            f"{spider}: {state}"
            + (f" — {latest['health_reasons']}" if latest["health_reasons"] else "")
        )
        if latest["warnings"]:
            click.echo(f"  warning: {latest['warnings']}")
        for row in rows:
            # A run through the shared queue names its crawl processes.
            shared = f"  ({row['processes']} processes)" if row.get("processes") else ""
            click.echo(
                f"  #{row['id']} {row['started_at']} {row['status']:<11} "
                f"{row['requests'] or 0:>6} requests {row['items_new'] or 0:>5} new "
                f"{row['errors'] or 0:>4} errors  {row['health'] or ''}{shared}"
            )
    if unhealthy:
        sys.exit(1)
