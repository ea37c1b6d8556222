"""parse_date: every printed form the sources use, Almaty offsets, relative dates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crawler.text.dates import find_date_text, iso_utc, parse_date, to_local

# 26 November 2026, 09:00 in Almaty (UTC+5).
NOW = datetime(2026, 11, 26, 4, 0, tzinfo=UTC)


def utc(text: str, lang: str | None = None) -> str | None:
    found = parse_date(text, lang, now=NOW)
    if found is not None:
        assert found.tzinfo is not None and found.utcoffset() == timedelta(0)
    return iso_utc(found) if found else None


@pytest.mark.parametrize(
    ("text", "want"),
    [
        # ISO 8601
        ("2025-10-07T17:00:00.000", "2025-10-07T12:00:00Z"),
        ("2026-11-25T14:30:00+05:00", "2026-11-25T09:30:00Z"),
        ("2026-11-25T09:30:00Z", "2026-11-25T09:30:00Z"),
        ("2026-11-25 14:30", "2026-11-25T09:30:00Z"),
        ("2026-11-25", "2026-11-24T19:00:00Z"),
        ("2026-11-25T09:30:00.123456789Z", "2026-11-25T09:30:00Z"),
        ("2026-11-25T14:30:00+0500", "2026-11-25T09:30:00Z"),
        # RFC 822 (RSS pubDate)
        ("Wed, 25 Nov 2026 14:30:00 +0500", "2026-11-25T09:30:00Z"),
        ("Wed, 25 Nov 2026 09:30:00 GMT", "2026-11-25T09:30:00Z"),
        # numeric, day first
        ("7.10.2025 17:00", "2025-10-07T12:00:00Z"),
        ("07.10.2025", "2025-10-06T19:00:00Z"),
        ("7/10/2025", "2025-10-06T19:00:00Z"),
        ("17:00 07.10.2025", "2025-10-07T12:00:00Z"),
        ("Опубликовано: 7.10.2025 17:00 | Просмотров: 1500", "2025-10-07T12:00:00Z"),
        # Russian
        ("25 ноября 2026, 14:30", "2026-11-25T09:30:00Z"),
        ("25 ноября 2026 г. 14:30", "2026-11-25T09:30:00Z"),
        ("1 мая 2025 в 10:00", "2025-05-01T05:00:00Z"),
        ("3 марта 2025", "2025-03-02T19:00:00Z"),
        # Kazakh, Cyrillic
        ("25 қараша 2026, 14:30", "2026-11-25T09:30:00Z"),
        ("2025 жылғы 19 қарашадағы", "2025-11-18T19:00:00Z"),
        ("2025 жылғы 19 қараша", "2025-11-18T19:00:00Z"),
        ("2025 жылғы 5 наурызда 11:20", "2025-03-05T06:20:00Z"),
        ("12 сәуірде", "2026-04-11T19:00:00Z"),
        # Kazakh, Latin alphabets
        ("2 Qazan, 2012", "2012-10-01T18:00:00Z"),
        ("28 Nauryz 2024", "2024-03-27T19:00:00Z"),
        ("5 qañtar 2025", "2025-01-04T19:00:00Z"),
        ("5 qantar 2025", "2025-01-04T19:00:00Z"),
        ("12 Jeltoqsan 2023", "2023-12-11T18:00:00Z"),
        ("12 zheltoqsan 2025", "2025-12-11T19:00:00Z"),
        ("9 sáuir 2025", "2025-04-08T19:00:00Z"),
        ("9 säuir 2025", "2025-04-08T19:00:00Z"),
        ("1 qyrkúiek 2025", "2025-08-31T19:00:00Z"),
        ("1 qyrküiek 2025", "2025-08-31T19:00:00Z"),
        ("15 shilde 2025", "2025-07-14T19:00:00Z"),
        # English
        ("November 25, 2026 2:30 PM", "2026-11-25T09:30:00Z"),
        ("25 Nov 2026", "2026-11-24T19:00:00Z"),
    ],
)
def test_formats(text, want):
    assert utc(text) == want


def test_nfd_input_is_normalised():
    import unicodedata

    assert utc(unicodedata.normalize("NFD", "5 qañtar 2025")) == "2025-01-04T19:00:00Z"


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("вчера в 18:40", "2026-11-25T13:40:00Z"),
        ("Вчера, 18:40", "2026-11-25T13:40:00Z"),
        ("сегодня, 09:15", "2026-11-26T04:15:00Z"),
        ("позавчера", "2026-11-23T19:00:00Z"),
        ("кеше 18:40", "2026-11-25T13:40:00Z"),
        ("бүгін 08:05", "2026-11-26T03:05:00Z"),
        ("2 часа назад", "2026-11-26T02:00:00Z"),
        ("час назад", "2026-11-26T03:00:00Z"),
        ("15 минут назад", "2026-11-26T03:45:00Z"),
        ("3 дня назад", "2026-11-23T04:00:00Z"),
        ("5 сағат бұрын", "2026-11-25T23:00:00Z"),
        ("2 hours ago", "2026-11-26T02:00:00Z"),
        ("только что", "2026-11-26T04:00:00Z"),
    ],
)
def test_relative_dates(text, want):
    assert utc(text) == want


def test_yesterday_is_relative_to_the_almaty_date():
    # 20:30 UTC on the 25th is already 01:30 on the 26th in Almaty.
    late = datetime(2026, 11, 25, 20, 30, tzinfo=UTC)
    assert iso_utc(parse_date("вчера в 18:40", now=late)) == "2026-11-25T13:40:00Z"


def test_almaty_offset_changed_in_2024():
    assert to_local(parse_date("2023-05-15T10:00:00")).utcoffset() == timedelta(hours=6)
    assert utc("15 мая 2023 10:00") == "2023-05-15T04:00:00Z"
    assert utc("15 мая 2025 10:00") == "2025-05-15T05:00:00Z"
    assert utc("29.02.2024 12:00") == "2024-02-29T06:00:00Z"
    assert utc("01.03.2024 12:00") == "2024-03-01T07:00:00Z"


def test_year_less_date_in_the_future_belongs_to_last_year():
    assert utc("30 ноября") == "2025-11-29T19:00:00Z"
    assert utc("26 ноября") == "2026-11-25T19:00:00Z"
    assert utc("19 қарашадағы") == "2026-11-18T19:00:00Z"
    assert utc("1 декабря, 10:00") == "2025-12-01T05:00:00Z"


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "   ",
        "garbage",
        "абракадабра",
        "12",
        "31.02.2025",
        "99.99.9999",
        "ноябрь",
        "2026-13-45",
        "\x00\x01",
        "25 ноября 99999",
        "x" * 100_000,
        "7" * 100_000,
    ],
)
def test_garbage_gives_none(text):
    assert parse_date(text, now=NOW) is None


def test_not_a_string_gives_none():
    assert parse_date(12345) is None  # type: ignore[arg-type]
    assert parse_date(["2025-01-01"]) is None  # type: ignore[arg-type]


def test_default_now_is_the_current_time():
    found = parse_date("только что")
    assert abs((found - datetime.now(UTC)).total_seconds()) < 5


def test_helpers():
    dt = datetime(2026, 11, 25, 9, 30, 15, 999, tzinfo=UTC)
    assert iso_utc(dt) == "2026-11-25T09:30:15Z"
    assert to_local(dt).isoformat() == "2026-11-25T14:30:15.000999+05:00"
    assert iso_utc(datetime(2026, 1, 1)) == "2026-01-01T00:00:00Z"


def test_find_date_text_returns_the_printed_form():
    assert find_date_text("Главная · Опубликовано 7.10.2025 17:00 · 120") == "7.10.2025 17:00"
    assert find_date_text("2025 жылғы 19 қарашадағы хабарлама") == "2025 жылғы 19 қарашадағы"
    assert find_date_text("Алматы, 25 ноября 2026, 14:30") == "25 ноября 2026, 14:30"
    assert find_date_text("без даты 123") is None


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400), st.sampled_from([None, "ru", "kk", "en", "xx"]))
def test_parse_date_never_raises(text, lang):
    found = parse_date(text, lang, now=NOW)
    assert found is None or found.utcoffset() == timedelta(0)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "25",
                " ",
                "ноября",
                "қарашадағы",
                "2026",
                ",",
                "14:30",
                "жылғы",
                "7.10.2025",
                "вчера",
                "назад",
                "часа",
                "-",
                "T",
                "Z",
                "qazan",
            ]
        ),
        max_size=12,
    )
)
def test_parse_date_never_raises_on_date_like_soup(parts):
    found = parse_date("".join(parts), now=NOW)
    assert found is None or found.tzinfo is not None
