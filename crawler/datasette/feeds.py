"""Atom feeds of new mentions: ``/-/feeds/mentions.atom``, narrowed with
``?category=``, ``?term=`` and ``?source=`` (combinable).

One entry per article, newest first (by publication time), the FEED_SIZE newest
articles that have a mention matching the filters. An entry links to the
original article and to its page on this site.

>>> feed_url("https://data.example.kz", category="crafts")
'https://data.example.kz/-/feeds/mentions.atom?category=crafts'
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from typing import Any

from datasette.utils.asgi import Request, Response
from markupsafe import escape

from crawler.datasette import atom
from crawler.datasette.highlight import marked_html, word_spans
from crawler.datasette.names import (
    CATEGORY_LABELS,
    category_label,
    language_name,
    source_name,
    source_site,
)
from crawler.datasette.pages import database_for, feed_url, web_url
from crawler.datasette.times import display_time, parse_time

FEED_SIZE = 50
FILTERS = ("category", "term", "source")
SITE_TITLE = "Crafts in Kazakh news"


def _rows(cursor: sqlite3.Cursor) -> list[dict[str, Any]]:
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


ARTICLES_SQL = """
select a.id, a.source, a.url, a.lang, a.title, a.published_at,
  coalesce(a.last_seen_at, a.first_seen_at, a.published_at) as updated_at
from articles a
where {where}
order by a.published_at desc, a.id desc
limit :limit
"""
# Walking the articles newest first, probing each one's mentions, stops at the limit:
# quick when matching articles are common, a scan of them all when they are rare.
WALK = "exists (select 1 from mentions m where m.article_id = a.id{also})"
# Rare matches are quicker read from the mentions' (category|term, article_id)
# index, then sorted by date.
FROM_MENTIONS = "a.id in (select m.article_id from mentions m where {wanted})"
MATCHES_SQL = "select count(*) from (select 1 from mentions m where {wanted} limit :cap)"
WALK_SHARE = 0.05  # walk when the matching mentions pass this share of the articles
MENTIONS_SQL = """
select article_id, category, term, text, field, snippet
from mentions
where article_id in (select value from json_each(:ids))
order by article_id, field = 'title', id
"""


def _where(conn: sqlite3.Connection, filters: dict[str, str]) -> str:
    wanted = " and ".join(f"m.{k} = :{k}" for k in ("category", "term") if filters.get(k))
    clauses = [WALK.format(also=f" and {wanted}" if wanted else "")]
    if wanted:
        (top,) = conn.execute("select coalesce(max(id), 0) from articles").fetchone()
        cap = max(int(top * WALK_SHARE), FEED_SIZE)
        sql = MATCHES_SQL.format(wanted=wanted)  # fixed clauses, values are parameters
        (found,) = conn.execute(sql, {**filters, "cap": cap}).fetchone()
        if found < cap:
            clauses = [FROM_MENTIONS.format(wanted=wanted)]
    if filters.get("source"):
        clauses.append("a.source = :source")
    return " and ".join(clauses)


def feed_articles(
    conn: sqlite3.Connection, filters: dict[str, str], limit: int = FEED_SIZE
) -> list[dict[str, Any]]:
    """The ``limit`` newest articles with a mention matching ``filters``, each with
    its ``mentions`` (body ones first), ``categories`` and ``terms``."""
    params = {"limit": limit, **{k: v for k, v in filters.items() if v}}
    sql = ARTICLES_SQL.format(where=_where(conn, filters))  # only the fixed clauses above
    articles = _rows(conn.execute(sql, params))
    mentions: dict[int, list[dict[str, Any]]] = {a["id"]: [] for a in articles}
    ids = json.dumps(list(mentions))
    for mention in _rows(conn.execute(MENTIONS_SQL, {"ids": ids})):
        mentions[mention["article_id"]].append(mention)
    for article in articles:
        found = article["mentions"] = mentions[article["id"]]
        article["categories"] = list(dict.fromkeys(m["category"] for m in found))
        article["terms"] = list(dict.fromkeys(m["term"] for m in found))
    return articles


def _rfc3339(value: str | None) -> str | None:
    moment = parse_time(value)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def _summary(article: dict[str, Any], filters: dict[str, str], page: str) -> str:
    found = article["mentions"]
    wanted = [k for k in ("category", "term") if filters.get(k)]
    chosen = next((m for m in found if all(m[k] == filters[k] for k in wanted)), None)
    snippet = (chosen or (found[0] if found else {})).get("snippet") or article["title"] or ""
    # <strong>, not <mark>: feed readers keep only a few tags (feedparser drops <mark>).
    marked = marked_html(snippet, word_spans(snippet, [m["text"] for m in found]), tag="strong")
    about = " · ".join(
        x
        for x in (
            source_name(article["source"], article["lang"]),
            display_time(article["published_at"]),
            language_name(article["lang"]),
        )
        if x
    )
    categories = ", ".join(category_label(c) for c in article["categories"])
    original = web_url(article["url"])
    return (
        f"<p>{marked}</p><p>{escape(about)}</p>"
        f"<p>Mentions: {escape(categories)} ({escape(', '.join(article['terms']))})</p><p>"
        + (f'<a href="{escape(original)}">Original article</a> · ' if original else "")
        + f'<a href="{escape(page)}">Its page with the mentions marked</a></p>'
    )


def _entry(
    article: dict[str, Any], filters: dict[str, str], page: str, feed: str, now: str
) -> atom.Entry:
    """One article as an entry; ``feed`` is the unfiltered feed's address."""
    url = web_url(article["url"]) or page
    site = source_site(article["source"])
    categories = [
        atom.Category(c, category_label(c), f"{feed}?category=") for c in article["categories"]
    ] + [atom.Category(t, None, f"{feed}?term=") for t in article["terms"]]
    published = _rfc3339(article["published_at"])
    return atom.Entry(
        # The article's own address: the same article is the same entry in every feed.
        id=url,
        title=article["title"] or "(untitled)",
        updated=_rfc3339(article["updated_at"]) or published or now,
        published=published,
        author=atom.Person(
            source_name(article["source"], article["lang"]), site[1] if site else None
        ),
        links=(
            atom.Link(url, "alternate", "text/html"),
            atom.Link(page, "related", "text/html", "Its page on this site"),
        ),
        categories=tuple(categories),
        summary_html=_summary(article, filters, page),
    )


