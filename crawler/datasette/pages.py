"""What the project's own pages (chart, feeds, crawl health) share."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

CHART_PATH = "/-/mentions-chart"
FEED_PATH = "/-/feeds/mentions.atom"


def feed_url(
    base: str, category: str | None = None, term: str | None = None, source: str | None = None
) -> str:
    """The address of the mentions feed under ``base``, where Datasette is served
    (its root, e.g. ``https://data.example.kz``), narrowed by what is given."""
    given = {"category": category, "term": term, "source": source}
    query = urlencode({k: v for k, v in given.items() if v})
    return base.rstrip("/") + FEED_PATH + (f"?{query}" if query else "")


HEALTH_PATH = "/-/crawl-health"


def database_for(datasette: Any, request: Any) -> str | None:
    """The database a page is about: ``?db=NAME``, else the first one served;
    None when there is no such database."""
    names = [name for name in datasette.databases if name != "_internal"]
    name = request.args.get("db") or (names[0] if names else None)
    return name if name in names else None


def web_url(value: object) -> str | None:
    """``value`` when it is an http(s) address, else None: a crawled URL becomes a
    link only then (never ``javascript:`` or ``data:``)."""
    if isinstance(value, str) and value.lower().startswith(("http://", "https://")):
        return value
    return None
