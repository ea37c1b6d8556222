"""Hostile input through the whole item pipeline (validate, normalise, dedup, mentions,
store): any title, body or URL is dropped or stored exactly, with http(s) URLs only."""

from __future__ import annotations

import sqlite3
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from crawler.items import ArticleItem
from tests.helpers import close_stages, open_stages
from tests.hostile import BASE, HOSTILE, texts


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    db = tmp_path_factory.mktemp("chain") / "chain.db"
    crawler = get_crawler(settings_dict={"CRAWLER_DB": str(db), "CRAWLER_STORE_BATCH": 1})
    crawler.stats.open_spider()
    stages = open_stages(crawler, validate=True)
    yield stages
    close_stages(stages)


urls = st.one_of(
    st.text(max_size=60),
    st.text(max_size=40).map(lambda path: f"{BASE}/ru/news/{path}"),
    st.sampled_from(
        [
            "javascript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "http://[evil/x",
            "https://arnapress.kz:99999/x",
            "//evil.example/path",
            f"{BASE}/ru/news/1?utm_source=x#frag",
        ]
    ),
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(title=texts, body=st.one_of(texts, st.just(HOSTILE)), url=urls)
def test_pipeline_chain_drops_or_stores_exactly(chain, title: str, body: str, url: str) -> None:
    item = ArticleItem(source="arnapress", url=url, title=title, body=body, lang=None)
    try:
        for stage in chain:
            item = stage.process_item(item)
    except DropItem:
        return
    store = chain[-1]
    for job in store.handed:  # written by the writer thread
        store.writer.wait(job)
    db = sqlite3.connect(store.db_path)
    row = db.execute(
        "SELECT id, url, title, body FROM articles WHERE url = ?", [item.url]
    ).fetchone()
    assert row is not None
    assert urlsplit(row[1]).scheme in ("http", "https") and urlsplit(row[1]).hostname
    assert (row[2], row[3]) == (item.title, item.body)
    fields = {"title": row[2], "body": row[3]}
    for start, end, text, field in db.execute(
        'SELECT start, "end", text, field FROM mentions WHERE article_id = ?', [row[0]]
    ):
        assert fields[field][start:end] == text
    db.close()
