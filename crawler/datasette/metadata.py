"""Datasette metadata: titles, descriptions, column notes, facets, search, queries."""

from __future__ import annotations

from typing import Any

from crawler.datasette.pages import CHART_PATH, FEED_PATH, HEALTH_PATH
from crawler.datasette.queries import QUERIES
from crawler.sources.spec import load_specs
from crawler.text.search import FTS_TABLE

# Hidden from the index and database pages (still reachable under "hidden tables").
INTERNAL_TABLES = (
    FTS_TABLE,  # and its shadow tables, whose names start with it
    "search_vocab",
    "story_bands",
    "story_fingerprints",
    "alerts",  # the outbox: recipients' addresses and delivery state
    "alert_sends",
    "alert_state",
    "mention_months",
    "feed_state",
    "discovery_state",
    "crawl_run_processes",  # the shared queue's crawl processes per run
    "queue_progress",  # the store worker's place in each process's messages
    "_migrations",
)

ARTICLES_COLUMNS = {
    "id": "Row id.",
    "source": "Where it was published: a source of crawler/sources (akimat, taraz, … on gov.kz, "
    "or arnapress).",
    "url": "The article's canonical page.",
    "lang": "Language: ru, kk or en.",
    "title": "Headline as published.",
    "published_at": "Publication time (stored in UTC, shown in Almaty time).",
    "published_local": "Publication time as Almaty's clocks showed it (Asia/Almaty).",
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


def _sources_sentence(lang: str, with_site: bool = False) -> str:
    """«Almaty akimat and Arna Press»: every source's name, from the specs."""
    specs = load_specs()
    names = [spec.label(lang) if with_site else spec.display_name(lang) for spec in specs]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def build_metadata(database: str) -> dict[str, Any]:
    """The metadata for the project database served under the name ``database``."""
    return {
        "title": "Crafts in Kazakh news",
        "description_html": (
            "Mentions of crafts, craftspeople and the <em>World Craft City</em> title in the "
            f"news of {_sources_sentence('en')}, in Russian, Kazakh and English. "
            f'Start with <a href="/{database}/latest_mentions">the latest mentions</a>, '
            f'<a href="/{database}/search">search every inflected form</a> or '
            f'<a href="{CHART_PATH}">the chart of mentions per month</a>.'
        ),
        "source": _sources_sentence("en", with_site=True),
        "source_url": load_specs()[0].home,
        "license": "Articles © their publishers, quoted for monitoring; code MIT",
        "databases": {
            database: {
                "title": "Crafts monitoring database",
                "description_html": (
                    "Articles, the mentions found in them, stories and crawl runs. "
                    f'Follow <a href="{FEED_PATH}">the Atom feed of new mentions</a>; '
                    f'see <a href="{HEALTH_PATH}">each source\'s crawl health</a>. '
                    "Times are shown in Almaty time with the zone."
                ),
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
        # Bookkeeping, not reading: search index, story index, alert outbox, crawl state.
        **{name: {"hidden": True} for name in INTERNAL_TABLES},
    }
