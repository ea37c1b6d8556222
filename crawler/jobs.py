"""The jobs behind the commands: validate configuration, crawl, report."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

import click
from scrapy.settings import SETTINGS_PRIORITIES, Settings, default_settings

import crawler.settings as project_defaults
from crawler.runner import RunSummary, available_sources, build_settings, crawl

URL_SETTINGS = ("CRAWLER_AKIMAT_URL", "CRAWLER_ARNAPRESS_URL")
# Read with getint somewhere: a fraction would fail deep inside the crawl.
INT_SETTINGS = (
    "CONCURRENT_REQUESTS",
    "CONCURRENT_REQUESTS_PER_DOMAIN",
    "CONCURRENT_ITEMS",
    "RETRY_TIMES",
    "REDIRECT_MAX_TIMES",
    "DOWNLOAD_MAXSIZE",
    "DOWNLOAD_WARNSIZE",
    "CRAWLER_AKIMAT_PAGE_SIZE",
    "CRAWLER_AKIMAT_FIRST_PAGE",
    "CRAWLER_OVERLAP_PAGES",
    "CRAWLER_STORE_BATCH",
    "CRAWLER_MIN_BODY_CHARS",
    "CRAWLER_HEALTH_MIN_ITEMS",
    "CRAWLER_HEALTH_EMPTY_RUNS",
)
FLOAT_SETTINGS = (
    "DOWNLOAD_DELAY",
    "DOWNLOAD_TIMEOUT",
    "CRAWLER_STORE_FLUSH_SECONDS",
    "CRAWLER_AKIMAT_TIMEOUT",
)
# Zero of these stalls the crawl (nothing may run) or pages by nothing.
POSITIVE_SETTINGS = (
    "CONCURRENT_REQUESTS",
    "CONCURRENT_REQUESTS_PER_DOMAIN",
    "CONCURRENT_ITEMS",
    "CRAWLER_AKIMAT_PAGE_SIZE",
    "CRAWLER_STORE_BATCH",
)


def check_settings(settings: Settings) -> None:
    """Turn a bad setting into a one-line usage error before any crawling starts."""
    for name in URL_SETTINGS:
        value = settings.get(name) or ""
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise click.UsageError(f"{name} must be an http(s) URL, got {value!r}")
    for name, kind in [(n, int) for n in INT_SETTINGS] + [(n, float) for n in FLOAT_SETTINGS]:
        value = settings.get(name)
        try:
            number = kind(value)
        except (TypeError, ValueError):
            number = -1
        if number < 0 or (number == 0 and name in POSITIVE_SETTINGS):
            least = "a positive" if name in POSITIVE_SETTINGS else "a non-negative"
            whole = " whole" if kind is int else ""
            raise click.UsageError(f"{name} must be {least}{whole} number, got {value!r}")
    for name in settings.attributes:
        # Only what -s gave: every default is right, and reading some warns of deprecation.
        if settings.getpriority(name) == SETTINGS_PRIORITIES["cmdline"]:
            check_type(settings, name)
    level = settings.get("LOG_LEVEL")
    if not isinstance(level, int) and not isinstance(logging.getLevelName(str(level).upper()), int):
        raise click.UsageError(
            f"LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL, got {level!r}"
        )
    if lexicon := settings.get("CRAWLER_LEXICON"):
        from crawler.mentions.lexicon import LexiconError, load_lexicon

        try:
            load_lexicon(lexicon)
        except LexiconError as exc:
            raise click.UsageError(f"CRAWLER_LEXICON: {exc}") from None


def check_overrides(overrides: dict[str, str]) -> None:
    """Component dicts (ITEM_PIPELINES …) are parsed as JSON while the settings are built."""
    for name, value in overrides.items():
        if isinstance(_default(name), dict):
            try:
                parsed = json.loads(value)
            except ValueError:
                parsed = None
            if not isinstance(parsed, dict):
                raise click.UsageError(f"{name} must be a JSON object, got {value!r}")


def check_type(settings: Settings, name: str) -> None:
    """A setting given as text must read as the type of its default (-s values are text)."""
    default = _default(name)
    value = settings.get(name)
    try:
        if isinstance(default, bool):
            settings.getbool(name)
        elif isinstance(default, int | float):
            float(value)
        elif isinstance(default, dict):
            settings.getdict(name)
        else:
            return
    except (TypeError, ValueError):
        kind = {bool: "true or false", dict: "a JSON object"}.get(type(default), "a number")
        raise click.UsageError(f"{name} must be {kind}, got {value!r}") from None


def _default(name: str) -> Any:
    modules: tuple[ModuleType, ...] = (project_defaults, default_settings)
    return next((getattr(m, name) for m in modules if hasattr(m, name)), None)


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
    check_overrides(overrides)
    settings = build_settings(db, full=full, overrides=overrides)
    check_settings(settings)
    return crawl(sources, settings)


def report(summaries: list[RunSummary]) -> bool:
    """Print one line per source; True when every source succeeded."""
    for summary in summaries:
        click.echo(summary.line())
    return all(summary.ok for summary in summaries)


__all__ = ["available_sources", "check_overrides", "check_settings", "crawl_job", "report"]
