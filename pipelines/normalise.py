"""Stage 2: Unicode NFC and whitespace, HTML to text, language, dates.

``parse_date`` is the project's one public date parser (see DESIGN.md);
it lives in :mod:`crawler.dates` and is exposed here.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Self

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.statscollectors import StatsCollector

from crawler.dates import iso_utc, parse_date, to_local
from crawler.extraction import html_to_text
from crawler.extraction.lang import guess_lang, normalise_lang

__all__ = ["NormalisePipeline", "normalise_article", "normalise_text", "parse_date"]

INLINE_SPACE = re.compile(r"[^\S\n]+")
MANY_NEWLINES = re.compile(r"\n\s*\n+")
INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")


def normalise_text(text: str | None, *, single_line: bool = False) -> str:
    """NFC, no invisible characters, single spaces, paragraphs split by one blank line."""
    if not text:
        return ""
    # Invisible characters go first: one between a letter and its accent would
    # keep NFC from composing them, and removing it afterwards leaves them apart.
    text = INVISIBLE.sub("", text)
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    if single_line:
        return " ".join(text.split())
    lines = (INLINE_SPACE.sub(" ", line).strip() for line in text.split("\n"))
    return MANY_NEWLINES.sub("\n\n", "\n".join(lines)).strip()


def normalise_article(item: Any) -> Any:
    """Normalise an article item in place and return it."""
    adapter = ItemAdapter(item)
    adapter["title"] = normalise_text(adapter.get("title"), single_line=True) or None
    body = adapter.get("body") or html_to_text(adapter.get("body_html") or "")
    adapter["body"] = normalise_text(body) or None
    adapter["author"] = normalise_text(adapter.get("author"), single_line=True) or None
    lang = normalise_lang(adapter.get("lang")) or guess_lang(
        f"{adapter['title'] or ''} {adapter['body'] or ''}"
    )
    adapter["lang"] = lang
    published = parse_date(adapter.get("published"), lang)
    if published is not None:
        adapter["published_at"] = iso_utc(published)
        adapter["published_local"] = to_local(published).isoformat()
    return item


class NormalisePipeline:
    def __init__(self, stats: StatsCollector, min_body_chars: int = 0) -> None:
        self.stats = stats
        self.min_body_chars = min_body_chars

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler.stats, crawler.settings.getint("CRAWLER_MIN_BODY_CHARS"))

    def process_item(self, item: Any) -> Any:
        normalise_article(item)
        adapter = ItemAdapter(item)
        self.stats.inc_value("crawler/items_checked")
        if not adapter.get("body"):
            self.stats.inc_value("crawler/dropped/empty_body")
            self.stats.inc_value("crawler/items_incomplete")
            raise DropItem(f"no text left in body: {adapter.get('url')}")
        # Kept (a short or date-less article is still news) but counted: a
        # rising share means extraction broke after a layout change.
        no_date = not adapter.get("published_at")
        short = len(adapter["body"]) < self.min_body_chars
        if no_date:
            self.stats.inc_value("crawler/items_without_date")
        if short:
            self.stats.inc_value("crawler/items_short_body")
        if no_date or short:
            self.stats.inc_value("crawler/items_incomplete")
        return item
