"""Finding a news site's articles from what its pages say, without Scrapy.

Pure functions over downloaded text, so a probe (``crawler doctor``) can call
them on bytes it fetched itself:

* :func:`sitemaps_in_robots` — the ``Sitemap:`` lines of robots.txt;
* :func:`sitemap_entries` — (loc, lastmod) of a sitemap or sitemap index;
* :func:`feed_links` — RSS/Atom feeds a page announces in its head;
* :func:`alternate_homes` — the same site's other language versions of a page;
* :func:`candidate_article_links` — links whose URL has the shape of an article;
* :func:`next_page_link` — the next page of a listing;
* :func:`is_article_page` — whether an extracted page is an article.

URL shapes: an article URL carries a numeric id (``/news/117605-slug``,
``/123456``, ``/slug-123456.html``) or a date (``/2026/11/25/slug``). Its shape
is the path with those parts replaced (``/news/{id}``, ``/{y}/{m}/{d}/{slug}``);
:class:`ShapeStats` learns which shapes of a site hold articles.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote, urlsplit

from parsel import Selector
from scrapy.utils.sitemap import Sitemap

from crawler.extraction import Extracted
from crawler.text.dates import parse_date
from crawler.text.urls import is_web_url, join_url, same_site

FEED_TYPES = frozenset({"application/rss+xml", "application/atom+xml", "application/feed+json"})
# Path segments of pages that are never articles: sections, people, files, accounts.
NOT_ARTICLE_SEGMENTS = frozenset(
    [
        "category",
        "categories",
        "cat",
        "rubric",
        "rubrics",
        "section",
        "sections",
        "tag",
        "tags",
        "theme",
        "themes",
        "topic",
        "topics",
        "author",
        "authors",
        "user",
        "users",
        "profile",
        "page",
        "pages",
        "search",
        "login",
        "logout",
        "register",
        "auth",
        "admin",
        "storage",
        "uploads",
        "upload",
        "files",
        "file",
        "images",
        "image",
        "img",
        "media",
        "static",
        "assets",
        "css",
        "js",
        "fonts",
        "feed",
        "feeds",
        "rss",
        "atom",
        "sitemap",
        "sitemaps",
        "api",
        "print",
        "share",
        "comments",
    ]
)
FILE_EXT = re.compile(
    r"\.(?:jpe?g|png|gif|webp|avif|svg|ico|bmp|tiff?|pdf|docx?|xlsx?|pptx?|odt|zip|rar|7z|gz"
    r"|mp[34]|m4a|ogg|wav|avi|mov|webm|css|js|json|xml|rss|atom|txt|csv|woff2?|ttf|eot)$",
    re.IGNORECASE,
)
PAGE_PARAMS = frozenset({"page", "p", "pg", "paged", "start", "offset", "pagen_1"})
_ID = re.compile(r"^\d{3,}(?:[-_.].*)?$")  # 117605, 117605-slug, 123456.html
_SLUG_ID = re.compile(r"^[^/]*[a-z][^/]*[-_]\d{4,}(?:\.s?html?)?$", re.IGNORECASE)  # slug-123456
_YEAR = re.compile(r"^(?:19|20)\d\d$")
_MONTH_DAY = re.compile(r"^(?:0?[1-9]|[12]\d|3[01])$")
_PAGE_PATH = re.compile(r"^(.*?)/page/(\d+)/?$")
SHAPE_MAX_MISSES = 3


def sitemaps_in_robots(text: str, base: str) -> list[str]:
    """Sitemap URLs named in a robots.txt, resolved against ``base``, on ``base``'s site.

    Line by line, so one unreadable URL ("http://[x") does not hide the ones after it.
    """
    found = []
    for line in text.splitlines():
        name, _, value = line.partition(":")
        if name.strip().lower() not in ("sitemap", "sitemaps", "site-map"):
            continue
        url = join_url(base, value.split("#", 1)[0])
        if url and is_web_url(url) and same_site(url, base):
            found.append(url)
    return list(dict.fromkeys(found))


@dataclass
class SitemapEntries:
    """What a sitemap lists: ``index`` tells child sitemaps from pages."""

    index: bool
    entries: list[tuple[str, str | None]] = field(default_factory=list)  # (loc, lastmod)


def sitemap_entries(body: bytes) -> SitemapEntries:
    """(loc, lastmod) of a sitemap or sitemap index; raises ValueError on unreadable XML."""
    try:
        sitemap = Sitemap(body)
    except Exception as exc:  # lxml raises several kinds on broken XML
        raise ValueError(f"not a sitemap: {exc}") from None
    if sitemap.type not in ("sitemapindex", "urlset"):
        raise ValueError(f"not a sitemap: root element {sitemap.type!r}")
    entries = [
        (entry["loc"].strip(), (entry.get("lastmod") or "").strip() or None)
        for entry in sitemap
        if (entry.get("loc") or "").strip()
    ]
    return SitemapEntries(sitemap.type == "sitemapindex", entries)


def _selector(html: str | Selector) -> Selector:
    return html if isinstance(html, Selector) else Selector(text=html or "<html></html>")


def _links(sel: Selector, page_url: str, xpath: str) -> list[str]:
    out = []
    for href in sel.xpath(xpath).getall()[:5000]:
        url = join_url(page_url, href)
        if url and is_web_url(url):
            out.append(url.split("#", 1)[0])
    return list(dict.fromkeys(out))


def feed_links(html: str | Selector, page_url: str) -> list[str]:
    """Feeds announced with ``<link rel="alternate" type="application/rss+xml|atom+xml">``,
    on the page's own site."""
    sel = _selector(html)
    found = []
    for link in sel.xpath("//link[@href]")[:500]:
        rel = (link.attrib.get("rel") or "").lower().split()
        kind = (link.attrib.get("type") or "").lower().split(";")[0].strip()
        if "alternate" in rel and kind in FEED_TYPES:
            url = join_url(page_url, link.attrib["href"])
            if url and is_web_url(url) and same_site(url, page_url):
                found.append(url)
    return list(dict.fromkeys(found))


