"""The "laravel" profile of the Arna Press replica: a site the configured guesses miss.

What is known of the real site is its home page and Laravel-style image paths
(``/storage/articles/converted/117600.jpg``); everything else here is chosen so
that none of ``crawler/sources/arnapress.toml``'s guesses hold:

* ``/sitemap.xml`` and the configured feeds and listings answer 404; the sitemap
  index is named only in robots.txt (``/sitemaps/index.xml``: a news sitemap and
  archive pages counted from the oldest article, each with its ``<lastmod>``);
* RSS lives at ``/feed`` and ``/kz/feed``, announced only by
  ``<link rel="alternate" type="application/rss+xml">`` in the home pages' head;
* the home page ``/`` lists Russian articles, ``/kz`` Kazakh ones (linked with
  ``hreflang="kk"``), paged with ``?page=N`` links that carry no ``rel=next``;
* articles live at ``/news/{id}-{slug}`` with ids above 117 000, print their
  date only as text, keep ``<html lang="ru">`` when written in Kazakh, and have
  ``og:type=article``; a share carries a JSON-LD ``NewsArticle`` without dates.

Layouts: ``v1`` and ``v2`` serve this markup; ``broken`` serves article pages
without headline, date, metadata or text (the site's templates failing).
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape
from itertools import islice
from xml.sax.saxutils import escape as xml_escape

from crawler.replica import dates
from crawler.replica.arnapress_feeds import NEWS_NS, RSS_SIZE, SITEMAP_NS, changed, listing_window
from crawler.replica.corpus import ArnaArticle, Corpus, arna_changed
from crawler.replica.response import RSS, TEXT, XML, Response, html, not_found_html

ID_OFFSET = 107_600  # corpus ids start at 10 000: public ids start at 117 600
LISTING_SIZE = 20
NEWS_SITEMAP_SIZE = 100
ARCHIVE_SIZE = 500
SITEMAP_INDEX = "/sitemaps/index.xml"
ARTICLE = re.compile(r"^/news/(\d+)-([a-z0-9-]+)/?$")
ARCHIVE = re.compile(r"^/sitemaps/archive-(\d+)\.xml$")
HOMES = {"/": "ru", "/kz": "kk"}
FEEDS = {"/feed": "ru", "/kz/feed": "kk"}
SECTIONS = re.compile(r"^/(category|tag|page|author)/[a-z0-9-]+/?$")
JSONLD_SHARE = 3  # every third article page carries a JSON-LD NewsArticle (without dates)

MENU = {
    "ru": [
        ("/", "Главная"),
        ("/category/politics", "Политика"),
        ("/category/society", "Общество"),
        ("/category/economy", "Экономика"),
        ("/category/culture", "Культура"),
        ("/category/crafts", "Ремёсла и традиции"),
        ("/category/incidents", "Происшествия"),
    ],
    "kk": [
        ("/kz", "Басты бет"),
        ("/category/politics", "Саясат"),
        ("/category/society", "Қоғам"),
        ("/category/economy", "Экономика"),
        ("/category/culture", "Мәдениет"),
        ("/category/crafts", "Қолөнер және дәстүр"),
        ("/category/incidents", "Оқиғалар"),
    ],
}
WORDS = {
    "ru": {
        "also": "Читайте также",
        "down": "Страница временно недоступна. Попробуйте обновить её позже.",
        "news": "Последние новости",
        "about": "О нас",
        "ads": "Реклама",
        "contacts": "Контакты",
        "views": "Просмотры",
    },
    "kk": {
        "also": "Сондай-ақ оқыңыз",
        "down": "Бет уақытша қолжетімсіз. Кейінірек жаңартып көріңіз.",
        "news": "Соңғы жаңалықтар",
        "about": "Біз туралы",
        "ads": "Жарнама",
        "contacts": "Байланыс",
        "views": "Қаралым",
    },
}
CATEGORY = {
    "fair": ("crafts", "Ремёсла", "Қолөнер"),
    "carpet": ("crafts", "Ремёсла", "Қолөнер"),
    "pottery": ("crafts", "Ремёсла", "Қолөнер"),
    "alacraft": ("crafts", "Ремёсла", "Қолөнер"),
    "wcc_status": ("culture", "Культура", "Мәдениет"),
    "wcc_council": ("culture", "Культура", "Мәдениет"),
    "beer": ("economy", "Экономика", "Экономика"),
}


def public_id(article: ArnaArticle) -> int:
    """The article's id on the site (above 117 000), derived from its corpus id."""
    return article.id + ID_OFFSET


