"""The stories benchmark runs on a clean install (numpy only) and its brute force is exact."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from itertools import combinations

import numpy as np

from tests.helpers import ROOT

BENCH = ROOT / "bench" / "bench_stories.py"


def load_bench():
    spec = importlib.util.spec_from_file_location("bench_stories", BENCH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_bench_stories_runs_without_optional_packages() -> None:
    for args in (["--help"], ["--articles", "60", "--sample", "40"]):
        done = subprocess.run(
            [sys.executable, str(BENCH), *args], capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stderr
        assert "Traceback" not in done.stderr
    assert "recall:" in done.stdout


def test_brute_force_pairs_is_exact_jaccard() -> None:
    rng = np.random.default_rng(0)
    shingles = {
        i: np.unique(rng.integers(0, 60, size=int(rng.integers(1, 30)))) for i in range(1, 80)
    }
    want = set()
    for a, b in combinations(sorted(shingles), 2):
        left, right = set(shingles[a].tolist()), set(shingles[b].tolist())
        if len(left & right) >= 0.5 * len(left | right):
            want.add((a, b))
    assert want and load_bench().brute_force_pairs(shingles, 0.5) == want
