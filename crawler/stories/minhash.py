"""MinHash signatures and their LSH band keys, vectorised with numpy.

The scheme is 32-bit affine MinHash: each shingle hash is pre-mixed with the
MurmurHash3 finaliser, then each permutation ``k`` maps it to ``a_k * h + b_k``
modulo 2**32 (``a_k`` odd, so a bijection), and the signature keeps the minimum
per permutation. The permutations come from ``numpy.random.RandomState(SEED)``
drawn as datasketch's ``affine32`` scheme draws them, so signatures equal the
ones that library computes (tests pin them); one broadcast does all the work.

Banding: the signature's ``NUM_PERM`` values are cut into ``BANDS`` bands of ``ROWS``
values; two texts become candidates when any band is equal. The chance of that is
``1 - (1 - J**ROWS) ** BANDS`` for Jaccard similarity ``J``: with 42 bands of 3 rows
it is 0.94 at J = 0.4, 0.98 at 0.45, 0.996 at 0.5 and 0.29 at 0.2, so near-duplicates
above the default threshold (0.5) are almost never missed, and the exact similarity
of each candidate decides. Changing these constants changes every stored band key:
re-index with :func:`crawler.stories.index.reindex_all`.
"""

from __future__ import annotations

import numpy as np

NUM_PERM = 128
BANDS = 42
ROWS = 3
SEED = 1


def _permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The (odd) multipliers and the offsets of the affine permutations."""
    generator = np.random.RandomState(seed)
    a = generator.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = generator.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return a, b


# Only the permutations the bands read are applied (drawn all, so they stay the same).
_A, _B = (values[: BANDS * ROWS] for values in _permutations(NUM_PERM, SEED))
_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)  # odd 64-bit constants of splitmix64
_MIX1, _MIX2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)
_BAND_SALT = np.arange(1, BANDS + 1, dtype=np.uint64) * _MULTIPLIER


def _fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finaliser: spreads weak or structured input hashes."""
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


def signature(hashes: np.ndarray) -> np.ndarray:
    """The first ``BANDS * ROWS`` MinHash values (uint32) of a set of shingle hashes."""
    mixed = _fmix32(np.asarray(hashes, dtype=np.uint32))
    # (shingles × permutations) in uint32: the wrap-around is the modulo 2**32.
    return (mixed[:, None] * _A + _B).min(axis=0)


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
    rows = signature(hashes).astype(np.uint64).reshape(BANDS, ROWS)
    key = _BAND_SALT.copy()
    with np.errstate(over="ignore"):
        for column in range(ROWS):
            key = _mix(key ^ rows[:, column])
    return key.view(np.int64).tolist()