def public_path(article: ArnaArticle) -> str:
    """``/news/{id}-{slug}``: no language prefix; the slug is the corpus path's."""
    slug = article.path.rsplit("/", 1)[-1].split("-", 1)[1]
    return f"/news/{public_id(article)}-{slug}"


def image_path(article: ArnaArticle) -> str:
    return f"/storage/articles/converted/{public_id(article)}.jpg"


@dataclass(frozen=True)
class Expected:
    """What a crawl should store for one article of the laravel profile."""

    path: str
    title: str
    published: datetime  # aware
    lang: str


def expected_articles(corpus: Corpus) -> list[Expected]:
    """Ground truth of the laravel profile, newest first."""
    return [
        Expected(public_path(a), a.title, a.published, a.lang) for a in corpus.arnapress_articles()
    ]


def _e(text: str) -> str:
    return escape(text, quote=True)


class LaravelSite:
    """Routes of the laravel profile; ``site`` gives base URL, layout and related articles."""

    def __init__(
        self,
        corpus: Corpus,
        base: Callable[[], str],
        layout: Callable[[], str],
        related: Callable[[ArnaArticle], list[ArnaArticle]],
    ) -> None:
        self.corpus = corpus
        self.base = base
        self.layout = layout
        self.related = related

    def handle(self, path: str, query: dict[str, list[str]]) -> Response:
        if path == "/robots.txt":
            return Response(200, self.robots().encode(), TEXT)
        if path in HOMES:
            return self.home(HOMES[path], path, query)
        if path in FEEDS:
            return self.feed(FEEDS[path])
        if path == SITEMAP_INDEX:
            return self.sitemap_index()
        if path == "/sitemaps/news.xml":
            chosen = self._newest(None, 0, NEWS_SITEMAP_SIZE)
            return self._xml(self.news_sitemap(chosen), chosen)
        if m := ARCHIVE.match(path):
            return self.archive(int(m.group(1)))
        if m := ARTICLE.match(path):
            return self.article(int(m.group(1)), path)
        if SECTIONS.match(path):
            return self.section(path)
        return not_found_html()

    # -- discovery documents ---------------------------------------------------
    def robots(self) -> str:
        return (
            "User-agent: *\nDisallow: /admin\nDisallow: /search\nDisallow: /login\n\n"
            f"Sitemap: {self.base()}{SITEMAP_INDEX}\n"
        )

    def _newest(self, lang: str | None, skip: int, count: int) -> list[ArnaArticle]:
        ks = islice(self.corpus.arna_newest(lang), skip, skip + count)
        return [self.corpus.arna_article(k) for k in ks]

    @staticmethod
    def _xml(text: str, articles: Sequence[ArnaArticle], ctype: str = XML) -> Response:
        last = max((changed(a) for a in articles), default=None)
        return Response(200, text.encode("utf-8"), ctype, last_modified=last)

    def _archive_pages(self) -> int:
        return -(-self.corpus.articles // ARCHIVE_SIZE)

    def _archive_range(self, n: int) -> range:
        # Counted from the oldest article, so a growing site changes only the last page.
        return range((n - 1) * ARCHIVE_SIZE, min(n * ARCHIVE_SIZE, self.corpus.articles))

    def _archive_lastmod(self, n: int) -> datetime:
        ks = self._archive_range(n)
        if not self.corpus.revision:
            return self.corpus.arna_time(ks[-1])
        return max(arna_changed(self.corpus, k) for k in ks)

    def sitemap_index(self) -> Response:
        base, n = self.base(), self.corpus.articles
        if not n:
            body = f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="{SITEMAP_NS}"/>\n'
            return Response(200, body.encode(), XML)
        news = self._newest(None, 0, NEWS_SITEMAP_SIZE)
        entries = [(f"{base}/sitemaps/news.xml", max(changed(a) for a in news))]
        entries += [
            (f"{base}/sitemaps/archive-{p}.xml", self._archive_lastmod(p))
            for p in range(1, self._archive_pages() + 1)
        ]
        text = "".join(
            f"<sitemap><loc>{loc}</loc><lastmod>{dates.iso(when)}</lastmod></sitemap>\n"
            for loc, when in entries
        )
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<sitemapindex xmlns="{SITEMAP_NS}">\n{text}</sitemapindex>\n'
        )
        last = max(when for _, when in entries)
        return Response(200, body.encode(), XML, last_modified=last)

    def news_sitemap(self, articles: Sequence[ArnaArticle]) -> str:
        base = self.base()
        entries = "".join(
            f"<url><loc>{base}{public_path(a)}</loc><news:news><news:publication>"
            f"<news:name>Arna Press</news:name><news:language>{a.lang}</news:language>"
            f"</news:publication><news:publication_date>{dates.iso(a.published)}"
            f"</news:publication_date><news:title>{xml_escape(a.title)}</news:title>"
            "</news:news></url>\n"
            for a in articles
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<urlset xmlns="{SITEMAP_NS}" xmlns:news="{NEWS_NS}">\n{entries}</urlset>\n'
        )

    def archive(self, n: int) -> Response:
        if n < 1 or n > self._archive_pages():
            return not_found_html()
        base = self.base()
        chosen = [self.corpus.arna_article(k) for k in reversed(self._archive_range(n))]
        entries = "".join(
            f"<url><loc>{base}{public_path(a)}</loc>"
            f"<lastmod>{dates.iso(changed(a))}</lastmod></url>\n"
            for a in chosen
        )
        text = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<urlset xmlns="{SITEMAP_NS}">\n{entries}</urlset>\n'
        )
        return self._xml(text, chosen)

    def feed(self, lang: str) -> Response:
        base, chosen = self.base(), self._newest(lang, 0, RSS_SIZE)
        title = "Arna Press — новости" if lang == "ru" else "Arna Press — жаңалықтар"
        home = "/" if lang == "ru" else "/kz"
        items = "".join(
            f"<item><title>{xml_escape(a.title)}</title><link>{base}{public_path(a)}</link>"
            f'<guid isPermaLink="false">arna-{public_id(a)}</guid>'
            f"<pubDate>{dates.rfc822(a.published)}</pubDate>"
            f'<enclosure url="{base}{image_path(a)}" type="image/jpeg" length="0"/>'
            f"<description>{xml_escape(a.paragraphs[0] if a.paragraphs else '')}</description>"
            "</item>\n"
            for a in chosen
        )
        text = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
            f"<title>{title}</title><link>{base}{home}</link>"
            f"<description>{title}</description><language>{lang}</language>\n"
            f"{items}</channel></rss>\n"
        )
        return self._xml(text, chosen, RSS)

    # -- pages -----------------------------------------------------------------
    def home(self, lang: str, path: str, query: dict[str, list[str]]) -> Response:
        window = listing_window(
            lambda skip, count: self._newest(lang, skip, count), query, LISTING_SIZE
        )
        if window is None:
            return not_found_html(lang)
        page, cards, has_next = window
        last = max((changed(a) for a in cards), default=None)
        home = "/" if lang == "ru" else "/kz"
        return html(home_page(lang, home, page, cards, has_next), last_modified=last)

    def article(self, site_id: int, path: str) -> Response:
        article = self.corpus.arna_by_id(site_id - ID_OFFSET)
        if article is None:
            return not_found_html()
        canonical = public_path(article)
        if path != canonical:  # old or mistyped slug: send to the canonical address
            return Response(301, b"", headers={"Location": self.base() + canonical})
        render = broken_page if self.layout() == "broken" else article_page
        text = render(article, self.base(), self.related(article))
        return html(text, last_modified=changed(article))

    def section(self, path: str) -> Response:
        """Category, tag, static and author pages: real pages, none an article."""
        name = path.rstrip("/").rsplit("/", 1)[-1].replace("-", " ").capitalize()
        return html(
            f'<!doctype html><html lang="ru"><head><meta charset="utf-8"><title>{_e(name)} — '
            f'Arna Press</title></head><body>{_header("ru")}<main class="container">'
            f"<h1>{_e(name)}</h1><p>Раздел сайта Arna Press, Семей.</p></main>"
            f"{_footer('ru')}</body></html>\n"
        )


