"""Hostile pages through the news-site spider: deeply nested, huge or tag-soup HTML and
off-site canonicals still give one article under the URL it was fetched from."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.hostile import BASE, PAYLOADS, ArnapressSpider, html_response


@pytest.mark.parametrize(
    "page",
    [
        "<div>" * 30_000 + "<p>Глубоко вложенный текст о ремёслах.</p>" + "</div>" * 30_000,
        '<html><body><h1 title="' + "x" * 3_000_000 + '">Заголовок</h1>'
        '<a href="' + "/ru/news/" * 300_000 + '">ссылка</a>'
        "<p>" + "Текст абзаца о мастерах. " * 20 + "</p></body></html>",
        "<html><head><link rel=canonical href='http://[evil/x'>"
        "<meta property='og:url' content='https://evil.example/ru/news/9'></head>"
        "<body><h1>Заголовок</h1><p>" + "Текст абзаца. " * 30 + "</p></body></html>",
    ],
    ids=["deeply-nested", "huge-attributes", "hostile-canonical"],
)
def test_parse_article_survives_hostile_pages(arnapress: ArnapressSpider, page: str) -> None:
    url = f"{BASE}/ru/news/5-x"
    items = list(arnapress.parse_article(html_response(url, page)))
    assert len(items) == 1
    assert items[0].url == url  # an off-site or broken canonical never replaces the URL


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.sampled_from(["<div>", "</div>", "<p>", "</p>", "<h1>", "</h1>", "<article>", "<time "])
        | st.text(max_size=30)
        | st.sampled_from(PAYLOADS),
        max_size=80,
    )
)
def test_parse_article_on_tag_soup(arnapress: ArnapressSpider, parts: list[str]) -> None:
    items = list(arnapress.parse_article(html_response(f"{BASE}/ru/news/5-x", "".join(parts))))
    assert len(items) == 1 and items[0].url == f"{BASE}/ru/news/5-x"
