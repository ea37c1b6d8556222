"""Browsing the database in Datasette: metadata, canned queries, the plugin, settings.

>>> ds = make_datasette("crafts.db")  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from crawler.datasette.metadata import build_metadata

HERE = Path(__file__).parent
PLUGINS_DIR = HERE / "plugins"
TEMPLATES_DIR = HERE / "templates"

# Read-only browsing of a database a crawler may be writing to at the same time.
SETTINGS: dict[str, Any] = {
    "default_page_size": 50,
    "sql_time_limit_ms": 3000,
    "facet_time_limit_ms": 500,
    "max_returned_rows": 1000,
    "truncate_cells_html": 300,
    "suggest_facets": False,
    "default_facet_size": 20,
}


def make_datasette(db_path: str | Path, settings: dict[str, Any] | None = None):
    """A Datasette for the project database with the project's metadata and plugin."""
    from datasette.app import Datasette

    db_path = Path(db_path)
    return Datasette(
        [str(db_path)],
        metadata=build_metadata(db_path.stem),
        plugins_dir=str(PLUGINS_DIR),
        template_dir=str(TEMPLATES_DIR),
        settings={**SETTINGS, **(settings or {})},
    )
