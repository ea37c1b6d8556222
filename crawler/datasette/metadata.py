"""Datasette metadata: titles, descriptions, column notes, facets, search, queries."""

from __future__ import annotations

from typing import Any

from crawler.datasette.queries import QUERIES
from crawler.text.search import FTS_TABLE

CHART_PATH = "/-/mentions-chart"

ARTICLES_COLUMNS = {
    "id": "Row id.",
    "source": "Where it was published: akimat (Almaty city administration, gov.kz) or arnapress.",
    "url": "The article's canonical page.",
    "lang": "Language: ru, kk or en.",
    "title": "Headline as published.",
    "published_at": "Publication time, UTC (ISO 8601).",
    "published_local": "Publication time in Almaty (Asia/Almaty).",
    "body": "Plain text of the article.",
    "author": "Author, when the site names one.",
    "source_id": "The site's own id (gov.kz item id); language versions share it.",
    "story_id": "The story this article belongs to (copies and translations share one).",
    "content_hash": "Hash of title and body: a change means the article was edited.",
    "body_hash": "Hash of the body text alone.",
    "extraction": "How the text was extracted (api, json-ld, selectors, generic …).",
    "first_seen_at": "When the crawler first stored it (UTC).",
    "last_seen_at": "When the crawler last saw it changed (UTC).",
    "updated_at": "When the row last changed (UTC).",
}

MENTIONS_COLUMNS = {
    "article_id": "The article the mention is in.",
    "category": "world_craft_city (the title), world_crafts_council (the organisation) "
    "or crafts (crafts, craftspeople, fairs).",
    "term": "The lexicon term found (every inflected form counts as the term).",
    "text": "The words exactly as printed.",
    "field": "title or body.",
    "start": "Character offset of the words in that field.",
    "end": "Character offset just after the words.",
    "snippet": "The sentence around the mention.",
    "lexicon_version": "Version of the lexicon that found it.",
    "found_at": "When it was found (UTC).",
}


def build_metadata(database: str) -> dict[str, Any]:
    """The metadata for the project database served under the name ``database``."""
    return {
        "title": "Crafts in Kazakh news",
        "description_html": (
            "Mentions of crafts, craftspeople and the <em>World Craft City</em> title in the "
            "news of the Almaty akimat and Arna Press, in Russian, Kazakh and English. "
            f'Start with <a href="/{database}/latest_mentions">the latest mentions</a>, '
            f'<a href="/{database}/search">search every inflected form</a> or '
            f'<a href="{CHART_PATH}">the chart of mentions per month</a>.'
        ),
        "source": "Almaty akimat press centre (gov.kz) and Arna Press (arnapress.kz)",
        "source_url": "https://www.gov.kz/memleket/entities/almaty/press/news",
        "license": "Articles © their publishers, quoted for monitoring; code MIT",
        "databases": {
            database: {
                "title": "Crafts monitoring database",
                "description": "Articles, the mentions found in them, stories and crawl runs.",
                "tables": tables_metadata(),
                "queries": QUERIES,
            }
        },
    }


def tables_metadata() -> dict[str, Any]:
    return {
        "articles": {
            "description": "One row per article and language version. The search box "
            "finds every inflected form (ремесленниками → ремесленники).",
            "sort_desc": "published_at",
            # No default facets here: each would run over every match of a search
            # (the mention_list view has source/category/language/month facets).
            "fts_table": FTS_TABLE,
            "fts_pk": "id",
            # The project plugin turns the search into a MATCH over every form.
            "searchmode": "raw",
            "label_column": "title",
            "columns": ARTICLES_COLUMNS,
        },
        "mentions": {
            "description": "One row per mention found in an article.",
            "sort_desc": "id",
            "facets": ["category", "term"],
            "columns": MENTIONS_COLUMNS,
        },
        "mention_list": {
            "title": "Mentions with their articles",
            "description": "Every mention with its article's source, language, month and link.",
            "sort_desc": "published_at",
            "facets": ["source", "category", "lang", "month"],
            "columns": {
                "month": "Month of publication, Almaty time (YYYY-MM).",
                **{k: v for k, v in MENTIONS_COLUMNS.items() if k in ("category", "term")},
                "snippet": MENTIONS_COLUMNS["snippet"],
                "url": ARTICLES_COLUMNS["url"],
            },
        },
        "stories": {
            "description": "Copies and language versions of the same story, linked.",
            "sort_desc": "first_published_at",
            "columns": {
                "origin_article_id": "The first article of the story.",
                "outlets": "Sources that carried it (JSON list).",
                "langs": "Languages it appeared in (JSON list).",
                "article_count": "Articles in the story.",
            },
        },
        "crawl_runs": {
            "description": "One row per spider run: how the crawl went.",
            "sort_desc": "started_at",
            "facets": ["spider", "status"],
            "columns": {
                "spider": "The source crawled.",
                "status": "ok, or what went wrong.",
                "requests": "HTTP requests made.",
                "items_new": "Articles stored for the first time.",
                "items_updated": "Articles whose text changed.",
                "items_dropped": "Items rejected by validation or as duplicates.",
                "errors": "Errors logged during the run.",
                "stats": "Scrapy's stats as JSON.",
            },
        },
        "alerts": {
            "description": "Alerts about new mentions: one row per recipient, channel "
            "(email, or a notification URL's key) and story, queued, sent, or seen "
            "(the archive at a channel's quiet start)."
        },
        FTS_TABLE: {"hidden": True},
        "search_vocab": {"hidden": True},
        "_migrations": {"hidden": True},
    }
