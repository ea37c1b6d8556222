"""Hostile input from the gov.kz API: any JSON object (missing, null, numbers, lists,
nested values) maps to an article that stays on gov.kz and keeps its language."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scrapy import Request
from scrapy.http import TextResponse
from scrapy.utils.test import get_crawler

from crawler.spiders.govkz import article_from_api, real_lang
from crawler.spiders.sources import SPIDERS
from pipelines.normalise import normalise_article
from tests.hostile import BASE, json_values, texts

AkimatSpider = SPIDERS["akimat"]

api_objects = st.fixed_dictionaries(
    {},
    optional={
        key: st.one_of(json_values, texts)
        for key in ("id", "title", "body", "created_date", "lang")
    },
)


@settings(max_examples=200, deadline=None)
@given(api_objects)
def test_article_from_api_maps_any_json(data: dict) -> None:
    item = article_from_api(data, "ru", f"{BASE}/x?lang=ru", "akimat")
    for name in ("title", "body_html", "published", "source_id"):
        value = getattr(item, name)
        assert value is None or (isinstance(value, str) and value.strip())
    normalise_article(item)


@pytest.fixture(scope="module")
def akimat_spider(tmp_path_factory) -> AkimatSpider:
    db = tmp_path_factory.mktemp("akimat") / "a.db"
    crawler = get_crawler(
        AkimatSpider,
        {"CRAWLER_DB": str(db), "CRAWLER_AKIMAT_URL": "https://www.gov.kz"},
    )
    return AkimatSpider.from_crawler(crawler)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=api_objects, lang=st.sampled_from(["ru", "kk", "en"]))
def test_akimat_item_of_any_json_stays_on_site_and_keeps_its_language(
    akimat_spider: AkimatSpider, data: dict, lang: str
) -> None:
    url = "https://www.gov.kz/api/v1/public/content-manager/news/1"
    response = TextResponse(
        url, body=json.dumps(data).encode(), encoding="utf-8", request=Request(url)
    )
    for item in akimat_spider.parse_item(response, lang=lang):
        if isinstance(item, Request):  # a retry of the broken body
            continue
        parts = urlsplit(item.url)
        assert parts.scheme == "https" and parts.hostname == "gov.kz"
        # The language asked, unless the text is plainly in another one.
        assert parse_qs(parts.query)["lang"] == [real_lang(data, lang)]
