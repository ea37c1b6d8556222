"""Reading what a batch of alert rows is about: stories, articles, snippets."""

from __future__ import annotations

import json
import os
from typing import Any

import sqlite_utils

from crawler.alerts.config import Recipient
from crawler.alerts.outbox import parse_iso
from crawler.alerts.render import Batch, HealthEntry, Outlet, StoryEntry


def datasette_base() -> str | None:
    """``CRAWLER_DATASETTE_URL``: the database's address in Datasette, e.g.
    ``https://data.example.kz/crafts`` (story links become ``…/stories/ID``)."""
    value = os.environ.get("CRAWLER_DATASETTE_URL", "").strip().rstrip("/")
    return value if _is_web_url(value) else None


def _is_web_url(value: str | None) -> bool:
    return bool(value) and value.lower().startswith(("http://", "https://"))  # type: ignore[union-attr]


def build_batch(
    db: sqlite_utils.Database, recipient: Recipient, rows: list[dict[str, Any]]
) -> Batch:
    stories: list[StoryEntry] = []
    health: list[HealthEntry] = []
    base = datasette_base()
    for row in rows:
        if row["kind"] == "health":
            noticed = parse_iso(row["created_at"])
            assert noticed is not None
            health.append(HealthEntry(row["source"] or "", row["reason"] or "", noticed))
        else:
            stories.append(_story(db, row, base))
    stories.sort(key=lambda s: (s.published_at is None, s.published_at), reverse=True)
    return Batch(
        recipient=recipient.email,
        name=recipient.name,
        mode=recipient.mode,
        alert_ids=tuple(sorted(row["id"] for row in rows)),
        stories=tuple(stories),
        health=tuple(health),
    )


def _story(db: sqlite_utils.Database, row: dict[str, Any], base: str | None) -> StoryEntry:
    article = db.execute(
        "SELECT id, source, lang, url, title, published_at, story_id FROM articles WHERE id = ?",
        [row["article_id"]],
    ).fetchone()
    mention = db.execute(
        "SELECT snippet, text FROM mentions WHERE id = ?", [row["mention_id"]]
    ).fetchone()
    if mention is None:  # the article was re-processed since: any of its mentions will do
        mention = db.execute(
            "SELECT snippet, text FROM mentions WHERE article_id = ? "
            "ORDER BY field = 'body' DESC, id LIMIT 1",
            [row["article_id"]],
        ).fetchone()
    snippet, highlight = mention if mention else ("", "")
    if article is None:
        article = (row["article_id"], "", "", "", "", None, row["story_id"])
    article_id, source, lang, url, title, published_at, story_id = article
    story_id = story_id if story_id is not None else row["story_id"]
    others: list[Outlet] = []
    if story_id is not None:
        seen = {(source, lang)}
        for o_source, o_lang, o_url in db.execute(
            "SELECT source, lang, url FROM articles WHERE story_id = ? AND id != ? "
            "ORDER BY published_at IS NULL, published_at, id",
            [story_id, article_id],
        ).fetchall():
            if (o_source, o_lang) not in seen and _is_web_url(o_url):
                seen.add((o_source, o_lang))
                others.append(Outlet(o_source, o_lang or "", o_url))
    return StoryEntry(
        story_id=story_id,
        title=title or "(без заголовка)",
        source=source or "",
        lang=lang or "",
        url=url if _is_web_url(url) else "",
        published_at=parse_iso(published_at),
        snippet=snippet or "",
        highlight=highlight or "",
        categories=tuple(json.loads(row["categories"] or "[]")),
        other_outlets=tuple(others),
        datasette_url=f"{base}/stories/{story_id}" if base and story_id is not None else None,
    )
