"""Stage 1: drop items that cannot become an article, counting why."""

from __future__ import annotations

from typing import Any, Self

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.statscollectors import StatsCollector

from crawler.urls import is_web_url


def missing_fields(item: Any) -> list[str]:
    """Names of the required fields that are absent, blank or (the URL) unusable."""
    adapter = ItemAdapter(item)
    missing = [name for name in ("url", "title") if not _filled(adapter.get(name))]
    # A URL that is not http(s) (javascript:, data:, broken) cannot be stored or linked.
    if "url" not in missing and not is_web_url(adapter["url"]):
        missing.insert(0, "url")
    if not (_filled(adapter.get("body")) or _filled(adapter.get("body_html"))):
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

    def process_item(self, item: Any) -> Any:
        missing = missing_fields(item)
        if missing:
            for name in missing:
                self.stats.inc_value(f"crawler/dropped/missing_{name}")
            self.stats.inc_value("crawler/items_checked")
            self.stats.inc_value("crawler/items_incomplete")
            url = ItemAdapter(item).get("url")
            raise DropItem(f"missing {', '.join(missing)}: {url}")
        return item
