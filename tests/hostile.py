"""Shared by the hostile-input tests (tests/test_hostile_*.py): XSS payloads, text that
breaks offset arithmetic, and HTML responses for the news-site spider."""

from __future__ import annotations

from hypothesis import strategies as st
from scrapy import Request
from scrapy.http import HtmlResponse

from crawler.spiders.sources import SPIDERS

ArnapressSpider = SPIDERS["arnapress"]
BASE = "https://arnapress.kz"
PAYLOADS = (
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(2)>",
    '"><svg onload=alert(3)>',
)
RAW_TAGS = ("<script>alert(1)", "<img src=x", "<svg onload")
HOSTILE = " ".join(PAYLOADS)

# Words the detector knows, glued with the characters that break offset arithmetic.
CRAFT_PIECES = [
    "Всемирный город ремёсел", "Всемирного города ремесел", "ремесленники", "РЕМЁСЛА",
    "қолөнер", "Дүниежүзілік қолөнер қаласы", "World Craft City", "craftspeople",
    "World Crafts Council", "\u0301", "\u00ad", "\u200b", "İ", "ß", "ﬁ", "Ё", "😀", "\n",
    " ", ".", "«", "»", "-", "<b>", "&amp;",
]  # fmt: skip
# Any JSON value an API might send where an object's field should be.
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)

texts = st.one_of(
    st.text(max_size=400),
    st.lists(st.sampled_from(CRAFT_PIECES), max_size=40).map("".join),
)


def html_response(url: str, body: str | bytes) -> HtmlResponse:
    data = body.encode() if isinstance(body, str) else body
    return HtmlResponse(url, body=data, encoding="utf-8", request=Request(url))
