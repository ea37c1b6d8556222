"""The compact duplicate-request filter: same answers as Scrapy's, far less memory."""

from __future__ import annotations

import gc
import tracemalloc

from scrapy import Request
from scrapy.dupefilters import RFPDupeFilter
from scrapy.utils.misc import load_object

from crawler.dupefilter import SEEN_FILE, CompactDupeFilter
from crawler.runner import build_settings


def _requests(n: int, start: int = 0) -> list[Request]:
    return [Request(f"https://www.gov.kz/news/{i}?lang=ru") for i in range(start, start + n)]


def test_a_repeated_request_is_seen_and_a_new_one_is_not() -> None:
    dupes = CompactDupeFilter()
    first = Request("https://arnapress.kz/news/1")
    assert not dupes.request_seen(first)
    assert dupes.request_seen(Request("https://arnapress.kz/news/1"))
    assert not dupes.request_seen(Request("https://arnapress.kz/news/2"))
    # The method is part of the request, as in Scrapy's filter.
    assert not dupes.request_seen(Request("https://arnapress.kz/news/1", method="HEAD"))


def test_it_agrees_with_scrapys_filter(tmp_path) -> None:
    ours, scrapys = CompactDupeFilter(), RFPDupeFilter()
    requests = _requests(3000) + _requests(3000, start=1500)  # half of the second lot repeats
    assert [ours.request_seen(r) for r in requests] == [scrapys.request_seen(r) for r in requests]


def test_a_job_directory_keeps_what_was_seen_across_runs(tmp_path) -> None:
    first = CompactDupeFilter(str(tmp_path))
    for request in _requests(100):
        first.request_seen(request)
    first.close("finished")
    again = CompactDupeFilter(str(tmp_path))
    assert all(again.request_seen(r) for r in _requests(100))
    assert not again.request_seen(_requests(1, start=100)[0])
    again.close("finished")
    # The file is Scrapy's format: its own filter reads it too.
    scrapys = RFPDupeFilter(str(tmp_path))
    assert scrapys.request_seen(_requests(1)[0])
    scrapys.close("finished")


def test_a_torn_last_record_is_skipped(tmp_path) -> None:
    dupes = CompactDupeFilter(str(tmp_path))
    for request in _requests(10):
        dupes.request_seen(request)
    dupes.close("finished")
    seen = tmp_path / SEEN_FILE
    seen.write_bytes(seen.read_bytes()[:-5])  # a crash mid-write
    again = CompactDupeFilter(str(tmp_path))
    assert all(again.request_seen(r) for r in _requests(9))
    assert not again.request_seen(_requests(1, start=9)[0])
    again.close("finished")


def _kept_bytes(dupes: RFPDupeFilter, n: int) -> int:
    """What ``dupes`` keeps of ``n`` requests once they are gone."""
    requests = _requests(n)  # made before tracing: only the filter's work is traced
    tracemalloc.start()
    for request in requests:
        dupes.request_seen(request)
    del requests, request  # with them go the fingerprinter's cached fingerprints
    gc.collect()
    # Less the table of that cache, which is the same for both filters.
    kept = tracemalloc.take_snapshot().filter_traces([tracemalloc.Filter(False, "*/weakref.py")])
    tracemalloc.stop()
    return sum(stat.size for stat in kept.statistics("filename"))


def test_memory_per_request_side_by_side() -> None:
    n = 20_000
    ours, scrapys = _kept_bytes(CompactDupeFilter(), n), _kept_bytes(RFPDupeFilter(), n)
    assert ours / n < 32  # 8 bytes a request, plus up to 4 096 recent ones in a set
    assert scrapys > 5 * ours


def test_the_crawl_uses_it(tmp_path) -> None:
    settings = build_settings(tmp_path / "crafts.db")
    assert load_object(settings["DUPEFILTER_CLASS"]) is CompactDupeFilter
