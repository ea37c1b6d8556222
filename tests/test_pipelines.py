"""The item pipeline stages, built offline from a test crawler."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from crawler.items import ArticleItem
from crawler.store.db import open_db
from pipelines.dedup import DedupPipeline
from pipelines.normalise import NormalisePipeline, normalise_text
from pipelines.validate import ValidatePipeline
from tests.helpers import close_stages, open_stages


@pytest.fixture
def crawler(tmp_path: Path):
    crawler = get_crawler(settings_dict={"CRAWLER_DB": str(tmp_path / "t.db")})
    crawler.stats.open_spider()
    return crawler


def article(**kw) -> ArticleItem:
    base = {
        "source": "arnapress",
        "url": "https://arnapress.kz/ru/news/1-x?utm_source=a",
        "title": "  Мастера  ремесел\u00a0собрались ",
        "body": "<p>ignored</p>",
        "lang": "ru",
        "published": "25 ноября 2026, 14:30",
    }
    base.update(kw)
    if "body_html" in kw:
        base["body"] = None
    else:
        base["body"] = kw.get("body", "Первый абзац о ремесленниках.\n\n\n  Второй   абзац.")
    return ArticleItem(**base)


@pytest.mark.parametrize("missing", ["title", "url", "body"])
def test_validate_drops_and_counts_missing_fields(crawler, missing: str) -> None:
    stage = ValidatePipeline.from_crawler(crawler)
    with pytest.raises(DropItem, match=f"missing {missing}"):
        stage.process_item(article(**{missing: "  "}))
    assert crawler.stats.get_value(f"crawler/dropped/missing_{missing}") == 1


def test_validate_accepts_html_body(crawler) -> None:
    item = article(body_html="<p>Текст</p>")
    assert ValidatePipeline.from_crawler(crawler).process_item(item) is item


def test_normalise_text_keeps_paragraphs() -> None:
    assert normalise_text("a \u200b b\r\n\r\n\r\n c  d ") == "a b\n\nc d"
    assert normalise_text("е\u0308ж") == "ёж"  # NFC composes the diaeresis


def test_normalise_converts_html_dates_and_language(crawler) -> None:
    item = article(
        body_html="<p>Бірінші <b>абзац</b>.</p><p>Қолөнершілер жиналды.</p>",
        lang=None,
        title="Шеберлер   көрмесі",
        published="2025 жылғы 19 қарашадағы",
    )
    NormalisePipeline.from_crawler(crawler).process_item(item)
    assert item.title == "Шеберлер көрмесі"
    assert item.body == "Бірінші абзац.\n\nҚолөнершілер жиналды."
    assert item.lang == "kk"
    assert item.published_at == "2025-11-18T19:00:00Z"  # midnight in Almaty (UTC+5)
    assert item.published_local == "2025-11-19T00:00:00+05:00"


def test_normalise_day_first_numeric_date(crawler) -> None:
    item = article(published="7.10.2025 17:00")
    NormalisePipeline.from_crawler(crawler).process_item(item)
    assert item.published_at == "2025-10-07T12:00:00Z"


def test_normalise_drops_body_that_is_only_markup(crawler) -> None:
    item = article(body_html="<p> </p><script>x()</script>")
    with pytest.raises(DropItem):
        NormalisePipeline.from_crawler(crawler).process_item(item)
    assert crawler.stats.get_value("crawler/dropped/empty_body") == 1


def test_dedup_drops_repeated_url_and_identical_body(crawler) -> None:
    stage = DedupPipeline.from_crawler(crawler)
    stage.open_spider()
    stage.process_item(article())
    with pytest.raises(DropItem, match="already seen"):
        stage.process_item(article(url="https://www.arnapress.kz/ru/news/1-x/"))
    with pytest.raises(DropItem, match="same body"):
        stage.process_item(article(url="https://arnapress.kz/ru/news/2-y"))
    # The same text in another source is syndication, not a duplicate.
    stage.process_item(article(source="akimat", url="https://gov.kz/d/1?lang=ru"))
    assert crawler.stats.get_value("crawler/dropped/duplicate_url") == 1
    assert crawler.stats.get_value("crawler/dropped/duplicate_body") == 1


def run_through(crawler, items: list[ArticleItem]) -> None:
    stages = open_stages(crawler)
    for item in items:
        for stage in stages:
            item = stage.process_item(item)
    close_stages(stages)


def test_store_inserts_then_leaves_unchanged_then_updates(tmp_path: Path) -> None:
    db_path = tmp_path / "t.db"

    def fresh_crawler():
        c = get_crawler(settings_dict={"CRAWLER_DB": str(db_path)})
        c.stats.open_spider()
        return c

    first = fresh_crawler()
    run_through(first, [article()])
    assert first.stats.get_value("crawler/items_new") == 1
    db = open_db(db_path)
    row = next(db["articles"].rows)
    assert row["url"] == "https://arnapress.kz/ru/news/1-x"
    assert row["title"] == "Мастера ремесел собрались"
    assert row["published_at"] == "2026-11-25T09:30:00Z"
    mentions = list(db["mentions"].rows)
    assert {m["category"] for m in mentions} == {"crafts"}
    assert all(m["article_id"] == row["id"] for m in mentions)
    story = db["stories"].get(row["story_id"])
    assert story["origin_article_id"] == row["id"]
    assert json.loads(story["outlets"]) == ["arnapress"]
    db.close()

    second = fresh_crawler()
    run_through(second, [article()])
    assert second.stats.get_value("crawler/items_unchanged") == 1
    assert second.stats.get_value("crawler/items_new") is None

    third = fresh_crawler()
    run_through(third, [article(body="Совсем другой текст без упоминаний.")])
    assert third.stats.get_value("crawler/items_updated") == 1
    db = open_db(db_path)
    assert db["articles"].count == 1
    # Only the title still mentions crafts once the body changed.
    assert {m["field"] for m in db["mentions"].rows} == {"title"}
    db.close()


def test_language_versions_of_one_api_item_share_a_story(tmp_path: Path) -> None:
    crawler = get_crawler(settings_dict={"CRAWLER_DB": str(tmp_path / "t.db")})
    crawler.stats.open_spider()
    ru = article(source="akimat", url="https://gov.kz/d/7?lang=ru", source_id="7")
    kk = article(
        source="akimat",
        url="https://gov.kz/d/7?lang=kk",
        source_id="7",
        lang="kk",
        title="Қолөнер шеберлері",
        body="Басқа мәтін.",
    )
    run_through(crawler, [ru, kk])
    db = open_db(tmp_path / "t.db")
    stories = {row["story_id"] for row in db["articles"].rows}
    assert len(stories) == 1
    story = db["stories"].get(stories.pop())
    assert json.loads(story["langs"]) == ["kk", "ru"]
    assert story["article_count"] == 2
    db.close()


def test_validate_turns_another_item_type_into_an_article(crawler) -> None:
    foreign = {"source": "arnapress", "url": "https://arnapress.kz/ru/news/1-x"}
    foreign.update(title="Т", body="Текст", unknown="dropped")
    item = ValidatePipeline.from_crawler(crawler).process_item(foreign)
    assert isinstance(item, ArticleItem)
    assert (item.source, item.title, item.body) == ("arnapress", "Т", "Текст")


def test_validate_drops_another_item_type_without_url(crawler) -> None:
    with pytest.raises(DropItem, match="missing url"):
        ValidatePipeline.from_crawler(crawler).process_item({"title": "Т", "body": "Текст"})
    assert crawler.stats.get_value("crawler/dropped/missing_url") == 1
