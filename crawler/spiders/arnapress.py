"""Arna Press (arnapress.kz), Russian and Kazakh.

Everything about the site (where to discover articles, which selectors
extract them) is declared in ``crawler/sources/arnapress.toml``.
"""

from __future__ import annotations

from crawler.spiders.news_site import NewsSiteSpider


class ArnapressSpider(NewsSiteSpider):
    name = "arnapress"
    url_setting = "CRAWLER_ARNAPRESS_URL"
    source_config = "arnapress"
