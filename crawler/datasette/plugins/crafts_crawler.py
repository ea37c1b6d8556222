"""The project's Datasette plugin: inflection-aware search (fast on big match sets),
highlighted snippets, article links, times in Almaty time, source names, the
article page, and the chart, feed and crawl health pages.

Loaded with ``--plugins-dir`` (``crawler serve`` does it), so it imports the
project by absolute name only.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from datasette import hookimpl
from datasette.filters import FilterArguments
from datasette.utils import await_me_maybe, urlsafe_components
from markupsafe import Markup, escape

from crawler.datasette import highlight
from crawler.datasette.article import page_vars, read_article
from crawler.datasette.chart import chart_view
from crawler.datasette.feeds import feed_view
from crawler.datasette.health_page import health_view
from crawler.datasette.names import source_name
from crawler.datasette.pages import CHART_PATH, FEED_PATH, HEALTH_PATH, web_url
from crawler.datasette.times import display_time, parse_time
from crawler.sources.spec import load_specs
from crawler.text.search import FTS_TABLE, match_expression, register_functions

HIGHLIGHTED_COLUMNS = ("title", "snippet")
SOURCE_COLUMNS = ("source", "spider")
# Read the database through the OS page cache, which every connection shares:
# SQLite's own cache (2 MB per connection) holds too little of the articles table
# for counting and faceting thousands of search matches.
MMAP_BYTES = 1 << 30


@hookimpl
def prepare_connection(conn):
    register_functions(conn)
    highlight.register_functions(conn)
    conn.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")


# trylast: Datasette's own search filter has run, so the MATCH parameter it
# declared (":search" in raw search mode) gets our expansion of the words.
@hookimpl(trylast=True)
def filters_from_request(request, database, table, datasette):
    if datasette.table_metadata(database, table).get("fts_table") != FTS_TABLE:
        return None
    if request.args.get("_searchmode") == "escaped":
        return None
    searches = {
        key: request.args[key]
        for key in request.args
        if key.startswith("_search") and key != "_searchmode"
    }
    if not searches:
        return None
    db = datasette.get_database(database)

    async def expand(text: str) -> str:
        return await db.execute_fn(lambda conn: match_expression(conn, text))

    async def inner():
        if "_search" in searches:
            params = {"search": await expand(searches["_search"])}
        else:  # _search_COLUMN=…, numbered as Datasette numbers them
            params = {f"search_{i}": await expand(text) for i, text in enumerate(searches.values())}
        return FilterArguments([], params)

    return inner


# Datasette's search box SQL: "id in (select rowid from articles_fts where articles_fts
# match :search) order by published_at desc". SQLite takes the match set for a few
# rows, looks each article up and sorts them all; for a word in thousands of
# articles that is the slow part. Written "+id in (…)" SQLite walks the published_at
# index newest first instead, probing the match set, and stops at the page size;
# the count and facets then scan an index each, a fixed cost, so only big match
# sets (over WALK_SHARE of the articles) are searched that way.
SEARCH_CLAUSE = f"id in (select rowid from {FTS_TABLE} where {FTS_TABLE} match :search)"  # noqa: S608 module constant
WALK_SHARE = 0.05


def big_match(conn, expression: str) -> bool:
    """Does ``expression`` match more than WALK_SHARE of the articles?"""
    (top,) = conn.execute("SELECT coalesce(max(id), 0) FROM articles").fetchone()
    limit = int(top * WALK_SHARE)
    (found,) = conn.execute(
        f"SELECT count(*) FROM (SELECT rowid FROM {FTS_TABLE} "  # noqa: S608 module constant
        f"WHERE {FTS_TABLE} MATCH ? LIMIT ?)",
        [expression, limit + 1],
    ).fetchone()
    return found > limit


@hookimpl(wrapper=True, specname="filters_from_request")
def walk_newest_first(request, database, table, datasette):
    results = yield
    if datasette.table_metadata(database, table).get("fts_table") != FTS_TABLE:
        return results
    db = datasette.get_database(database)

    async def inner():
        found = [args for args in [await await_me_maybe(r) for r in results] if args]
        # Merged as Datasette merges them: later hooks (our expansion) win.
        params = {k: v for args in found for k, v in args.params.items()}
        clauses = [c for args in found for c in args.where_clauses]
        if (
            SEARCH_CLAUSE in clauses
            and "search" in params
            and await db.execute_fn(lambda conn: big_match(conn, params["search"]))
        ):
            clauses = ["+" + c if c == SEARCH_CLAUSE else c for c in clauses]
        return FilterArguments(
            clauses,
            params,
            [d for args in found for d in args.human_descriptions],
            {k: v for args in found for k, v in args.extra_context.items()},
        )

    return [inner]


def _is_time_column(column: str) -> bool:
    return column in ("published", "published_local") or column.endswith("_at")


@hookimpl
def render_cell(row, value, column, database, datasette):
    if isinstance(value, int) and column == "article" and database:
        href = datasette.urls.row(database, "articles", str(value))
        return Markup('<a href="{}">read here</a>').format(href)
    if not isinstance(value, str):
        return None
    if _is_time_column(column) and parse_time(value):
        return display_time(value)
    if column in SOURCE_COLUMNS and value in {spec.name for spec in load_specs()}:
        return Markup('<span title="{}">{}</span>').format(value, source_name(value))
    if column == "url" and web_url(value):
        return Markup('<a href="{}">{} ↗</a>').format(value, urlsplit(value).netloc)
    shown = None
    if column in HIGHLIGHTED_COLUMNS and "<mark>" in value:
        # Escape everything, then give back only the highlight tags.
        html = str(escape(value))
        shown = Markup(html.replace("&lt;mark&gt;", "<mark>").replace("&lt;/mark&gt;", "</mark>"))
    # sqlite3.Row: "in" tests its values, so look at its keys.
    columns = row.keys() if hasattr(row, "keys") else ()
    if column == "title" and "url" in columns:
        url = row["url"]
        if web_url(url):
            return Markup('<a href="{}">{}</a>').format(url, shown or value)
    return shown


@hookimpl
def extra_template_vars(table, view_name, request, datasette):
    found = {"mentions_feed": datasette.urls.path(FEED_PATH)}
    if view_name != "row" or table != "articles" or request is None:
        return found

    async def with_article():
        database = datasette.get_database(route=request.url_vars["database"])
        try:
            (key,) = urlsafe_components(request.url_vars["pks"])
            article_id = int(key)
        except ValueError:
            return found
        article = await database.execute_fn(lambda conn: read_article(conn, article_id))
        if article is None:
            return found

        def row_url(other: int) -> str:
            return datasette.urls.row(database.name, "articles", str(other))

        return {**found, "article": page_vars(article, row_url, datasette.urls.instance())}

    return with_article


@hookimpl
def register_routes():
    return [
        (rf"^{CHART_PATH}$", chart_view),
        (f"^{re.escape(FEED_PATH)}$", feed_view),
        (rf"^{HEALTH_PATH}$", health_view),
    ]


@hookimpl
def menu_links(datasette):
    return [
        {"href": datasette.urls.path(CHART_PATH), "label": "Mentions per month (chart)"},
        {"href": datasette.urls.path(HEALTH_PATH), "label": "Crawl health per source"},
        {"href": datasette.urls.path(FEED_PATH), "label": "Atom feed of new mentions"},
    ]
