"""The crawl health page (``/-/crawl-health``): each source's verdict, its
reasons, its last run and its last success — the verdict ``crawler status``
prints, from the same code."""

from __future__ import annotations

from typing import Any

from datasette.utils.asgi import Request, Response

from crawler.datasette.names import source_name
from crawler.datasette.pages import database_for
from crawler.datasette.times import display_time
from crawler.run.verdict import SourceHealth, source_health

RUNS_SHOWN = 5


def _run(row: dict[str, Any] | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {**row, "started": display_time(row["started_at"])}


def source_vars(health: SourceHealth) -> dict[str, Any]:
    return {
        "source": health.source,
        "name": source_name(health.source),
        "verdict": health.verdict,
        "reasons": health.reasons,
        "warnings": health.warnings,
        "last_run": _run(health.last_run),
        "last_success": _run(health.last_success),
        "runs": [_run(row) for row in health.runs],
    }


async def health_view(datasette: Any, request: Request) -> Response:
    name = database_for(datasette, request)
    if name is None:
        return Response.html("No such database", status=404)
    db = datasette.get_database(name)
    if not await db.table_exists("crawl_runs"):
        sources: list[SourceHealth] = []
    else:
        sources = await db.execute_fn(lambda conn: source_health(conn, RUNS_SHOWN))
    html = await datasette.render_template(
        "crawl_health.html",
        {"sources": [source_vars(s) for s in sources], "database": name},
        request=request,
    )
    return Response.html(html)
