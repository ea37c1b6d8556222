"""What a source's discovery learned, kept between runs: configured paths that
answered 404 (asked again only after ``CRAWLER_HINT_RECHECK_HOURS``), feeds and
language homes found on its pages, and each child sitemap's ``<lastmod>``."""

from __future__ import annotations

import sqlite_utils


def migrate(db: sqlite_utils.Database) -> None:
    db["discovery_state"].create(
        {
            "url": str,
            "spider": str,
            "kind": str,  # home, feed, sitemap, listing
            "hint": int,  # 1 for a path of the source's config
            "status": int,  # the last answer's HTTP status
            "lastmod": str,  # a child sitemap's <lastmod> when last read
            "checked_at": str,
        },
        pk="url",
        if_not_exists=True,
    )
    db["discovery_state"].create_index(["spider"], if_not_exists=True)
