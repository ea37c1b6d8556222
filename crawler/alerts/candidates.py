"""From mentions to the stories a recipient wants, and the outbox rows for them.

Runs inside the caller's transaction (no commits).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlite_utils

from crawler.alerts.config import Recipient
from crawler.alerts.headline import headline_key
from crawler.text.dates import iso_utc

# One row per mention with what the filters and the outbox need of its article.
MENTIONS_SQL = (
    "SELECT m.id, m.article_id, m.category, m.term, m.text, m.field, m.found_at, "
    "a.source, a.lang, a.story_id, a.title "
    "FROM mentions m JOIN articles a ON a.id = m.article_id"
)


@dataclass
class Candidate:
    story_id: int | None
    article_id: int
    mention_id: int
    from_body: bool
    headline: str | None
    categories: set[str] = field(default_factory=set)


def candidates_for(recipient: Recipient, rows: list[tuple[Any, ...]]) -> dict[str, Candidate]:
    """The stories among ``rows`` (from :data:`MENTIONS_SQL`) that ``recipient``
    wants, by outbox key (``story:ID``, or ``article:ID`` for an unlinked article)."""
    found: dict[str, Candidate] = {}
    for mid, article_id, category, term, text, where, _at, source, lang, story_id, title in rows:
        if not recipient.wants(category, lang, source, term or "", text or ""):
            continue
        key = f"story:{story_id}" if story_id is not None else f"article:{article_id}"
        candidate = found.get(key)
        if candidate is None:
            candidate = found[key] = Candidate(
                story_id, article_id, mid, where == "body", headline_key(title)
            )
        elif where == "body" and not candidate.from_body:
            # A sentence from the body says more than the title repeated.
            candidate.article_id, candidate.mention_id = article_id, mid
            candidate.from_body = True
        candidate.categories.add(category)
    return found


def insert_story_alert(
    db: sqlite_utils.Database,
    recipient: Recipient,
    channel: str,
    key: str,
    candidate: Candidate,
    *,
    status: str,
    now: datetime,
    due: datetime,
) -> int:
    """Add one story row unless the recipient's channel already has this key; 1 if added."""
    return db.execute(
        "INSERT OR IGNORE INTO alerts (recipient, channel, kind, key, story_id, article_id, "
        "mention_id, categories, headline, mode, created_at, due_at, status, attempts) "
        "VALUES (?, ?, 'story', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)",
        [
            recipient.email,
            channel,
            key,
            candidate.story_id,
            candidate.article_id,
            candidate.mention_id,
            json.dumps(sorted(candidate.categories)),
            candidate.headline,
            recipient.mode,
            iso_utc(now),
            iso_utc(due),
            status,
        ],
    ).rowcount
