"""MinHash signatures (datasketch) and their LSH band keys.

Banding: the signature's ``NUM_PERM`` values are cut into ``BANDS`` bands of ``ROWS``
values; two texts become candidates when any band is equal. The chance of that is
``1 - (1 - J**ROWS) ** BANDS`` for Jaccard similarity ``J``: with 42 bands of 3 rows
it is 0.94 at J = 0.4, 0.98 at 0.45, 0.996 at 0.5 and 0.29 at 0.2, so near-duplicates
above the default threshold (0.5) are almost never missed, and the exact similarity
of each candidate decides. Changing these constants changes every stored band key:
re-index with :func:`crawler.stories.index.reindex_all`.
"""

from __future__ import annotations

import threading

import numpy as np
from datasketch import MinHash

NUM_PERM = 128
BANDS = 42
ROWS = 3
SEED = 1
SCHEME = "affine32"

_local = threading.local()
_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)  # odd 64-bit constants of splitmix64
_MIX1, _MIX2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)
_BAND_SALT = np.arange(1, BANDS + 1, dtype=np.uint64) * _MULTIPLIER


def _minhash() -> MinHash:
    # Building the permutations is the slow part of a MinHash: one per thread, reused.
    if not hasattr(_local, "minhash"):
        _local.minhash = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME, hashfunc=int)
    return _local.minhash


def signature(hashes: np.ndarray) -> np.ndarray:
    """The MinHash signature (``NUM_PERM`` uint32 values) of a set of shingle hashes."""
    minhash = _minhash()
    minhash.clear()
    minhash.update_batch(hashes.tolist())
    return minhash.hashvalues.copy()


def candidate_probability(similarity: float, bands: int = BANDS, rows: int = ROWS) -> float:
    """The chance that two texts of this Jaccard similarity share a band."""
    return 1.0 - (1.0 - similarity**rows) ** bands


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: every input bit moves every output bit."""
    x = (x ^ (x >> np.uint64(30))) * _MIX1
    x = (x ^ (x >> np.uint64(27))) * _MIX2
    return x ^ (x >> np.uint64(31))


def band_keys(hashes: np.ndarray) -> list[int]:
    """One signed 64-bit key per band (SQLite integers), distinct across bands."""
    if hashes.size == 0:
        return []
    rows = signature(hashes)[: BANDS * ROWS].astype(np.uint64).reshape(BANDS, ROWS)
    key = _BAND_SALT.copy()
    with np.errstate(over="ignore"):
        for column in range(ROWS):
            key = _mix(key ^ rows[:, column])
    return key.view(np.int64).tolist()