# -- markup --------------------------------------------------------------------------


def _header(lang: str) -> str:
    links = "".join(f'<li><a href="{href}">{_e(label)}</a></li>' for href, label in MENU[lang])
    other, label = ("/kz", "ҚАЗ") if lang == "ru" else ("/", "РУС")
    hreflang = "kk" if lang == "ru" else "ru"
    return (
        '<header class="header"><div class="container"><a class="logo" href="/">'
        '<img src="/images/logo.svg" alt="Arna Press"></a>'
        f'<ul class="navbar-nav">{links}</ul>'
        f'<div class="lang-switch"><a href="{other}" hreflang="{hreflang}">{label}</a></div>'
        "</div></header>"
    )


def _footer(lang: str) -> str:
    w = WORDS[lang]
    return (
        '<footer class="footer"><div class="container"><p>© 2014–2026 Arna Press. '
        "При использовании материалов ссылка обязательна.</p><ul>"
        f'<li><a href="/page/about">{w["about"]}</a></li>'
        f'<li><a href="/page/ads">{w["ads"]}</a></li>'
        f'<li><a href="/page/contacts">{w["contacts"]}</a></li>'
        '<li><a href="mailto:info@arnapress.kz">info@arnapress.kz</a></li>'
        '<li><a href="tel:+77222000000">+7 7222 00-00-00</a></li>'
        '<li><a href="javascript:void(0)" class="to-top">↑</a></li></ul></div></footer>'
    )


