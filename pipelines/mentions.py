"""Stage 4: find the mentions in an article's title and body.

The matching runs in the offload worker (``crawler.offload``) when the crawl
has one, so the reactor keeps fetching meanwhile.
"""

from __future__ import annotations

from typing import Any

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler

from crawler import offload
from crawler.mentions import article_mentions, detector_for


class MentionsPipeline(offload.OffloadingStage):
    def __init__(self, lexicon: str | None = None, use_worker: bool = False) -> None:
        # CRAWLER_LEXICON points at an edited lexicon file; the bundled one by default.
        # Built here even when a worker matches, so a bad lexicon fails the start.
        detector_for(lexicon)
        self.lexicon = lexicon
        self.use_worker = use_worker

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> MentionsPipeline:
        settings = crawler.settings
        return cls(settings.get("CRAWLER_LEXICON"), settings.getbool("CRAWLER_OFFLOAD_PROCESS"))

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        title, body = adapter.get("title"), adapter.get("body")
        if self.offloader is None:
            return _attach(adapter, item, article_mentions(self.lexicon, title, body))
        return self._offloaded(adapter, item, title, body)

    async def _offloaded(self, adapter: ItemAdapter, item: Any, title: Any, body: Any) -> Any:
        assert self.offloader is not None
        found = await self.offloader.call(
            "crawler.mentions:article_mentions", self.lexicon, title, body
        )
        return _attach(adapter, item, found)


def _attach(adapter: ItemAdapter, item: Any, found: tuple[str, list[dict[str, Any]]]) -> Any:
    version, mentions = found
    adapter["mentions"] = mentions
    adapter["extra"]["lexicon_version"] = version
    return item
