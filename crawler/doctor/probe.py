"""Which probe each source gets: the gov.kz API probe for the akimat spider, the
news-site probe for every spider built on crawler/spiders/news_site.py."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from scrapy.settings import Settings
from scrapy.spiderloader import SpiderLoader

from crawler.doctor import akimat
from crawler.doctor.fetch import Fetcher
from crawler.doctor.news_site import probe_news_site
from crawler.doctor.report import SourceReport
from crawler.spiders.akimat import AkimatSpider
from crawler.spiders.news_site import NewsSiteSpider

Probe = Callable[[Settings, Fetcher], SourceReport]


def probe_for(source: str, settings: Settings) -> Probe:
    """The probe of spider ``source`` (a KeyError names an unknown one)."""
    spider = SpiderLoader.from_settings(settings).load(source)
    if issubclass(spider, AkimatSpider):
        return akimat.probe
    if issubclass(spider, NewsSiteSpider):
        return partial(probe_news_site, spider.name, spider.url_setting, spider.source_config)
    raise KeyError(f"no probe for {source}")
