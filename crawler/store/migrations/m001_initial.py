"""The first schema: stories, articles, mentions, crawl_runs."""

from __future__ import annotations

import sqlite_utils


def migrate(db: sqlite_utils.Database) -> None:
    db["stories"].create(
        {
            "id": int,
            "origin_article_id": int,
            "title": str,
            "first_published_at": str,
            "outlets": str,  # JSON list of sources
            "langs": str,  # JSON list of language codes
            "article_count": int,
            "created_at": str,
            "updated_at": str,
        },
        pk="id",
    )
    db["articles"].create(
        {
            "id": int,
            "source": str,
            "url": str,
            "lang": str,
            "title": str,
            "published_at": str,
            "published_local": str,
            "body": str,
            "author": str,
            "source_id": str,
            "story_id": int,
            "content_hash": str,
            "body_hash": str,
            "extraction": str,
            "first_seen_at": str,
            "last_seen_at": str,
            "updated_at": str,
        },
        pk="id",
        foreign_keys=[("story_id", "stories", "id")],
    )
    db["articles"].create_index(["url"], unique=True)
    db["articles"].create_index(["source", "published_at"])
    db["articles"].create_index(["source", "body_hash"])
    db["articles"].create_index(["story_id"])
    db["mentions"].create(
        {
            "id": int,
            "article_id": int,
            "category": str,
            "term": str,
            "text": str,
            "field": str,
            "start": int,
            "end": int,
            "snippet": str,
            "lexicon_version": str,
            "found_at": str,
        },
        pk="id",
        foreign_keys=[("article_id", "articles", "id")],
    )
    db["mentions"].create_index(["article_id"])
    db["mentions"].create_index(["category", "found_at"])
    db["mentions"].create_index(["term"])
    db["crawl_runs"].create(
        {
            "id": int,
            "spider": str,
            "started_at": str,
            "finished_at": str,
            "status": str,
            "finish_reason": str,
            "full": int,
            "requests": int,
            "items_new": int,
            "items_updated": int,
            "items_unchanged": int,
            "items_dropped": int,
            "errors": int,
            "stats": str,  # JSON of Scrapy's stats, for digging in later
        },
        pk="id",
    )
    db["crawl_runs"].create_index(["spider", "started_at"])
