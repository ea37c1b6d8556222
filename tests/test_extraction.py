"""Extraction: golden pages (metadata, declared layouts, generic fallback) and robustness."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crawler.extraction import (
    Extracted,
    RulesError,
    decode_html,
    extract_article,
    html_to_text,
    load_rules,
)
from crawler.extraction.lang import guess_lang, normalise_lang
from crawler.extraction.rules import parse_rules
from crawler.text.dates import iso_utc, parse_date

FIXTURES = Path(__file__).parent / "fixtures" / "extraction"
NAMES = sorted(p.stem for p in FIXTURES.glob("*.html"))
GOLDEN_KEYS = ("title", "published", "lang", "author", "canonical_url", "layout", "methods")


def load_golden(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def extract_fixture(name: str, golden: dict) -> Extracted:
    html = (FIXTURES / f"{name}.html").read_bytes()
    rules = load_rules(golden["source"]) if golden.get("source") else None
    return extract_article(html, golden["url"], rules)


def golden_fields(extracted: Extracted) -> tuple[dict, str]:
    """What the goldens record: the fields, published_at in UTC, the body's opening."""
    fields = {key: getattr(extracted, key) for key in GOLDEN_KEYS}
    when = parse_date(extracted.published)
    fields["published_at"] = iso_utc(when) if when else None
    return fields, (extracted.body or "")[:60]


def test_there_are_enough_fixtures():
    assert len(NAMES) >= 6
    for name in NAMES:
        assert (FIXTURES / f"{name}.json").exists(), f"{name}.html has no golden JSON"


@pytest.mark.parametrize("name", NAMES)
def test_golden(name):
    golden = load_golden(name)
    extracted = extract_fixture(name, golden)
    fields, opening = golden_fields(extracted)
    assert fields == golden["expected"]
    assert extracted.body is not None
    assert opening == golden["body_startswith"]
    for phrase in golden["body_contains"]:
        assert phrase.lower() in extracted.body.lower(), phrase


@pytest.mark.parametrize("name", NAMES)
def test_body_excludes_menu_sidebar_and_footer_words(name):
    golden = load_golden(name)
    assert golden["body_excludes"], "every fixture lists its trap words"
    body = extract_fixture(name, golden).body.lower()
    leaked = [word for word in golden["body_excludes"] if word.lower() in body]
    assert leaked == []


def test_every_fixture_has_title_date_and_language():
    for name in NAMES:
        fields = load_golden(name)["expected"]
        assert fields["title"] and fields["published_at"] and fields["lang"], name


def test_the_chain_order_is_visible_in_methods():
    assert load_golden("jsonld_og")["expected"]["methods"]["title"] == "jsonld"
    assert load_golden("nometa")["expected"]["methods"]["published"] == "fallback"
    assert load_golden("arnapress_v1")["expected"]["methods"]["body"] == "selector"
    assert load_golden("arnapress_v2")["expected"]["layout"] == "v2"


def test_h1_preferred_over_og_title_with_site_suffix():
    html = (
        '<html><head><meta property="og:title" content="Новый мост — Arna Press"></head>'
        "<body><h1>Новый мост</h1><p>Текст о мосте, достаточно длинный для абзаца.</p></body></html>"
    )
    got = extract_article(html, "https://x.kz/1")
    assert got.title == "Новый мост"
    assert got.methods["title"] == "fallback"


def test_og_title_suffix_stripped_without_h1():
    html = '<html><head><meta property="og:title" content="Новый мост открыли | Arna Press"></head>'
    html += "<body><p>Текст о мосте, достаточно длинный для абзаца.</p></body></html>"
    assert extract_article(html, "u").title == "Новый мост открыли"


def test_relative_canonical_is_resolved():
    html = '<html><head><link rel="canonical" href="/ru/news/5"></head><body></body></html>'
    got = extract_article(html, "https://arnapress.kz/ru/news/5?from=rss")
    assert got.canonical_url == "https://arnapress.kz/ru/news/5"


