"""An akimat's press centre on gov.kz (one project of the site), read through its JSON API.

How the API lets a client in (2026): a ticket cookie from ``POST
/api/v1/public/_/c/k6``; failing that the headers ``POST /api/v2/_/c/k6``
answers; failing that ``POST /graphql``. List entries carry the whole article,
so a crawl costs about one request per 100 items per language plus tickets,
and an unchanged rerun one ticket and one conditional page per language.

The way in, per run:

1. one v1 ticket, then page ``CRAWLER_AKIMAT_FIRST_PAGE`` of each language;
2. a list page refused (400/401/403): if the ticket opened pages before, it
   expired: a new one of the same way. A first v1 ticket that opened nothing
   gets one more try; then the next way (v1 → v2 → GraphQL), for the rest of
   the run;
3. GraphQL refused too: an ERROR naming the answer, and that language stops.

A page waits while a ticket is being fetched, and a page refused with an older
ticket than the current one is simply asked again, so concurrent pages share
one refresh. Once a ticket has expired, the spider knows how many pages one
serves and renews the next ones before that (one careful client takes a new
ticket before every page; how long a real ticket lives is not known). Refreshes are bounded: a ticket that opened nothing is never
renewed twice, and a run asks at most ``MAX_IDLE_REFRESHES`` tickets more than
the pages it read, so a site handing out useless tickets cannot keep the crawl
looping.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import AsyncIterator, Iterable, Iterator
from functools import cached_property
from typing import Any, ClassVar
from urllib.parse import unquote

import scrapy
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler.run.health import STAT_LISTED
from crawler.spiders import govkz
from crawler.spiders.base import SourceSpider, next_quiet_pages
from crawler.spiders.discovery import body_start
from crawler.store.digests import DigestSet, digest64

# Re-exported: tests and tools import them from here.
article_from_api = govkz.article_from_api
api_id = govkz.api_id
API_LIST = govkz.API_LIST

V1, V2, GRAPHQL = "v1", "v2", "graphql"
MAX_IDLE_REFRESHES = 10
TICKET_PRIORITY = 10  # before the pages queued behind it


class GovkzSpider(SourceSpider):
    """One gov.kz project; its source spec gives the project slug and languages."""

    # The ticket is a cookie; the project keeps cookies off for everything else.
    custom_settings: ClassVar[dict[str, Any]] = {"COOKIES_ENABLED": True}

    def configure(self, crawler: Crawler) -> None:
        super().configure(crawler)
        settings = crawler.settings
        # Defaults for a crawler built without the project's settings (tests, tools).
        self.project = self.spec.project
        self.langs = list(self.spec.languages)
        self.page_size = settings.getint("CRAWLER_AKIMAT_PAGE_SIZE") or 100
        self.first_page = settings.getint("CRAWLER_AKIMAT_FIRST_PAGE", 1)
        self.timeout = settings.getfloat("CRAWLER_AKIMAT_TIMEOUT", 90.0)
        self.way = V1
        self.ticket_gen = 0  # bumped by every ticket asked for
        self.ticket_pending = False
        self.ticket_served = 0  # list pages the current ticket opened
        self.ticket_sent = 0  # list requests sent with the current ticket
        # Fewest pages a ticket of this way opened before it expired, once seen:
        # later tickets are renewed before that, not after a refusal.
        self.ticket_life: int | None = None
        self.ticket_is_retry = False  # asked because the previous one opened nothing
        self.broken: set[str] = set()  # ways whose ticket endpoint refused
        self.v2_headers: dict[str, str] = {}
        self.refreshes = 0
        self.pages_read = 0
        self.waiting: list[dict[str, Any]] = []  # pages waiting for a ticket
        # List requests not answered yet, by ticket; refusals that wait for them, so
        # that "this ticket opened nothing" is decided on every answer it got.
        self.in_flight: Counter[int] = Counter()
        self.deferred: list[tuple[dict[str, Any], tuple[str, int]]] = []
        self.dead_langs: set[str] = set()
        # Article URLs yielded in this run: a version listed under two languages
        # (an untranslated item) is stored once.
        self.seen = DigestSet()

    # --- headers -----------------------------------------------------------------
    @cached_property
    def auth_headers(self) -> dict[str, str]:
        return govkz.auth_headers()

    def api_headers(self, lang: str) -> dict[str, str]:
        headers = {
            **self.auth_headers,
            **govkz.site_headers(self.base_url, self.project, lang),
            "accept-language": lang,
            "accept": "application/json",
        }
        if self.way == V2:
            headers.update(self.v2_headers)
        return headers

    def article_url(self, item_id: Any, lang: str) -> str:
        """The human page of an item: the article's canonical URL."""
        return govkz.article_url(self.base_url, self.project, str(item_id), lang)

    # --- requests ----------------------------------------------------------------
    def ticket_request(self, way: str, start: bool = False) -> scrapy.Request:
        self.ticket_gen += 1
        self.ticket_served = self.ticket_sent = 0
        self.ticket_pending = True
        self.crawler.stats.inc_value(f"crawler/akimat/tickets/{way}")
        path = govkz.TICKET_V1 if way == V1 else govkz.TICKET_V2
        return self.discovery_request(
            self.base_url + path,
            "ticket",
            method="POST",
            body=b"{}",
            headers={
                **govkz.site_headers(self.base_url, self.project),
                "Content-Type": "application/json",
                "accept": "application/json",
            },
            callback=self.parse_ticket,
            errback=self.ticket_failed,
            cb_kwargs={"way": way, "start": start},
            meta={"download_timeout": self.timeout, "way": way, "start": start},
            dont_filter=True,
            priority=TICKET_PRIORITY,
        )

    def page_request(self, page: dict[str, Any]) -> Iterator[scrapy.Request]:
        """The request for one page: the REST list, or GraphQL once that is the way."""
        if self.way == GRAPHQL:
            yield self.graphql_request(page)
            return
        yield from self.list_or_wait(page)

    def list_or_wait(self, page: dict[str, Any]) -> Iterator[scrapy.Request]:
        """The list request of ``page``, or a new ticket first when the current one is
        pending or has served as many pages as tickets last."""
        if self.ticket_pending:
            self.waiting.append(page)
            return
        life = self.ticket_life
        if life is not None and self.ticket_sent >= life and self.may_refresh():
            self.crawler.stats.inc_value("crawler/akimat/tickets_renewed_ahead")
            yield from self.refresh(page, self.way, retry=False)
            return
        yield self.list_request(page)

    def list_request(self, page: dict[str, Any]) -> scrapy.Request:
        lang, number = page["lang"], page["page"]
        self.ticket_sent += 1
        self.in_flight[self.ticket_gen] += 1
        url = govkz.list_url(self.base_url, self.project, number, self.page_size)
        headers = self.api_headers(lang)
        meta: dict[str, Any] = {
            "download_timeout": self.timeout,
            "auth": (self.way, self.ticket_gen),
            "in_flight": self.ticket_gen,
        }
        if number == self.first_page:
            # The first page is asked conditionally: an unchanged list costs a 304.
            key = f"{url}#{lang}"
            if not (self.full or self.refetch):
                headers.update(self.feeds.conditional_headers(key))
            meta["feed_key"] = key
        # The URL is the same for every language (a header picks it), so the
        # duplicate filter must not swallow the second language.
        return self.discovery_request(
            url,
            "list",
            headers=headers,
            callback=self.parse_list,
            errback=self.list_failed,
            cb_kwargs={"page": page},
            meta=meta,
            dont_filter=True,
        )

    def graphql_request(self, page: dict[str, Any]) -> scrapy.Request:
        lang = page["lang"]
        return self.discovery_request(
            self.base_url + govkz.GRAPHQL,
            "graphql",
            method="POST",
            # GraphQL pages count from 1 whatever the REST list's first page is.
            body=govkz.graphql_body(
                self.project, lang, page["page"] - self.first_page + 1, self.page_size
            ),
            headers={
                **govkz.site_headers(self.base_url, self.project, lang),
                "Content-Type": "application/json",
                "accept": "application/json",
                "accept-language": lang,
            },
            callback=self.parse_graphql,
            cb_kwargs={"page": page},
            meta={"download_timeout": self.timeout},
            dont_filter=True,
        )

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield self.ticket_request(V1, start=True)

    # --- tickets -----------------------------------------------------------------
    def parse_ticket(self, response: Response, way: str, start: bool) -> Iterator[scrapy.Request]:
        ok = self.discovery_answer(response)
        if ok and way == V2:
            headers = _header_object(response)
            if headers is None:
                self.discovery_unusable(response, "not a JSON object of headers")
                ok = False
            else:
                self.v2_headers = headers
        yield from self.ticket_done(way, ok, start)

    def ticket_failed(self, failure: Failure) -> Iterator[scrapy.Request]:
        self.discovery_error(failure)
        meta = failure.request.meta  # type: ignore[attr-defined]
        yield from self.ticket_done(meta["way"], False, meta["start"])

    def ticket_done(self, way: str, ok: bool, start: bool) -> Iterator[scrapy.Request]:
        """Send the pages that waited for this ticket (or, at the start, the first ones)."""
        self.ticket_pending = False
        if not ok:
            self.broken.add(way)
        waiting, self.waiting = self.waiting, []
        if start:
            # A refused ticket does not prove the list is closed: ask it anyway.
            for lang in self.langs:
                yield from self.list_or_wait(self.new_page(lang))
        for page in waiting:
            if ok:
                yield from self.page_request(page)
            else:
                yield from self.refused(page, (self.way, self.ticket_gen))

    def new_page(self, lang: str, number: int | None = None, quiet: int = 0) -> dict[str, Any]:
        number = self.first_page if number is None else number
        return {"lang": lang, "page": number, "quiet": quiet}

    def refused(self, page: dict[str, Any], sent_with: tuple[str, int]) -> Iterator[scrapy.Request]:
        """A list page was refused: a fresh ticket, the next way in, or GraphQL."""
        if page["lang"] in self.dead_langs:
            return
        if self.way == GRAPHQL:
            yield self.graphql_request(page)
            return
        if self.ticket_pending:
            self.waiting.append(page)
            return
        if sent_with != (self.way, self.ticket_gen):
            # Refused with a ticket that has been replaced since: ask with the new one.
            yield from self.list_or_wait(page)
            return
        if self.in_flight[self.ticket_gen]:
            # Other pages asked with this ticket may still be let in: decide then.
            self.deferred.append((page, sent_with))
            return
        if self.way not in self.broken and self.may_refresh():
            if self.ticket_served:
                # The ticket opened pages before: it expired. A new one of the same way.
                self.ticket_life = min(self.ticket_life or self.ticket_served, self.ticket_served)
                yield from self.refresh(page, self.way, retry=False)
                return
            if self.way == V1 and not self.ticket_is_retry:
                # The first v1 ticket opened nothing: one more, as careful clients do.
                yield from self.refresh(page, V1, retry=True)
                return
        if self.way == V1 and V2 not in self.broken:
            self.way = V2
            self.ticket_life = None  # v2 tickets may live otherwise
            self.logger.info("The v1 ticket does not open the news list: trying the v2 ticket")
            yield from self.refresh(page, V2, retry=True)
            return
        self.way = GRAPHQL
        self.logger.info("The news list refuses our tickets: reading it through GraphQL")
        yield self.graphql_request(page)

    def refresh(self, page: dict[str, Any], way: str, retry: bool) -> Iterator[scrapy.Request]:
        """Ask a new ticket; ``page`` (and pages refused meanwhile) wait for it."""
        self.refreshes += 1
        self.ticket_is_retry = retry
        self.waiting.append(page)
        yield self.ticket_request(way)

    def settle(self) -> Iterator[scrapy.Request]:
        """Decide on the refused pages whose ticket has no request out any more."""
        ready = [d for d in self.deferred if not self.in_flight[d[1][1]]]
        if ready:
            self.deferred = [d for d in self.deferred if self.in_flight[d[1][1]]]
            for page, sent_with in ready:
                yield from self.refused(page, sent_with)

    def list_answered(self, meta: dict[str, Any]) -> None:
        # Popped: a retry of this request (broken JSON) copies the meta without it.
        gen = meta.pop("in_flight", None)
        if gen is not None:
            self.in_flight[gen] -= 1
            if self.in_flight[gen] <= 0:
                del self.in_flight[gen]

    def list_failed(self, failure: Failure) -> Iterator[scrapy.Request]:
        """Errback of list requests: no answer at all (after retries)."""
        self.discovery_error(failure)
        self.list_answered(failure.request.meta)  # type: ignore[attr-defined]
        yield from self.settle()

    def may_refresh(self) -> bool:
        return self.refreshes < MAX_IDLE_REFRESHES + self.pages_read

    # --- answers -----------------------------------------------------------------
    def parse_list(self, response: Response, page: dict[str, Any]) -> Iterator[Any]:
        """Articles of one REST list page (each entry carries its body), then maybe the next."""
        self.list_answered(response.meta)
        if not self.discovery_answer(response):
            if response.status in govkz.REFUSED_STATUSES:
                self.crawler.stats.inc_value("crawler/akimat/refused")
                yield from self.refused(page, response.meta.get("auth", (None, 0)))
            yield from self.settle()
            return
        if response.meta.get("auth") == (self.way, self.ticket_gen):
            self.ticket_served += 1
        yield from self.settle()
        if not self.feed_changed(response):
            self.page_read()
            return
        data = self.load_json(response)
        entries = govkz.entries_from_payload(data)
        if entries is None:
            why = "broken JSON" if data is _BROKEN else "not a news list"
            self.discovery_unusable(response, why)
            yield from self.retry(response)
            return
        self.page_read()
        yield from self.read_entries(entries, page)

    def parse_graphql(self, response: Response, page: dict[str, Any]) -> Iterator[Any]:
        """Articles of one GraphQL page, then maybe the next."""
        lang = page["lang"]
        if not self.discovery_answer(response):
            if response.status in govkz.REFUSED_STATUSES:
                self.dead_langs.add(lang)
                self.logger.error(
                    "%s: no way left to read the %s news list: GraphQL answered %s %s "
                    "after the list and its tickets were refused",
                    self.name,
                    lang,
                    response.status,
                    body_start(response.body),
                )
            return
        data = self.load_json(response)
        entries = govkz.entries_from_payload(data)
        if entries is None:
            error = govkz.graphql_errors(data)
            why = "broken JSON" if data is _BROKEN else error or "not a news list"
            self.discovery_unusable(response, why)
            yield from self.retry(response)
            return
        self.page_read()
        yield from self.read_entries(entries, page)

    def page_read(self) -> None:
        self.pages_read += 1
        self.discovery_parsed()

    def read_entries(self, entries: list[dict[str, Any]], page: dict[str, Any]) -> Iterator[Any]:
        """Yield the unknown articles of a page and, unless paging ends, the next page."""
        asked = page["lang"]
        stats = self.crawler.stats
        # Entries the lists named (0 included): an empty project is reported by health.
        stats.inc_value(STAT_LISTED, len(entries))
        new = repeated = 0
        for entry in entries:
            item_id = govkz.api_id(entry.get("id"))
            if item_id is None:
                stats.inc_value("crawler/akimat/entry_without_id")
                continue
            lang = govkz.real_lang(entry, asked)
            url = self.article_url(item_id, lang)
            first_time = self.seen.add(digest64(url))
            repeated += not first_time
            # Known under its real language: an untranslated item is not new again.
            if self.is_known(url):
                continue
            new += 1
            if not first_time:
                continue  # listed under another language too; yielded already
            if lang != asked:
                stats.inc_value("crawler/akimat/other_language")
            if govkz.has_body(entry):
                yield govkz.article_from_api(entry, lang, url, self.name)
            else:
                yield self.item_request(item_id, lang)
        if entries and repeated == len(entries):
            # Only entries read before in this run: the API ignores the page number.
            self.logger.warning(
                "%s: %s page %s repeats entries already read; paging stops",
                self.name,
                asked,
                page["page"],
            )
            stats.inc_value("crawler/akimat/repeated_pages")
            return
        quiet = next_quiet_pages(page["quiet"], new, len(entries))
        # Read on to the empty page (`[]` past the end), not to a short one: a server
        # that caps the page size below ours would otherwise end the crawl at page 1.
        if self.keep_paging(new, len(entries), quiet):
            yield from self.page_request(self.new_page(asked, page["page"] + 1, quiet))

    def item_request(self, item_id: str, lang: str) -> scrapy.Request:
        """An entry came without its body: the (unconfirmed) per-item endpoint."""
        self.crawler.stats.inc_value("crawler/akimat/item_requests")
        return scrapy.Request(
            govkz.item_url(self.base_url, item_id),
            headers=self.api_headers(lang),
            callback=self.parse_item,
            cb_kwargs={"lang": lang},
            meta={"download_timeout": self.timeout, "handle_httpstatus_list": [404, 410]},
            dont_filter=True,
            priority=self.ARTICLE_PRIORITY,
        )

    def parse_item(self, response: Response, lang: str) -> Iterator[Any]:
        """One API item → one article; a missing endpoint or item is skipped, not an error."""
        if response.status in (404, 410):
            self.crawler.stats.inc_value("crawler/akimat/item_missing")
            self.logger.debug("No item at %s (%s)", response.url, response.status)
            return
        data = self.load_json(response)
        if not isinstance(data, dict):
            self.crawler.stats.inc_value("crawler/errors/bad_json")
            yield from self.retry(response)
            return
        # The id we asked for, when the item does not carry a usable one itself.
        item_id = govkz.api_id(data.get("id")) or _last_segment(response.url)
        real = govkz.real_lang(data, lang)
        yield govkz.article_from_api(data, real, self.article_url(item_id, real), self.name)

    def load_json(self, response: Response) -> Any:
        """The JSON of an answer, or ``_BROKEN``."""
        try:
            return json.loads(response.text)
        except (ValueError, AttributeError):
            self.logger.warning("Broken JSON from %s", response.url)
            self.crawler.stats.inc_value("crawler/errors/bad_json")
            return _BROKEN

    def retry(self, response: Response) -> Iterable[scrapy.Request]:
        # Gives up with an ERROR log (counted in crawl_runs) after RETRY_TIMES.
        request = get_retry_request(response.request, spider=self, reason="bad_json")
        return [] if request is None else [request]


_BROKEN = object()


def _header_object(response: Response) -> dict[str, str] | None:
    """The v2 ticket: a JSON object of header names and values."""
    try:
        data = json.loads(response.text)
    except (ValueError, AttributeError):
        return None
    if not isinstance(data, dict) or not data:
        return None
    headers = {
        str(k): str(v)
        for k, v in data.items()
        if isinstance(v, (str, int)) and not isinstance(v, bool) and str(k).strip()
    }
    return headers or None


def _last_segment(url: str) -> str:
    return unquote(url.split("?")[0].rsplit("/", 1)[-1])
