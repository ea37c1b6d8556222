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


def test_every_source_and_kind_is_recorded() -> None:
    kinds = {(e["source"], e["kind"]) for e in ENTRIES}
    assert {("akimat", "api_list"), ("akimat", "api_item")} <= kinds
    assert {("arnapress", k) for k in ("listing", "feed", "sitemap", "article")} <= kinds
    langs = {(e["source"], e["args"].get("lang") or e.get("lang")) for e in ENTRIES}
    assert {("akimat", "ru"), ("akimat", "kk"), ("akimat", "en")} <= langs
    assert {("arnapress", "ru"), ("arnapress", "kk")} <= langs


def test_recorded_articles_are_complete(tmp_path: Path) -> None:
    for entry in ENTRIES:
        if entry["kind"] not in ("article", "api_item"):
            continue
        [output] = run_entry(entry, tmp_path / "empty.db")
        item = output["item"]
        for field in ("title", "url", "body", "lang", "published_at"):
            assert item[field], (entry["name"], field)