def test_jsonld_article_body_and_list_author():
    body = "Первый абзац статьи о мастерах. " * 5 + "\n\n" + "Второй абзац о ярмарке. " * 5
    data = [
        {"@type": "WebSite"},
        {
            "@type": "ReportageNewsArticle",
            "articleBody": body,
            "author": ["Анна", {"name": "Болат"}],
            "inLanguage": "kk-KZ",
        },
    ]
    html = f'<script type="application/ld+json">{json.dumps(data)}</script><p>другой текст</p>'
    got = extract_article(html, "u")
    assert got.body.split("\n\n")[0].startswith("Первый абзац")
    assert len(got.body.split("\n\n")) == 2
    assert got.methods["body"] == "jsonld"
    assert got.author == "Анна, Болат"
    assert got.lang == "kk"


def test_windows_1251_bytes_are_decoded():
    golden = load_golden("nometa")
    html = (FIXTURES / "nometa.html").read_text(encoding="utf-8").encode("windows-1251")
    got = extract_article(html, golden["url"])
    assert got.title == golden["expected"]["title"]


def test_decode_prefers_valid_utf8_over_a_wrong_declaration():
    data = '<meta charset="windows-1251"><p>Ремёсла</p>'.encode()
    assert "Ремёсла" in decode_html(data)
    assert "Ремёсла" in decode_html("<p>Ремёсла</p>".encode("cp1251"))
    assert "Ремёсла" in decode_html(b"\xef\xbb\xbf" + "<p>Ремёсла</p>".encode())


@pytest.mark.parametrize("value", ["", "   ", b"", b"\x00\xff\xfe", "not html at all", "<<<>>>"])
def test_unusable_input_gives_empty_fields(value):
    got = extract_article(value, "https://x.kz/")
    assert got.title is None and got.body is None and got.published is None


def test_deeply_nested_page_does_not_raise():
    html = "<div>" * 200_000 + "<p>Глубоко вложенный текст.</p>" + "</div>" * 200_000
    assert isinstance(extract_article(html, "u"), Extracted)


def test_large_page_does_not_raise():
    para = "<div class='x'><p>" + "Текст абзаца про город и его жителей. " * 10 + "</p></div>"
    html = "<html><body><h1>Заголовок</h1>" + para * 13_000 + "</body></html>"
    assert len(html) > 5_000_000
    assert extract_article(html, "u").title == "Заголовок"


@settings(max_examples=150, deadline=None)
@given(st.one_of(st.text(max_size=3000), st.binary(max_size=3000)))
def test_extract_article_never_raises(value):
    got = extract_article(value, "https://x.kz/a")
    assert isinstance(got, Extracted)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "<p>",
                "</p>",
                "<div class='related'>",
                "</div>",
                "<h1>",
                "</h1>",
                "<a href=x>",
                "</a>",
                "<br>",
                "текст ",
                "7.10.2025 ",
                "<script>",
                "<time datetime='2025-01-01'>",
                "&amp;",
                "<!--",
            ]
        ),
        max_size=60,
    )
)
def test_extract_article_never_raises_on_tag_soup(parts):
    assert isinstance(extract_article("".join(parts), "u"), Extracted)


def test_html_to_text_keeps_paragraphs():
    html = (
        "<div>Первая строка<br>вторая строка<p>Абзац  с   <b>жирным</b> словом.</p>"
        "<ul><li>пункт один</li><li>пункт два</li></ul><h2>Подзаголовок</h2>"
        "<blockquote>Цитата</blockquote><script>var x = 1;</script><style>p{}</style>"
        "<figure><img src=a.jpg><figcaption>Подпись к фото</figcaption></figure>хвост</div>"
    )
    assert html_to_text(html).split("\n\n") == [
        "Первая строка",
        "вторая строка",
        "Абзац с жирным словом.",
        "пункт один",
        "пункт два",
        "Подзаголовок",
        "Цитата",
        "хвост",
    ]


def test_html_to_text_normalises_to_nfc():
    assert html_to_text("<p>и\u0306\u00a0ш</p>") == "й ш"


@pytest.mark.parametrize(
    ("raw", "want"),
    [
        ("kk-KZ", "kk"),
        ("kk_KZ", "kk"),
        ("kz", "kk"),
        ("kaz", "kk"),
        ("ru_RU", "ru"),
        ("en-US", "en"),
        ("RU", "ru"),
        ("", None),
        ("12", None),
    ],
)
def test_normalise_lang(raw, want):
    assert normalise_lang(raw) == want


