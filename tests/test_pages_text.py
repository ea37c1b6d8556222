"""What the Datasette pages and feeds print, piece by piece: times, marks, feed
addresses, Atom documents and the health verdict they share with ``crawler status``."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import feedparser
import pytest

from crawler.datasette import atom
from crawler.datasette.feeds import feed_url
from crawler.datasette.highlight import mark_words, marked_html, paragraphs, word_spans
from crawler.datasette.times import display_time
from crawler.run.verdict import source_health


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("2026-12-02T09:30:00Z", "2026-12-02 14:30 Almaty (UTC+5)"),
        ("2026-12-02T14:30:00+05:00", "2026-12-02 14:30 Almaty (UTC+5)"),
        ("2026-12-02 09:30", "2026-12-02 14:30 Almaty (UTC+5)"),  # no zone: UTC, as stored
        ("2024-01-23T11:07:00Z", "2024-01-23 17:07 Almaty (UTC+6)"),  # before 2024-03-01
        ("2024-01-23T17:07:00+06:00", "2024-01-23 17:07 Almaty (UTC+6)"),
        (datetime(2026, 12, 2, 9, 30, tzinfo=UTC), "2026-12-02 14:30 Almaty (UTC+5)"),
        (None, ""),
        ("", ""),
        ("soon", "soon"),
    ],
)
def test_display_time(value, shown: str) -> None:
    assert display_time(value) == shown


def test_paragraphs_mark_the_stored_offsets() -> None:
    body = "Мастера <b>ткут</b> ковры.\n\n  Ремесленники рады.\nКонец."
    start = body.index("Ремесленники")
    found = paragraphs(body, [(0, 7), (start, start + 12), (start + 3, start + 5)])
    assert [str(p) for p in found] == [
        "<mark>Мастера</mark> &lt;b&gt;ткут&lt;/b&gt; ковры.",
        "<mark>Ремесленники</mark> рады.",
        "Конец.",
    ]


def test_marks_by_printed_words() -> None:
    text = "Ремёсла и ремёсла: World Craft City."
    assert word_spans(text, ["ремёсла", "World Craft City", ""]) == [(0, 7), (10, 17), (19, 35)]
    assert str(marked_html("a<b", [(0, 1)], tag="strong")) == "<strong>a</strong>&lt;b"
    assert (
        mark_words(text, '["ремёсла"]')
        == "<mark>Ремёсла</mark> и <mark>ремёсла</mark>: World Craft City."
    )
    assert mark_words(text, "not json") == text and mark_words(None, "[]") is None


def test_feed_url() -> None:
    assert feed_url("https://data.example.kz/") == "https://data.example.kz/-/feeds/mentions.atom"
    assert feed_url("https://data.example.kz", category="crafts", source="akimat") == (
        "https://data.example.kz/-/feeds/mentions.atom?category=crafts&source=akimat"
    )
    assert (
        feed_url("", term="қолөнер")
        == "/-/feeds/mentions.atom?term=%D2%9B%D0%BE%D0%BB%D3%A9%D0%BD%D0%B5%D1%80"
    )


def test_atom_document_is_valid_with_hostile_text() -> None:
    entry = atom.Entry(
        id="https://example.test/1",
        title="<script>&\x00",
        updated="2026-12-02T09:30:00Z",
        links=(atom.Link("https://example.test/1"),),
        author=atom.Person("Arna Press", "https://arnapress.kz"),
        categories=(atom.Category("crafts", "Crafts"),),
        summary_html="<p>a <strong>b</strong></p>",
    )
    feed = atom.Feed(
        id="https://data.example.kz/-/feeds/mentions.atom",
        title="New mentions",
        updated="2026-12-02T09:30:00Z",
        links=(atom.Link("https://data.example.kz/-/feeds/mentions.atom", "self"),),
        author=atom.Person("Crafts in Kazakh news"),
        entries=(entry,),
    )
    parsed = feedparser.parse(atom.render(feed))
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.entries[0].title == "<script>&"  # control characters do not break the XML
    assert parsed.entries[0].summary == "<p>a <strong>b</strong></p>"


def test_verdict_is_the_newest_runs_with_the_last_success() -> None:
    conn = sqlite3.connect(":memory:")
    conn.execute(
        "CREATE TABLE crawl_runs (id INTEGER PRIMARY KEY, spider, started_at, finished_at, "
        "status, health, health_reasons, warnings, requests, items_new, items_updated, "
        "items_dropped, errors, processes)"
    )
    conn.executemany(
        "INSERT INTO crawl_runs (spider, started_at, status, health, health_reasons) "
        "VALUES (?, ?, ?, ?, ?)",
        [
            ("arnapress", "2026-12-01T00:00:00Z", "ok", "healthy", None),
            ("arnapress", "2026-12-02T00:00:00Z", "failed", "unhealthy", "refused"),
            ("akimat", "2026-12-02T00:00:00Z", "running", None, None),
        ],
    )
    akimat, arnapress = source_health(conn, runs=5)
    assert (akimat.source, akimat.verdict, akimat.unhealthy) == ("akimat", "unknown", False)
    assert akimat.last_success is None
    assert (arnapress.verdict, arnapress.reasons, arnapress.unhealthy) == (
        "unhealthy",
        "refused",
        True,
    )
    assert arnapress.last_run["id"] == 2 and arnapress.last_success["id"] == 1
    assert [r["id"] for r in arnapress.runs] == [2, 1]
