"""The jobs behind the commands: validate configuration, crawl, report."""

from __future__ import annotations

import sys
from pathlib import Path
from urllib.parse import urlsplit

import click
from scrapy.settings import Settings

from crawler.runner import RunSummary, available_sources, build_settings, crawl

URL_SETTINGS = ("CRAWLER_AKIMAT_URL", "CRAWLER_ARNAPRESS_URL")
INT_SETTINGS = ("CONCURRENT_REQUESTS", "CONCURRENT_REQUESTS_PER_DOMAIN", "RETRY_TIMES")
FLOAT_SETTINGS = ("DOWNLOAD_DELAY", "DOWNLOAD_TIMEOUT")


def check_settings(settings: Settings) -> None:
    """Turn a bad setting into a one-line usage error before any crawling starts."""
    for name in URL_SETTINGS:
        value = settings.get(name) or ""
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise click.UsageError(f"{name} must be an http(s) URL, got {value!r}")
    for name, kind in [(n, int) for n in INT_SETTINGS] + [(n, float) for n in FLOAT_SETTINGS]:
        try:
            if kind(settings.get(name)) < 0:
                raise ValueError
        except (TypeError, ValueError):
            raise click.UsageError(
                f"{name} must be a non-negative number, got {settings.get(name)!r}"
            ) from None


def crawl_job(
    db: Path,
    sources: list[str],
    *,
    full: bool = False,
    overrides: dict[str, str] | None = None,
    verbose: bool = False,
) -> list[RunSummary]:
    overrides = dict(overrides or {})
    if not verbose:
        overrides.setdefault("LOG_LEVEL", "WARNING")
    if sys.stderr.isatty():
        overrides.setdefault("CRAWLER_PROGRESS", "True")
    settings = build_settings(db, full=full, overrides=overrides)
    check_settings(settings)
    return crawl(sources, settings)


def report(summaries: list[RunSummary]) -> bool:
    """Print one line per source; True when every source succeeded."""
    for summary in summaries:
        click.echo(summary.line())
    return all(summary.ok for summary in summaries)


__all__ = ["available_sources", "check_settings", "crawl_job", "report"]
