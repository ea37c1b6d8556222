"""Stage 4: find the mentions in an article's title and body.

The matching runs in the offload worker (``crawler.offload``) when the crawl
has one, so the reactor keeps fetching meanwhile.
"""

from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler

from crawler import offload
from crawler.items import ArticleItem
from crawler.mentions import ahead, article_mentions, detector_for


class MentionsPipeline(offload.OffloadingStage):
    def __init__(self, lexicon: str | None = None, use_worker: bool = False) -> None:
        # CRAWLER_LEXICON points at an edited lexicon file; the bundled one by default.
        # An edited one is built here even when a worker matches, so a bad file
        # fails the start; the bundled one is known good, and building it costs
        # the crawl's start 0.15 s (the morphology dictionaries) for nothing.
        if lexicon or not use_worker:
            detector_for(lexicon)
        self.lexicon = lexicon
        self.use_worker = use_worker

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> MentionsPipeline:
        settings = crawler.settings
        return cls(settings.get("CRAWLER_LEXICON"), settings.getbool("CRAWLER_OFFLOAD_PROCESS"))

    def process_item(self, item: ArticleItem) -> Any:
        found = ahead.take(item, self.lexicon)  # by the normalise stage's worker call
        if found is not None:
            return _attach(item, found)
        if self.offloader is None:
            return _attach(item, article_mentions(self.lexicon, item.title, item.body))
        return self._offloaded(item)

    async def _offloaded(self, item: ArticleItem) -> ArticleItem:
        assert self.offloader is not None
        found = await self.offloader.call(
            "crawler.mentions:article_mentions", self.lexicon, item.title, item.body
        )
        return _attach(item, found)


def _attach(item: ArticleItem, found: tuple[str, list[dict[str, Any]]]) -> ArticleItem:
    version, item.mentions = found
    item.extra["lexicon_version"] = version
    return item