def _category(article: ArnaArticle) -> tuple[str, str]:
    slug, ru, kk = CATEGORY.get(article.topic, ("society", "Общество", "Қоғам"))
    return f"/category/{slug}", ru if article.lang == "ru" else kk


def _author_slug(article: ArnaArticle) -> str:
    return f"/author/{zlib.crc32(article.author.encode()) % 9000 + 1000}"


def _card(article: ArnaArticle) -> str:
    href, cat = _category(article)
    path = public_path(article)
    return (
        f'<div class="news-item"><a class="news-item__img" href="{path}">'
        f'<img src="{image_path(article)}" alt="{_e(article.title)}" loading="lazy"></a>'
        f'<div class="news-item__body"><a class="news-item__cat" href="{href}">{_e(cat)}</a>'
        f'<a class="news-item__title" href="{path}">{_e(article.title)}</a>'
        f'<span class="news-item__date">{dates.visible(article.published, article.lang)}</span>'
        "</div></div>"
    )


def home_page(lang: str, home: str, page: int, cards: Sequence[ArnaArticle], has_next: bool) -> str:
    """A home listing: Bootstrap-style numbered pagination, the next link without rel."""
    w = WORDS[lang]

    def page_url(n: int) -> str:
        return home if n == 1 else f"{home}?page={n}"

    links = []
    if page > 1:
        links.append(
            f'<li class="page-item"><a class="page-link" href="{page_url(page - 1)}">‹</a>'
        )
    last = page + 1 if has_next else page
    for n in range(max(1, page - 2), last + 1):
        active = ' active"' if n == page else '"'
        links.append(
            f'<li class="page-item{active}><a class="page-link" href="{page_url(n)}">{n}</a>'
        )
    if has_next:
        links.append(
            f'<li class="page-item"><a class="page-link" href="{page_url(page + 1)}">›</a>'
        )
    feed = "/feed" if lang == "ru" else "/kz/feed"
    title = w["news"] if page == 1 else f"{w['news']} — {page}"
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{title} — Arna Press</title>\n"
        '<meta name="csrf-token" content="x2f9c">'
        '<link rel="stylesheet" href="/css/app.css?id=93f1">\n'
        '<link rel="alternate" hreflang="ru" href="/">'
        '<link rel="alternate" hreflang="kk" href="/kz">\n'
        f'<link rel="alternate" type="application/rss+xml" title="Arna Press" href="{feed}">'
        "</head>"
        f'<body>\n{_header(lang)}\n<main class="container"><h2>{title}</h2>\n'
        f'<div class="news-list">{"".join(_card(a) for a in cards)}</div>\n'
        f'<nav><ul class="pagination">{"</li>".join(links)}</li></ul></nav></main>\n'
        f"{_footer(lang)}</body></html>\n"
    )


