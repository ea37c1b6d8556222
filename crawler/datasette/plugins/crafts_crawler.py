"""The project's Datasette plugin: inflection-aware search, highlighted snippets,
article links and the chart page.

Loaded with ``--plugins-dir`` (``crawler serve`` does it), so it imports the
project by absolute name only.
"""

from __future__ import annotations

from datasette import hookimpl
from datasette.filters import FilterArguments
from markupsafe import Markup, escape

from crawler.datasette.chart import chart_view
from crawler.datasette.metadata import CHART_PATH
from crawler.search import FTS_TABLE, match_expression, register_functions

HIGHLIGHTED_COLUMNS = ("title", "snippet")


@hookimpl
def prepare_connection(conn):
    register_functions(conn)


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


@hookimpl
def render_cell(row, value, column):
    if not isinstance(value, str):
        return None
    shown = None
    if column in HIGHLIGHTED_COLUMNS and "<mark>" in value:
        # Escape everything, then give back only the highlight tags.
        html = str(escape(value))
        shown = Markup(html.replace("&lt;mark&gt;", "<mark>").replace("&lt;/mark&gt;", "</mark>"))
    # sqlite3.Row: "in" tests its values, so look at its keys.
    columns = row.keys() if hasattr(row, "keys") else ()
    if column == "title" and "url" in columns:
        url = row["url"]
        if isinstance(url, str) and url.startswith(("http://", "https://")):
            return Markup('<a href="{}">{}</a>').format(url, shown or value)
    return shown


@hookimpl
def register_routes():
    return [(rf"^{CHART_PATH}$", chart_view)]


@hookimpl
def menu_links(datasette):
    return [{"href": datasette.urls.path(CHART_PATH), "label": "Mentions per month (chart)"}]
