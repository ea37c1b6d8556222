"""``crawler demo``: the whole job against the bundled replica sites."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from crawler.cli.alerts import load_alert_config
from crawler.cli.options import verbose_option, writable_db_option
from crawler.cli.run import send_alerts
from crawler.run.jobs import available_sources, crawl_job, report
from crawler.run.runner import REPLICA_SPEED
from crawler.store.db import open_db


@click.command("demo")
@writable_db_option
@click.option(
    "--articles",
    type=click.IntRange(1, 50_000),
    default=200,
    show_default=True,
    help="Articles per replica site.",
)
@verbose_option
def command(db: Path, articles: int, verbose: bool) -> None:
    """Start the replica sites on 127.0.0.1, run the whole job against them,
    and print where to browse the result.

    Example: crawler demo --db demo.db
    """
    from crawler.replica.server import Replica

    # The whole job includes alerts: configured from the environment as for
    # `crawler run` (without SMTP settings they stay queued and it says so).
    subs, smtp = load_alert_config(db, None)
    started = time.monotonic()
    with Replica(articles=articles) as replica:
        for name, url in replica.urls.items():
            click.echo(f"replica {name} {url}")
        overrides = {
            **REPLICA_SPEED,
            "CRAWLER_AKIMAT_URL": replica.urls["akimat"],
            "CRAWLER_ARNAPRESS_URL": replica.urls["arnapress"],
        }
        summaries = crawl_job(db, available_sources(), overrides=overrides, verbose=verbose)
    ok = report(summaries)
    send_alerts(db, subs, smtp)
    describe(db)
    click.echo(f"done in {time.monotonic() - started:.1f}s")
    click.echo(f"browse: crawler serve --db {db}")
    if not ok:
        sys.exit(1)


def describe(db_path: Path) -> None:
    """Print what the database now holds, per source/language and per category."""
    db = open_db(db_path)
    for row in db.query(
        "SELECT source, lang, count(*) AS n FROM articles GROUP BY source, lang ORDER BY 1, 2"
    ):
        click.echo(f"articles {row['source']} {row['lang']}: {row['n']}")
    for row in db.query("SELECT category, count(*) AS n FROM mentions GROUP BY 1 ORDER BY 1"):
        click.echo(f"mentions {row['category']}: {row['n']}")
    # Stories emptied by a merge stay as rows with merged_into set; count live ones.
    stories = db.execute("SELECT count(*) FROM stories WHERE merged_into IS NULL").fetchone()[0]
    click.echo(f"stories: {stories}")
    db.close()
