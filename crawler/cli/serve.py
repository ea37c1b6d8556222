"""``crawler serve``: browse the database in Datasette, read-only."""

from __future__ import annotations

import asyncio
import errno
import socket
from pathlib import Path

import click

from crawler.cli.options import db_option


def parse_setting(pairs: tuple[tuple[str, str], ...]) -> dict[str, object]:
    """``--setting NAME VALUE`` pairs checked against Datasette's settings."""
    from datasette.app import SETTINGS

    known = {setting.name: setting.default for setting in SETTINGS}
    result: dict[str, object] = {}
    for name, value in pairs:
        if name not in known:
            raise click.BadParameter(f"unknown Datasette setting {name!r}", param_hint="--setting")
        default = known[name]
        try:
            if isinstance(default, bool):
                if value.lower() not in ("on", "off", "true", "false", "1", "0"):
                    raise ValueError
                result[name] = value.lower() in ("on", "true", "1")
            elif isinstance(default, int):
                result[name] = int(value)
            else:
                result[name] = value
        except ValueError:
            raise click.BadParameter(
                f"{name} expects a {type(default).__name__}, got {value!r}", param_hint="--setting"
            ) from None
    return result


@click.command("serve")
@db_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "-p", "--port", type=click.IntRange(1, 65535), default=8001, show_default=True, help="Port."
)
@click.option(
    "--setting",
    "settings",
    type=(str, str),
    multiple=True,
    metavar="NAME VALUE",
    help="Datasette setting, repeatable (e.g. --setting sql_time_limit_ms 5000).",
)
def command(db: Path, host: str, port: int, settings: tuple[tuple[str, str], ...]) -> None:
    """Browse the database in Datasette with the project's metadata, canned
    queries, inflection-aware search, article pages with the mentions marked, the
    chart of mentions per month, each source's crawl health (/-/crawl-health) and
    Atom feeds of new mentions (/-/feeds/mentions.atom?category=…&term=…&source=…).

    Nothing can be changed from the web. The search index is built first if the
    database lacks it. A port already in use is an error (exit 2).

    Example: crawler serve --db demo.db --port 8001
    """
    import uvicorn

    from crawler.datasette import make_datasette
    from crawler.store.db import open_db

    if not db.is_file():
        raise click.UsageError(f"no database at {db}; create one with: crawler demo --db {db}")
    overrides = parse_setting(settings)
    # Migrating (which builds the search index when missing) is the one write.
    open_db(db).close()
    ds = make_datasette(db, overrides)
    asyncio.run(ds.invoke_startup())
    # Bound here, before "Serving" is printed: a busy port is then one line, not
    # a promise followed by uvicorn's error.
    sock = listen_socket(host, port)
    config = uvicorn.Config(ds.app(), host=host, port=port, log_level="warning", lifespan="on")
    click.echo(f"Serving {db} at http://{host}:{port}/  (Ctrl+C to stop)", err=True)
    uvicorn.Server(config).run(sockets=[sock])


def listen_socket(host: str, port: int) -> socket.socket:
    """A socket listening on ``host:port``; a busy port or unknown host is a usage
    error (exit 2)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise click.BadParameter(
            f"cannot listen on {host}: {exc.strerror}", param_hint="--host"
        ) from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        # As uvicorn does: a port left in TIME_WAIT by a previous serve is free.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        reason = "in use" if exc.errno == errno.EADDRINUSE else exc.strerror
        raise click.BadParameter(
            f"cannot listen on {host}:{port}: {reason}", param_hint="--port"
        ) from None
    sock.set_inheritable(True)
    return sock
