"""Shared crawling for HTML news sites: discovered, with the source config as hints.

Every run, cheaply (conditional requests): the sitemaps robots.txt names
(index children only when their ``<lastmod>`` moved), the home page and its
language alternates (``hreflang``) read as listings, the feeds those pages
announce (``<link rel="alternate" type="application/rss+xml">``), then the
paths of ``crawler/sources/<source>.toml`` as hints. Hints that answered 404
are remembered and asked again once per ``CRAWLER_HINT_RECHECK_HOURS``, but
reported every run.

Links are followed by their URL's shape (numeric id, date; never sections,
tags, authors, pagination or files: see ``crawler/spiders/links.py``), and a
page is stored when it is an article by what it is (JSON-LD article,
``og:type=article``, or a dated long text). Extraction is metadata first, then
declared selectors, then the generic fallback.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse
from w3lib.encoding import http_content_type_encoding

from crawler.extraction import Extracted, extract_article, load_rules
from crawler.items import ArticleItem
from crawler.run.blocking import off_reactor
from crawler.spiders import links
from crawler.spiders.base import SourceSpider, next_quiet_pages
from crawler.spiders.site_state import MISSING as MISSING_STATUSES
from crawler.store.db import utc_now
from crawler.store.digests import DigestSet, digest64
from crawler.text.urls import canonical_url, is_web_url, join_url, same_site

FEED_LINKS = (
    "//*[local-name()='item']/*[local-name()='link']/text()",
    "//*[local-name()='entry']/*[local-name()='link']/@href",
)
SEED_URLS = 1000  # stored article URLs that seed the known URL shapes


class NewsSiteSpider(SourceSpider):
    """A news site found by discovery; its spec's TOML adds hints, pins and selectors."""

    def configure(self, crawler: Crawler) -> None:
        super().configure(crawler)
        settings = crawler.settings
        discovery = self.spec.config.get("discovery") or {}
        self.sitemaps: list[str] = list(discovery.get("sitemaps", []))
        self.feed_paths: list[str] = list(discovery.get("feeds", []))
        self.listings: list[dict[str, str]] = list(discovery.get("listings", []))
        self.next_page_selectors: list[str] = list(discovery.get("next_page", []))
        self.listing_link_selectors: list[str] = list(discovery.get("listing_links", []))
        pinned = discovery.get("article_url")
        self.article_path: re.Pattern[str] | None = re.compile(pinned) if pinned else None
        self.rules = load_rules(self.name)
        self.min_body = settings.getint("CRAWLER_MIN_BODY_CHARS", 200)
        self.hint_recheck_hours = settings.getfloat("CRAWLER_HINT_RECHECK_HOURS", 24.0)
        self.queued = DigestSet()
        self.shapes = links.ShapeStats(settings.getint("CRAWLER_DISCOVERY_SHAPE_MISSES", 3))
        self.site = self.memory.site(self.name)
        self.shapes.seed(self.memory.recent_urls(self.name, SEED_URLS))
        # robots.txt read before this process discovers (a joiner of a shared run
        # that takes over the start later): its sitemaps are queued by start().
        self.robots_unread: tuple[str, int, list[scrapy.Request]] | None = None
        # Scrapy's robots.txt middleware downloads robots.txt anyway: read its
        # sitemaps from there rather than asking the site a second time.
        self.robots_from_middleware = settings.getbool("ROBOTSTXT_OBEY")
        if self.robots_from_middleware:
            crawler.signals.connect(self.robots_parsed, signal=signals.robots_parsed)

    # --- discovery requests ----------------------------------------------------------
    def discovery_get(
        self, url: str, kind: str, *, hint: bool = False, conditional: bool = True, **kwargs: Any
    ) -> scrapy.Request:
        """A discovery request (see ``discovery_request``), asked conditionally unless
        backfilling; redirects are followed before the callback sees the answer."""
        headers = dict(kwargs.pop("headers", None) or {})
        meta = dict(kwargs.pop("meta", None) or {})
        if conditional:
            if not (self.full or self.refetch):
                headers.update(self.feeds.conditional_headers(url))
            meta["feed_key"] = url
        return self.discovery_request(url, kind, hint=hint, headers=headers, meta=meta, **kwargs)

    def discovery_requests(self) -> Iterator[scrapy.Request]:
        if not self.robots_from_middleware:
            yield self.discovery_get(
                f"{self.base_url}/robots.txt", "robots", callback=self.parse_robots
            )
        yield self.home_request(f"{self.base_url}/")
        for url in self.site.found("home"):
            yield self.home_request(url)
        for url in self.site.found("feed"):
            yield self.discovery_get(url, "feed", callback=self.parse_feed)
        yield from self.hint_requests()

    def home_request(self, url: str) -> scrapy.Request:
        return self.discovery_get(
            url, "home", callback=self.parse_listing, cb_kwargs={"quiet_pages": 0, "home": True}
        )

    def hint_requests(self) -> Iterator[scrapy.Request]:
        """The config's paths; those that answered 404 lately are reported, not asked."""
        hints = [(p, "sitemap", self.parse_sitemap, {}) for p in self.sitemaps]
        hints += [(p, "feed", self.parse_feed, {}) for p in self.feed_paths]
        hints += [
            (lst["url"], "listing", self.parse_listing, {"quiet_pages": 0})
            for lst in self.listings
            if isinstance(lst, dict) and lst.get("url")
        ]
        for path, kind, callback, cb_kwargs in hints:
            url = self.absolute(path)
            if not self.full and self.site.recently_missing(url, self.hint_recheck_hours):
                # Still reported every run (missing_hints), at no request's cost.
                state = self.site.rows[url]
                answer = f"{state.status} (remembered from {state.checked_at})"
                self.discovery.remembered_missing(kind, url, answer)
                self.crawler.stats.inc_value("crawler/discovery/hints_skipped")
                self._sync_discovery_stats()
                continue
            yield self.discovery_get(url, kind, hint=True, callback=callback, cb_kwargs=cb_kwargs)

    async def start(self):  # type: ignore[override]
        if self.robots_unread is not None:
            unread, self.robots_unread = self.robots_unread, None
            for request in self.robots_read(*unread):
                yield request
        for request in self.discovery_requests():
            yield request

    def absolute(self, path: str) -> str:
        return path if "://" in path else f"{self.base_url}{path}"

    def answered(self, response: Response) -> bool:
        """``discovery_answer``, remembering what configured or found URLs answered."""
        ok = self.discovery_answer(response)
        meta = response.meta
        kind = meta.get("state_kind") or meta.get("discovery")
        if kind in ("home", "feed", "sitemap", "child", "listing") and meta.get("feed_key"):
            hint = bool(meta.get("discovery_hint"))
            if hint or response.status in MISSING_STATUSES or kind != "listing":
                self.site.note(meta["feed_key"], kind, hint=hint, status=response.status)
        return ok

    # --- articles: which links to follow ------------------------------------------------
    def is_article_url(self, url: str) -> bool:
        """On the site, and shaped like an article whose shape still yields articles
        (or matching the config's pinned ``article_url``)."""
        if not is_web_url(url) or not same_site(url, self.base_url):
            return False
        if self.article_path is not None and self.article_path.search(urlsplit(url).path):
            return True
        shape = links.url_shape(url)
        return shape is not None and self.shapes.followable(shape)

    def article_request(self, url: str) -> scrapy.Request | None:
        """A request for an unknown article-shaped URL (the dupefilter drops repeats)."""
        if not self.is_article_url(url) or self.is_known(url):
            return None
        self.queued.add(digest64(canonical_url(url)))
        try:
            return scrapy.Request(url, callback=self.parse_page, priority=self.ARTICLE_PRIORITY)
        except ValueError:  # a URL Scrapy refuses: one bad link, not a failed page
            return None

    # --- robots.txt and sitemaps ---------------------------------------------------------
    def robots_parsed(self, robotparser: Any, request: scrapy.Request) -> None:
        """Scrapy's robots.txt middleware read the site's robots.txt: queue its sitemaps."""
        parts = urlsplit(request.url)
        robots_url = f"{parts.scheme}://{parts.netloc}/robots.txt"
        if not same_site(robots_url, self.base_url):
            return
        status = self._robots_status()
        raw = _robots_sitemaps(robotparser) if 200 <= status < 300 else []
        found = self.sitemap_requests("\n".join(f"Sitemap: {u}" for u in raw), robots_url)
        if not self.discovers:
            self.robots_unread = (robots_url, status, found)
            return
        for request_ in self.robots_read(robots_url, status, found):
            self.crawler.engine.crawl(request_)

    def robots_read(
        self, robots_url: str, status: int, found: list[scrapy.Request]
    ) -> list[scrapy.Request]:
        """Count robots.txt's answer; its sitemaps' requests when it could be read."""
        self.discovery.answered("robots", robots_url, status, b"", False)
        self._sync_discovery_stats()
        # robots.txt lists no article: read, it does not count as discovery that worked.
        return found if 200 <= status < 300 else []

    def _robots_status(self) -> int:
        # The middleware counts the answer's status before it parses the body.
        prefix = "robotstxt/response_status_count/"
        for key in self.crawler.stats.get_stats():
            if key.startswith(prefix) and key[len(prefix) :].isdigit():
                return int(key[len(prefix) :])
        return 200

    def sitemap_requests(self, robots_text: str, robots_url: str) -> list[scrapy.Request]:
        return [
            self.discovery_get(url, "sitemap", callback=self.parse_sitemap)
            for url in links.sitemaps_in_robots(robots_text, robots_url)
            if same_site(url, self.base_url)
        ]

    def parse_robots(self, response: Response) -> Iterator[scrapy.Request]:
        """robots.txt asked by the spider itself (when Scrapy's middleware is off)."""
        if not self.answered(response):
            return
        self.feed_changed(response)
        if response.status == 304:
            # Unchanged: its sitemaps are asked conditionally as remembered.
            for url in self.site.found("sitemap"):
                yield self.discovery_get(url, "sitemap", callback=self.parse_sitemap)
            return
        if not isinstance(response, TextResponse):
            self.discovery_unusable(response, "robots.txt is not text")
            return
        for request in self.sitemap_requests(response.text, response.url):
            self.site.note(request.url, "sitemap", status=None)
            yield request

    def parse_sitemap(self, response: Response) -> Iterator[scrapy.Request]:
        if not self.answered(response):
            return
        if not self.feed_changed(response):  # 304
            self.discovery_parsed()
            return
        try:
            found = links.sitemap_entries(response.body)
        except ValueError as exc:
            self.logger.warning("Unreadable sitemap %s", response.url)
            self.crawler.stats.inc_value("crawler/errors/bad_sitemap")
            self.discovery_unusable(response, str(exc))
            return
        if lastmod := response.meta.get("sitemap_lastmod"):
            self.site.note_lastmod(response.url, lastmod)
        children = []
        for loc, lastmod in found.entries:
            url = join_url(response.url, loc)
            if not url or not same_site(url, self.base_url):
                continue
            if found.index:
                before = self.site.get(url)
                if not self.full and lastmod and before and before.lastmod == lastmod:
                    self.crawler.stats.inc_value("crawler/discovery/sitemaps_unchanged")
                    continue
                meta = {"sitemap_lastmod": lastmod, "state_kind": "child"}
                children.append(
                    self.discovery_get(url, "sitemap", callback=self.parse_sitemap, meta=meta)
                )
            elif request := self.article_request(url):
                yield request
        # An index lists sitemaps, not articles: it counts as read when none of its
        # sitemaps needs reading again; otherwise they count when they are read.
        if not children:
            self.discovery_parsed()
        yield from children

    # --- feeds and listings -------------------------------------------------------------
    def parse_feed(self, response: Response) -> Iterator[scrapy.Request]:
        if not self.answered(response):
            return
        if not self.feed_changed(response):
            self.discovery_parsed()
            return
        if not isinstance(response, TextResponse):
            self.discovery_unusable(response, "feed is not text")
            return
        try:
            found = [link for xpath in FEED_LINKS for link in response.xpath(xpath).getall()]
        except ValueError:  # not XML/HTML at all
            found = []
        if not found and not response.xpath("//*[local-name()='rss' or local-name()='feed']"):
            self.discovery_unusable(response, "not an RSS or Atom feed")
            return
        self.discovery_parsed()
        for link in found:
            url = join_url(response.url, link)
            if url and (request := self.article_request(url)):
                yield request

    def parse_listing(
        self, response: Response, quiet_pages: int = 0, home: bool = False
    ) -> Iterator[scrapy.Request]:
        """Queue unknown articles of one listing page, then maybe the next page; a home
        page also names the site's feeds and its other language homes."""
        if not self.answered(response):
            return
        if not self.feed_changed(response):  # 304: nothing new on it
            self.discovery_parsed()
            return
        if not isinstance(response, TextResponse):
            self.discovery_unusable(response, "listing is not text")
            return
        self.discovery_parsed()
        if home:
            yield from self.home_discoveries(response)
        urls = dict.fromkeys(self.listing_links(response))
        articles = [url for url in urls if self.is_article_url(url)]
        new = 0
        for url in articles:
            # Queued already (from a sitemap or feed) counts as known here, so a first
            # run stops paging once the sitemaps have queued the archive.
            fresh = digest64(canonical_url(url)) not in self.queued
            if request := self.article_request(url):
                new += fresh
                yield request
        quiet_pages = next_quiet_pages(quiet_pages, new, len(articles))
        next_url = self.next_page(response)
        # Only pages of this site: a hostile "next" link must not lead the crawl away.
        if (
            next_url
            and same_site(next_url, self.base_url)
            and self.keep_paging(new, len(articles), quiet_pages)
        ):
            yield self.discovery_get(
                next_url,
                "listing",
                conditional=False,
                callback=self.parse_listing,
                cb_kwargs={"quiet_pages": quiet_pages},
            )

    def home_discoveries(self, response: TextResponse) -> Iterator[scrapy.Request]:
        """Feeds a home page announces and its language alternates, remembered for
        the runs whose home page answers 304."""
        for url in links.feed_links(response.selector, response.url):
            if same_site(url, self.base_url):
                if not self.site.get(url):
                    self.site.note(url, "feed")
                yield self.discovery_get(url, "feed", callback=self.parse_feed)
        for url in links.alternate_homes(response.selector, response.url):
            if same_site(url, self.base_url):
                if not self.site.get(url):
                    self.site.note(url, "home")
                yield self.home_request(url)

    def listing_links(self, response: TextResponse) -> list[str]:
        """Article-shaped links of a listing; the config's selectors first when they match."""
        declared = self.first_match(response, self.listing_link_selectors)
        found = [join_url(response.url, link) for link in declared]
        found += links.candidate_article_links(
            response.selector, response.url, self.base_url, self.article_path
        )
        return [url for url in found if url and is_web_url(url)]

    def next_page(self, response: TextResponse) -> str | None:
        """rel=next, the config's selectors, then a link to this listing's page + 1."""
        declared = self.first_match(response, self.next_page_selectors)
        for link in declared[:1]:
            if (url := join_url(response.url, link)) and is_web_url(url):
                return url
        return links.next_page_link(response.selector, response.url)

    @staticmethod
    def first_match(response: TextResponse, selectors: list[str]) -> list[str]:
        """Results of the first declared selector that finds anything."""
        for selector in selectors:
            query = response.xpath if selector.startswith(("/", "(")) else response.css
            found = [value.strip() for value in query(selector).getall() if value.strip()]
            if found:
                return found
        return []

    # --- articles ------------------------------------------------------------------------
    def parse_page(self, response: Response) -> Iterator[Any]:
        """A page whose URL looked like an article: stored when it is one."""
        if not isinstance(response, TextResponse):
            self.crawler.stats.inc_value("crawler/errors/not_text")
            return
        extracted = self.extract(response)
        shape = links.url_shape(response.url)
        if links.is_article_page(extracted, self.min_body):
            self.shapes.saw(shape, True)
            yield self.item_from(response, extracted)
        elif self.shapes.trusted(shape) or self._pinned(response.url):
            # Where articles were: a page that reads as none is drift; stored
            # incomplete, so crawl health sees it.
            self.crawler.stats.inc_value("crawler/pages_unreadable_article")
            yield self.item_from(response, extracted)
        else:
            self.shapes.saw(shape, False)
            self.crawler.stats.inc_value("crawler/pages_not_article")

    def _pinned(self, url: str) -> bool:
        return self.article_path is not None and bool(self.article_path.search(urlsplit(url).path))

    def parse_article(self, response: Response) -> Iterator[Any]:
        """A page known to be an article (``scrapy parse``, recordings): always one item."""
        if not isinstance(response, TextResponse):
            self.crawler.stats.inc_value("crawler/errors/not_text")
            return
        yield self.item_from(response, self.extract(response))

    def extract(self, response: TextResponse) -> Extracted:
        """Extract a page, counting what went wrong: a failure is an error of the run
        (logged at ERROR through the spider's logger), repairs are stats."""
        content_type = response.headers.get(b"Content-Type", b"").decode("latin-1")
        extracted = extract_article(
            response.body,
            response.url,
            self.rules,
            encoding=http_content_type_encoding(content_type),
            logger=self.logger,
        )
        stats = self.crawler.stats
        if extracted.error:
            stats.inc_value("crawler/errors/extraction")
        if extracted.replaced_bytes:
            stats.inc_value("crawler/pages_utf8_repaired")
        if extracted.text_failures:
            stats.inc_value("crawler/extraction/text_failures", len(extracted.text_failures))
        return extracted

    def item_from(self, response: Response, extracted: Extracted) -> ArticleItem:
        url = response.url
        if extracted.canonical_url and same_site(extracted.canonical_url, self.base_url):
            url = extracted.canonical_url
        return article_from_page(self.name, url, extracted)

    # --- state ---------------------------------------------------------------------------
    def closed(self, reason: str) -> Any:
        saving = super().closed(reason)  # a clean run: feeds and discovery state
        if saving is None and self.site.changed:
            # After a failed run too: which hints answered 404, which feeds and homes
            # were found (child sitemaps' lastmods wait for a clean run).
            return off_reactor(self._save_discoveries)
        return saving

    def _save_feeds(self) -> None:
        self.memory.save(self.feeds, self.site)

    def _save_discoveries(self) -> None:
        self.memory.save(None, self.site, lastmods=False)


def _robots_sitemaps(robotparser: Any) -> list[str]:
    """Sitemap URLs a Scrapy robots parser kept (Protego, or Python's RobotFileParser)."""
    parser = getattr(robotparser, "rp", None)
    try:
        if hasattr(parser, "sitemaps"):
            return [str(u) for u in parser.sitemaps]
        if hasattr(parser, "site_maps"):
            return [str(u) for u in parser.site_maps() or []]
    except Exception:  # a third-party parser: no sitemaps rather than no crawl
        return []
    return []


def article_from_page(source: str, url: str, extracted: Extracted) -> ArticleItem:
    """An article item from what the extraction chain found on a page."""
    return ArticleItem(
        source=source,
        url=canonical_url(url),
        title=extracted.title,
        body=extracted.body,
        lang=extracted.lang,
        published=extracted.published,
        author=extracted.author,
        extraction=",".join(f"{k}:{v}" for k, v in sorted(extracted.methods.items())),
        fetched_at=utc_now(),
    )
