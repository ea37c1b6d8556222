"""Mentions found in the normalise stage's worker call, and when the mentions stage
matches again instead."""

from __future__ import annotations

import asyncio

from scrapy.utils.test import get_crawler

from crawler.items import ArticleItem
from crawler.mentions import ahead, article_mentions
from pipelines.mentions import MentionsPipeline
from pipelines.normalise import NormalisePipeline

BODY = "<p>Алматы —  Всемирный город ремёсел.</p><p>Мастера  показали войлок.</p>"
ALL_STAGES = {
    "pipelines.normalise.NormalisePipeline": 200,
    "pipelines.mentions.MentionsPipeline": 400,
}


def _article() -> ArticleItem:
    return ArticleItem(
        source="arnapress",
        url="https://arnapress.kz/ru/news/1-x",
        title=" Ремесленники  Алматы ",
        body_html=BODY,
        lang="ru",
        published="25 ноября 2026, 14:30",
    )


def _stages(pipelines: dict[str, int]) -> tuple[NormalisePipeline, MentionsPipeline]:
    crawler = get_crawler(
        settings_dict={"ITEM_PIPELINES": pipelines, "CRAWLER_OFFLOAD_PROCESS": True}
    )
    crawler.stats.open_spider()
    return NormalisePipeline.from_crawler(crawler), MentionsPipeline.from_crawler(crawler)


async def _through_worker(normalise: NormalisePipeline, item: ArticleItem) -> ArticleItem:
    normalise.open_spider()
    try:
        return await normalise.process_item(item)
    finally:
        normalise.close_spider()


def test_the_normalise_call_finds_the_mentions_the_stage_would() -> None:
    normalise, mentions = _stages(ALL_STAGES)
    assert normalise.mentions_ahead
    item = asyncio.run(_through_worker(normalise, _article()))
    assert ahead.KEY in item.extra
    expected = article_mentions(None, item.title, item.body)
    # Taken without a call: process_item returns the item itself, not an awaitable.
    assert mentions.process_item(item) is item
    assert item.mentions == expected[1] and item.mentions
    assert item.extra["lexicon_version"] == expected[0]
    assert ahead.KEY not in item.extra  # never stored or exported


def test_a_changed_text_or_lexicon_is_matched_again() -> None:
    item = ArticleItem(source="a", url="u", title="Войлок", body="Мастера ремёсел.")
    found = article_mentions(None, item.title, item.body)
    ahead.keep(item, None, found)
    assert ahead.take(item, None) == found
    assert ahead.take(item, None) is None  # taken once

    ahead.keep(item, None, found)
    item.body = "Другой текст."
    assert ahead.take(item, None) is None
    ahead.keep(item, None, found)
    assert ahead.take(item, "edited-lexicon.toml") is None


def test_mentions_are_found_ahead_only_for_a_later_mentions_stage() -> None:
    assert not _stages({"pipelines.normalise.NormalisePipeline": 200})[0].mentions_ahead
    reversed_order = {
        "pipelines.mentions.MentionsPipeline": 100,
        "pipelines.normalise.NormalisePipeline": 200,
    }
    assert not _stages(reversed_order)[0].mentions_ahead
    normalise, _ = _stages(ALL_STAGES)
    item = asyncio.run(_through_worker(normalise, _article()))
    assert item.body and "Всемирный город" in item.body
    normalise.mentions_ahead = False
    item = asyncio.run(_through_worker(normalise, _article()))
    assert ahead.KEY not in item.extra
