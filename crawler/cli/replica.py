"""``crawler replica``: serve the offline replicas of the akimat and Arna Press sites."""

from __future__ import annotations

import signal
import threading

import click

from crawler.replica.akimat_site import GATES
from crawler.replica.arnapress_pages import LAYOUTS
from crawler.replica.arnapress_site import PROFILES
from crawler.replica.corpus import MAX_ARTICLES
from crawler.replica.server import Replica, parse_faults


def _faults(ctx: click.Context, param: click.Parameter, value: str) -> str:
    try:
        parse_faults(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    return value


@click.command(name="replica")
@click.option(
    "--port",
    type=click.IntRange(0, 65534),
    default=0,
    show_default=True,
    help="Port of akimat; arnapress uses the next one. 0 picks free ports.",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--articles",
    type=click.IntRange(1, MAX_ARTICLES),
    default=200,
    show_default=True,
    help="Articles published by each source.",
)
@click.option(
    "--seed", type=int, default=0, show_default=True, help="Seed of the generated corpus."
)
@click.option(
    "--faults",
    default="",
    callback=_faults,
    metavar="SPEC",
    help="Faults to inject: KIND=RATE[:TIMES],… (kinds: 5xx, slow, truncate, charset, "
    "badjson, redirect-loop, huge, gzip-bomb).",
)
@click.option(
    "--layout",
    type=click.Choice(LAYOUTS),
    default="v1",
    show_default=True,
    help="Markup of Arna Press article pages.",
)
@click.option(
    "--gate",
    type=click.Choice(GATES),
    default="ticket",
    show_default=True,
    help="How the gov.kz API lets clients in: ticket (as in 2026: a k6 ticket cookie or "
    "headers), graphql (REST refused, /graphql answers), deny (everything refused).",
)
@click.option(
    "--profile",
    type=click.Choice(PROFILES),
    default="laravel",
    show_default=True,
    help="Shape of the Arna Press site: laravel (URLs, feeds and markup found only by "
    "discovery) or configured (what crawler/sources/arnapress.toml declares).",
)
@click.option(
    "--revision",
    type=click.IntRange(0),
    default=0,
    show_default=True,
    help="Edit a deterministic few articles per revision.",
)
@click.option(
    "--access-log",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="Append one JSON line per request to FILE.",
)
def command(
    port: int,
    host: str,
    articles: int,
    seed: int,
    faults: str,
    layout: str,
    gate: str,
    profile: str,
    revision: int,
    access_log: str | None,
) -> None:
    """Serve the replica sites until stopped (Ctrl-C or SIGTERM).

    Prints one line per site, NAME URL, then serves.

    Example: crawler replica --port 8800 --articles 5000 --faults 5xx=0.1:2
    """
    replica = Replica(
        articles=articles,
        seed=seed,
        faults=faults,
        host=host,
        akimat_port=port,
        arnapress_port=port + 1 if port else 0,
        layout=layout,
        revision=revision,
        access_log=access_log,
        gate=gate,
        profile=profile,
    )
    try:
        replica.start()
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}: {exc.strerror or exc}") from None
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    try:
        for name, url in replica.urls.items():
            click.echo(f"{name} {url}")
        click.get_text_stream("stdout").flush()
        while not stop.wait(0.5):
            pass
    finally:
        replica.stop()
