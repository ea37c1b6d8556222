"""The ``crawler`` command line: one click group, one module per command."""

from __future__ import annotations

import importlib

import click

# Each module defines a click command named ``command``; listed here so that
# ``crawler --help`` shows them all in one place (``store-worker`` is store_worker.py).
COMMAND_MODULES = [
    "run",
    "crawl",
    "demo",
    "replica",
    "extract",
    "mentions",
    "rescan",
    "store-worker",
    "alerts",
    "status",
    "doctor",
    "serve",
]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="crafts-crawler")
def main() -> None:
    """Watch Kazakh news for crafts and World Craft City mentions.

    Example: crawler demo --db demo.db
    """


for _name in COMMAND_MODULES:
    try:
        _module = importlib.import_module(f"crawler.cli.{_name.replace('-', '_')}")
    except ModuleNotFoundError as exc:  # a command still being written
        if exc.name != f"crawler.cli.{_name.replace('-', '_')}":
            raise
        continue
    main.add_command(_module.command)
