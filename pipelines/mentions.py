"""Stage 4: find the mentions in an article's title and body."""

from __future__ import annotations

from typing import Any

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler

from crawler.mentions import MentionDetector, default_detector


class MentionsPipeline:
    def __init__(self, lexicon: str | None = None) -> None:
        # CRAWLER_LEXICON points at an edited lexicon file; the bundled one by default.
        self.detector = MentionDetector.from_file(lexicon) if lexicon else default_detector()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> MentionsPipeline:
        return cls(crawler.settings.get("CRAWLER_LEXICON"))

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        found = self.detector.find_in_article(adapter.get("title"), adapter.get("body"))
        adapter["mentions"] = [mention.as_dict() for mention in found]
        adapter["extra"]["lexicon_version"] = self.detector.version
        return item
