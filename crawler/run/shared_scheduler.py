"""scrapy-redis' scheduler, adapted to several crawl processes sharing one run.

What scrapy-redis 0.9.1 does as it is, and what this adapter changes (see
docs/several-machines.md for the reasons at length):

* **Closing.** Its scheduler deletes the queue and the seen-set when a spider
  closes unless ``SCHEDULER_PERSIST`` is on: the first process to finish would
  wipe the others' work. Here nothing is deleted on close; the run's end does it.
* **Which requests are shared.** Every request went to Redis. Discovery requests
  (tickets, API list pages, feeds, sitemaps, listings: the ones a spider makes with
  ``discovery_request``) are read by callbacks that use the state of the process
  that made them (the gov.kz ticket cookie, paging counters, feed validators), and
  they must be read again every run. They stay in this process's own queue, with
  an in-process duplicate filter; only the starter of a run makes them. Article
  requests go to the shared queue and the shared seen-set.
* **Losing nothing.** A popped request was gone from Redis: a process killed
  mid-request lost it, and the seen-set kept it from being asked again. Here a
  request taken from the queue is held in ``inflight`` under this process's lease
  until its outcome is settled (its item pushed or dropped, its page failed for good,
  or a retry or redirect queued in its place), and the requests of a process whose
  lease expired go back to the queue.
* **Ending.** With ``SCHEDULER_IDLE_BEFORE_CLOSE`` a spider closed when the queue
  had been empty a while, though another process could still be adding to it.
  Here an idle process waits until the run is over (discovery done, nothing queued
  or held), polling twice a second and taking new work at once.
* **Taking.** A process popped as many requests as its downloader accepts
  (``CONCURRENT_REQUESTS``); here it holds at most what it can download at once
  (:func:`most_held`), so requests do not wait behind one process's delay while
  another process idles.
* **Scrapy 2.13+.** Its stats calls pass ``spider=``, deprecated now; the adapter
  counts without it. Its spiders' ``start_requests``/``next_requests`` (start URLs
  pushed into Redis) predate Scrapy's async ``start()`` and are not used: our
  spiders discover their own start, in one process per run
  (:class:`crawler.run.shared_middlewares.SharedStartMiddleware`).
"""

from __future__ import annotations

import heapq
import itertools
import logging
from collections import deque
from typing import Any, Self

import redis
from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.utils.asyncio import create_looping_call
from scrapy.utils.defer import deferred_from_coro
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler

from crawler.run.shared_dupefilter import SharedDupeFilter
from crawler.run.shared_held import HELD, Held
from crawler.run.shared_queue import Keys, connect
from crawler.run.shared_run import SharedRun
from crawler.store.item_queue import Outbox

logger = logging.getLogger(__name__)

# How often an idle process looks for new work or the run's end (seconds).
POLL_SECONDS = 0.5


