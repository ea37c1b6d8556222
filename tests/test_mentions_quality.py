"""Quality gate: precision and recall of the detector on our labelled corpus.

Paragraph level: the set of categories found is compared with the labelled set.
Run with ``-s`` to see the table.
"""

from __future__ import annotations

import tomllib
from collections import Counter
from pathlib import Path

import pytest

from crawler.text.mentions import default_detector
from crawler.text.mentions.lexicon import CATEGORIES

CORPUS = Path(__file__).parent / "fixtures" / "mentions" / "corpus.toml"
FLOOR = 0.95
MIN_SUPPORT = 5  # category×language cells with fewer labelled paragraphs are shown, not gated


def load_corpus() -> list[dict]:
    return tomllib.loads(CORPUS.read_text("utf-8"))["paragraph"]


def score(paragraphs: list[dict]) -> dict[tuple[str, str], Counter]:
    """Counts of tp/fp/fn/support per (category, lang) and per (category, "all")."""
    counts: dict[tuple[str, str], Counter] = {}
    detector = default_detector()
    for paragraph in paragraphs:
        found = {m.category for m in detector.find(paragraph["text"])}
        expected = set(paragraph["expected"])
        for category in CATEGORIES:
            for lang in (paragraph["lang"], "all"):
                cell = counts.setdefault((category, lang), Counter())
                cell["support"] += category in expected
                cell["tp"] += category in expected and category in found
                cell["fp"] += category in found and category not in expected
                cell["fn"] += category in expected and category not in found
    return counts


def ratio(part: int, whole: int) -> float:
    return part / whole if whole else 1.0


def table(counts: dict[tuple[str, str], Counter]) -> str:
    lines = [f"{'category':22} {'lang':4} {'support':>7} {'precision':>9} {'recall':>7}"]
    for (category, lang), cell in sorted(counts.items()):
        precision = ratio(cell["tp"], cell["tp"] + cell["fp"])
        recall = ratio(cell["tp"], cell["tp"] + cell["fn"])
        lines.append(f"{category:22} {lang:4} {cell['support']:7d} {precision:9.3f} {recall:7.3f}")
    return "\n".join(lines)


def test_corpus_is_big_and_balanced():
    paragraphs = load_corpus()
    assert len(paragraphs) >= 200
    assert sum(1 for p in paragraphs if not p["expected"]) >= 60
    for paragraph in paragraphs:
        assert paragraph["lang"] in ("ru", "kk", "en")
        assert set(paragraph["expected"]) <= set(CATEGORIES), paragraph["text"]
    for category in CATEGORIES:
        for lang in ("ru", "kk", "en"):
            support = sum(1 for p in paragraphs if p["lang"] == lang and category in p["expected"])
            assert support >= MIN_SUPPORT, (category, lang)


def test_precision_and_recall_per_category_and_language():
    paragraphs = load_corpus()
    counts = score(paragraphs)
    print("\n" + table(counts))
    detector = default_detector()
    misses = []
    for paragraph in paragraphs:
        found = sorted({m.category for m in detector.find(paragraph["text"])})
        if found != sorted(paragraph["expected"]):
            misses.append(
                f"  expected {sorted(paragraph['expected'])} found {found}: {paragraph['text']}"
            )
    if misses:
        print("disagreements:\n" + "\n".join(misses))
    failures = []
    for (category, lang), cell in counts.items():
        if lang != "all" and cell["support"] < MIN_SUPPORT:
            continue
        precision = ratio(cell["tp"], cell["tp"] + cell["fp"])
        recall = ratio(cell["tp"], cell["tp"] + cell["fn"])
        if precision < FLOOR or recall < FLOOR:
            failures.append(f"{category}/{lang}: precision {precision:.3f} recall {recall:.3f}")
    if failures:
        pytest.fail("below the 0.95 floor: " + "; ".join(failures), pytrace=False)
