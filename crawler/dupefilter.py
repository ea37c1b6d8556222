"""Scrapy's duplicate-request filter, remembering 8 bytes a request.

Scrapy's ``RFPDupeFilter`` keeps every request fingerprint (20 bytes of SHA-1)
as a ``bytes`` object in a set: about 100 bytes a request, so a backfill of a
large archive grows the crawl by tens of megabytes just remembering what it
asked for. This filter keeps the first 64 bits of each fingerprint in a
:class:`~crawler.digests.DigestSet`. Two different requests would have to
agree on those 64 bits to be confused: about one chance in 10^10 even at a
million requests.

With ``JOBDIR`` the seen fingerprints are kept in ``requests.seen`` in the
same format as Scrapy's, so a paused crawl resumes where it stopped.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import IO, Self

from scrapy.crawler import Crawler
from scrapy.dupefilters import RFPDupeFilter
from scrapy.http import Request
from scrapy.utils.job import job_dir
from scrapy.utils.request import RequestFingerprinterProtocol

from crawler.digests import DigestSet

SEEN_FILE = "requests.seen"
_LENGTH_BYTES = 2  # each record: the fingerprint's length (big-endian), then it


def fingerprint_key(fingerprint: bytes) -> int:
    """The 64-bit key of a request fingerprint (already a uniform hash)."""
    return int.from_bytes(fingerprint[:8], "big")


def read_fingerprints(data: bytes) -> Iterator[bytes]:
    """The fingerprints of a ``requests.seen`` file; a torn last record is skipped."""
    pos = 0
    while pos + _LENGTH_BYTES <= len(data):
        size = int.from_bytes(data[pos : pos + _LENGTH_BYTES], "big")
        pos += _LENGTH_BYTES
        fingerprint = data[pos : pos + size]
        if len(fingerprint) < size:
            return
        yield fingerprint
        pos += size


class CompactDupeFilter(RFPDupeFilter):
    """``RFPDupeFilter`` with compact memory (``DUPEFILTER_CLASS``)."""

    def __init__(
        self,
        path: str | None = None,
        debug: bool = False,
        *,
        fingerprinter: RequestFingerprinterProtocol | None = None,
    ) -> None:
        # The parent's start, without its set of fingerprints.
        super().__init__(None, debug, fingerprinter=fingerprinter)
        self.seen = DigestSet()
        self.file: IO[bytes] | None = None
        if path:
            self.file = Path(path, SEEN_FILE).open("a+b")  # noqa: SIM115 closed in close()
            self.file.seek(0)
            self.seen = DigestSet(map(fingerprint_key, read_fingerprints(self.file.read())))

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(
            job_dir(crawler.settings),
            crawler.settings.getbool("DUPEFILTER_DEBUG"),
            fingerprinter=crawler.request_fingerprinter,
        )

    def request_seen(self, request: Request) -> bool:
        fingerprint = self.fingerprinter.fingerprint(request)
        if not self.seen.add(fingerprint_key(fingerprint)):
            return True
        if self.file:
            self.file.write(len(fingerprint).to_bytes(_LENGTH_BYTES, "big") + fingerprint)
        return False


__all__ = ["CompactDupeFilter", "fingerprint_key", "read_fingerprints"]