def test_guess_lang():
    assert guess_lang("Алматыда шеберлер көрмесі ашылды, қала тұрғындары келді") == "kk"
    russian = "В Алматы открылась выставка мастеров из разных городов, сообщает Қазақстан"
    assert guess_lang(russian) == "ru"
    assert guess_lang("Almaty hosts a design week") == "en"
    assert guess_lang("123") is None


def test_rules_order_and_selector_validation():
    rules = load_rules("arnapress")
    assert [layout.name for layout in rules.layouts] == ["v1", "v2"]
    with pytest.raises(RulesError, match="bad selector"):
        parse_rules("x", {"extraction": {"layout": [{"name": "a", "body": ["div..x["]}]}})
    with pytest.raises(RulesError, match="unknown keys"):
        parse_rules("x", {"extraction": {"layout": [{"name": "a", "bodyy": ["div"]}]}})
    with pytest.raises(RulesError, match="no rules"):
        load_rules("no-such-source")


def test_newest_layout_first_by_valid_until():
    data = {
        "extraction": {
            "layout": [
                {"name": "old", "valid_until": "2020-01-01", "body": ["div.a"]},
                {"name": "current", "body": ["div.c"]},
                {"name": "mid", "valid_until": "2023-06-30", "body": ["xpath://div[@class='b']"]},
            ]
        }
    }
    assert [lay.name for lay in parse_rules("x", data).layouts] == ["current", "mid", "old"]


def test_declared_selectors_for_a_field_metadata_lacks():
    rules = parse_rules(
        "x",
        {
            "extraction": {
                "layout": [
                    {
                        "name": "t",
                        "match": ["div.story"],
                        "title": ["//div[@class='story']/b"],
                        "body": ["div.story .txt"],
                        "exclude": [".ad-inline"],
                        "lang": ["div.story::attr(data-lang)"],
                    }
                ]
            }
        },
    )
    html = (
        '<div class="story" data-lang="kaz"><b>Тақырып</b><div class="txt"><p>Бірінші абзац.</p>'
        '<div class="ad-inline">Жарнама</div><p>Екінші абзац.</p></div></div>'
    )
    got = extract_article(html, "u", rules)
    assert (got.title, got.lang, got.layout) == ("Тақырып", "kk", "t")
    assert got.body == "Бірінші абзац.\n\nЕкінші абзац."
    assert got.methods["body"] == "selector"


# --- pages that are UTF-8 but for a stray byte ------------------------------------------
STRAY_PAGE = (
    "<html><head>{meta}<title>Всемирный город ремёсел</title></head><body>"
    "<h1>Алматы — Всемирный город ремёсел</h1>"
    "<p>Мастера народных промыслов представили свои работы.</p>"
    "<p>Қолөнер шеберлері өз туындыларын көрсетті.</p></body></html>"
)


def stray_page(meta: str = "") -> bytes:
    data = STRAY_PAGE.format(meta=meta).encode()
    cut = data.index("представили".encode())
    return data[:cut] + b"\xff" + data[cut:]  # one byte no UTF-8 text has


@pytest.mark.parametrize(
    ("data", "header"),
    [
        (stray_page('<meta charset="utf-8">'), None),
        (stray_page(), "utf-8"),
        (stray_page(), "UTF8"),
        (stray_page(), None),  # undeclared, but valid but for one byte
        (stray_page('<meta charset="windows-1251">'), None),  # the bytes outweigh it
    ],
    ids=["meta", "header", "header-alias", "undeclared", "wrong-meta"],
)
def test_utf8_page_with_a_stray_byte_stays_utf8(data: bytes, header: str | None) -> None:
    text = decode_html(data, encoding=header)
    assert "Всемирный город ремёсел" in text and "Қолөнер шеберлері" in text
    assert text.count("\ufffd") == 1
    got = extract_article(data, "https://x.kz/ru/news/1", encoding=header)
    assert got.title == "Алматы — Всемирный город ремёсел"
    assert got.replaced_bytes == 1


