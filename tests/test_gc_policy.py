"""The crawl process freezes its start-up objects and collects young ones less often."""

from __future__ import annotations

import json
import subprocess
import sys

from crawler.gc_policy import YOUNG_THRESHOLD

# Runs the crawl's set-up, then stops where it would start fetching.
PROBE = """
import gc, json, sys
from pathlib import Path
import crawler.runner as runner

def probe():
    real_settle()
    print(json.dumps([gc.get_freeze_count(), gc.get_threshold()[0], "pymorphy3" in sys.modules]))
    sys.exit(0)

real_settle, runner.settle_after_startup = runner.settle_after_startup, probe
runner.crawl(["akimat"], runner.build_settings(Path(sys.argv[1])))
"""


def _run(code: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_settle_after_startup_freezes_and_raises_the_young_threshold() -> None:
    out = _run(
        "import gc, json; from crawler.gc_policy import settle_after_startup;"
        "import scrapy.crawler; settle_after_startup();"
        "print(json.dumps([gc.get_freeze_count(), gc.get_threshold()[0], gc.isenabled()]))"
    )
    frozen, young, enabled = json.loads(out)
    assert frozen > 10_000  # Scrapy and Twisted alone are tens of thousands of objects
    assert young == YOUNG_THRESHOLD
    assert enabled  # cycles are still collected


def test_the_crawl_settles_after_loading_its_pipelines(tmp_path) -> None:
    frozen, young, morphology_loaded = json.loads(_run(PROBE, str(tmp_path / "crafts.db")))
    # The lexicon's morphology dictionary is the largest start-up object graph.
    assert morphology_loaded
    assert frozen > 50_000
    assert young == YOUNG_THRESHOLD
