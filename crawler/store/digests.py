"""Compact sets of 64-bit digests: what one crawl remembers of the articles it met.

The spiders' queued and listed URLs and the dedup stage's URLs and bodies of
this run: as string sets they cost about 24 MB at 20 000 articles per source,
enough to break the crawl's 200 MB guard (docs/performance.md). What was
stored before the run is looked up in the database instead.

:class:`DigestSet` keeps 8 bytes an entry: a sorted ``array('Q')`` searched
with ``bisect``, plus a small set of recent additions merged into it now and
then. The merge runs in numpy on the raw 8-byte values: building
it from Python ints made a 60-byte object per entry at every merge, a peak
that grew with the crawl and left the heap fragmented.
"""

from __future__ import annotations

import hashlib
from array import array
from bisect import bisect_left
from collections.abc import Iterable

import numpy as np


def digest64(text: str) -> int:
    """A stable 64-bit digest of ``text`` (the same in every process and run)."""
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


class DigestSet:
    """A growing set of unsigned 64-bit integers, 8 bytes each."""

    # Additions kept in a plain set before they join the sorted array: large
    # enough that merging stays rare, small enough to cost nothing.
    RECENT_LIMIT = 4096

    def __init__(self, values: Iterable[int] = ()) -> None:
        self._sorted = _packed(np.unique(np.fromiter(values, dtype=np.uint64)))
        self._recent: set[int] = set()

    def __contains__(self, value: int) -> bool:
        if value in self._recent:
            return True
        i = bisect_left(self._sorted, value)
        return i < len(self._sorted) and self._sorted[i] == value

    def add(self, value: int) -> bool:
        """Add ``value``; whether it was new (one lookup for check-and-add)."""
        if value in self:
            return False
        self._recent.add(value)
        if len(self._recent) >= self.RECENT_LIMIT:
            recent = np.fromiter(self._recent, dtype=np.uint64, count=len(self._recent))
            self._recent.clear()
            # The recent values are not in the array (add checked), so no unique().
            merged = np.concatenate((np.frombuffer(self._sorted, dtype=np.uint64), recent))
            merged.sort()
            self._sorted = _packed(merged)
        return True

    def __len__(self) -> int:
        return len(self._sorted) + len(self._recent)


def _packed(values: np.ndarray) -> array:
    """Sorted unique ``uint64`` values as an ``array('Q')`` (bisect is fast on it, not on numpy)."""
    return array("Q", values.tobytes())
