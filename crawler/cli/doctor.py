"""``crawler doctor``: probe each source live before the first scheduled run."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from crawler.cli.options import chosen_sources, parse_settings, settings_option, sources_option
from crawler.doctor.fetch import Fetcher
from crawler.doctor.probe import probe_for
from crawler.doctor.report import render_text
from crawler.run.jobs import check_overrides, check_settings
from crawler.run.runner import build_settings
from crawler.sources.spec import spec_by_name


@click.command("doctor")
@sources_option
@settings_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def command(sources: str | None, scrapy_settings: tuple[str, ...], as_json: bool) -> None:
    """Probe each source live: what discovery finds, one sample article, a verdict.

    Run it on a machine with internet before the first scheduled run, and after a
    site changed. It makes a handful of polite requests per source. Exit 1 when a
    source would store nothing; the report says what to change.

    Example: crawler doctor --sources arnapress
    """
    overrides = parse_settings(scrapy_settings)
    chosen = chosen_sources(sources, overrides)
    check_overrides(overrides)
    # The probe stores nothing: no database is opened.
    settings = build_settings(Path(os.devnull), overrides=overrides)
    check_settings(settings)
    fetcher = Fetcher(
        settings.get("USER_AGENT"),
        delay=max(spec_by_name(source).delay(settings) for source in chosen),
        timeout=settings.getfloat("CRAWLER_AKIMAT_TIMEOUT", 90.0),
    )
    reports = []
    for source in chosen:
        start = len(fetcher.answers)
        report = probe_for(source, settings)(settings, fetcher)
        report.answers = fetcher.answers[start:]
        reports.append(report)
        if not as_json:
            click.echo(render_text(report))
            click.echo()
    if as_json:
        click.echo(json.dumps([r.as_json() for r in reports], ensure_ascii=False, indent=2))
    failing = [r.source for r in reports if r.stores_nothing]
    if failing:
        click.echo(f"would store nothing: {', '.join(failing)}", err=True)
        sys.exit(1)