def test_stray_byte_repair_is_logged_with_the_url(caplog) -> None:
    with caplog.at_level("WARNING", logger="crawler.extraction"):
        extract_article(stray_page('<meta charset="utf-8">'), "https://x.kz/ru/news/7")
    assert any("https://x.kz/ru/news/7" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("header", [None, "windows-1251", "utf-8"])
def test_windows_1251_page_is_not_taken_for_utf8(header: str | None) -> None:
    # A server may even declare UTF-8 for it: bytes that are not UTF-8 at all win.
    data = STRAY_PAGE.format(meta="").replace("Қолөнер", "Колонер").replace("ө", "о")
    text = decode_html(data.encode("cp1251"), encoding=header)
    assert "Всемирный город ремёсел" in text and "\ufffd" not in text


def test_the_size_cut_never_splits_a_utf8_character() -> None:
    from crawler.extraction import MAX_HTML_CHARS

    head = "<html><body><h1>Всемирный город ремёсел</h1><p>".encode()
    filler = "ж".encode() * MAX_HTML_CHARS  # 2 bytes each: the cut falls where it may
    for pad in (b"", b"x"):
        got = extract_article(head + pad + filler, "https://x.kz/ru/news/2")
        assert got.title == "Всемирный город ремёсел"
        assert got.replaced_bytes == 0
        assert "\ufffd" not in (got.body or "")


# --- failures are counted, not swallowed ----------------------------------------------
def test_failed_extraction_is_an_error_and_marked(monkeypatch, caplog) -> None:
    import crawler.extraction as extraction

    def broken(sel):
        raise RuntimeError("parser bug")

    monkeypatch.setattr(extraction, "jsonld_fields", broken)
    with caplog.at_level("WARNING", logger="crawler.extraction"):
        got = extract_article("<h1>Заголовок</h1><p>Текст.</p>", "https://x.kz/ru/news/3")
    assert got.title is None and got.error and "parser bug" in got.error
    errors = [r for r in caplog.records if r.levelname == "ERROR"]
    assert len(errors) == 1 and "https://x.kz/ru/news/3" in errors[0].getMessage()


def test_html_to_text_failure_is_logged_and_counted(caplog) -> None:
    failures: list[str] = []
    with caplog.at_level("WARNING", logger="crawler.extraction"):
        assert html_to_text(object(), url="https://x.kz/ru/news/4", failures=failures) == ""  # type: ignore[arg-type]
    assert len(failures) == 1
    warned = [r for r in caplog.records if r.levelname == "WARNING"]
    assert warned and "https://x.kz/ru/news/4" in warned[0].getMessage()


# --- in the spider: the header's charset, the run's error count -------------------------
@pytest.fixture
def news_spider(tmp_path):
    from scrapy.utils.test import get_crawler

    from crawler.spiders.sources import SPIDERS

    ArnapressSpider = SPIDERS["arnapress"]

    crawler = get_crawler(
        ArnapressSpider,
        {"CRAWLER_DB": str(tmp_path / "a.db"), "CRAWLER_ARNAPRESS_URL": "https://arnapress.kz"},
    )
    spider = ArnapressSpider.from_crawler(crawler)
    crawler.spider = spider
    if getattr(crawler, "_stats", None) is None and hasattr(crawler, "_apply_settings"):
        crawler._apply_settings()
    return spider


def page_response(body: bytes, content_type: str):
    from scrapy import Request
    from scrapy.http import HtmlResponse

    url = "https://arnapress.kz/ru/news/5-x"
    headers = {"Content-Type": content_type}
    return HtmlResponse(url, body=body, headers=headers, request=Request(url))


def test_spider_reads_the_header_charset(news_spider) -> None:
    response = page_response(stray_page(), "text/html; charset=utf-8")
    (item,) = news_spider.parse_article(response)
    assert item.title == "Алматы — Всемирный город ремёсел"
    assert news_spider.crawler.stats.get_value("crawler/pages_utf8_repaired") == 1


def test_spider_counts_a_failed_extraction_as_a_run_error(news_spider, monkeypatch) -> None:
    import logging

    import crawler.extraction as extraction
    from crawler.extensions import SpiderErrorCounter

    def broken(sel):
        raise RuntimeError("parser bug")

    monkeypatch.setattr(extraction, "jsonld_fields", broken)
    counter = SpiderErrorCounter(news_spider.crawler)
    logging.getLogger().addHandler(counter)
    try:
        list(news_spider.parse_page(page_response(stray_page(), "text/html; charset=utf-8")))
    finally:
        logging.getLogger().removeHandler(counter)
    stats = news_spider.crawler.stats
    assert stats.get_value("crawler/errors/extraction") == 1
    assert stats.get_value("crawler/errors") == 1
