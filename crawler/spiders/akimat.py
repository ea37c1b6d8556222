"""The Almaty akimat's press centre on gov.kz, read through its JSON API.

The site is a single-page app; its API wants a ``token`` (a UUID) and a
``hash`` (bcrypt of that token) header. We make one pair per crawl, because
bcrypt is slow on purpose.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Iterator
from functools import cached_property
from typing import Any
from urllib.parse import quote, unquote, urlencode

import bcrypt
import scrapy
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.http import Response

from crawler.db import utc_now
from crawler.items import ArticleItem
from crawler.spiders.base import SourceSpider, next_quiet_pages
from crawler.urls import canonical_url

API_LIST = "/api/v1/public/content-manager/news"


class AkimatSpider(SourceSpider):
    name = "akimat"
    url_setting = "CRAWLER_AKIMAT_URL"

    def configure(self, crawler: Crawler) -> None:
        super().configure(crawler)
        settings = crawler.settings
        self.project = settings.get("CRAWLER_AKIMAT_PROJECT")
        self.langs = settings.getlist("CRAWLER_AKIMAT_LANGS")
        self.page_size = settings.getint("CRAWLER_AKIMAT_PAGE_SIZE")

    @cached_property
    def auth_headers(self) -> dict[str, str]:
        token = str(uuid.uuid4())
        hashed = bcrypt.hashpw(token.encode(), bcrypt.gensalt(rounds=10)).decode()
        return {"token": token, "hash": hashed}

    def api_headers(self, lang: str) -> dict[str, str]:
        return {**self.auth_headers, "accept-language": lang, "accept": "application/json"}

    def article_url(self, item_id: Any, lang: str) -> str:
        """The human page of an item: the article's canonical URL."""
        # Quoted: an id is data from the API, and a "#" or "?" in it would lose ?lang=.
        path = (
            f"/memleket/entities/{self.project}/press/news/details/{quote(str(item_id), safe='')}"
        )
        return canonical_url(f"{self.base_url}{path}?lang={lang}")

    def list_request(self, lang: str, page: int, quiet_pages: int = 0) -> scrapy.Request:
        query = urlencode(
            {
                "sort-by": "created_date:DESC",
                "projects": f"eq:{self.project}",
                "page": page,
                "size": self.page_size,
            },
            safe=":",
        )
        # The URL is the same for every language (the header picks it), so the
        # duplicate filter must not swallow the second language.
        url = f"{self.base_url}{API_LIST}?{query}"
        kwargs = {
            "headers": self.api_headers(lang),
            "callback": self.parse_list,
            "cb_kwargs": {"lang": lang, "page": page, "quiet_pages": quiet_pages},
            "dont_filter": True,
        }
        if page == 1:
            return self.feed_request(url, key=f"{url}#{lang}", **kwargs)
        return scrapy.Request(url, **kwargs)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for lang in self.langs:
            yield self.list_request(lang, 1)

    def parse_list(
        self, response: Response, lang: str, page: int, quiet_pages: int
    ) -> Iterator[scrapy.Request]:
        """Queue the unknown items of one API page, then maybe the next page."""
        if not self.feed_changed(response):
            return
        entries = self.load_json(response, expected=list)
        if entries is None:
            yield from self.retry(response)
            return
        new = 0
        for entry in entries:
            item_id = api_id(entry.get("id")) if isinstance(entry, dict) else None
            if item_id is None:
                self.crawler.stats.inc_value("crawler/akimat/entry_without_id")
                continue
            if self.is_known(self.article_url(item_id, lang)):
                continue
            new += 1
            yield scrapy.Request(
                f"{self.base_url}{API_LIST}/{quote(item_id, safe='')}",
                headers=self.api_headers(lang),
                callback=self.parse_item,
                cb_kwargs={"lang": lang},
                dont_filter=True,
                priority=self.ARTICLE_PRIORITY,
            )
        quiet_pages = next_quiet_pages(quiet_pages, new, len(entries))
        if len(entries) >= self.page_size and self.keep_paging(new, len(entries), quiet_pages):
            yield self.list_request(lang, page + 1, quiet_pages)

    def parse_item(self, response: Response, lang: str) -> Iterator[Any]:
        """One API item → one article."""
        data = self.load_json(response, expected=dict)
        if data is None:
            yield from self.retry(response)
            return
        # The id we asked for, when the item does not carry a usable one itself.
        item_id = api_id(data.get("id")) or unquote(response.url.rsplit("/", 1)[-1])
        yield article_from_api(data, lang, self.article_url(item_id, lang))

    def load_json(self, response: Response, expected: type) -> Any:
        try:
            data = json.loads(response.text)
        except (ValueError, AttributeError):
            self.logger.warning("Broken JSON from %s", response.url)
            self.crawler.stats.inc_value("crawler/errors/bad_json")
            return None
        if not isinstance(data, expected):
            self.logger.warning("Unexpected JSON shape from %s", response.url)
            self.crawler.stats.inc_value("crawler/errors/bad_json")
            return None
        return data

    def retry(self, response: Response) -> Iterator[scrapy.Request]:
        # Gives up with an ERROR log (counted in crawl_runs) after RETRY_TIMES.
        request = get_retry_request(response.request, spider=self, reason="bad_json")
        if request is not None:
            yield request


def article_from_api(data: dict[str, Any], lang: str, url: str) -> ArticleItem:
    """Map one gov.kz news object to an article; every field may be missing."""
    return ArticleItem(
        source="akimat",
        url=url,
        title=_text(data.get("title")),
        body_html=_text(data.get("body")),
        lang=lang,
        published=_text(data.get("created_date")),
        source_id=api_id(data.get("id")),
        extraction="api",
        fetched_at=utc_now(),
    )


def api_id(value: Any) -> str | None:
    """An item id as text: a whole number or a non-blank string, else None."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value.strip() if isinstance(value, str) and value.strip() else None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None
