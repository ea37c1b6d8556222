"""What a spider remembers between runs, and where: the SQLite database, or (in a crawl
through the shared queue, which has no database) Redis.

It is the stored article URLs (as 64-bit digests, so a run fetches only new ones),
the latest stored URLs (their shapes seed link discovery), each feed's validators
(conditional requests) and what discovery learned about the site. In Redis the store
worker keeps the first two from the database it writes; the starter of a shared run
keeps the other two.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from contextlib import closing
from dataclasses import asdict
from typing import Protocol

import redis
from scrapy.settings import BaseSettings

from crawler.run.shared_queue import Keys, connect
from crawler.spiders.site_state import SiteState, UrlState
from crawler.store.db import open_db, transaction
from crawler.store.digests import digest64
from crawler.store.feeds import FeedState, FeedTracker

logger = logging.getLogger(__name__)


class SpiderMemory(Protocol):
    def known(self, source: str) -> Iterable[int]: ...

    def recent_urls(self, source: str, limit: int) -> list[str]: ...

    def feeds(self, source: str) -> FeedTracker: ...

    def site(self, source: str) -> SiteState: ...

    def save(
        self, feeds: FeedTracker | None, site: SiteState | None, *, lastmods: bool = True
    ) -> None: ...


def spider_memory(settings: BaseSettings) -> SpiderMemory:
    queue = settings.get("CRAWLER_QUEUE")
    if queue:
        return RedisMemory(connect(queue))
    return SqliteMemory(settings.get("CRAWLER_DB"))


class SqliteMemory:
    def __init__(self, db_path: str) -> None:
        self.db_path = db_path

    def known(self, source: str) -> list[int]:
        with closing(open_db(self.db_path)) as db:
            rows = db.execute("SELECT url FROM articles WHERE source = ?", [source])
            return [digest64(row[0]) for row in rows]

    def recent_urls(self, source: str, limit: int) -> list[str]:
        with closing(open_db(self.db_path)) as db:
            rows = db.execute(
                "SELECT url FROM articles WHERE source = ? ORDER BY id DESC LIMIT ?",
                [source, limit],
            )
            return [row[0] for row in rows]

    def feeds(self, source: str) -> FeedTracker:
        with closing(open_db(self.db_path)) as db:
            return FeedTracker.load(db, source)

    def site(self, source: str) -> SiteState:
        with closing(open_db(self.db_path)) as db:
            return SiteState.load(db, source)

    def save(
        self, feeds: FeedTracker | None, site: SiteState | None, *, lastmods: bool = True
    ) -> None:
        with closing(open_db(self.db_path)) as db, transaction(db):
            if feeds is not None:
                feeds.save(db)
            if site is not None:
                site.save(db, lastmods=lastmods)


class RedisMemory:
    def __init__(self, server: redis.Redis) -> None:
        self.server = server

    def known(self, source: str) -> list[int]:
        return [int.from_bytes(raw, "big") for raw in self.server.smembers(Keys.known(source))]

    def recent_urls(self, source: str, limit: int) -> list[str]:
        return [raw.decode() for raw in self.server.lrange(Keys.recent(source), 0, limit - 1)]

    def feeds(self, source: str) -> FeedTracker:
        rows = self.server.hgetall(Keys.feeds(source))
        return FeedTracker(
            source, {key.decode(): FeedState(**json.loads(value)) for key, value in rows.items()}
        )

    def site(self, source: str) -> SiteState:
        rows = self.server.hgetall(Keys.discovery(source))
        return SiteState(
            source, {url.decode(): UrlState(**json.loads(value)) for url, value in rows.items()}
        )

    def save(
        self, feeds: FeedTracker | None, site: SiteState | None, *, lastmods: bool = True
    ) -> None:
        try:
            self._save(feeds, site, lastmods)
        except redis.RedisError as exc:
            # Only a cost: the next run asks its feeds unconditionally.
            logger.warning("what discovery learned was not saved in the queue: %s", exc)

    def _save(self, feeds: FeedTracker | None, site: SiteState | None, lastmods: bool) -> None:
        pipe = self.server.pipeline(transaction=True)
        if feeds is not None and feeds.current:
            pipe.hset(
                Keys.feeds(feeds.spider),
                mapping={key: json.dumps(asdict(s)) for key, s in feeds.current.items()},
            )
        if site is not None:
            rows = site.rows_to_save(lastmods)
            if rows:
                pipe.hset(
                    Keys.discovery(site.spider),
                    mapping={s.url: json.dumps(asdict(s)) for s in rows},
                )
        pipe.execute()


def publish_stored(server: redis.Redis, stored: dict[str, list[str]], recent: int) -> None:
    """The store worker stored these article URLs (by source): spiders skip them next
    run, and their shapes seed link discovery."""
    if not stored:
        return
    pipe = server.pipeline(transaction=False)
    for source, urls in stored.items():
        pipe.sadd(Keys.known(source), *(digest64(u).to_bytes(8, "big") for u in urls))
        pipe.lpush(Keys.recent(source), *urls)
        pipe.ltrim(Keys.recent(source), 0, recent - 1)
    pipe.execute()
