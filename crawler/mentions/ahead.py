"""Mentions found ahead: in the normalise stage's worker call, with the text it returns.

With the offload worker, the normalise stage sends an article's fields to the
worker and the mentions stage sends the normalised title and body there again.
Finding the mentions in the first call saves the second round trip: one
message, one future and one awaited coroutine per article, most of it on the
reactor thread. The mentions stage takes what was found ahead only if the
title, body and lexicon are still the ones it was found for, and matches
again otherwise, so a stage that changes the text in between loses nothing.
"""

from __future__ import annotations

from typing import Any

from crawler.items import ArticleItem
from crawler.mentions.detector import article_mentions
from crawler.normalisation import normalised_fields

# Private to the two stages: the mentions stage removes it from the item.
KEY = "_mentions_ahead"

Found = tuple[str, list[dict[str, Any]]]  # (lexicon version, mentions as dicts)


def normalised_with_mentions(
    fields: dict[str, Any], lexicon: str | None
) -> tuple[dict[str, Any], Found]:
    """:func:`crawler.normalisation.normalised_fields` and the mentions of its
    title and body (run by the offload worker)."""
    values = normalised_fields(fields)
    return values, article_mentions(lexicon, values.get("title"), values.get("body"))


def keep(item: ArticleItem, lexicon: str | None, found: Found) -> None:
    """Remember what was found in the item's current title and body."""
    item.extra[KEY] = (lexicon, item.title, item.body, found)


def take(item: ArticleItem, lexicon: str | None) -> Found | None:
    """What was found ahead, if it still holds for the item; None to match again."""
    kept = item.extra.pop(KEY, None)
    if kept is None:
        return None
    kept_lexicon, title, body, found = kept
    if kept_lexicon != lexicon or title != item.title or body != item.body:
        return None
    return found
