"""Discovery documents of the Arna Press replica: robots.txt, sitemaps, RSS."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from xml.sax.saxutils import escape

from crawler.replica import dates
from crawler.replica.corpus import ArnaArticle

SITEMAP_SIZE = 1000
NEWS_SITEMAP_SIZE = 100
RSS_SIZE = 50
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"


def robots(base: str) -> str:
    return f"User-agent: *\nDisallow: /search\nSitemap: {base}/sitemap.xml\n"


def changed(article: ArnaArticle) -> datetime:
    return article.modified or article.published


def sitemap_index(base: str, pages: int, lastmod: datetime | None) -> str:
    stamp = f"<lastmod>{dates.iso(lastmod)}</lastmod>" if lastmod else ""
    locs = ["/sitemap-news.xml"] + [f"/sitemap-articles-{n}.xml" for n in range(1, pages + 1)]
    entries = "".join(f"<sitemap><loc>{base}{loc}</loc>{stamp}</sitemap>" for loc in locs)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<sitemapindex xmlns="{SITEMAP_NS}">{entries}</sitemapindex>\n'
    )


def news_sitemap(base: str, articles: Sequence[ArnaArticle]) -> str:
    entries = "".join(
        f"<url><loc>{base}{a.path}</loc><news:news><news:publication>"
        f"<news:name>Arna Press</news:name><news:language>{a.lang}</news:language>"
        f"</news:publication><news:publication_date>{dates.iso(a.published)}"
        f"</news:publication_date><news:title>{escape(a.title)}</news:title></news:news></url>\n"
        for a in articles
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<urlset xmlns="{SITEMAP_NS}" xmlns:news="{NEWS_NS}">\n{entries}</urlset>\n'
    )


def articles_sitemap(base: str, articles: Sequence[ArnaArticle]) -> str:
    entries = "".join(
        f"<url><loc>{base}{a.path}</loc><lastmod>{dates.iso(changed(a))}</lastmod></url>\n"
        for a in articles
    )
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="{SITEMAP_NS}">\n{entries}</urlset>\n'


def rss(base: str, lang: str, articles: Sequence[ArnaArticle]) -> str:
    sec = "ru" if lang == "ru" else "kz"
    title = "Arna Press — новости" if lang == "ru" else "Arna Press — жаңалықтар"
    items = "".join(
        f"<item><title>{escape(a.title)}</title><link>{base}{a.path}</link>"
        f'<guid isPermaLink="true">{base}{a.path}</guid>'
        f"<pubDate>{dates.rfc822(a.published)}</pubDate>"
        f"<description>{escape(a.paragraphs[0] if a.paragraphs else '')}</description></item>\n"
        for a in articles
    )
    built = (
        f"<lastBuildDate>{dates.rfc822(changed(articles[0]))}</lastBuildDate>" if articles else ""
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
        f"<title>{title}</title><link>{base}/{sec}/news</link>"
        f"<description>{title}</description><language>{lang}</language>{built}\n"
        f"{items}</channel></rss>\n"
    )


def listing_window(
    newest: Callable[[int, int], list[ArnaArticle]], query: dict[str, list[str]], size: int
) -> tuple[int, list[ArnaArticle], bool] | None:
    """(page, its cards, whether a next page exists) of a ``?page=N`` listing, or None for
    a page that does not exist. ``newest(skip, count)`` gives articles newest first."""
    try:
        page = int((query.get("page") or ["1"])[0])
    except ValueError:
        return None
    if page < 1:
        return None
    # One extra card tells whether a next page exists.
    chosen = newest((page - 1) * size, size + 1)
    if not chosen and page > 1:
        return None
    return page, chosen[:size], len(chosen) > size
