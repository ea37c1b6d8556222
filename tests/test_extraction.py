"""Extraction: golden pages (metadata, declared layouts, generic fallback) and robustness."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crawler.dates import iso_utc, parse_date
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
