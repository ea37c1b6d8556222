"""What the project's own pages (chart, feeds, crawl health) share."""

from __future__ import annotations

from typing import Any

CHART_PATH = "/-/mentions-chart"
FEED_PATH = "/-/feeds/mentions.atom"
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
