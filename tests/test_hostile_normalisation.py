"""Hostile input to normalisation: any text comes out NFC, without invisible characters,
trimmed and idempotent; any article fields normalise without crashing."""

from __future__ import annotations

import unicodedata
from datetime import datetime

from hypothesis import example, given, settings
from hypothesis import strategies as st

from crawler.items import ArticleItem
from pipelines.normalise import INVISIBLE, normalise_article, normalise_text
from tests.hostile import BASE, texts


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300), st.booleans())
@example("e\u200b\u0301 ремесло", False)  # an invisible character kept the accent apart
def test_normalise_text_is_clean_and_idempotent(text: str, single_line: bool) -> None:
    out = normalise_text(text, single_line=single_line)
    assert unicodedata.is_normalized("NFC", out)
    assert not INVISIBLE.search(out) and "\r" not in out
    assert out == out.strip()
    assert normalise_text(out, single_line=single_line) == out
    if single_line:
        assert "\n" not in out
    else:
        assert "\n\n\n" not in out


@settings(max_examples=150, deadline=None)
@given(
    title=st.one_of(st.none(), texts),
    body=st.one_of(st.none(), texts),
    body_html=st.one_of(st.none(), texts),
    lang=st.one_of(st.none(), st.text(max_size=8)),
    published=st.one_of(st.none(), st.text(max_size=40)),
    author=st.one_of(st.none(), texts),
)
def test_normalise_article_takes_anything(title, body, body_html, lang, published, author):
    item = ArticleItem(
        source="arnapress",
        url=f"{BASE}/ru/news/1",
        title=title,
        body=body,
        body_html=body_html,
        lang=lang,
        published=published,
        author=author,
    )
    normalise_article(item)
    assert item.title is None or (item.title and "\n" not in item.title)
    assert item.body is None or item.body == normalise_text(item.body)
    assert item.lang is None or isinstance(item.lang, str)
    if item.published_at is not None:
        assert datetime.fromisoformat(item.published_at).tzinfo is not None
