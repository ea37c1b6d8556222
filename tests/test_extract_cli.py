"""``crawler extract FILE --source arnapress --json`` on pages in markups the
source config declares nothing for, as a maintainer would run it."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from tests.helpers import FIXTURES, run_cli

PAGES = sorted((FIXTURES / "extraction").glob("*.html"))
UNSEEN = [p for p in PAGES if not p.stem.startswith("arnapress_")]


def test_there_are_several_unseen_markups() -> None:
    assert len(UNSEEN) >= 5


@pytest.mark.parametrize("page", PAGES, ids=[p.stem for p in PAGES])
def test_extract_json_matches_the_page(page: Path) -> None:
    golden = json.loads(page.with_suffix(".json").read_text())
    result = run_cli("extract", str(page), "--source", "arnapress", "--json")
    assert result.returncode == 0, result.stderr
    got = json.loads(result.stdout)
    expected = golden["expected"]
    assert got["title"] == expected["title"]
    assert got["published_at"] == expected["published_at"]
    assert got["lang"] == expected["lang"]
    assert got["body"].startswith(golden["body_startswith"])
    for text in golden["body_contains"]:
        assert text in got["body"]
    for trap in golden["body_excludes"]:  # menus, «read also», footers
        assert trap not in got["body"]


def test_extract_reads_gzipped_recordings_and_api_json(tmp_path: Path) -> None:
    recorded = FIXTURES / "recorded" / "akimat"
    # A recorded list page: extract reads its first entry.
    item = next(recorded.glob("api_list_kk_*.json.gz"))
    plain = tmp_path / "item.json"
    plain.write_bytes(gzip.decompress(item.read_bytes()))
    from_gzip = run_cli("extract", str(item), "--json")
    result = run_cli("extract", str(plain), "--json")
    assert result.returncode == 0, result.stderr
    got = json.loads(result.stdout)
    assert json.loads(from_gzip.stdout) == {**got, "url": item.resolve().as_uri()}
    assert got["lang"] == "kk"
    assert got["title"] and got["body"] and got["published_at"].endswith("Z")
    assert "<p>" not in got["body"]


def test_extract_from_the_replica_by_url(replica) -> None:
    article = replica.corpus.arnapress_articles()[0]
    url = replica.urls["arnapress"] + replica.arnapress.public_path(article)
    result = run_cli("extract", url, "--source", "arnapress", "--json")
    assert result.returncode == 0, result.stderr
    got = json.loads(result.stdout)
    assert got["title"] == article.title
    assert got["url"] == url
    assert got["body"].split("\n\n")[0] == article.paragraphs[0]
