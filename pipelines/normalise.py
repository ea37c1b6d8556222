"""Stage 2: Unicode NFC and whitespace, HTML to text, language, dates.

``parse_date`` is the project's one public date parser (see DESIGN.md);
it lives in :mod:`crawler.dates` and is exposed here. The text work runs in
the offload worker (``crawler.offload``) when the crawl has one.
"""

from __future__ import annotations

from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.settings import Settings
from scrapy.statscollectors import StatsCollector
from scrapy.utils.conf import build_component_list
from scrapy.utils.misc import load_object

from crawler import offload
from crawler.dates import parse_date
from crawler.items import ArticleItem
from crawler.mentions import ahead
from crawler.normalisation import (
    INVISIBLE,
    SOURCE_FIELDS,
    normalise_text,
    normalised_fields,
)
from pipelines.mentions import MentionsPipeline

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


class NormalisePipeline(offload.OffloadingStage):
    """``mentions_ahead``: the crawl's mentions stage comes later, so the
    worker finds the mentions in the same call (see :mod:`crawler.mentions.ahead`);
    ``lexicon`` is that stage's lexicon."""

    def __init__(
        self,
        stats: StatsCollector,
        min_body_chars: int = 0,
        use_worker: bool = False,
        *,
        mentions_ahead: bool = False,
        lexicon: str | None = None,
    ) -> None:
        self.stats = stats
        self.min_body_chars = min_body_chars
        self.use_worker = use_worker
        self.mentions_ahead = mentions_ahead
        self.lexicon = lexicon

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        return cls(
            crawler.stats,
            settings.getint("CRAWLER_MIN_BODY_CHARS"),
            settings.getbool("CRAWLER_OFFLOAD_PROCESS"),
            mentions_ahead=_has_later_stage(settings, cls, MentionsPipeline),
            lexicon=settings.get("CRAWLER_LEXICON"),
        )

    def process_item(self, item: ArticleItem) -> Any:
        if self.offloader is None:
            return self.check(normalise_article(item))
        return self._offloaded(item)

    async def _offloaded(self, item: ArticleItem) -> ArticleItem:
        assert self.offloader is not None
        fields = _source_fields(item)
        found = None
        if self.mentions_ahead:
            values, found = await self.offloader.call(
                "crawler.mentions.ahead:normalised_with_mentions", fields, self.lexicon
            )
        else:
            values = await self.offloader.call("crawler.normalisation:normalised_fields", fields)
        _update(item, values)
        if found is not None:
            ahead.keep(item, self.lexicon, found)
        return self.check(item)

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


def _has_later_stage(settings: Settings, stage: type, later: type) -> bool:
    """Whether the crawl's item pipelines run a ``later`` stage after ``stage``."""
    paths = build_component_list(settings.getwithbase("ITEM_PIPELINES"))
    classes = [load_object(path) for path in paths]

    def positions(kind: type) -> list[int]:
        return [
            i for i, cls in enumerate(classes) if isinstance(cls, type) and issubclass(cls, kind)
        ]

    mine, theirs = positions(stage), positions(later)
    return bool(mine and theirs) and min(mine) < max(theirs)
