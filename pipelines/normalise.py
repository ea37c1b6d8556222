"""Stage 2: Unicode NFC and whitespace, HTML to text, language, dates.

``parse_date`` is the project's one public date parser (see DESIGN.md);
it lives in :mod:`crawler.text.dates` and is exposed here.
"""

from __future__ import annotations

from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.statscollectors import StatsCollector

from crawler.items import ArticleItem
from crawler.text.dates import parse_date
from crawler.text.normalisation import (
    INVISIBLE,
    SOURCE_FIELDS,
    normalise_text,
    normalised_fields,
)

__all__ = [
    "INVISIBLE",
    "NormalisePipeline",
    "normalise_article",
    "normalise_text",
    "normalised_fields",
    "parse_date",
]


def normalise_article(item: ArticleItem) -> ArticleItem:
    """Normalise an article item in place and return it."""
    _update(item, normalised_fields(_source_fields(item)))
    return item


def _source_fields(item: ArticleItem) -> dict[str, Any]:
    return {name: getattr(item, name) for name in SOURCE_FIELDS}


def _update(item: ArticleItem, values: dict[str, Any]) -> None:
    for name, value in values.items():
        setattr(item, name, value)


class NormalisePipeline:
    def __init__(self, stats: StatsCollector, min_body_chars: int = 0) -> None:
        self.stats = stats
        self.min_body_chars = min_body_chars

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler.stats, crawler.settings.getint("CRAWLER_MIN_BODY_CHARS"))

    def process_item(self, item: ArticleItem) -> ArticleItem:
        return self.check(normalise_article(item))

    def check(self, item: ArticleItem) -> ArticleItem:
        """Drop an article without text; count the incomplete ones."""
        self.stats.inc_value("crawler/items_checked")
        if not item.body:
            self.stats.inc_value("crawler/dropped/empty_body")
            self.stats.inc_value("crawler/items_incomplete")
            raise DropItem(f"no text left in body: {item.url}")
        # Kept (a short or date-less article is still news) but counted: a
        # rising share means extraction broke after a layout change.
        no_date = not item.published_at
        short = len(item.body) < self.min_body_chars
        if no_date:
            self.stats.inc_value("crawler/items_without_date")
        if short:
            self.stats.inc_value("crawler/items_short_body")
        if no_date or short:
            self.stats.inc_value("crawler/items_incomplete")
        return item
