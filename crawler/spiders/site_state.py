"""What discovery learned about a site, kept between runs (table ``discovery_state``).

Configured paths that answered 404 are remembered so they cost a request only
once per ``CRAWLER_HINT_RECHECK_HOURS``; the feeds and language homes found on
the home page are asked again next run even when the home page answers 304;
each child sitemap's ``<lastmod>`` tells whether it needs reading again.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import sqlite_utils

from crawler.store.db import utc_now

MISSING = frozenset({404, 410})


@dataclass(frozen=True)
class UrlState:
    url: str
    kind: str
    hint: bool = False
    status: int | None = None
    lastmod: str | None = None
    checked_at: str | None = None


class SiteState:
    """The rows of one spider: read at the start of a run, written after a clean one."""

    def __init__(self, spider: str, rows: dict[str, UrlState]) -> None:
        self.spider = spider
        self.rows = rows
        self.changed: dict[str, UrlState] = {}
        self.lastmods: dict[str, str | None] = {}  # child sitemaps read in this run

    @classmethod
    def load(cls, db: sqlite_utils.Database, spider: str) -> SiteState:
        if "discovery_state" not in db.table_names():
            return cls(spider, {})
        rows = db.query("SELECT * FROM discovery_state WHERE spider = ?", [spider])
        return cls(
            spider,
            {
                r["url"]: UrlState(
                    r["url"], r["kind"], bool(r["hint"]), r["status"], r["lastmod"], r["checked_at"]
                )
                for r in rows
            },
        )

    def get(self, url: str, with_lastmods: bool = True) -> UrlState | None:
        state = self.changed.get(url) or self.rows.get(url)
        if with_lastmods and url in self.lastmods:
            state = replace(state or UrlState(url, "child"), lastmod=self.lastmods[url])
        return state

    def found(self, kind: str) -> list[str]:
        """URLs of ``kind`` found on the site's pages (not configured) that answered last time."""
        merged = {**self.rows, **self.changed}
        return [
            s.url
            for s in merged.values()
            if s.kind == kind and not s.hint and (s.status is None or s.status not in MISSING)
        ]

    def recently_missing(self, url: str, hours: float, now: datetime | None = None) -> bool:
        """A 404/410 answer for ``url`` less than ``hours`` ago."""
        state = self.rows.get(url)
        if state is None or state.status not in MISSING or not state.checked_at:
            return False
        try:
            checked = datetime.strptime(state.checked_at, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        except ValueError:
            return False
        return (now or datetime.now(UTC)) - checked < timedelta(hours=hours)

    def note(self, url: str, kind: str, *, hint: bool = False, status: int | None = None) -> None:
        """An answer (or a discovery) of ``url``; keeps the lastmod read before."""
        before = self.get(url, with_lastmods=False) or UrlState(url, kind)
        self.changed[url] = replace(
            before, kind=kind, hint=hint or before.hint, status=status, checked_at=utc_now()
        )

    def note_lastmod(self, url: str, lastmod: str | None) -> None:
        """A child sitemap was read while the index said ``lastmod``."""
        self.lastmods[url] = lastmod

    def save(self, db: sqlite_utils.Database, lastmods: bool = True) -> None:
        """Write what changed; ``lastmods=False`` after a run with errors, so its child
        sitemaps are read again next time (their articles may have failed)."""
        rows = self.rows_to_save(lastmods)
        db["discovery_state"].upsert_all(
            (
                {
                    "url": s.url,
                    "spider": self.spider,
                    "kind": s.kind,
                    "hint": int(s.hint),
                    "status": s.status,
                    "lastmod": s.lastmod,
                    "checked_at": s.checked_at,
                }
                for s in rows
            ),
            pk="url",
        )

    def rows_to_save(self, lastmods: bool = True) -> list[UrlState]:
        """What changed in this run (with the child sitemaps' lastmods unless ``lastmods``
        is False), each with ``checked_at`` filled."""
        urls = set(self.changed) | (set(self.lastmods) if lastmods else set())
        rows = [self.get(url, with_lastmods=lastmods) for url in sorted(urls)]
        return [replace(s, checked_at=s.checked_at or utc_now()) for s in rows if s is not None]
