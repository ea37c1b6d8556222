"""What an article's page shows: the text as paragraphs with its mentions marked,
where and when it was published, and the story's other copies.

Read in one go on Datasette's read connection; the row template
(``templates/row.html``) lays it out. Hashes and crawl bookkeeping stay in the
row's JSON.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from crawler.datasette.feeds import feed_url
from crawler.datasette.highlight import marked_html, paragraphs
from crawler.datasette.names import category_label, language_name, source_name, source_site
from crawler.datasette.pages import web_url
from crawler.datasette.times import display_time

ARTICLE_SQL = """
select id, source, url, lang, title, published_at, body, author, story_id
from articles where id = ?
"""
MENTIONS_SQL = """
select category, term, text, field, start, "end"
from mentions where article_id = ? order by field, start
"""
COPIES_SQL = """
select id, source, url, lang, title, published_at
from articles where story_id = ? and id <> ?
order by published_at, id
"""


def _rows(cursor: sqlite3.Cursor) -> list[dict[str, Any]]:
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def read_article(conn: sqlite3.Connection, article_id: int) -> dict[str, Any] | None:
    """The article row, its mentions and its story's other articles, or None."""
    found = _rows(conn.execute(ARTICLE_SQL, [article_id]))
    if not found:
        return None
    article = found[0]
    article["mentions"] = _rows(conn.execute(MENTIONS_SQL, [article_id]))
    story = article["story_id"]
    article["copies"] = _rows(conn.execute(COPIES_SQL, [story, article_id])) if story else []
    return article


def page_vars(article: dict[str, Any], row_url: Any, root: str) -> dict[str, Any]:
    """Template variables for the page of ``article`` (from read_article);
    ``row_url(id)`` is an article's page, ``root`` this site's address."""
    mentions = article["mentions"]

    def spans(field: str) -> list[tuple[int, int]]:
        return [(m["start"], m["end"]) for m in mentions if m["field"] == field]

    lang = article["lang"] or "ru"
    site = source_site(article["source"] or "")
    categories = list(dict.fromkeys(m["category"] for m in mentions))
    return {
        "title": article["title"] or "(untitled)",
        "title_html": marked_html(article["title"] or "(untitled)", spans("title")),
        "lang": lang,
        "paragraphs": paragraphs(article["body"] or "", spans("body")),
        "source_name": source_name(article["source"] or "", lang),
        "site": site[0] if site else None,
        "home": site[1] if site else None,
        "published": display_time(article["published_at"]) or "date unknown",
        "language": language_name(article["lang"]),
        "author": article["author"],
        "url": web_url(article["url"]),
        "categories": [
            {"label": category_label(c), "feed": feed_url(root, category=c)} for c in categories
        ],
        "terms": list(dict.fromkeys(m["term"] for m in mentions)),
        "mention_count": len(mentions),
        "source_feed": feed_url(root, source=article["source"]),
        "copies": [
            {
                "href": row_url(copy["id"]),
                "title": copy["title"] or "(untitled)",
                "source_name": source_name(copy["source"] or "", copy["lang"] or "ru"),
                "language": language_name(copy["lang"]),
                "published": display_time(copy["published_at"]),
                "url": web_url(copy["url"]),
            }
            for copy in article["copies"]
        ],
    }