def alternate_homes(html: str | Selector, page_url: str) -> list[str]:
    """Other language versions of a (home) page on the same site: ``<link rel=alternate
    hreflang>`` and ``<a hreflang>`` links, the page itself left out."""
    sel = _selector(html)
    urls = _links(sel, page_url, "//link[@hreflang and @href]/@href | //a[@hreflang]/@href")
    own = _comparable(page_url)
    return [u for u in urls if same_site(u, page_url) and _comparable(u) != own]


def _comparable(url: str) -> str:
    parts = urlsplit(url)
    return (parts.path.rstrip("/") or "/") + ("?" + parts.query if parts.query else "")


def url_shape(url: str) -> str | None:
    """The shape of an article-like URL (``/news/{id}``, ``/{y}/{m}/{d}/{slug}``), or None
    for one that is not: no id or date, a section/tag/author/static page, a file, a
    listing page."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    query = {k.lower() for k, _ in parse_qsl(parts.query, keep_blank_values=True)}
    if query & PAGE_PARAMS:
        return None
    path = unquote(parts.path)
    if FILE_EXT.search(path) or _PAGE_PATH.match(path):
        return None
    segments = [s for s in path.split("/") if s]
    if any(s.lower() in NOT_ARTICLE_SEGMENTS for s in segments):
        return None
    shape: list[str] = []
    dated = has_id = False
    i = 0
    while i < len(segments):
        seg = segments[i]
        if (
            _YEAR.match(seg)
            and i + 1 < len(segments)
            and _MONTH_DAY.match(segments[i + 1])
            and int(segments[i + 1]) <= 12
        ):
            shape += ["{y}", "{m}"]
            i += 2
            if i < len(segments) and _MONTH_DAY.match(segments[i]):
                shape.append("{d}")
                i += 1
            dated = True
            continue
        if _ID.match(seg) and not _YEAR.match(seg):
            shape.append("{id}")
            has_id = True
        elif _SLUG_ID.match(seg):
            shape.append("{slug-id}")
            has_id = True
        elif dated or has_id or i == len(segments) - 1:
            shape.append("{slug}")
        else:
            shape.append(seg.lower())
        i += 1
    # A date alone names an archive day; a date needs a slug after it to be an article.
    if has_id or (dated and shape[-1] == "{slug}"):
        return "/" + "/".join(shape)
    return None


def candidate_article_links(
    html: str | Selector, page_url: str, base: str, pinned: re.Pattern[str] | None = None
) -> list[str]:
    """Links of a page, on ``base``'s site, whose URL has an article's shape (or matches
    the ``pinned`` path pattern); bad links (``javascript:``, ``mailto:``, broken ports
    and escapes) are skipped."""
    sel = _selector(html)
    out = []
    for url in _links(sel, page_url, "//a/@href"):
        if not same_site(url, base):
            continue
        if url_shape(url) or (pinned is not None and pinned.search(urlsplit(url).path)):
            out.append(url)
    return out


def page_number(url: str) -> tuple[str, int]:
    """(listing path, page number) of a listing URL: ``?page=N`` or ``/page/N`` (1 without)."""
    parts = urlsplit(url)
    path = parts.path or "/"
    if m := _PAGE_PATH.match(path):
        return (m.group(1) or "/"), int(m.group(2))
    for key, value in parse_qsl(parts.query):
        if key.lower() in PAGE_PARAMS and value.isdigit():
            return path, int(value)
    return path, 1


def next_page_link(html: str | Selector, page_url: str) -> str | None:
    """The next page of a listing: ``rel=next``, else a link to the same listing whose page
    number (``?page=N`` or ``/page/N``) is this page's plus one."""
    sel = _selector(html)
    for url in _links(sel, page_url, "//a[contains(concat(' ', @rel, ' '), ' next ')]/@href"):
        if same_site(url, page_url):
            return url
    for url in _links(sel, page_url, "//link[@rel='next']/@href"):
        if same_site(url, page_url):
            return url
    path, number = page_number(page_url)
    for url in _links(sel, page_url, "//a/@href"):
        if not same_site(url, page_url):
            continue
        other_path, other = page_number(url)
        if other == number + 1 and other_path.rstrip("/") == path.rstrip("/"):
            return url
    return None


