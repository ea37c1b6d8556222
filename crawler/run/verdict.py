"""Each source's health verdict, read back from ``crawl_runs``.

A run is judged when it ends (``crawler.run.health`` writes ``health`` and
``health_reasons`` on its row); a source is as healthy as its newest run.
``crawler status`` and Datasette's crawl health page both read it from here.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

RUN_COLUMNS = (
    "id",
    "spider",
    "started_at",
    "finished_at",
    "status",
    "health",
    "health_reasons",
    "warnings",
    "requests",
    "items_new",
    "items_updated",
    "items_dropped",
    "errors",
    "processes",
)
_SELECT = f"SELECT {', '.join(RUN_COLUMNS)} FROM crawl_runs"  # noqa: S608 fixed column names


@dataclass(frozen=True)
class SourceHealth:
    """A source's verdict and the runs it rests on (newest first)."""

    source: str
    runs: tuple[dict[str, Any], ...]
    last_success: dict[str, Any] | None  # the newest run judged healthy

    @property
    def last_run(self) -> dict[str, Any] | None:
        return self.runs[0] if self.runs else None

    @property
    def verdict(self) -> str:
        """healthy, unhealthy, or unknown (a run still going, or one left unjudged)."""
        return (self.last_run or {}).get("health") or "unknown"

    @property
    def unhealthy(self) -> bool:
        return self.verdict == "unhealthy"

    @property
    def reasons(self) -> str | None:
        return (self.last_run or {}).get("health_reasons")

    @property
    def warnings(self) -> str | None:
        return (self.last_run or {}).get("warnings")


def _dicts(cursor: sqlite3.Cursor) -> list[dict[str, Any]]:
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def recent_runs(conn: sqlite3.Connection, runs: int) -> dict[str, list[dict[str, Any]]]:
    """The ``runs`` newest crawl_runs rows per spider, newest first."""
    spiders = [r[0] for r in conn.execute("SELECT DISTINCT spider FROM crawl_runs ORDER BY 1")]
    return {
        spider: _dicts(
            conn.execute(f"{_SELECT} WHERE spider = ? ORDER BY id DESC LIMIT ?", [spider, runs])
        )
        for spider in spiders
    }


def source_health(conn: sqlite3.Connection, runs: int = 5) -> list[SourceHealth]:
    """Every source that has run, by name, with its ``runs`` newest runs."""
    verdicts = []
    for spider, rows in recent_runs(conn, runs).items():
        success = _dicts(
            conn.execute(
                f"{_SELECT} WHERE spider = ? AND health = 'healthy' ORDER BY id DESC LIMIT 1",
                [spider],
            )
        )
        verdicts.append(SourceHealth(spider, tuple(rows), success[0] if success else None))
    return verdicts