def most_held(settings: Any) -> int:
    """How many shared requests a process takes before it has answers: what it can
    download at once. A delayed site is asked one request at a time, and requests
    taken early would wait in this process while another one idles."""
    delayed = settings.getfloat("DOWNLOAD_DELAY") > 0 or settings.getbool("AUTOTHROTTLE_ENABLED")
    return 2 if delayed else max(2, settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN"))


def is_shared(request: Request) -> bool:
    """Article requests are shared; discovery requests stay in their process."""
    return not request.meta.get("discovery")


class SharedQueue(PriorityQueue):
    """scrapy-redis' priority queue, with the request's encoding exposed."""

    def encode(self, request: Request) -> bytes:
        return self._encode_request(request)

    def decode(self, data: bytes) -> Request:
        return self._decode_request(data)

    def push_in_place_of(self, request: Request, held: bytes | None, inflight: str) -> None:
        """Queue ``request``; in the same transaction release ``held``, the request
        it replaces (a retry or a redirect of it)."""
        pipe = self.server.pipeline(transaction=True)
        pipe.execute_command("ZADD", self.key, -request.priority, self.encode(request))
        if held is not None:
            pipe.hdel(inflight, held)
        pipe.execute()


class SharedScheduler(Scheduler):
    """One spider's scheduler in one crawl process of a shared run."""

    def __init__(self, server: redis.Redis, crawler: Crawler, lease_seconds: float) -> None:
        super().__init__(
            server,
            persist=True,
            queue_key=Keys.REQUESTS_PATTERN,
            queue_cls=f"{SharedQueue.__module__}.{SharedQueue.__qualname__}",
            idle_before_close=0,
        )
        self.crawler = crawler
        self.stats = crawler.stats
        self.lease = lease_seconds
        self.local: list[tuple[int, int, Request]] = []  # (-priority, order, request)
        self.local_seen: set[bytes] = set()
        self.order = itertools.count()
        self.ready: deque[Request] = deque()  # taken from Redis while idle, to hand over
        self.handoff: Request | None = None
        self.run: SharedRun
        self.held: Held
        self.ended = False
        self.lost = False
        self.heartbeat: Any = None
        self.waker: Any = None
        self.most_held = 2

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        server = connect(settings["CRAWLER_QUEUE"])
        scheduler = cls(server, crawler, settings.getfloat("CRAWLER_QUEUE_LEASE_SECONDS"))
        scheduler.most_held = most_held(settings)
        return scheduler

    # --- opening and closing -------------------------------------------------------
    def open(self, spider: Spider) -> None:
        self.run = SharedRun(self.server, spider.name, self.lease)
        self.run.join()
        self.held = Held(self.run)
        self.outbox = Outbox(self.server, self.run.token)
        # A joiner's spider must not discover (robots.txt's sitemaps included).
        spider.discovers = self.run.starter  # type: ignore[attr-defined]
        self.df = SharedDupeFilter(
            self.server,
            Keys.seen(spider.name, self.run.run_id),
            self.crawler.request_fingerprinter,
            self.stats,
        )
        super().open(spider)
        recovered = self.run.recover()
        role = "starter" if self.run.starter else "joiner"
        self.stats.set_value("crawler/queue/run", self.run.run_id)
        self.stats.set_value("crawler/queue/process", self.run.token)
        self.stats.set_value("crawler/queue/starter", self.run.starter)
        if recovered:
            self.stats.inc_value("crawler/queue/recovered", recovered)
        logger.info(
            "Joined shared run %s of %s as %s%s",
            self.run.run_id,
            spider.name,
            role,
            f"; {recovered} requests of stopped processes queued again" if recovered else "",
            extra={"spider": spider},
        )
        self.heartbeat = create_looping_call(self._beat)
        self.heartbeat.start(max(0.2, self.lease / 3), now=False)
        self.waker = create_looping_call(self._poll)
        self.waker.start(POLL_SECONDS, now=False)
        connect_signal = self.crawler.signals.connect
        connect_signal(self.spider_idle, signal=signals.spider_idle)
        connect_signal(self.item_settled, signal=signals.item_dropped)
        connect_signal(self.item_settled, signal=signals.item_error)

    def close(self, reason: str) -> None:
        for loop in (self.heartbeat, self.waker):
            if loop is not None and loop.running:
                loop.stop()
        try:
            if reason == "finished" and not self.lost:
                if self.run.starter:
                    self.run.mark_discovered()
                if not self.ended:
                    self.ended = self.run.complete() == 1
            self.run.give_back_own()
        except redis.RedisError as exc:
            logger.error("the shared queue failed while closing: %s", exc)
        self.stats.set_value("crawler/queue/ended_run", self.ended)

    # --- requests ---------------------------------------------------------------------
    def enqueue_request(self, request: Request) -> bool:
        if request is self.handoff:  # taken from Redis already, see wake()
            self.handoff = None
            self.ready.append(request)
            return True
        replaced = self.held.handed_on(request.meta.pop(HELD, None))
        if not is_shared(request):
            return self._enqueue_local(request, replaced)
        try:
            if not request.dont_filter and self.df.request_seen(request):
                self.df.log(request, self.spider)
                if replaced is not None:
                    self.run.done(replaced)
                return False
            self.queue.push_in_place_of(request, replaced, Keys.inflight(self.spider.name))
        except redis.RedisError as exc:
            self.queue_lost(exc)
            return False
        self.stats.inc_value("scheduler/enqueued/redis")
        return True

    def _enqueue_local(self, request: Request, replaced: bytes | None) -> bool:
        if replaced is not None:  # a shared request turned into discovery: unusual
            self.run.done(replaced)
        if not request.dont_filter:
            fingerprint = self.crawler.request_fingerprinter.fingerprint(request)
            if fingerprint in self.local_seen:
                self.df.log(request, self.spider)
                return False
            self.local_seen.add(fingerprint)
        heapq.heappush(self.local, (-request.priority, next(self.order), request))
        self.stats.inc_value("scheduler/enqueued/local")
        return True

    def next_request(self) -> Request | None:
        if self.ready:
            return self.ready.popleft()
        # Discovery first: what it finds is the other processes' work.
        if self.local:
            return heapq.heappop(self.local)[2]
        if self.lost or len(self.held.data) >= self.most_held:
            return None
        try:
            return self._take()
        except redis.RedisError as exc:
            self.queue_lost(exc)
            return None

    def _take(self) -> Request | None:
        data = self.run.take()
        if data is None:
            return None
        try:
            request = self.queue.decode(data)
        except Exception:
            # A request this spider cannot read (another version's callback?): dropped
            # from the queue rather than handed round for ever.
            logger.exception(
                "Unreadable request in the shared queue", extra={"spider": self.spider}
            )
            self.run.done(data)
            return None
        request.meta[HELD] = self.held.took(data)
        self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def has_pending_requests(self) -> bool:
        if self.ready or self.local:
            return True
        if self.lost:
            return False
        try:
            return len(self.queue) > 0
        except redis.RedisError as exc:
            self.queue_lost(exc)
            return False

    def __len__(self) -> int:
        return len(self.ready) + len(self.local) + (0 if self.lost else len(self.queue))

    def item_settled(self, item: Any, **kwargs: Any) -> None:
        """An item was dropped or failed in the pipelines: its request is settled."""
        extra = getattr(item, "extra", None)
        if isinstance(extra, dict):
            self.held.item_done(extra.pop(HELD, None))

    # --- waiting for the run's end ---------------------------------------------------------
    def spider_idle(self, spider: Spider) -> None:
        if self.lost:
            return
        if self.settle() != "leave":
            raise DontCloseSpider

    def settle(self) -> str:
        """With this process idle: ``work`` (it took a request), ``wait`` (others are
        still working or discovering) or ``leave`` (the run is over for it)."""
        try:
            return self._settle()
        except redis.RedisError as exc:
            self.queue_lost(exc)
            return "leave"

    def _settle(self) -> str:
        run = self.run
        run.recover()
        if run.starter:
            run.mark_discovered()  # the starter is idle: its discovery is over
        state = run.state()
        if state.run_id != run.run_id:
            return "leave"  # another process ended the run
        if state.queued:
            return "work" if self.wake() else "wait"
        if not state.discovered:
            if state.starter_alive or not self.take_over():
                return "wait"
            return "work"
        if state.inflight:
            return "wait"
        outcome = run.complete()
        if outcome == 1:
            self.ended = True
        return "leave" if outcome >= 0 else "wait"

    def wake(self) -> bool:
        """Take a request and hand it to the engine (which is idle and would otherwise
        look again only at its next heartbeat)."""
        request = self._take()
        if request is None:
            return False
        self.handoff = request
        self.crawler.engine.crawl(request)
        if self.handoff is request:  # a request_scheduled handler refused it
            self.handoff = None
            self.held.failed(request.meta.get(HELD))
        return True

    def take_over(self) -> bool:
        """The starter died before its discovery was done: run the start here."""
        if not self.run.take_over():
            return False
        logger.warning(
            "The starter of shared run %s stopped before its discovery was done: discovering here",
            self.run.run_id,
            extra={"spider": self.spider},
        )
        self.stats.set_value("crawler/queue/starter", True)
        self.stats.inc_value("crawler/queue/took_over_start")
        self.spider.discovers = True  # type: ignore[attr-defined]
        deferred_from_coro(self._run_start())
        return True

    async def _run_start(self) -> None:
        async for output in self.spider.start():
            if isinstance(output, Request) and self.crawler.engine.spider is not None:
                self.crawler.engine.crawl(output)

    def _poll(self) -> None:
        """Twice a second: hand the engine a queued request when it could take one
        (it looks at the scheduler again only after a download or at its 5-second
        heartbeat: a joiner whose start was empty would wait that long), and, once it
        is idle, see whether the run is over."""
        engine = self.crawler.engine
        if engine.spider is None or self.lost:
            return
        if not (self.ready or self.local) and len(self.held.data) < self.most_held:
            try:
                if self.wake():
                    return
            except redis.RedisError as exc:
                self.queue_lost(exc)
                return
        if engine.spider_is_idle() and self.settle() == "leave":
            self.waker.stop()
            deferred_from_coro(engine.close_spider_async(reason="finished"))

    # --- the lease -------------------------------------------------------------------------
    def _beat(self) -> None:
        try:
            self.run.beat()
        except redis.RedisError as exc:
            self.queue_lost(exc)

    def queue_lost(self, exc: Exception) -> None:
        if self.lost:
            return
        self.lost = True
        logger.error(
            "The shared queue stopped answering (%s): stopping; the run stays in Redis "
            "and the next crawl resumes it",
            exc,
            extra={"spider": self.spider},
        )
        engine = self.crawler.engine
        if engine.spider is not None:
            deferred_from_coro(engine.close_spider_async(reason="queue_unreachable"))
