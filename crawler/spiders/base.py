"""What every source spider shares: its base URL, known articles, feeds
asked conditionally, and the rule that ends incremental paging."""

from __future__ import annotations

import logging
from typing import Any, ClassVar
from urllib.parse import urlsplit

import scrapy
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.settings import BaseSettings
from twisted.python.failure import Failure

from crawler.run.blocking import off_reactor
from crawler.sources.spec import SourceSpec
from crawler.spiders.discovery import MISSING, REFUSED, DiscoveryLog, outcome_of
from crawler.spiders.memory import SpiderMemory, spider_memory
from crawler.store.digests import DigestSet, digest64
from crawler.store.feeds import FeedTracker
from crawler.text.urls import canonical_url

# Statuses a discovery callback sees: 304 and every error. Not 3xx redirects:
# ``handle_httpstatus_all`` would stop Scrapy's RedirectMiddleware from following them.
DISCOVERY_STATUSES = [304, *range(400, 600)]


class SourceSpider(scrapy.Spider):
    """Base for our spiders; each source's class is made from its spec
    (:mod:`crawler.spiders.sources`), which names its base-URL setting."""

    spec: ClassVar[SourceSpec]
    url_setting: ClassVar[str]

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        super().update_settings(settings)
        # The spec's politeness, unless someone (-s, a test, the demo) chose a delay.
        spec = getattr(cls, "spec", None)
        if spec is not None:
            settings.set("DOWNLOAD_DELAY", spec.delay(settings), priority="spider")

    # False in a crawl process that joined a shared run another process discovers
    # (crawler/run/shared_scheduler.py): it only fetches articles from the queue.
    discovers: bool = True

    base_url: str
    full: bool
    refetch: bool
    memory: SpiderMemory
    known: DigestSet
    feeds: FeedTracker
    discovery: DiscoveryLog

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> SourceSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.configure(crawler)
        return spider

    def configure(self, crawler: Crawler) -> None:
        settings = crawler.settings
        base = (settings.get(self.url_setting) or "").strip().rstrip("/")
        parts = urlsplit(base)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise NotConfigured(f"{self.url_setting} must be an http(s) URL, got {base!r}")
        self.base_url = base
        # Scrapy's OffsiteMiddleware keeps the crawl on the configured site.
        self.allowed_domains = [parts.hostname]
        self.full = settings.getbool("CRAWLER_FULL") or _truthy(getattr(self, "full", False))
        self.refetch = settings.getbool("CRAWLER_REFETCH")
        self.overlap_pages = settings.getint("CRAWLER_OVERLAP_PAGES")
        self.db_path = settings.get("CRAWLER_DB")
        self.discovery = DiscoveryLog()
        self.memory = spider_memory(settings)
        # Digests, 8 bytes an article: the archive may hold hundreds of thousands.
        self.known = DigestSet() if self.refetch else DigestSet(self.memory.known(self.name))
        self.feeds = self.memory.feeds(self.name)

    def is_known(self, url: str) -> bool:
        return digest64(canonical_url(url)) in self.known

    # Article requests go before the next listing or sitemap page, so the
    # scheduler holds about one page of articles, not the whole archive: a
    # backfill's memory stays flat and what was listed is stored first.
    ARTICLE_PRIORITY = 1

    # --- feeds -----------------------------------------------------------------
    def feed_request(self, url: str, key: str | None = None, **kwargs: Any) -> scrapy.Request:
        """The first page of a feed, asked conditionally unless backfilling."""
        key = key or url
        headers = dict(kwargs.pop("headers", None) or {})
        if not (self.full or self.refetch):
            headers.update(self.feeds.conditional_headers(key))
        meta = {**kwargs.pop("meta", {}), "feed_key": key, "handle_httpstatus_list": [304]}
        return scrapy.Request(url, headers=headers, meta=meta, **kwargs)

    def feed_changed(self, response: Response) -> bool:
        """Note a feed response; False when the feed is as it was (304 or same body)."""
        key = response.meta.get("feed_key")
        if key is None:
            return response.status != 304
        changed = self.feeds.observe(key, response)
        stats = self.crawler.stats
        stats.inc_value("crawler/feeds_changed" if changed else "crawler/feeds_unchanged")
        return response.status != 304

    def closed(self, reason: str) -> Any:
        # Only a clean run may remember feeds: after a failed one the next
        # run must look at the full listings again, not get a 304.
        errors = self.crawler.stats.get_value("crawler/errors", 0)
        if reason == "finished" and not errors:
            return off_reactor(self._save_feeds)
        return None

    def _save_feeds(self) -> None:
        self.memory.save(self.feeds, None)

    # --- discovery accounting -----------------------------------------------------
    def discovery_request(
        self, url: str, kind: str, *, hint: bool = False, **kwargs: Any
    ) -> scrapy.Request:
        """A request that finds articles (list, feed, sitemap …): every answer but a
        redirect (which Scrapy follows) reaches its callback, which first calls
        :meth:`discovery_answer`; failures are counted."""
        meta = {
            **kwargs.pop("meta", {}),
            "discovery": kind,
            "discovery_hint": hint,
            "handle_httpstatus_list": DISCOVERY_STATUSES,
        }
        kwargs.setdefault("errback", self.discovery_error)
        return scrapy.Request(url, meta=meta, **kwargs)

    def discovery_answer(self, response: Response) -> bool:
        """Note what a discovery request answered; True when it can be parsed (2xx, 304)."""
        meta = response.meta
        ok = self.discovery.answered(
            meta.get("discovery", "discovery"),
            response.url,
            response.status,
            response.body,
            meta.get("discovery_hint", False),
        )
        if not ok:
            # A refusal is often answered by a new ticket, and a configured path that is
            # missing is named in the run's summary: a note for those, a warning else.
            outcome = outcome_of(response.status)
            quiet = outcome == REFUSED or (outcome == MISSING and meta.get("discovery_hint"))
            self.logger.log(
                logging.INFO if quiet else logging.WARNING,
                "%s %s answered %s",
                meta.get("discovery", "discovery"),
                response.url,
                response.status,
            )
        self._sync_discovery_stats()
        return ok

    def discovery_parsed(self) -> None:
        """A discovery answer was read (a list, feed, sitemap or listing; 304 counts)."""
        self.discovery.parsed_one()
        self._sync_discovery_stats()

    def discovery_unusable(self, response: Response, why: str) -> None:
        """A discovery answer came but could not be read."""
        meta = response.meta
        self.discovery.unusable(
            meta.get("discovery", "discovery"), response.url, why, meta.get("discovery_hint", False)
        )
        self._sync_discovery_stats()

    def discovery_error(self, failure: Failure) -> None:
        """Errback of discovery requests: no answer at all (after retries)."""
        request = failure.request  # type: ignore[attr-defined]
        error = f"{failure.type.__name__}: {failure.getErrorMessage()}"
        kind = request.meta.get("discovery", "discovery")
        self.discovery.failed(kind, request.url, error, request.meta.get("discovery_hint", False))
        self.logger.warning("%s %s failed: %s", kind, request.url, error)
        self._sync_discovery_stats()

    def _sync_discovery_stats(self) -> None:
        # Kept current as answers come: the run recorder reads the stats when the
        # spider closes, before the spider's own closed() runs.
        for key, value in self.discovery.stats().items():
            self.crawler.stats.set_value(key, value)

    # --- paging ----------------------------------------------------------------
    def keep_paging(self, new_on_page: int, items_on_page: int, quiet_pages: int) -> bool:
        """Whether to read the next listing page.

        Listings are newest first, so once a page shows an article we already
        have, the older pages hold nothing new: an incremental run stops after
        ``CRAWLER_OVERLAP_PAGES`` more such pages. ``--full`` reads to the end.
        """
        if items_on_page == 0:
            return False
        if self.full:
            return True
        return quiet_pages <= self.overlap_pages


def next_quiet_pages(quiet_pages: int, new_on_page: int, items_on_page: int) -> int:
    """Count the pages in a row that showed an already-known article."""
    return quiet_pages + 1 if new_on_page < items_on_page else 0


def _truthy(value: Any) -> bool:
    return str(value).lower() in ("1", "true", "yes", "on")
