"""The chart of mentions per month by category and source: an inline SVG page.

Drawn on the server, no JavaScript and nothing fetched from elsewhere (the
machines that serve it may be offline). One panel per category, one bar per
month, stacked by source.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from html import escape

from datasette.utils.asgi import Request, Response

from crawler.datasette.names import CATEGORY_LABELS
from crawler.datasette.pages import database_for
from crawler.datasette.queries import MENTIONS_PER_MONTH_LONG

COLOURS = ["#2b6cb0", "#dd6b20", "#38a169", "#805ad5", "#c53030"]
WIDTH, PANEL_HEIGHT, LEFT, TOP, BOTTOM = 1100, 170, 48, 28, 34


def svg_chart(rows: Iterable[tuple[str, str, str, int]]) -> str:
    """SVG for ``(month, category, source, mentions)`` rows."""
    counts: dict[tuple[str, str, str], int] = defaultdict(int)
    months, sources, categories = set(), set(), set()
    for month, category, source, n in rows:
        if not month:
            continue
        counts[month, category, source] += n
        months.add(month)
        sources.add(source)
        categories.add(category)
    month_list = sorted(months)
    source_list = sorted(sources)
    category_list = [c for c in CATEGORY_LABELS if c in categories] + sorted(
        categories - set(CATEGORY_LABELS)
    )
    panel = PANEL_HEIGHT + TOP + BOTTOM
    height = max(1, len(category_list)) * panel + 30
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" role="img" font-family="sans-serif" font-size="11">',
        "<title>Mentions per month by category and source</title>",
    ]
    for i, source in enumerate(source_list):  # legend
        x = LEFT + i * 160
        colour = COLOURS[i % len(COLOURS)]
        parts.append(f'<rect x="{x}" y="6" width="12" height="12" fill="{colour}"/>')
        parts.append(f'<text x="{x + 18}" y="16">{escape(source)}</text>')
    if not month_list:
        parts.append(f'<text x="{LEFT}" y="60">No mentions yet.</text></svg>')
        return "".join(parts)
    step = (WIDTH - LEFT - 10) / len(month_list)
    bar = min(48.0, max(1.0, step * 0.8))
    label_every = max(1, round(len(month_list) / 18))
    for p, category in enumerate(category_list):
        y0 = 30 + p * panel + TOP  # top of the plot area
        totals = [sum(counts[m, category, s] for s in source_list) for m in month_list]
        peak = max(totals) or 1
        title = CATEGORY_LABELS.get(category, category)
        parts.append(
            f'<text x="{LEFT}" y="{y0 - 8}" font-size="13" font-weight="bold">'
            f"{escape(title)} ({sum(totals)})</text>"
        )
        for frac in (0, 0.5, 1):  # gridlines with their values
            y = y0 + PANEL_HEIGHT * (1 - frac)
            parts.append(
                f'<line x1="{LEFT}" x2="{WIDTH - 10}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
                f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{round(peak * frac)}</text>'
            )
        for j, month in enumerate(month_list):
            x = LEFT + j * step + (step - bar) / 2
            y = y0 + PANEL_HEIGHT
            for k, source in enumerate(source_list):
                n = counts[month, category, source]
                if not n:
                    continue
                h = PANEL_HEIGHT * n / peak
                y -= h
                parts.append(
                    f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                    f'fill="{COLOURS[k % len(COLOURS)]}"><title>{escape(month)} '
                    f"{escape(source)}: {n}</title></rect>"
                )
            if j % label_every == 0:
                parts.append(
                    f'<text x="{x + bar / 2:.1f}" y="{y0 + PANEL_HEIGHT + 14}" '
                    f'text-anchor="middle">{escape(month)}</text>'
                )
    parts.append("</svg>")
    return "".join(parts)


async def chart_view(datasette, request: Request) -> Response:
    """``/-/mentions-chart``: the chart for the first database (or ``?db=NAME``)."""
    name = database_for(datasette, request)
    if name is None:
        return Response.html("No such database", status=404)
    result = await datasette.get_database(name).execute(MENTIONS_PER_MONTH_LONG)
    svg = svg_chart(tuple(row) for row in result.rows)
    html = await datasette.render_template(
        "mentions_chart.html",
        {"svg": svg, "database": name, "query": "mentions_per_month"},
        request=request,
    )
    return Response.html(html)
