"""The jobs behind the commands: validate configuration, crawl, report."""

from __future__ import annotations

import difflib
import json
import logging
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

import click
from scrapy.settings import SETTINGS_PRIORITIES, Settings, default_settings

import crawler.settings as project_defaults
from crawler.run.runner import RunSummary, available_sources, build_settings, crawl
from crawler.run.shared_queue import QueueUnreachable, check_reachable, parse_queue_url
from crawler.sources.spec import url_settings

INF = float("inf")


@dataclass(frozen=True)
class NumberRange:
    """What a numeric setting may be: whole or not, and its bounds (``low_open``:
    the low bound itself is excluded)."""

    whole: bool
    low: float = 0
    high: float = INF
    low_open: bool = False

    def allows(self, number: float) -> bool:
        above = number > self.low if self.low_open else number >= self.low
        return above and number <= self.high

    def describe(self) -> str:
        kind = "whole number" if self.whole else "number"
        if self.high != INF:
            if self.low_open:
                return f"a {kind} above {self.low:g} and at most {self.high:g}"
            return f"a {kind} from {self.low:g} to {self.high:g}"
        if self.low == 0:
            return f"a positive {kind}" if self.low_open else f"a non-negative {kind}"
        if self.low == 1 and self.whole and not self.low_open:
            return f"a positive {kind}"
        return f"a {kind} {'above' if self.low_open else 'of at least'} {self.low:g}"


COUNT = NumberRange(whole=True)
POSITIVE_COUNT = NumberRange(whole=True, low=1)
SECONDS = NumberRange(whole=False)
POSITIVE_SECONDS = NumberRange(whole=False, low_open=True)
SHARE = NumberRange(whole=False, high=1)
# Every numeric setting we check, with its range: out-of-range values would change
# what the crawl does without a word (a story threshold of 5 links nothing, a
# negative share flags every run), and a fraction where a whole number is read
# fails deep inside the crawl.
NUMBER_SETTINGS: dict[str, NumberRange] = {
    "CONCURRENT_REQUESTS": POSITIVE_COUNT,
    "CONCURRENT_REQUESTS_PER_DOMAIN": POSITIVE_COUNT,
    "CONCURRENT_ITEMS": POSITIVE_COUNT,
    "RETRY_TIMES": COUNT,
    "REDIRECT_MAX_TIMES": COUNT,
    "DOWNLOAD_MAXSIZE": COUNT,
    "DOWNLOAD_WARNSIZE": COUNT,
    "DOWNLOAD_DELAY": SECONDS,
    "DOWNLOAD_TIMEOUT": SECONDS,
    "AUTOTHROTTLE_START_DELAY": SECONDS,
    "AUTOTHROTTLE_MAX_DELAY": SECONDS,
    "AUTOTHROTTLE_TARGET_CONCURRENCY": NumberRange(whole=False, low_open=True),
    "CRAWLER_AKIMAT_PAGE_SIZE": NumberRange(whole=True, low=1, high=1000),
    "CRAWLER_AKIMAT_FIRST_PAGE": COUNT,
    "CRAWLER_AKIMAT_TIMEOUT": POSITIVE_SECONDS,
    "CRAWLER_OVERLAP_PAGES": COUNT,
    "CRAWLER_STORE_BATCH": POSITIVE_COUNT,
    "CRAWLER_STORE_FLUSH_SECONDS": SECONDS,
    "CRAWLER_STORY_THRESHOLD": SHARE,
    "CRAWLER_STORY_THRESHOLD_FAR": SHARE,
    "CRAWLER_STORY_WINDOW_HOURS": SECONDS,
    "CRAWLER_STORY_TITLE_THRESHOLD": SHARE,
    "CRAWLER_STORY_CITED_THRESHOLD": SHARE,
    "CRAWLER_HINT_RECHECK_HOURS": SECONDS,
    "CRAWLER_DISCOVERY_SHAPE_MISSES": POSITIVE_COUNT,
    "CRAWLER_MIN_BODY_CHARS": COUNT,
    "CRAWLER_HEALTH_MAX_INCOMPLETE": SHARE,
    "CRAWLER_HEALTH_MIN_ITEMS": COUNT,
    "CRAWLER_HEALTH_EMPTY_RUNS": POSITIVE_COUNT,
    "CRAWLER_QUEUE_LEASE_SECONDS": NumberRange(whole=False, low=1),
}
# Read by Scrapy or by us though absent from both defaults modules.
EXTRA_SETTINGS = frozenset({"CONCURRENT_REQUESTS_PER_IP", "META_COPY_WARN_SKIP_KEYS"})


