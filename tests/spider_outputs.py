"""Feeding recorded responses to spider callbacks, offline, and describing
what comes out (the golden files hold these descriptions)."""

from __future__ import annotations

import gzip
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import scrapy
from scrapy.http import HtmlResponse, TextResponse, XmlResponse
from scrapy.utils.test import get_crawler

from crawler.spiders.sources import SPIDERS
from pipelines.normalise import normalise_article

RECORDED = Path(__file__).parent / "fixtures" / "recorded"
MANIFEST = RECORDED / "manifest.json"
SETTING = {name: spider.url_setting for name, spider in SPIDERS.items()}
RESPONSE_TYPES = {"json": TextResponse, "html": HtmlResponse, "xml": XmlResponse}
# kind -> (callback name, extra keyword arguments taken from the recording)
CALLBACKS = {
    "api_list": ("parse_list", ("page",)),
    "api_graphql": ("parse_graphql", ("page",)),
    "home": ("parse_listing", ("quiet_pages", "home")),
    "listing": ("parse_listing", ("quiet_pages",)),
    "feed": ("parse_feed", ()),
    "sitemap": ("parse_sitemap", ()),
    "article": ("parse_page", ()),
}
VOLATILE = ("fetched_at", "mentions", "extra", "body_html")


def load_manifest() -> list[dict[str, Any]]:
    return json.loads(MANIFEST.read_text())


def spider_for(entry: dict[str, Any], db_path: Path) -> scrapy.Spider:
    source = entry["source"]
    crawler = get_crawler(
        SPIDERS[source],
        settings_dict={SETTING[source]: entry["base_url"], "CRAWLER_DB": str(db_path)},
    )
    crawler.stats.open_spider()
    spider = SPIDERS[source].from_crawler(crawler)
    crawler.spider = spider
    return spider


def describe(output: Any) -> dict[str, Any]:
    if isinstance(output, scrapy.Request):
        language = output.headers.get(b"accept-language")
        headers = {"accept-language": language.decode()} if language else {}
        return {"request": output.url, "callback": output.callback.__name__, **headers}
    item = normalise_article(output)
    data = {k: v for k, v in asdict(item).items() if k not in VOLATILE}
    return {"item": data}


def run_entry(entry: dict[str, Any], db_path: Path) -> list[dict[str, Any]]:
    """What the spider yields for one recorded response."""
    spider = spider_for(entry, db_path)
    body = gzip.decompress((RECORDED / entry["file"]).read_bytes())
    callback_name, arg_names = CALLBACKS[entry["kind"]]
    kwargs = {name: entry["args"][name] for name in arg_names}
    request = scrapy.Request(entry["url"], cb_kwargs=kwargs)
    response_cls = RESPONSE_TYPES[entry["type"]]
    response = response_cls(
        entry["url"], body=body, headers=entry.get("headers") or {}, request=request
    )
    return [describe(out) for out in getattr(spider, callback_name)(response, **kwargs)]


def golden_path(entry: dict[str, Any]) -> Path:
    return RECORDED / entry["source"] / f"{entry['name']}.golden.json"