def is_article_page(extracted: Extracted, min_body_chars: int = 200) -> bool:
    """An article by what the page is: JSON-LD article, ``og:type=article``, or a dated
    text of at least ``min_body_chars`` characters."""
    if any(t.startswith("jsonld:") or t == "og:article" for t in extracted.page_types):
        return True
    dated = bool(extracted.published) and parse_date(extracted.published) is not None
    return dated and len(extracted.body or "") >= min_body_chars


@dataclass
class ShapeStats:
    """Which URL shapes of one site held articles: learned during a run, seeded from
    stored articles. A shape whose pages were not articles ``max_misses`` times, and
    never an article, stops being followed."""

    max_misses: int = SHAPE_MAX_MISSES
    articles: dict[str, int] = field(default_factory=dict)
    misses: dict[str, int] = field(default_factory=dict)

    def seed(self, urls: Iterable[str]) -> None:
        for url in urls:
            if shape := url_shape(url):
                self.articles[shape] = self.articles.get(shape, 0) + 1

    def followable(self, shape: str) -> bool:
        return self.articles.get(shape, 0) > 0 or self.misses.get(shape, 0) < self.max_misses

    def trusted(self, shape: str | None) -> bool:
        """Pages of this shape were articles (here or in earlier runs)."""
        return shape is not None and self.articles.get(shape, 0) > 0

    def saw(self, shape: str | None, article: bool) -> None:
        if shape is None:
            return
        table = self.articles if article else self.misses
        table[shape] = table.get(shape, 0) + 1
