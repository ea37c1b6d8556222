"""Reading what a batch of alert rows is about: stories, articles, snippets.

Also where a message is kept short: stories with the same headline become one
entry (the others listed as outlets), titles and snippets are clipped, and at
most ``max_stories`` are listed, newest first; the rest are counted ("and N
more") with a link to browse them.
"""

from __future__ import annotations

import json
import os
from dataclasses import replace
from typing import Any

import sqlite_utils

from crawler.alerts.config import Recipient
from crawler.alerts.headline import headline_key
from crawler.alerts.outbox import parse_iso
from crawler.alerts.render import Batch, HealthEntry, Outlet, StoryEntry
from crawler.datasette.pages import feed_url

# Enough for any real headline and sentence; a page that sends more is cut.
TITLE_CHARS = 300
SNIPPET_CHARS = 500
URL_CHARS = 2000
# Where "and N more" and the quiet start send readers: the latest mentions, newest first.
BROWSE_PAGE = "latest_mentions"


def datasette_base() -> str | None:
    """``CRAWLER_DATASETTE_URL``: the database's address in Datasette, e.g.
    ``https://data.example.kz/crafts`` (story links become ``…/stories/ID``)."""
    value = os.environ.get("CRAWLER_DATASETTE_URL", "").strip().rstrip("/")
    return value if _is_web_url(value) else None


def _is_web_url(value: str | None) -> bool:
    return (
        bool(value)
        and len(value) <= URL_CHARS  # type: ignore[arg-type]
        and value.lower().startswith(("http://", "https://"))  # type: ignore[union-attr]
    )


def build_batch(
    db: sqlite_utils.Database,
    recipient: Recipient,
    rows: list[dict[str, Any]],
    *,
    max_stories: int | None = None,
) -> Batch:
    stories: list[StoryEntry] = []
    health: list[HealthEntry] = []
    backlog: int | None = None
    base = datasette_base()
    for row in rows:
        if row["kind"] == "health":
            noticed = parse_iso(row["created_at"])
            assert noticed is not None
            health.append(
                HealthEntry(
                    _clip(row["source"] or "", 100),
                    _clip(row["reason"] or "", SNIPPET_CHARS),
                    noticed,
                    alert_id=row["id"],
                )
            )
        elif row["kind"] == "backlog":
            backlog = (backlog or 0) + int(row["reason"] or 0)
        else:
            stories.append(_story(db, row, base))
    stories = merge_same_headlines(stories)
    stories.sort(key=lambda s: (s.published_at is None, s.published_at), reverse=True)
    listed = stories if max_stories is None else stories[:max_stories]
    return Batch(
        recipient=recipient.email,
        name=recipient.name,
        mode=recipient.mode,
        alert_ids=tuple(sorted(row["id"] for row in rows)),
        stories=tuple(listed),
        health=tuple(health),
        more=len(stories) - len(listed),
        browse_url=f"{base}/{BROWSE_PAGE}" if base else None,
        feed_url=mentions_feed(base),
        backlog=backlog,
    )


def mentions_feed(base: str | None) -> str | None:
    """The Atom feed of new mentions, next to the database ``base`` names
    (``https://data.example.kz/crafts`` → ``https://data.example.kz/-/feeds/mentions.atom``)."""
    if not base:
        return None
    root = base.rsplit("/", 1)[0] if base.count("/") > 2 else base
    return feed_url(root)


def list_fewer(batch: Batch, listed: int) -> Batch:
    """The same batch listing only its first ``listed`` stories; the rest become "more"."""
    listed = max(1, min(listed, len(batch.stories)))
    return replace(
        batch, stories=batch.stories[:listed], more=batch.more + len(batch.stories) - listed
    )


def merge_same_headlines(stories: list[StoryEntry]) -> list[StoryEntry]:
    """One entry per headline: the first story keeps its place, the others'
    articles join its other outlets and their alert rows go with it."""
    merged: list[StoryEntry] = []
    by_headline: dict[str, int] = {}
    for story in stories:
        key = headline_key(story.title)
        if key is None or key not in by_headline:
            if key is not None:
                by_headline[key] = len(merged)
            merged.append(story)
            continue
        first = merged[by_headline[key]]
        seen = {(first.source, first.lang)} | {(o.source, o.lang) for o in first.other_outlets}
        extra: list[Outlet] = []
        for outlet in (Outlet(story.source, story.lang, story.url), *story.other_outlets):
            if outlet.url and (outlet.source, outlet.lang) not in seen:
                seen.add((outlet.source, outlet.lang))
                extra.append(outlet)
        merged[by_headline[key]] = replace(
            first,
            other_outlets=first.other_outlets + tuple(extra),
            alert_ids=first.alert_ids + story.alert_ids,
        )
    return merged


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
    stored = article is not None  # the article may have been deleted since
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
        title=_clip(title or "(без заголовка)", TITLE_CHARS),
        source=source or "",
        lang=lang or "",
        url=url if _is_web_url(url) else "",
        published_at=parse_iso(published_at),
        snippet=_clip(snippet or "", SNIPPET_CHARS),
        highlight=_clip(highlight or "", SNIPPET_CHARS),
        categories=tuple(json.loads(row["categories"] or "[]")),
        other_outlets=tuple(others),
        datasette_url=f"{base}/stories/{story_id}" if base and story_id is not None else None,
        article_datasette_url=f"{base}/articles/{article_id}" if base and stored else None,
        alert_ids=(row["id"],),
    )


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
