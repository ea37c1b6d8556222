"""The Arna Press replica: routes of an ordinary news site in Russian and Kazakh.

Two profiles: ``configured`` is the site ``crawler/sources/arnapress.toml``
describes; ``laravel`` (the default, see ``arnapress_laravel``) one whose URLs,
feeds and markup match none of that file's guesses.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from itertools import islice

from crawler.replica import arnapress_feeds as feeds
from crawler.replica import arnapress_laravel as laravel
from crawler.replica.arnapress_pages import LAYOUTS, article_page, listing_page
from crawler.replica.corpus import ArnaArticle, Corpus
from crawler.replica.response import RSS, TEXT, XML, Response, html, not_found_html

LISTING_SIZE = 20
PROFILES = ("laravel", "configured")
ARTICLE = re.compile(r"^/(ru|kz)/news/(\d+)-([a-z0-9-]+)/?$")
LISTING = re.compile(r"^/(ru|kz)/news/?$")
FEED = re.compile(r"^/(ru|kz)/rss\.xml$")
SITEMAP_PAGE = re.compile(r"^/sitemap-articles-(\d+)\.xml$")
SECTION_LANG = {"ru": "ru", "kz": "kk"}
RELATED = 5
RELATED_WINDOW = 60


class ArnapressSite:
    name = "arnapress"

    def __init__(self, corpus: Corpus, layout: str = "v1", profile: str = "laravel") -> None:
        if profile not in PROFILES:
            raise ValueError(f"unknown profile {profile!r} (known: {', '.join(PROFILES)})")
        self.profile = profile
        self.corpus = corpus
        self.base = ""  # set by the server once its port is known
        self.layout = "v1"
        self.set_layout(layout)
        self.laravel = laravel.LaravelSite(
            corpus, lambda: self.base, lambda: self.layout, self.related
        )

    def set_layout(self, layout: str) -> None:
        if layout not in LAYOUTS:
            raise ValueError(f"unknown layout {layout!r} (known: {', '.join(LAYOUTS)})")
        self.layout = layout

    def handle(
        self,
        method: str,
        path: str,
        query: dict[str, list[str]],
        headers: Mapping[str, str],
        body: bytes = b"",
    ) -> Response:
        if self.profile == "laravel":
            return self.laravel.handle(path, query)
        if path == "/robots.txt":
            return Response(200, feeds.robots(self.base).encode(), TEXT)
        if path == "/":
            return Response(301, b"", headers={"Location": f"{self.base}/ru/news"})
        if path == "/sitemap.xml":
            return self.sitemap_index()
        if path == "/sitemap-news.xml":
            chosen = self._newest(None, 0, feeds.NEWS_SITEMAP_SIZE)
            return self._xml(feeds.news_sitemap(self.base, chosen), chosen)
        if m := SITEMAP_PAGE.match(path):
            return self.sitemap_page(int(m.group(1)))
        if m := FEED.match(path):
            lang = SECTION_LANG[m.group(1)]
            chosen = self._newest(lang, 0, feeds.RSS_SIZE)
            return self._xml(feeds.rss(self.base, lang, chosen), chosen, RSS)
        if m := LISTING.match(path):
            return self.listing(SECTION_LANG[m.group(1)], query)
        if m := ARTICLE.match(path):
            return self.article(m.group(1), int(m.group(2)), path)
        return not_found_html()

    # -- what the profile publishes (ground truth for tests) --------------------
    def public_path(self, article: ArnaArticle) -> str:
        """Where ``article`` lives on this profile's site."""
        return laravel.public_path(article) if self.profile == "laravel" else article.path

    def syndication_pairs(self) -> list[tuple[str, int, str]]:
        """(site path, akimat id, language) of every copy of a release, newest first."""
        by_path = {a.path: a for a in self.corpus.arnapress_articles()}
        return [
            (self.public_path(by_path[path]), akimat_id, lang)
            for path, akimat_id, lang in self.corpus.syndication_pairs()
        ]

    def expected_articles(self) -> list[laravel.Expected]:
        """(path, title, published, lang) of every article this profile publishes."""
        return [
            laravel.Expected(self.public_path(a), a.title, a.published, a.lang)
            for a in self.corpus.arnapress_articles()
        ]

    # -- discovery -----------------------------------------------------------
    def _newest(self, lang: str | None, skip: int, count: int) -> list[ArnaArticle]:
        ks = islice(self.corpus.arna_newest(lang), skip, skip + count)
        return [self.corpus.arna_article(k) for k in ks]

    @staticmethod
    def _xml(text: str, articles: list[ArnaArticle], ctype: str = XML) -> Response:
        last = max((feeds.changed(a) for a in articles), default=None)
        return Response(200, text.encode("utf-8"), ctype, last_modified=last)

    def sitemap_index(self) -> Response:
        n = self.corpus.articles
        pages = -(-n // feeds.SITEMAP_SIZE)
        last = self.corpus.arna_time(n - 1) if n else None
        return Response(
            200, feeds.sitemap_index(self.base, pages, last).encode(), XML, last_modified=last
        )

    def sitemap_page(self, n: int) -> Response:
        if n < 1 or (n - 1) * feeds.SITEMAP_SIZE >= self.corpus.articles:
            return not_found_html()
        top = self.corpus.articles - 1 - (n - 1) * feeds.SITEMAP_SIZE
        ks = range(top, max(top - feeds.SITEMAP_SIZE, -1), -1)
        chosen = [self.corpus.arna_article(k) for k in ks]
        return self._xml(feeds.articles_sitemap(self.base, chosen), chosen)

    def listing(self, lang: str, query: dict[str, list[str]]) -> Response:
        window = feeds.listing_window(
            lambda skip, count: self._newest(lang, skip, count), query, LISTING_SIZE
        )
        if window is None:
            return not_found_html(lang)
        page, cards, has_next = window
        last = max((feeds.changed(a) for a in cards), default=None)
        return html(listing_page(lang, page, cards, has_next), last_modified=last)

    # -- articles ------------------------------------------------------------
    def article(self, section: str, article_id: int, path: str) -> Response:
        article = self.corpus.arna_by_id(article_id)
        if article is None or not article.path.startswith(f"/{section}/"):
            return not_found_html(SECTION_LANG[section])
        if path != article.path:  # old or mistyped slug: send to the canonical address
            return Response(301, b"", headers={"Location": self.base + article.path})
        text = article_page(article, self.base, self.layout, self.related(article))
        return html(text, last_modified=feeds.changed(article))

    def related(self, article: ArnaArticle) -> list[ArnaArticle]:
        """Older articles in the same language, crafts stories first (a sidebar trap)."""
        crafty, plain = [], []
        low = max(article.index - RELATED_WINDOW, -1)
        for k in range(article.index - 1, low, -1):
            if self.corpus.arna_lang(k) != article.lang:
                continue
            other = self.corpus.arna_article(k)
            (crafty if other.categories else plain).append(other)
            if len(crafty) >= 3 and len(crafty) + len(plain) >= RELATED:
                break
        picked = crafty[:3]
        return picked + plain[: RELATED - len(picked)]
