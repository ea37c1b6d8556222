"""Stage 5 of a crawl through the shared queue: the item goes to the store worker.

Instead of writing SQLite, the stage appends the item (the same columns, mentions
and lexicon the store stage writes) to the Redis list the store worker drains, and
then releases the shared request the item came from: a process killed before the
push leaves the request held, and another process asks for it again.
"""

from __future__ import annotations

from typing import Self

import redis
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawler.items import ArticleItem
from crawler.run.shared_held import HELD
from crawler.run.shared_middlewares import shared_scheduler
from crawler.store.item_queue import ARTICLE
from pipelines.store import store_entry


class PushPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_item(self, item: ArticleItem) -> ArticleItem:
        scheduler = shared_scheduler(self.crawler)
        if scheduler is None:
            raise RuntimeError("the push stage needs the shared scheduler (--queue)")
        key = item.extra.pop(HELD, None)
        record, mentions, lexicon = store_entry(item)
        try:
            scheduler.outbox.push(
                {
                    "type": ARTICLE,
                    "spider": scheduler.spider.name,
                    "run": scheduler.run.run_id,
                    "record": record,
                    "mentions": mentions,
                    "lexicon": lexicon,
                }
            )
        except redis.RedisError as exc:
            # The request stays held: once this process's lease lapses another one asks again.
            scheduler.queue_lost(exc)
            raise DropItem(f"the shared queue did not take {item.url}: {exc}") from None
        self.crawler.stats.inc_value("crawler/items_queued")
        scheduler.held.item_done(key)
        return item
