"""Quality gate on real published news: precision and recall per category.

The excerpts live in ``tests/fixtures/mentions/real/{ru,en,kk,uz}.toml`` (and
``dev_*.toml``: excerpts added to the dev split after it was made), one
``[[excerpt]]`` each with ``id, lang, url, outlet, date, expected, trap,
reasons, text, split``. ``split = "dev"`` excerpts are for tuning the lexicon;
``split = "test"`` ones only for this gate, which reports their scores in
aggregate and never prints them one by one.

Each excerpt goes through the crawler's normalise stage first, as an article does.
Paragraph level, as in test_mentions_quality.py: the set of categories found in
an excerpt is compared with ``expected``. The gate: on the test split,
precision and recall of every category are at least 0.95 over ru, kk and en
together and at least 0.85 over uz. Run with ``-s`` to see the tables (counts
behind every figure, per category and language, for dev and test).
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from pathlib import Path

import pytest

from crawler.text.mentions import default_detector
from crawler.text.mentions.lexicon import CATEGORIES
from crawler.text.normalisation import normalise_text

REAL = Path(__file__).parent / "fixtures" / "mentions" / "real"
LANGS = ("ru", "kk", "en", "uz")
SPLITS = ("dev", "test")
REQUIRED = ("id", "lang", "url", "outlet", "date", "expected", "trap", "reasons", "text", "split")
# Gated groups of languages and their floors (precision and recall alike).
GATES = {"ru+kk+en": (("ru", "kk", "en"), 0.95), "uz": (("uz",), 0.85)}
# Recorded floors below the target, each an explicit decision: the figure measured on
# the test split when it was set. Raise one as the lexicon improves on new dev
# excerpts; never lower one to make the gate pass.
# crafts/ru+kk+en: 2026-12-02, recall 35 of 38 (0.921: ru 15/16, kk 7/8, en 13/14),
# precision 35 of 36 (0.972), measured once after lexicon 2026-12-02.2 (tuned on the
# 50 dev excerpts of dev_more.toml); it was recall 33 of 38 (0.868) before. The dev
# split reaches 114 of 116 (0.983): the misses are crafts worded in ways no dev
# excerpt shows. Measured again on 2026-12-02 after lexicon 2026-12-02.3 (tuned on the
# 57 dev excerpts of dev_more2.toml; dev 148 of 150): unchanged, so the floor stays.
# And after lexicons 2026-12-02.8 to .10, tuned on 775 more dev excerpts (dev_r4 … dev_r8;
# dev recall 634 of 657, 0.965, precision 0.975): still 35 of 38 and one false positive.
# The lexicon scored on each new batch before it was tuned on it
# (tools/mentions_first_pass.py) gives recall about 0.91 on news it has not seen.
BELOW_TARGET = {("crafts", "ru+kk+en"): 0.92}
MIN_EXCERPTS = 150


def load_real() -> list[dict]:
    """Every excerpt of every file; fails (never skips) if the set is missing or malformed."""
    if not REAL.is_dir():
        pytest.fail(
            f"the real-news set is missing: expected {REAL}/{{ru,en,kk,uz}}.toml "
            "with [[excerpt]] entries",
            pytrace=False,
        )
    files = sorted(REAL.glob("*.toml"))
    if not files:
        pytest.fail(f"no *.toml files in {REAL}", pytrace=False)
    excerpts, problems, seen = [], [], set()
    for path in files:
        try:
            data = tomllib.loads(path.read_text("utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            problems.append(f"{path.name}: cannot be read: {exc}")
            continue
        entries = data.get("excerpt")
        if not isinstance(entries, list) or not entries:
            problems.append(f"{path.name}: no [[excerpt]] entries")
            continue
        for number, excerpt in enumerate(entries):
            where = f"{path.name} excerpt {excerpt.get('id', f'#{number}')}"
            missing = [key for key in REQUIRED if key not in excerpt]
            if missing:
                problems.append(f"{where}: missing {', '.join(missing)}")
                continue
            if excerpt["id"] in seen:
                problems.append(f"{where}: duplicate id")
            seen.add(excerpt["id"])
            if excerpt["lang"] not in LANGS:
                problems.append(f"{where}: lang {excerpt['lang']!r} is not one of {LANGS}")
            if excerpt["split"] not in SPLITS:
                problems.append(f"{where}: split {excerpt['split']!r} is not dev or test")
            unknown = set(excerpt["expected"]) - set(CATEGORIES)
            if unknown:
                problems.append(f"{where}: unknown categories {sorted(unknown)}")
            if not isinstance(excerpt["text"], str) or not excerpt["text"].strip():
                problems.append(f"{where}: empty text")
            excerpt["file"] = path.name
            excerpts.append(excerpt)
    if problems:
        pytest.fail("the real-news set is malformed:\n  " + "\n  ".join(problems), pytrace=False)
    return excerpts


def found_categories(excerpts: list[dict]) -> dict[str, set[str]]:
    # As the crawler reads an article: normalised (the normalise stage), then matched.
    detector = default_detector()
    return {
        e["id"]: {m.category for m in detector.find(normalise_text(e["text"]))} for e in excerpts
    }


def score(excerpts: list[dict], found: dict[str, set[str]]) -> dict[tuple[str, str], Counter]:
    """tp/fp/fn/support per (category, language) and per (category, gated group)."""
    counts: dict[tuple[str, str], Counter] = {}
    for excerpt in excerpts:
        expected, got = set(excerpt["expected"]), found[excerpt["id"]]
        groups = [excerpt["lang"]] + [
            g for g, (langs, _) in GATES.items() if excerpt["lang"] in langs
        ]
        for category in CATEGORIES:
            for group in dict.fromkeys(groups):
                cell = counts.setdefault((category, group), Counter())
                cell["excerpts"] += 1
                cell["support"] += category in expected
                cell["tp"] += category in expected and category in got
                cell["fp"] += category in got and category not in expected
                cell["fn"] += category in expected and category not in got
    return counts


def ratio(part: int, whole: int) -> float:
    return part / whole if whole else 1.0


def precision(cell: Counter) -> float:
    return ratio(cell["tp"], cell["tp"] + cell["fp"])


def recall(cell: Counter) -> float:
    return ratio(cell["tp"], cell["tp"] + cell["fn"])


def table(split: str, excerpts: list[dict], counts: dict[tuple[str, str], Counter]) -> str:
    order = [*LANGS, *(group for group in GATES if group not in LANGS)]
    traps = [e for e in excerpts if e["trap"]]
    lines = [
        f"{split}: {len(excerpts)} excerpts, {len(traps)} traps",
        f"{'category':22} {'langs':9} {'n':>4} {'support':>7} {'tp':>4} {'fp':>4} {'fn':>4} "
        f"{'precision':>9} {'recall':>7}",
    ]
    for category in CATEGORIES:
        for group in order:
            cell = counts.get((category, group))
            if cell is None:
                continue
            lines.append(
                f"{category:22} {group:9} {cell['excerpts']:4d} {cell['support']:7d} "
                f"{cell['tp']:4d} {cell['fp']:4d} {cell['fn']:4d} "
                f"{precision(cell):9.3f} {recall(cell):7.3f}"
            )
    return "\n".join(lines)


def test_real_set_is_there_and_complete():
    excerpts = load_real()
    assert len(excerpts) >= MIN_EXCERPTS, f"{len(excerpts)} excerpts, fewer than {MIN_EXCERPTS}"
    assert {e["lang"] for e in excerpts} == set(LANGS)
    assert {e["split"] for e in excerpts} == set(SPLITS)
    for excerpt in excerpts:
        # One file per language, plus files of excerpts added to dev later (dev_*.toml).
        stem = Path(excerpt["file"]).stem
        if stem.startswith("dev_"):
            assert excerpt["split"] == "dev", (excerpt["id"], excerpt["file"])
        else:
            assert excerpt["lang"] == stem, (excerpt["id"], excerpt["file"])


def _word_grams(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.lower())
    return {tuple(words[i : i + 4]) for i in range(len(words) - 3)}


def test_excerpts_added_to_dev_repeat_no_test_excerpt():
    """The same story from another outlet would tune the lexicon on the held-out text:
    no excerpt of a dev_*.toml file shares more than 15% of its word 4-grams with a
    test excerpt. Only the dev ids are reported, never the test text."""
    excerpts = load_real()
    held_out = [_word_grams(e["text"]) for e in excerpts if e["split"] == "test"]
    repeats = []
    for excerpt in excerpts:
        if not Path(excerpt["file"]).stem.startswith("dev_"):
            continue
        grams = _word_grams(excerpt["text"])
        shared = max(
            (len(grams & other) / max(1, min(len(grams), len(other))) for other in held_out),
            default=0,
        )
        if shared > 0.15:
            repeats.append(f"{excerpt['id']} ({excerpt['file']}): {shared:.0%} of a test excerpt")
    assert not repeats, "dev excerpts that repeat a test excerpt: " + "; ".join(repeats)


def test_real_dev_split_table():
    """The dev table, and the dev excerpts the detector disagrees with (for tuning)."""
    dev = [e for e in load_real() if e["split"] == "dev"]
    found = found_categories(dev)
    print("\n" + table("dev", dev, score(dev, found)))
    misses = [
        f"  {e['id']} ({e['lang']}) expected {sorted(e['expected'])} found {sorted(found[e['id']])}"
        for e in dev
        if set(e["expected"]) != found[e["id"]]
    ]
    if misses:
        print("dev disagreements:\n" + "\n".join(misses))


def test_real_test_split_quality_gate():
    """The gate. Only aggregate figures of the test split are ever printed."""
    test = [e for e in load_real() if e["split"] == "test"]
    assert test, "no excerpt has split = 'test'"
    counts = score(test, found_categories(test))
    print("\n" + table("test", test, counts))
    failures = []
    for group, (_langs, target) in GATES.items():
        for category in CATEGORIES:
            cell = counts.get((category, group))
            if cell is None:
                failures.append(f"{category}/{group}: no test excerpts")
                continue
            floor = BELOW_TARGET.get((category, group), target)
            if floor < target:
                print(f"{category}/{group}: recorded floor {floor} is below the target {target}")
            if precision(cell) < floor or recall(cell) < floor:
                failures.append(
                    f"{category}/{group}: precision {precision(cell):.3f} "
                    f"(tp {cell['tp']}, fp {cell['fp']}), recall {recall(cell):.3f} "
                    f"(fn {cell['fn']}), floor {floor}"
                )
    if failures:
        pytest.fail("below the floor on the test split: " + "; ".join(failures), pytrace=False)
