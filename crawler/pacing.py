"""Politeness per host, not per spider: one pace for every source on one site.

Scrapy paces requests per downloader slot, and every spider of a crawl has its own
downloader: six gov.kz projects crawled together would ask www.gov.kz six times
as often as one. This middleware keeps one gate per host for the whole process:
at most ``CONCURRENT_REQUESTS_PER_DOMAIN`` requests in flight to the host across
all spiders, each started at least its spider's ``DOWNLOAD_DELAY`` after the
previous one. A request holds its place until its answer or its failure; a
place never answered within the download timeout is given back, so one lost
request cannot stop the others. A host is its name and port (the replica serves
two sites on one address).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response

META = "_host_place"


@dataclass
class HostGate:
    """The requests in flight to one host, and when the last one started."""

    places: dict[int, float] = field(default_factory=dict)  # place -> deadline
    last_start: float = float("-inf")
    next_place: int = 0
    waiters: list[asyncio.Future[None]] = field(default_factory=list)

    def take(self, now: float, concurrency: int, delay: float, hold: float) -> int | None:
        """A place when the host has room and the delay has passed, else None."""
        for place, deadline in list(self.places.items()):
            if deadline < now:  # never answered: give it back
                del self.places[place]
        if len(self.places) >= concurrency or now < self.last_start + delay:
            return None
        self.next_place += 1
        self.places[self.next_place] = now + hold
        self.last_start = now
        return self.next_place

    async def wait_for_place(self, concurrency: int, delay: float, hold: float) -> int:
        """Take a place, waiting for the delay to pass or for a place to be given back."""
        while True:
            now = time.monotonic()
            place = self.take(now, concurrency, delay, hold)
            if place is not None:
                return place
            if len(self.places) < concurrency:
                await asyncio.sleep(self.last_start + delay - now)
                continue
            woken = asyncio.get_running_loop().create_future()
            self.waiters.append(woken)
            # Until a place is given back, or the first one held too long expires.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(woken, max(0.0, min(self.places.values()) - now))

    def give_back(self, place: int | None) -> None:
        self.places.pop(place, None)
        waiters, self.waiters = self.waiters, []
        for woken in waiters:
            if not woken.done():
                woken.set_result(None)


# One per host for the whole process: the crawlers of one run share them.
GATES: dict[str, HostGate] = {}


class HostPacer:
    """Downloader middleware: the shared gate of the request's host, around its download."""

    def __init__(self, concurrency: int, delay: float, hold: float) -> None:
        self.concurrency = max(1, concurrency)
        self.delay = delay
        self.hold = hold

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> HostPacer:
        settings = crawler.settings
        return cls(
            settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN", 1),
            settings.getfloat("DOWNLOAD_DELAY"),
            settings.getfloat("DOWNLOAD_TIMEOUT", 180) + 5,
        )

    async def process_request(self, request: Request) -> None:
        host = urlsplit(request.url).netloc
        gate = GATES.setdefault(host, HostGate())
        hold = max(self.hold, float(request.meta.get("download_timeout") or 0) + 5)
        place = await gate.wait_for_place(self.concurrency, self.delay, hold)
        request.meta[META] = (host, place)

    def process_response(self, request: Request, response: Response) -> Response:
        self._give_back(request)
        return response

    def process_exception(self, request: Request, exception: Exception) -> Any:
        self._give_back(request)
        return None

    @staticmethod
    def _give_back(request: Request) -> None:
        held = request.meta.pop(META, None)
        if held is not None:
            host, place = held
            gate = GATES.get(host)
            if gate is not None:
                gate.give_back(place)
