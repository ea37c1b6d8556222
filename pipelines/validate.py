"""Stage 1: drop items that cannot become an article, counting why."""

from __future__ import annotations

from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.statscollectors import StatsCollector

from crawler.items import ArticleItem, as_article
from crawler.text.urls import is_web_url


def missing_fields(item: ArticleItem) -> list[str]:
    """Names of the required fields that are absent, blank or (the URL) unusable."""
    missing = [name for name in ("url", "title") if not _filled(getattr(item, name))]
    # A URL that is not http(s) (javascript:, data:, broken) cannot be stored or linked.
    if "url" not in missing and not is_web_url(item.url):
        missing.insert(0, "url")
    if not (_filled(item.body) or _filled(item.body_html)):
        missing.append("body")
    return missing


def _filled(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


class ValidatePipeline:
    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler.stats)

    def process_item(self, item: Any) -> ArticleItem:
        item = as_article(item)
        missing = missing_fields(item)
        if missing:
            for name in missing:
                self.stats.inc_value(f"crawler/dropped/missing_{name}")
            self.stats.inc_value("crawler/items_checked")
            self.stats.inc_value("crawler/items_incomplete")
            raise DropItem(f"missing {', '.join(missing)}: {item.url}")
        return item
