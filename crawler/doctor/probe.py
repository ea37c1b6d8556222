"""Which probe each source gets, by the kind its spec declares: the gov.kz API
probe or the news-site probe."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from scrapy.settings import Settings

from crawler.doctor import govkz
from crawler.doctor.fetch import Fetcher
from crawler.doctor.news_site import probe_news_site
from crawler.doctor.report import SourceReport
from crawler.sources.spec import spec_by_name

Probe = Callable[[Settings, Fetcher], SourceReport]
PROBES = {"govkz": govkz.probe, "news_site": probe_news_site}


def probe_for(source: str, settings: Settings) -> Probe:
    """The probe of source ``source`` (a KeyError names an unknown one)."""
    spec = spec_by_name(source)
    return partial(PROBES[spec.kind], spec)
