"""One sample article as the pipelines would store it, and its mentions."""

from __future__ import annotations

from typing import Any

from crawler.items import ArticleItem
from crawler.text.mentions.detector import article_mentions
from pipelines.normalise import normalise_article

SAMPLE_KEYS = ("title", "published_at", "published_local", "lang", "author", "url", "body")


def sample_article(
    item: ArticleItem, lexicon: str | None = None
) -> tuple[dict[str, Any], list[dict]]:
    """The normalised fields of ``item`` and the mentions the lexicon finds in it."""
    item = normalise_article(item)
    fields = {key: getattr(item, key) for key in SAMPLE_KEYS}
    _version, mentions = article_mentions(lexicon, item.title, item.body)
    return fields, mentions


def is_storable(fields: dict[str, Any]) -> bool:
    """What the validate stage demands: a title, a URL and a body."""
    return bool(fields.get("title") and fields.get("url") and fields.get("body"))
