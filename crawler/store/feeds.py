"""What each watched feed looked like last time.

A feed is one listing, RSS feed or API list in one language. Remembering its
ETag, Last-Modified and a hash of its body lets an incremental run ask
conditionally (a 304 costs the site almost nothing) and tells crawl health
whether the listing changed at all.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import sqlite_utils
from scrapy.http import Response

from crawler.store.db import utc_now


@dataclass
class FeedState:
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None


class FeedTracker:
    def __init__(self, spider: str, previous: dict[str, FeedState]) -> None:
        self.spider = spider
        self.previous = previous
        self.current: dict[str, FeedState] = {}

    @classmethod
    def load(cls, db: sqlite_utils.Database, spider: str) -> FeedTracker:
        rows = db.query("SELECT * FROM feed_state WHERE spider = ?", [spider])
        previous = {
            row["key"]: FeedState(row["etag"], row["last_modified"], row["body_hash"])
            for row in rows
        }
        return cls(spider, previous)

    def conditional_headers(self, key: str) -> dict[str, str]:
        state = self.previous.get(key)
        headers = {}
        if state and state.etag:
            headers["If-None-Match"] = state.etag
        if state and state.last_modified:
            headers["If-Modified-Since"] = state.last_modified
        return headers

    def observe(self, key: str, response: Response) -> bool:
        """Record the feed's response; True when it differs from last time."""
        if response.status == 304:
            self.current[key] = self.previous.get(key, FeedState())
            return False
        state = FeedState(
            etag=_header(response, b"ETag"),
            last_modified=_header(response, b"Last-Modified"),
            body_hash=hashlib.sha1(response.body).hexdigest(),
        )
        self.current[key] = state
        before = self.previous.get(key)
        return before is None or before.body_hash != state.body_hash

    def save(self, db: sqlite_utils.Database) -> None:
        now = utc_now()
        db["feed_state"].upsert_all(
            (
                {
                    "key": key,
                    "spider": self.spider,
                    "etag": state.etag,
                    "last_modified": state.last_modified,
                    "body_hash": state.body_hash,
                    "checked_at": now,
                }
                for key, state in self.current.items()
            ),
            pk="key",
        )


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
