"""Downloader middlewares that retry what Scrapy gives up on at once.

Scrapy retries 5xx answers, timeouts and cut-off bodies, but drops for good a
body over ``DOWNLOAD_MAXSIZE``, a gzip bomb and a redirect loop, although a
server that sent one of those may answer normally a moment later. These turn
them into ordinary retries (counted under ``retry/reason_count/<reason>``),
and make every request that runs out of retries fail with one ERROR line
(Scrapy's "Gave up retrying …"), not a second one with a traceback.
"""

from __future__ import annotations

from typing import Any, Self
from urllib.parse import urljoin

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.exceptions import DownloadCancelledError, IgnoreRequest
from scrapy.http import Response
from scrapy.utils.misc import load_object
from w3lib.url import safe_url_string

OVERSIZE = "oversize"
DECOMPRESSED_OVERSIZE = "decompressed_oversize"
REDIRECT_LOOP = "redirect_loop"
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# Meta keys of a redirect chain: a retry starts a fresh chain from its first URL.
REDIRECT_META = ("redirect_urls", "redirect_times", "redirect_ttl", "redirect_reasons")


def retry_or_give_up(request: Request, spider: Spider, reason: str) -> Request:
    """The retry of ``request``; when retries are used up, IgnoreRequest.

    ``get_retry_request`` has then logged "Gave up retrying" at ERROR, which
    counts the failure in ``crawl_runs``; IgnoreRequest keeps Scrapy from
    logging it a second time.
    """
    retry = get_retry_request(request, spider=spider, reason=reason)
    if retry is None:
        raise IgnoreRequest(f"gave up on {request.url}: {reason}")
    return retry


def may_retry(crawler: Crawler, request: Request) -> bool:
    return crawler.settings.getbool("RETRY_ENABLED") and not request.meta.get("dont_retry")


def is_oversize(exception: Exception) -> bool:
    # Scrapy cancels a download over DOWNLOAD_MAXSIZE with this exception and
    # message; other cancellations (the crawl closing) are left alone.
    return isinstance(exception, DownloadCancelledError) and "max size" in str(exception)


class FailureRetryMiddleware:
    """Retries oversize downloads; quiets failures the retry middleware gave up on.

    Sits below ``RetryMiddleware`` (550), so its ``process_exception`` sees only
    exceptions that middleware did not turn into a retry.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.retried = tuple(
            load_object(name) if isinstance(name, str) else name
            for name in crawler.settings.getlist("RETRY_EXCEPTIONS")
        )

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_exception(self, request: Request, exception: Exception) -> Request | None:
        if not may_retry(self.crawler, request):
            return None
        spider = self.crawler.spider
        assert spider is not None
        if is_oversize(exception):
            return retry_or_give_up(request, spider, OVERSIZE)
        if isinstance(exception, self.retried):
            # RetryMiddleware returned nothing: it gave up and said so at ERROR.
            raise IgnoreRequest(f"gave up on {request.url}: {exception!r}")
        return None


class RetryingHttpCompressionMiddleware(HttpCompressionMiddleware):
    """Scrapy's decompression, retrying a body that inflates past DOWNLOAD_MAXSIZE."""

    crawler: Crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        middleware = super().from_crawler(crawler)
        middleware.crawler = crawler
        return middleware

    def process_response(self, request: Request, response: Response) -> Request | Response:
        try:
            return super().process_response(request, response)
        except IgnoreRequest:
            # Raised only when decompression went past DOWNLOAD_MAXSIZE (a gzip bomb).
            if not may_retry(self.crawler, request):
                raise
            assert self.crawler.spider is not None
            return retry_or_give_up(request, self.crawler.spider, DECOMPRESSED_OVERSIZE)


class RedirectLoopMiddleware:
    """Retries the first URL of a redirect chain that leads back into itself.

    Without it Scrapy's duplicate filter silently drops the redirect back to an
    already requested URL, or the chain runs into REDIRECT_MAX_TIMES; either
    way the page is lost without an error. Sits above ``RedirectMiddleware``
    (600) so it sees the redirect before it is followed.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Request | Response:
        if (
            response.status not in REDIRECT_STATUSES
            or b"Location" not in response.headers
            or request.meta.get("dont_redirect")
            or not may_retry(self.crawler, request)
        ):
            return response
        location = response.headers.get(b"Location") or b""
        target = urljoin(request.url, safe_url_string(location.decode("latin-1")))
        chain = [*request.meta.get("redirect_urls", []), request.url]
        if target not in chain:
            return response
        assert self.crawler.spider is not None
        meta: dict[str, Any] = {k: v for k, v in request.meta.items() if k not in REDIRECT_META}
        first = request.replace(url=chain[0], meta=meta)
        return retry_or_give_up(first, self.crawler.spider, REDIRECT_LOOP)
