"""Shared fixtures: the replica sites, and the news-site spider of the hostile-input tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(scope="session")
def replica() -> Iterator[object]:
    """Both replica sites with the default corpus, shared by read-only tests."""
    from crawler.replica.server import Replica

    with Replica(articles=60, seed=0) as rep:
        yield rep


@pytest.fixture
def smtp() -> Iterator[object]:
    """A real SMTP server on 127.0.0.1, started for the test (tests/smtp_sink.py)."""
    from tests.smtp_sink import SmtpSink

    sink = SmtpSink()
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture
def fresh_replica() -> Iterator[object]:
    """A replica of its own, for tests that change what it publishes."""
    from crawler.replica.server import Replica

    with Replica(articles=40, seed=1) as rep:
        yield rep


@pytest.fixture(scope="module")
def arnapress(tmp_path_factory: pytest.TempPathFactory) -> object:
    """The news-site spider on https://arnapress.kz with a scratch database (tests/hostile.py)."""
    from scrapy.utils.test import get_crawler

    from tests.hostile import BASE, ArnapressSpider

    db = tmp_path_factory.mktemp("arnapress") / "a.db"
    crawler = get_crawler(ArnapressSpider, {"CRAWLER_DB": str(db), "CRAWLER_ARNAPRESS_URL": BASE})
    return ArnapressSpider.from_crawler(crawler)


@pytest.fixture
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of a redis-server started for this test (fails when none is installed)."""
    from tests.helpers import RedisServer

    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    try:
        yield server.url
    finally:
        server.stop()