def check_settings(settings: Settings) -> None:
    """Turn a bad setting into a one-line usage error before any crawling starts."""
    for name in url_settings():
        value = settings.get(name) or ""
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise click.UsageError(f"{name} must be an http(s) URL, got {value!r}")
    for name, allowed in NUMBER_SETTINGS.items():
        check_number(name, settings.get(name), allowed)
    if queue := settings.get("CRAWLER_QUEUE"):
        try:
            parse_queue_url(queue)
        except ValueError as exc:
            raise click.UsageError(f"CRAWLER_QUEUE: {exc}") from None
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
        from crawler.text.mentions.lexicon import LexiconError, load_lexicon

        try:
            load_lexicon(lexicon)
        except LexiconError as exc:
            raise click.UsageError(f"CRAWLER_LEXICON: {exc}") from None


def check_overrides(overrides: dict[str, str]) -> None:
    """Names first: an unknown ``CRAWLER_*`` name is a usage error, any other unknown
    name a warning (a misspelt Scrapy setting would otherwise be ignored without a
    word). Component dicts (ITEM_PIPELINES …) are parsed as JSON while the settings
    are built."""
    known = known_settings()
    for name in overrides:
        if name in known:
            continue
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.75)
        hint = f" (did you mean {close[0]}?)" if close else ""
        if name.startswith("CRAWLER_"):
            raise click.UsageError(f"unknown setting {name}{hint}")
        click.echo(f"Warning: unknown setting {name}{hint}; Scrapy ignores it", err=True)
    for name, value in overrides.items():
        if isinstance(_default(name), dict):
            try:
                parsed = json.loads(value)
            except ValueError:
                parsed = None
            if not isinstance(parsed, dict):
                raise click.UsageError(f"{name} must be a JSON object, got {value!r}")


def known_settings() -> frozenset[str]:
    """Every setting name Scrapy or this project defines."""
    modules: tuple[ModuleType, ...] = (project_defaults, default_settings)
    return (
        frozenset(name for module in modules for name in dir(module) if name.isupper())
        | EXTRA_SETTINGS
    )


def check_number(name: str, value: Any, allowed: NumberRange) -> None:
    """A numeric setting must read as a number of its kind within its range."""
    try:
        number = int(value) if allowed.whole else float(value)
    except (TypeError, ValueError, OverflowError):
        number = None
    if isinstance(value, float) and allowed.whole and value != number:
        number = None  # a fraction given where a whole number is read
    if number is None or number != number or not allowed.allows(number):
        raise click.UsageError(f"{name} must be {allowed.describe()}, got {value!r}")


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
    if queue := settings.get("CRAWLER_QUEUE"):
        try:
            check_reachable(queue)
        except QueueUnreachable as exc:
            # Well-formed but down: the work failed (exit 1), the next run may do it.
            raise click.ClickException(str(exc)) from None
    return crawl(sources, settings)


def report(summaries: list[RunSummary]) -> bool:
    """Print one line per source; True when every source succeeded."""
    for summary in summaries:
        click.echo(summary.line())
    return all(summary.ok for summary in summaries)


__all__ = [
    "NUMBER_SETTINGS",
    "available_sources",
    "check_overrides",
    "check_settings",
    "crawl_job",
    "report",
]
