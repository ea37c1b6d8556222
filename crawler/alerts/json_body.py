"""A batch as structured JSON, for ``json://`` endpoints (a newsroom's own tools).

Apprise posts ``version``, ``title``, ``message`` (the plain text) and
``type``; the fields here are added beside them, so a program reading the
endpoint gets the stories without parsing text. Pure.
"""

from __future__ import annotations

from typing import Any

from crawler.alerts.render import Batch, StoryEntry
from crawler.sources.spec import source_label
from crawler.text.dates import iso_utc


def kind_of(batch: Batch) -> str:
    if batch.test:
        return "test"
    if batch.stories:
        return "stories"
    if batch.backlog is not None:
        return "backlog"
    return "health"


def document(batch: Batch, message_id: str) -> dict[str, Any]:
    """The structured fields of one message."""
    return {
        "id": message_id,  # the same alerts give the same id: a receiver can drop repeats
        "kind": kind_of(batch),
        "recipient": batch.recipient,
        "mode": batch.mode,
        "total": batch.total,
        "stories": [_story(s) for s in batch.stories],
        "more": batch.more,
        "browse_url": batch.browse_url,
        "backlog": batch.backlog,
        "health": [
            {"source": h.source, "reason": h.reason, "noticed_at": iso_utc(h.noticed_at)}
            for h in batch.health
        ],
    }


def _story(story: StoryEntry) -> dict[str, Any]:
    return {
        "title": story.title,
        "source": story.source,
        "source_name": source_label(story.source),
        "lang": story.lang,
        "published_at": iso_utc(story.published_at) if story.published_at else None,
        "url": story.url or None,
        "datasette_url": story.article_datasette_url,
        "story_id": story.story_id,
        "story_url": story.datasette_url,
        "categories": list(story.categories),
        "snippet": story.snippet,
        "matched": story.highlight,
        "other_outlets": [
            {"source": o.source, "lang": o.lang, "url": o.url} for o in story.other_outlets
        ],
    }
