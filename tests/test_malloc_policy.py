"""Freed large blocks go back to the system instead of staying resident."""

from __future__ import annotations

import platform
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(
    sys.platform != "linux" or platform.libc_ver()[0] != "glibc", reason="glibc's malloc only"
)

# Allocates 64 blocks of 1 MB, frees every other one (the others stay, so the
# heap cannot shrink from the top) and prints how many MB of the freed ones
# are still resident.
PROBE = """
import sys
def rss_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) // 1024
if sys.argv[1] == "policy":
    from crawler.malloc_policy import return_freed_memory
    assert return_freed_memory()
size = 1 << 20
block = b"x" * size
del block  # freeing one mapped block is what makes glibc raise its threshold
blocks = [bytes([65 + i % 26]) * size for i in range(64)]
before = rss_mb()
del blocks[::2]
print(32 - (before - rss_mb()))
"""


def _retained_mb(mode: str) -> int:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, mode], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return int(done.stdout)


def test_freed_large_blocks_are_returned() -> None:
    assert _retained_mb("policy") < 8


def test_without_the_policy_they_stay_resident() -> None:
    # What the policy is for: glibc's adaptive threshold keeps them in the heap.
    assert _retained_mb("default") > 24


# The crawl's own set-up, stopped where it would start fetching; then the
# same allocations as above.
CRAWL_PROBE = """
import sys
from pathlib import Path
import crawler.runner as runner

def probe():
    sys.argv = ["probe", "crawl"]
    exec(PROBE, {})
    sys.exit(0)

PROBE = sys.stdin.read().replace('if sys.argv[1] == "policy":', "if False:")
runner.settle_after_startup = probe
runner.crawl(["akimat"], runner.build_settings(Path(sys.argv[1])))
"""


def test_the_crawl_process_returns_them(tmp_path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", CRAWL_PROBE, str(tmp_path / "crafts.db")],
        input=PROBE,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert int(done.stdout.split()[-1]) < 8


# 512 blocks of 64 KB (below the mapping threshold, so inside the heap, as
# socket reads are), every other one freed: the holes cannot merge, so their
# pages stay resident until something trims the heap. Prints the MB of the
# freed ones still resident after ``wait`` seconds.
HEAP_PROBE = """
import sys, time
def rss_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) // 1024
from crawler import malloc_policy
mode, wait = sys.argv[1], float(sys.argv[2])
if mode == "thread":
    malloc_policy.TRIM_SECONDS = 0.2
    assert malloc_policy.return_freed_memory()
blocks = [bytes([65 + i % 26]) * (60 << 10) for i in range(512)]
before = rss_mb()
del blocks[::2]
if mode == "now":
    assert malloc_policy.trim()
time.sleep(wait)
print(15 - (before - rss_mb()))
"""


def _heap_retained_mb(mode: str, wait: float) -> int:
    done = subprocess.run(
        [sys.executable, "-c", HEAP_PROBE, mode, str(wait)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return int(done.stdout)


def test_free_pages_inside_the_heap_stay_resident_without_a_trim() -> None:
    assert _heap_retained_mb("none", 0) > 10


def test_a_trim_gives_them_back() -> None:
    assert _heap_retained_mb("now", 0) < 4


def test_the_policy_trims_them_every_few_seconds() -> None:
    assert _heap_retained_mb("thread", 1.0) < 4
