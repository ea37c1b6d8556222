"""The one item type the spiders yield and the pipelines refine."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from itemadapter import ItemAdapter


@dataclass
class ArticleItem:
    """An article as a spider saw it, filled in further by each pipeline stage.

    Spiders set what the page says (``published`` is the raw text or ISO
    string as printed; ``body_html`` or ``body``); the normalise stage turns
    them into ``body`` text and ``published_at``/``published_local``.
    """

    source: str
    url: str
    title: str | None = None
    body: str | None = None
    body_html: str | None = None
    lang: str | None = None
    published: str | None = None
    published_at: str | None = None
    published_local: str | None = None
    author: str | None = None
    source_id: str | None = None
    extraction: str | None = None
    fetched_at: str | None = None
    # Filled by later stages: mention dicts and anything a stage wants to pass on.
    mentions: list[dict[str, Any]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


# The columns of ``articles`` the store stage fills from an item (with the
# dedup stage's hashes).
ARTICLE_COLUMNS = (
    "source",
    "url",
    "lang",
    "title",
    "published_at",
    "published_local",
    "body",
    "author",
    "source_id",
    "content_hash",
    "body_hash",
    "extraction",
)


_FIELD_NAMES = frozenset(f.name for f in fields(ArticleItem))


def as_article(item: Any) -> ArticleItem:
    """``item`` itself if it is an :class:`ArticleItem`, else one made from its fields.

    The first stage calls this once, so the later stages read and write plain
    attributes: going through ``ItemAdapter`` in every stage cost more than
    the stages' own work. Unknown fields are dropped; a missing ``source`` or
    ``url`` is left empty for validation to reject.
    """
    if isinstance(item, ArticleItem):
        return item
    values = {k: v for k, v in ItemAdapter(item).items() if k in _FIELD_NAMES}
    values.setdefault("source", "")
    values.setdefault("url", "")
    return ArticleItem(**values)
