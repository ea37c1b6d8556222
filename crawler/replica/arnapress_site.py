"""The Arna Press replica: routes of an ordinary news site in Russian and Kazakh."""

from __future__ import annotations

import re
from collections.abc import Mapping
from itertools import islice

from crawler.replica import arnapress_feeds as feeds
from crawler.replica.arnapress_pages import LAYOUTS, article_page, listing_page
from crawler.replica.corpus import ArnaArticle, Corpus
from crawler.replica.response import RSS, TEXT, XML, Response, html, not_found_html

LISTING_SIZE = 20
ARTICLE = re.compile(r"^/(ru|kz)/news/(\d+)-([a-z0-9-]+)/?$")
LISTING = re.compile(r"^/(ru|kz)/news/?$")
FEED = re.compile(r"^/(ru|kz)/rss\.xml$")
SITEMAP_PAGE = re.compile(r"^/sitemap-articles-(\d+)\.xml$")
SECTION_LANG = {"ru": "ru", "kz": "kk"}
RELATED = 5
RELATED_WINDOW = 60


class ArnapressSite:
    name = "arnapress"

    def __init__(self, corpus: Corpus, layout: str = "v1") -> None:
        self.corpus = corpus
        self.base = ""  # set by the server once its port is known
        self.layout = "v1"
        self.set_layout(layout)

    def set_layout(self, layout: str) -> None:
        if layout not in LAYOUTS:
            raise ValueError(f"unknown layout {layout!r} (known: {', '.join(LAYOUTS)})")
        self.layout = layout

    def handle(
        self, method: str, path: str, query: dict[str, list[str]], headers: Mapping[str, str]
    ) -> Response:
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
        try:
            page = int((query.get("page") or ["1"])[0])
        except ValueError:
            return not_found_html(lang)
        if page < 1:
            return not_found_html(lang)
        # One extra card tells whether a next page exists.
        chosen = self._newest(lang, (page - 1) * LISTING_SIZE, LISTING_SIZE + 1)
        if not chosen and page > 1:
            return not_found_html(lang)
        cards = chosen[:LISTING_SIZE]
        last = max((feeds.changed(a) for a in cards), default=None)
        text = listing_page(lang, page, cards, has_next=len(chosen) > LISTING_SIZE)
        return html(text, last_modified=last)

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
