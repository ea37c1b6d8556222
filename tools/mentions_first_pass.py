"""How the lexicon did on real news it had never seen: the "first pass" of each batch.

Every ``tests/fixtures/mentions/real/dev_r*.toml`` batch was collected, then the
lexicon was tuned on it. Scoring each batch with the code and lexicon of the
commit just before the batch was added measures the detector on text it was not
tuned on, which the small test split alone measures only roughly. Run from a
clone with history:

    python tools/mentions_first_pass.py

It checks out those commits into temporary git worktrees (removed afterwards)
and prints precision and recall of ``crafts`` per batch and over all of them.
Each excerpt goes through that commit's normalise stage first, as an article.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT / "tests" / "fixtures" / "mentions" / "real"

# Run inside a worktree of an older commit: its own detector and lexicon.
_SCORE = """
import json, sys, tomllib
sys.path.insert(0, ".")
from crawler.text.mentions import default_detector
from crawler.text.normalisation import normalise_text
detector = default_detector()
out = {}
for path in sys.argv[1:]:
    cell = {"tp": 0, "fp": 0, "fn": 0}
    for excerpt in tomllib.loads(open(path, encoding="utf-8").read())["excerpt"]:
        text = normalise_text(excerpt["text"])  # as that commit's crawler read an article
        found = "crafts" in {m.category for m in detector.find(text)}
        expected = "crafts" in excerpt["expected"]
        cell["tp"] += found and expected
        cell["fp"] += found and not expected
        cell["fn"] += expected and not found
    out[path] = cell
print(json.dumps(out))
"""


def _round(name: str) -> tuple[int, str]:
    """Sort key of a batch file or round name: r4 before r10."""
    label = name.removeprefix("dev_").split("_")[0]
    return int(label.removeprefix("r")), name


def _git(*args: str) -> str:
    done = subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"git {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout.strip()


def commit_before(path: Path) -> str:
    """The commit just before ``path`` was first added."""
    added = _git("log", "--diff-filter=A", "--format=%H", "--", str(path.relative_to(ROOT)))
    if not added:
        sys.exit(f"{path.name} is not committed: commit it first")
    return _git("rev-parse", added.splitlines()[-1] + "^")


def first_pass(batches: list[Path]) -> dict[str, tuple[str, Counter]]:
    """{batch file name: (commit, crafts tp/fp/fn)} scored at the commit before each."""
    by_commit: dict[str, list[Path]] = defaultdict(list)
    for batch in batches:
        by_commit[commit_before(batch)].append(batch)
    results = {}
    with tempfile.TemporaryDirectory(prefix="first-pass-") as scratch:
        for commit, paths in by_commit.items():
            tree = Path(scratch) / commit[:12]
            _git("worktree", "add", "--detach", str(tree), commit)
            try:
                done = subprocess.run(
                    [sys.executable, "-c", _SCORE, *map(str, paths)],
                    cwd=tree,
                    capture_output=True,
                    text=True,
                )
                if done.returncode:
                    sys.exit(f"scoring at {commit[:12]} failed:\n{done.stderr}")
                for path, cell in json.loads(done.stdout).items():
                    results[Path(path).name] = (commit[:12], Counter(cell))
            finally:
                _git("worktree", "remove", "--force", str(tree))
    return results


def _line(name: str, cell: Counter) -> str:
    tp, fp, fn = cell["tp"], cell["fp"], cell["fn"]
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return f"{name:28s} tp {tp:4d}  fp {fp:3d}  fn {fn:3d}  P {precision:.3f}  R {recall:.3f}"


def main() -> int:
    batches = sorted(REAL.glob("dev_r*.toml"), key=lambda path: _round(path.name))
    if not batches:
        sys.exit(f"no dev_r*.toml batches in {REAL}")
    results = first_pass(batches)
    total: Counter = Counter()
    rounds: dict[str, Counter] = defaultdict(Counter)
    print("crafts, each batch scored by the lexicon of the commit before it was added:")
    for name in sorted(results, key=_round):
        commit, cell = results[name]
        total += cell
        rounds[name.split("_")[1]] += cell
        print(_line(f"{name} ({commit})", cell))
    for name in sorted(rounds, key=_round):
        print(_line(f"round {name}", rounds[name]))
    print(_line("all batches", total))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
