"""``crawler rescan``: find mentions again after the lexicon changed."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from crawler.cli.options import db_option
from crawler.store.db import open_db
from crawler.store.rescan import RescanResult, rescan
from crawler.text.mentions import LexiconError, MentionDetector, default_detector


@click.command("rescan")
@db_option
@click.option(
    "--lexicon",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Lexicon file (default: the bundled crawler/text/mentions/lexicon.toml).",
)
@click.option(
    "--all", "everything", is_flag=True, help="Rescan every article, not only stale ones."
)
def command(db: Path, lexicon: Path | None, everything: bool) -> None:
    """Re-run mention detection over stored articles scanned with another lexicon version.

    The lexicon's version is its `version` string plus a fingerprint of its
    content (e.g. 2026-12-02.1+3f9a0c2b71de), so any edit that changes what
    is matched makes every article stale, even without a new `version`.
    Adds and removes exactly the mentions the lexicon edit implies; running it
    again changes nothing.

    Example: crawler rescan --db crafts.db
    """
    if not db.exists():
        raise click.BadParameter(f"no database at {db}", param_hint="--db")
    try:
        detector = MentionDetector.from_file(lexicon) if lexicon else default_detector()
    except LexiconError as exc:
        raise click.BadParameter(str(exc), param_hint="--lexicon") from None

    def show(result: RescanResult) -> None:
        if sys.stderr.isatty():
            click.echo(f"  {result.articles} articles …", err=True)

    database = open_db(db)
    try:
        result = rescan(database, detector, everything=everything, progress=show)
    finally:
        database.close()
    click.echo(result.line())
