"""Stage 4: find the mentions in an article's title and body."""

from __future__ import annotations

from typing import Any

from itemadapter import ItemAdapter

from crawler.mentions import default_detector


class MentionsPipeline:
    def __init__(self) -> None:
        self.detector = default_detector()

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        found = self.detector.find_in_article(adapter.get("title"), adapter.get("body"))
        adapter["mentions"] = [mention.as_dict() for mention in found]
        adapter["extra"]["lexicon_version"] = self.detector.version
        return item
