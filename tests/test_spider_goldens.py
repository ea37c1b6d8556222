"""Every recorded page of every source → spider callback → the golden output.

Recordings and goldens are made by ``python tests/record_fixtures.py``
(``--goldens`` rewrites only the goldens, on purpose, after a reviewed change).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.spider_outputs import golden_path, load_manifest, run_entry

ENTRIES = load_manifest()


@pytest.mark.parametrize("entry", ENTRIES, ids=[f"{e['source']}-{e['name']}" for e in ENTRIES])
def test_recorded_page_gives_golden_output(entry, tmp_path: Path) -> None:
    expected = json.loads(golden_path(entry).read_text())
    assert run_entry(entry, tmp_path / "empty.db") == expected


def entry_lang(entry: dict) -> str | None:
    page = entry["args"].get("page")
    return page["lang"] if isinstance(page, dict) else entry["args"].get("lang")


def test_every_source_and_kind_is_recorded() -> None:
    kinds = {(e["source"], e["kind"]) for e in ENTRIES}
    assert {("akimat", "api_list"), ("akimat", "api_graphql")} <= kinds
    assert {("arnapress", k) for k in ("home", "listing", "feed", "sitemap", "article")} <= kinds
    langs = {(e["source"], entry_lang(e)) for e in ENTRIES}
    assert {("akimat", "ru"), ("akimat", "kk"), ("akimat", "en")} <= langs
    assert {("arnapress", "ru"), ("arnapress", "kk")} <= langs


def test_recordings_say_where_they_come_from() -> None:
    assert all(e["origin"].startswith("replica") for e in ENTRIES)


def test_recorded_articles_are_complete(tmp_path: Path) -> None:
    items = 0
    for entry in ENTRIES:
        if entry["kind"] not in ("article", "api_list", "api_graphql"):
            continue
        for output in run_entry(entry, tmp_path / "empty.db"):
            if "item" not in output:
                continue
            items += 1
            item = output["item"]
            for field in ("title", "url", "body", "lang", "published_at"):
                assert item[field], (entry["name"], field)
    assert items > 100  # the gov.kz list pages carry whole articles
