"""Options several commands share, as reusable decorators, and their parsing."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

F = Callable[..., Any]


SQLITE_HEADER = b"SQLite format 3\x00"


def check_db_path(ctx: click.Context, param: click.Parameter, value: Path) -> Path:
    """A usable database path: an SQLite file (or an empty/new one) in a directory."""
    if value.exists():
        if not value.is_file():
            raise click.BadParameter(f"{value} is not a regular file", ctx, param)
        try:
            with value.open("rb") as handle:
                header = handle.read(len(SQLITE_HEADER))
        except OSError as exc:
            raise click.BadParameter(f"cannot read {value}: {exc.strerror}", ctx, param) from None
        if header and header != SQLITE_HEADER:
            raise click.BadParameter(f"{value} is not an SQLite database", ctx, param)
        return value
    # A missing database is created, with its directories: the nearest existing
    # ancestor must be a directory we can write in.
    ancestor = value.absolute().parent
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir() or not can_create_in(ancestor):
        raise click.BadParameter(
            f"cannot create {value}: {ancestor} is not a writable directory", ctx, param
        )
    return value


def check_writable_db_path(ctx: click.Context, param: click.Parameter, value: Path) -> Path:
    """A database the command will write: besides the file, SQLite's journal and the
    run's lock file are created beside it."""
    value = check_db_path(ctx, param, value)
    if value.exists():
        if not os.access(value, os.W_OK):
            raise click.BadParameter(f"{value} is read-only", ctx, param)
        folder = value.absolute().parent
        if not can_create_in(folder):
            raise click.BadParameter(
                f"cannot write beside {value}: {folder} is not a writable directory", ctx, param
            )
    return value


def can_create_in(folder: Path) -> bool:
    """Whether a file can be created in ``folder``. Tried, not inferred from mode bits:
    /proc and /sys refuse files whatever access() says, and root passes every mode."""
    if not os.access(folder, os.W_OK | os.X_OK):
        return False
    try:
        with tempfile.TemporaryFile(dir=folder, prefix=".crawler-probe-"):
            return True
    except OSError:
        return False


def _db_option(func: F, callback: Callable[[click.Context, click.Parameter, Path], Path]) -> F:
    return click.option(
        "--db",
        "db",
        type=click.Path(dir_okay=False, path_type=Path),
        default=lambda: os.environ.get("CRAWLER_DB", "crafts.db"),
        show_default="crafts.db or $CRAWLER_DB",
        callback=callback,
        help="SQLite database file.",
    )(func)


def db_option(func: F) -> F:
    return _db_option(func, check_db_path)


def writable_db_option(func: F) -> F:
    """--db of a command that writes the database (and its lock file)."""
    return _db_option(func, check_writable_db_path)


def sources_option(func: F) -> F:
    return click.option(
        "--sources",
        default=None,
        metavar="A,B",
        help="Comma-separated sources to crawl (default: CRAWLER_SOURCES, else all).",
    )(func)


def settings_option(func: F) -> F:
    return click.option(
        "-s",
        "--set",
        "scrapy_settings",
        multiple=True,
        metavar="NAME=VALUE",
        help="Scrapy setting, repeatable (e.g. -s DOWNLOAD_DELAY=0).",
    )(func)


def check_queue_url(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    from crawler.run.shared_queue import parse_queue_url

    if value is None:
        return None
    try:
        return parse_queue_url(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), ctx, param) from None


def queue_option(func: F) -> F:
    """--queue of the commands that crawl: through the shared queue, no SQLite."""
    return click.option(
        "--queue",
        default=None,
        metavar="redis://HOST:PORT/DB",
        callback=check_queue_url,
        help="Crawl through this shared queue with other crawl processes; items go to "
        "`crawler store-worker`, not to --db (default: $CRAWLER_QUEUE, else none).",
    )(func)


def chosen_queue(queue: str | None, overrides: dict[str, str]) -> str | None:
    """The shared queue a crawl uses: --queue, else -s CRAWLER_QUEUE, else $CRAWLER_QUEUE
    (recorded in ``overrides`` so the crawl's settings name it)."""
    queue = queue or overrides.get("CRAWLER_QUEUE") or os.environ.get("CRAWLER_QUEUE") or None
    if queue:
        overrides["CRAWLER_QUEUE"] = queue
    return queue


def required_queue_option(func: F) -> F:
    """--queue of the store worker: the queue it drains."""
    return click.option(
        "--queue",
        required=True,
        envvar="CRAWLER_QUEUE",
        metavar="redis://HOST:PORT/DB",
        callback=check_queue_url,
        help="The shared queue to drain (default: $CRAWLER_QUEUE).",
    )(func)


def verbose_option(func: F) -> F:
    return click.option("-v", "--verbose", is_flag=True, help="Show Scrapy's log.")(func)


def parse_settings(pairs: tuple[str, ...]) -> dict[str, str]:
    """``NAME=VALUE`` pairs → dict; a malformed pair is a usage error."""
    result = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip() or not name.strip().replace("_", "").isalnum():
            raise click.BadParameter(f"expected NAME=VALUE, got {pair!r}", param_hint="-s")
        result[name.strip()] = value
    return result


def chosen_sources(value: str | None, overrides: dict[str, str]) -> list[str]:
    """The sources of ``--sources``, else of the CRAWLER_SOURCES setting (``-s`` or the
    environment), else every declared source."""
    import crawler.settings as project_defaults  # reads CRAWLER_SOURCES from the environment
    from crawler.run.runner import available_sources

    default = overrides.get("CRAWLER_SOURCES") or project_defaults.CRAWLER_SOURCES
    return parse_sources(value or default, available_sources())


def parse_sources(value: str | None, available: list[str]) -> list[str]:
    if not available:
        raise click.UsageError("no sources found: is the crawler package installed?")
    if not value:
        return available
    chosen = [name.strip() for name in value.split(",") if name.strip()]
    unknown = sorted(set(chosen) - set(available))
    if unknown or not chosen:
        named = ", ".join(unknown) or repr(value)
        raise click.BadParameter(
            f"unknown source {named}; available: {', '.join(available)}",
            param_hint="--sources",
        )
    return list(dict.fromkeys(chosen))
