"""One spider class per source spec (``crawler/sources/*.toml``).

Scrapy finds spiders as classes with a ``name`` in the modules of
``SPIDER_MODULES``; this module makes them from the specs, so a new source (or
another gov.kz project) needs no Python. Code that needs one class takes it
from ``SPIDERS`` by source name.
"""

from __future__ import annotations

from crawler.sources.spec import SourceSpec, load_specs
from crawler.spiders.base import SourceSpider
from crawler.spiders.govkz_spider import GovkzSpider
from crawler.spiders.news_site import NewsSiteSpider

SPIDER_KINDS: dict[str, type[SourceSpider]] = {"govkz": GovkzSpider, "news_site": NewsSiteSpider}


def class_name(source: str) -> str:
    """``zhambyl_taraz`` → ``ZhambylTarazSpider``."""
    return "".join(part.capitalize() for part in source.split("_")) + "Spider"


def spider_class(spec: SourceSpec) -> type[SourceSpider]:
    """The spider class crawling ``spec``'s source."""
    return type(
        class_name(spec.name),
        (SPIDER_KINDS[spec.kind],),
        {"name": spec.name, "spec": spec, "url_setting": spec.url_setting, "__module__": __name__},
    )


SPIDERS: dict[str, type[SourceSpider]] = {spec.name: spider_class(spec) for spec in load_specs()}
# Scrapy's spider loader looks for the classes among the module's names.
globals().update({cls.__name__: cls for cls in SPIDERS.values()})
