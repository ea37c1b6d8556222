"""Stage 4: find the mentions in an article's title and body."""

from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler

from crawler.items import ArticleItem
from crawler.text.mentions import article_mentions, detector_for


class MentionsPipeline:
    def __init__(self, lexicon: str | None = None) -> None:
        # CRAWLER_LEXICON points at an edited lexicon file; the bundled one by
        # default. Built here, so a bad file fails the start, not an article.
        detector_for(lexicon)
        self.lexicon = lexicon

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> MentionsPipeline:
        return cls(crawler.settings.get("CRAWLER_LEXICON"))

    def process_item(self, item: ArticleItem) -> ArticleItem:
        return _attach(item, article_mentions(self.lexicon, item.title, item.body))


def _attach(item: ArticleItem, found: tuple[str, list[dict[str, Any]]]) -> ArticleItem:
    version, item.mentions = found
    item.extra["lexicon_version"] = version
    return item