def feed_title(filters: dict[str, str]) -> str:
    parts = []
    if filters.get("category"):
        parts.append(category_label(filters["category"]))
    if filters.get("term"):
        parts.append(f"«{filters['term']}»")
    if filters.get("source"):
        parts.append(source_name(filters["source"]))
    return "New mentions" + (f": {', '.join(parts)}" if parts else "") + f" — {SITE_TITLE}"


async def feed_view(datasette: Any, request: Request) -> Response:
    """``/-/feeds/mentions.atom[?category=…&term=…&source=…]``"""
    name = database_for(datasette, request)
    if name is None:
        return Response.text("No such database", status=404)
    filters = {k: request.args.get(k, "").strip() for k in FILTERS}
    if filters["category"] and filters["category"] not in CATEGORY_LABELS:
        known = ", ".join(CATEGORY_LABELS)
        return Response.text(f"Unknown category; one of: {known}", status=400)
    db = datasette.get_database(name)
    articles = await db.execute_fn(lambda conn: feed_articles(conn, filters))
    root = datasette.absolute_url(request, datasette.urls.instance())
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    entries = tuple(
        _entry(
            a,
            filters,
            datasette.absolute_url(request, datasette.urls.row(name, "articles", str(a["id"]))),
            feed_url(root),
            now,
        )
        for a in articles
    )
    self_url = feed_url(root, **filters)
    feed = atom.Feed(
        id=self_url,
        title=feed_title(filters),
        subtitle="News articles that mention crafts, the World Craft City title or "
        "the World Crafts Council, newest first.",
        updated=max((e.updated for e in entries), default=now),
        author=atom.Person(SITE_TITLE, root),
        links=(
            atom.Link(self_url, "self", "application/atom+xml"),
            atom.Link(
                datasette.absolute_url(request, datasette.urls.query(name, "latest_mentions")),
                "alternate",
                "text/html",
            ),
        ),
        entries=entries,
    )
    return Response(atom.render(feed), content_type=atom.CONTENT_TYPE)
