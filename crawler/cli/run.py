"""``crawler run``: the scheduled job."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from crawler.cli.options import (
    db_option,
    parse_settings,
    parse_sources,
    settings_option,
    sources_option,
    verbose_option,
)
from crawler.jobs import available_sources, crawl_job, report


@click.command("run")
@db_option
@sources_option
@settings_option
@verbose_option
def command(db: Path, sources: str | None, scrapy_settings: tuple[str, ...], verbose: bool) -> None:
    """The scheduled job: crawl incrementally, process, send alerts; print a summary.

    Example: crawler run --db crafts.db
    """
    chosen = parse_sources(sources, available_sources())
    overrides = parse_settings(scrapy_settings)
    summaries = crawl_job(db, chosen, overrides=overrides, verbose=verbose)
    if not report(summaries):
        sys.exit(1)