def _json_ld(article: ArnaArticle, url: str) -> str:
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title,
        "image": [url.split("/news/")[0] + image_path(article)],
        "publisher": {"@type": "Organization", "name": "Arna Press"},
        "mainEntityOfPage": url,
    }
    text = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
    return f'<script type="application/ld+json">{text}</script>'


def _related(related: Sequence[ArnaArticle]) -> str:
    return "".join(
        f'<li><a href="{public_path(a)}">{_e(a.title)}</a>'
        f"<span>{dates.visible(a.published, a.lang)}</span></li>"
        for a in related
    )


def article_page(article: ArnaArticle, base: str, related: Sequence[ArnaArticle]) -> str:
    """An article page: the date only as visible text, ``<html lang="ru">`` always."""
    lang, title, url = article.lang, _e(article.title), base + public_path(article)
    jsonld = _json_ld(article, url) if public_id(article) % JSONLD_SHARE == 0 else ""
    body = "".join(f"<p>{_e(p)}</p>" for p in article.paragraphs)
    cat_href, cat = _category(article)
    views = public_id(article) % 4000 + 17
    return (
        '<!doctype html><html lang="ru"><head><meta charset="utf-8">'
        f"<title>{title} | Arna Press</title>\n"
        f'<meta property="og:type" content="article"><meta property="og:title" content="{title}">'
        f'<meta property="og:url" content="{_e(url)}">'
        f'<meta property="og:image" content="{base}{image_path(article)}">'
        '<meta property="og:site_name" content="Arna Press">\n'
        f'<link rel="canonical" href="{_e(url)}">{jsonld}</head>'
        f'<body>\n{_header(lang)}\n<main class="container"><div class="row">'
        '<div class="col-lg-8"><div class="full-story">\n'
        f'<a class="story-cat" href="{cat_href}">{_e(cat)}</a>'
        f'<h1 class="story-title">{title}</h1>\n'
        f'<div class="story-info"><span class="story-date">'
        f"{dates.visible(article.published, lang)}</span> "
        f'<a class="story-author" href="{_author_slug(article)}">{_e(article.author)}</a> '
        f'<span class="story-views" title="{WORDS[lang]["views"]}">{views}</span></div>\n'
        f'<div class="story-image"><img src="{image_path(article)}" alt="{title}"></div>\n'
        f'<div class="story-text">{body}</div>\n'
        '<div class="story-tags"><a href="/tag/almaty">Алматы</a>'
        '<a href="/tag/semey">Семей</a></div></div></div>\n'
        f'<div class="col-lg-4"><div class="sidebar-block"><div class="block-title">'
        f"{WORDS[lang]['also']}</div><ul>{_related(related)}</ul></div></div>"
        f"</div></main>\n{_footer(lang)}</body></html>\n"
    )


def broken_page(article: ArnaArticle, base: str, related: Sequence[ArnaArticle]) -> str:
    """The page when the site's templates fail: no headline, date, metadata or text."""
    lang = article.lang
    return (
        '<!doctype html><html lang="ru"><head><meta charset="utf-8">'
        f"<title>{_e(article.title)} | Arna Press</title></head>"
        f'<body>\n{_header(lang)}\n<main class="container"><div class="full-story">'
        f'<div class="story-hdr">{_e(article.title)}</div>'
        f'<div class="story-error">{WORDS[lang]["down"]}</div></div>'
        f'<div class="sidebar-block"><ul>{_related(related)}</ul></div></main>\n'
        f"{_footer(lang)}</body></html>\n"
    )
