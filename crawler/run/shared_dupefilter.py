"""scrapy-redis' duplicate filter, adapted: one seen-set per spider *and run*, and
Scrapy's own request fingerprints.

* scrapy-redis keys the set by spider only and keeps it across runs (with
  ``SCHEDULER_PERSIST``), so a page listed again in the next run would never be
  asked again. Here the key names the run (``crawler:<spider>:seen:<run>``): within
  a run every process sees what the others queued; the next run starts clean and
  its spiders skip stored articles by what the store worker published (the
  ``known`` set), the same rule as a crawl without the queue.
* scrapy-redis hashes its own JSON of method, URL and body; here the fingerprint is
  Scrapy's ``REQUEST_FINGERPRINTER``, the one the rest of the crawl uses.
* Closing a scheduler must not delete the set while other processes still use
  it: the run's end deletes it (:mod:`crawler.run.shared_run`).
"""

from __future__ import annotations

from typing import Any

import redis
from scrapy import Request, Spider
from scrapy_redis.dupefilter import RFPDupeFilter


class SharedDupeFilter(RFPDupeFilter):
    def __init__(
        self, server: redis.Redis, key: str, fingerprinter: Any, stats: Any = None
    ) -> None:
        super().__init__(server, key=key, debug=False)
        self.fingerprinter = fingerprinter
        self.stats = stats

    def request_fingerprint(self, request: Request) -> str:
        return self.fingerprinter.fingerprint(request).hex()

    def log(self, request: Request, spider: Spider) -> None:
        if self.stats is not None:
            self.stats.inc_value("dupefilter/filtered")
        super().log(request, spider)

    def close(self, reason: str = "") -> None:
        """Keep the set: the other processes of the run still read it."""
