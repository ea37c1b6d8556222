"""The compact digest sets the spiders and the dedup stage remember articles with."""

from __future__ import annotations

import sys

from hypothesis import given
from hypothesis import strategies as st

from crawler.store.digests import DigestSet, digest64

DIGESTS = st.integers(min_value=0, max_value=2**64 - 1)


@given(st.lists(DIGESTS, max_size=300), st.lists(DIGESTS, max_size=300))
def test_behaves_as_a_set(initial: list[int], added: list[int]) -> None:
    digests, expected = DigestSet(initial), set(initial)
    for value in added:
        digests.add(value)
        expected.add(value)
        assert value in digests
    assert len(digests) == len(expected)
    assert all(value in digests for value in expected)
    assert not any(value in digests for value in {v ^ 1 for v in expected} - expected)


def test_keeps_every_value_across_merges_at_eight_bytes_each() -> None:
    digests = DigestSet()
    values = [
        digest64(f"https://example.kz/news/{i}") for i in range(3 * DigestSet.RECENT_LIMIT + 5)
    ]
    for value in values:
        digests.add(value)
    digests.add(values[0])  # a repeat is not counted twice
    assert len(digests) == len(values)
    assert all(value in digests for value in values)
    assert digest64("https://example.kz/news/other") not in digests
    # What stays is the sorted array: 8 bytes an entry (and array's 1/16
    # headroom), not a set's ~60.
    assert sys.getsizeof(digests._sorted) < 9 * len(values) + 1024


def test_digest_is_stable() -> None:
    assert digest64("https://arnapress.kz/news/1") == digest64("https://arnapress.kz/news/1")
    assert digest64("a") != digest64("b")
    assert 0 <= digest64("ремесло") < 2**64


def test_add_says_whether_the_value_was_new() -> None:
    digests = DigestSet([5])
    assert digests.add(7) is True
    assert digests.add(7) is False
    assert digests.add(5) is False


def test_a_merge_makes_no_python_object_per_entry() -> None:
    """Merging builds no Python ints: its peak is a few raw copies, not ~60 bytes an entry."""
    import tracemalloc

    digests = DigestSet(range(1, 200_001))
    for value in range(-DigestSet.RECENT_LIMIT + 1, 0):
        digests.add(value + 2**64)
    tracemalloc.start()
    try:
        digests.add(2**63)  # the addition that triggers the merge
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(digests) == 200_000 + DigestSet.RECENT_LIMIT
    assert digests._recent == set()
    assert peak < 4 * 8 * len(digests)  # a Python int list alone would be 5 times that
