"""Arna Press (arnapress.kz), Russian and Kazakh.

Its URLs, feeds and markup are found by discovery (robots.txt and its sitemaps,
the home pages, announced feeds; see ``crawler/spiders/news_site.py``).
``crawler/sources/arnapress.toml`` pins what is known: discovery hints, an
optional article URL pattern and extraction selectors; none has to be right
for the crawl to work.
"""

from __future__ import annotations

from crawler.spiders.news_site import NewsSiteSpider


class ArnapressSpider(NewsSiteSpider):
    name = "arnapress"
    url_setting = "CRAWLER_ARNAPRESS_URL"
    source_config = "arnapress"
