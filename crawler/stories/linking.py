"""Putting articles into stories: copies across outlets and language versions.

Each article may have one *parent*, the article it is a copy or a language version
of (``articles.story_parent_id``, with ``story_link`` saying why and ``story_score``
how similar they are). A parent came out no later than its child, so the links form
trees, and a story is one tree: its root is the origin, the earliest article.

Links, strongest first:

* ``source_id`` – language versions of one gov.kz item (same source and item id);
* ``text`` – a near-duplicate from another outlet: exact Jaccard similarity of the
  shingles at least ``threshold`` (rising to ``threshold_far`` at the end of the
  window), published within the window;
* ``attribution`` – a copy that names the other outlet as its source, with titles
  that agree, published after it within the window, sharing at least
  ``cited_threshold`` of the text.

Among several possible parents the most similar wins. Articles arrive in any order
(two spiders run at once), so a new article also adopts the later articles it is a
better parent for than the one they have: the result does not depend on the order
in which the crawl stored them.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import sqlite_utils

from crawler.store.db import utc_now
from crawler.stories.attribution import parse_attribution
from crawler.stories.config import StoryConfig
from crawler.stories.index import candidate_ids, fingerprints, index_article, parse_time
from crawler.stories.minhash import band_keys
from crawler.stories.shingles import article_text, jaccard, shingle_hashes, title_overlap

SOURCE_ID, TEXT, ATTRIBUTION = "source_id", "text", "attribution"


@dataclass
class Node:
    """What linking needs to know about one stored article."""

    id: int
    source: str
    lang: str | None
    title: str | None
    when: float | None
    cites_source: str | None
    story_id: int | None = None
    parent_id: int | None = None
    link: str | None = None
    score: float | None = None
    hashes: np.ndarray | None = None


_NODE_COLUMNS = (
    "id, source, lang, title, coalesce(published_at, first_seen_at), cites_source, "
    "story_id, story_parent_id, story_link, story_score"
)


def _nodes(db: sqlite_utils.Database, where: str, params: list[Any]) -> list[Node]:
    rows = db.execute(f"SELECT {_NODE_COLUMNS} FROM articles WHERE {where}", params)  # noqa: S608 fixed column list; callers pass fixed WHERE texts with ? placeholders
    return [
        Node(r[0], r[1], r[2], r[3], parse_time(r[4]), r[5], r[6], r[7], r[8], r[9]) for r in rows
    ]


def _iso(seconds: float) -> str:
    # time.strftime of a struct is a third of datetime's cost; called twice per article.
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def attribution_columns(values: dict[str, Any]) -> dict[str, str | None]:
    """The ``relayed_by``, ``cites``, ``cites_source`` columns of an article."""
    text = article_text(values.get("title"), values.get("body"))
    return parse_attribution(text, values.get("source")).columns()


def _link(parent: Node, child: Node, score: float, config: StoryConfig) -> str | None:
    """Why ``child`` may be a copy of ``parent`` (``text``/``attribution``), or None."""
    if parent.source == child.source or parent.when is None or child.when is None:
        return None
    lag = child.when - parent.when
    if lag < 0 or lag > config.window_seconds:
        return None
    if score >= config.required_similarity(lag):
        return TEXT
    if (
        child.cites_source == parent.source
        and child.lang == parent.lang
        and score >= config.cited_threshold
        and title_overlap(parent.title, child.title) >= config.title_threshold
    ):
        return ATTRIBUTION
    return None


def _candidates(
    db: sqlite_utils.Database, node: Node, keys: list[int], config: StoryConfig
) -> list[Node]:
    """Articles that may be the parent or a child of ``node``, with their fingerprints."""
    window = config.window_seconds
    ids = candidate_ids(db, keys, node.when, window)
    found = {n.id: n for n in _nodes(db, _in_ids(ids), list(ids))} if ids else {}
    if node.when is not None:
        lang = node.lang or ""
        if node.cites_source and node.cites_source != node.source:
            # The outlet this article names as its source, shortly before it.
            for other in _nodes(
                db,
                "source = ? AND coalesce(lang, '') = ? AND published_at BETWEEN ? AND ?",
                [node.cites_source, lang, _iso(node.when - window), _iso(node.when)],
            ):
                found.setdefault(other.id, other)
        # Later articles of other outlets that name this one's outlet as their source.
        for other in _nodes(
            db,
            "cites_source = ? AND source != ? AND coalesce(lang, '') = ? "
            "AND published_at BETWEEN ? AND ?",
            [node.source, node.source, lang, _iso(node.when), _iso(node.when + window)],
        ):
            found.setdefault(other.id, other)
    found.pop(node.id, None)
    for other_id, hashes in fingerprints(db, found).items():
        found[other_id].hashes = hashes
    return list(found.values())


def _in_ids(ids: set[int]) -> str:
    return f"id IN ({','.join('?' * len(ids))})"


def link_new_article(
    db: sqlite_utils.Database,
    article_id: int,
    values: dict[str, Any],
    config: StoryConfig | None = None,
    touched: set[int] | None = None,
) -> int:
    """Index a newly stored article and put it in a story; returns the story id.

    The summaries of the stories it changed are refreshed at once, or, given a
    ``touched`` set, their ids are added to it for the caller to refresh once
    (a batch of articles touches many stories several times).
    """
    config = config or StoryConfig()
    node = Node(
        article_id,
        values["source"],
        values.get("lang"),
        values.get("title"),
        parse_time(values.get("published_at") or values.get("first_seen_at")),
        values.get("cites_source"),
    )
    node.hashes = shingle_hashes(article_text(values.get("title"), values.get("body")))
    keys = band_keys(node.hashes)
    candidates = _candidates(db, node, keys, config) if node.hashes.size else []
    index_article(db, article_id, node.hashes, node.when, keys, new=True)

    parent: tuple[Node, str, float] | None = None
    if values.get("source_id"):
        sibling = _nodes(
            db,
            "source = ? AND source_id = ? AND id != ? AND story_id IS NOT NULL ORDER BY id LIMIT 1",
            [node.source, values["source_id"], article_id],
        )
        if sibling:
            parent = (sibling[0], SOURCE_ID, 1.0)
    children: list[tuple[Node, str, float]] = []
    for other in candidates:
        score = jaccard(node.hashes, other.hashes) if other.hashes is not None else 0.0
        if other.when is not None and node.when is not None and other.when <= node.when:
            link = _link(other, node, score, config)
            if link and (parent is None or (parent[1] != SOURCE_ID and score > parent[2])):
                parent = (other, link, score)
        else:
            link = _link(node, other, score, config)
            if link and other.link != SOURCE_ID and (other.score is None or score > other.score):
                children.append((other, link, score))
    if parent is not None:
        ancestors = _ancestors(db, parent[0].id)
        children = [c for c in children if c[0].id not in ancestors]

    story_id = _choose_story(db, node, parent, children)
    if parent is not None:
        db.execute(
            "UPDATE articles SET story_id = ?, story_parent_id = ?, story_link = ?, "
            "story_score = ? WHERE id = ?",
            [story_id, parent[0].id, parent[1], round(parent[2], 4), article_id],
        )
    else:
        db.execute("UPDATE articles SET story_id = ? WHERE id = ?", [story_id, article_id])
    changed = {story_id}
    for child, link, score in children:
        old_story = child.story_id
        db.execute(
            "UPDATE articles SET story_parent_id = ?, story_link = ?, story_score = ? WHERE id = ?",
            [article_id, link, round(score, 4), child.id],
        )
        if old_story != story_id:
            _move_subtree(db, child.id, story_id)
            if old_story is not None:
                _retire_if_empty(db, old_story, story_id)
                changed.add(old_story)
    if touched is not None:
        touched |= changed
    else:
        for story in changed:
            refresh_story(db, story)
    return story_id


def _choose_story(
    db: sqlite_utils.Database,
    node: Node,
    parent: tuple[Node, str, float] | None,
    children: list[tuple[Node, str, float]],
) -> int:
    if parent is not None and parent[0].story_id is not None:
        return parent[0].story_id
    # Without a parent the article is an origin: it takes over the story of the
    # child it resembles most, if that child was an origin (the id stays stable).
    roots = [c for c in children if c[0].parent_id is None and c[0].story_id is not None]
    if roots:
        return max(roots, key=lambda c: c[2])[0].story_id
    now = utc_now()
    return db.execute(
        "INSERT INTO stories (created_at, updated_at) VALUES (?, ?)", [now, now]
    ).lastrowid


def _ancestors(db: sqlite_utils.Database, article_id: int) -> set[int]:
    rows = db.execute(
        "WITH RECURSIVE up(id) AS (SELECT ? UNION SELECT a.story_parent_id FROM articles a "
        "JOIN up ON a.id = up.id WHERE a.story_parent_id IS NOT NULL) SELECT id FROM up",
        [article_id],
    )
    return {row[0] for row in rows}


def _move_subtree(db: sqlite_utils.Database, article_id: int, story_id: int) -> None:
    """Move an article and everything copied from it into ``story_id``."""
    db.execute(
        "WITH RECURSIVE down(id) AS (SELECT ? UNION SELECT a.id FROM articles a "
        "JOIN down ON a.story_parent_id = down.id) "
        "UPDATE articles SET story_id = ? WHERE id IN (SELECT id FROM down)",
        [article_id, story_id],
    )


def _retire_if_empty(db: sqlite_utils.Database, story_id: int, merged_into: int) -> None:
    """A story left without articles is kept (others may refer to it) and points on."""
    left = db.execute("SELECT 1 FROM articles WHERE story_id = ? LIMIT 1", [story_id]).fetchone()
    if left is None:
        db.execute(
            "UPDATE stories SET merged_into = ?, article_count = 0, updated_at = ? WHERE id = ?",
            [merged_into, utc_now(), story_id],
        )


def update_article(db: sqlite_utils.Database, article_id: int, values: dict[str, Any]) -> None:
    """After an article's text changed: new fingerprint, attribution, story summary."""
    hashes = shingle_hashes(article_text(values.get("title"), values.get("body")))
    row = db.execute(
        "SELECT coalesce(published_at, first_seen_at), story_id FROM articles WHERE id = ?",
        [article_id],
    ).fetchone()
    index_article(db, article_id, hashes, parse_time(row[0]))
    if row[1] is not None:
        refresh_story(db, row[1])


def refresh_story(db: sqlite_utils.Database, story_id: int) -> None:
    """Recompute a story's origin, first publication, outlets and languages."""
    rows = db.execute(
        "SELECT id, source, lang, title, published_at FROM articles WHERE story_id = ? "
        "ORDER BY published_at IS NULL, published_at, id",
        [story_id],
    ).fetchall()
    if not rows:
        return
    origin = rows[0]
    db.execute(
        "UPDATE stories SET origin_article_id = ?, title = ?, first_published_at = ?, "
        "outlets = ?, langs = ?, article_count = ?, merged_into = NULL, updated_at = ? "
        "WHERE id = ?",
        [
            origin[0],
            origin[3],
            origin[4],
            json.dumps(sorted({r[1] for r in rows})),
            json.dumps(sorted({r[2] for r in rows if r[2]})),
            len(rows),
            utc_now(),
            story_id,
        ],
    )
