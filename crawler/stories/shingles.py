"""Text fingerprints: hashed word shingles of the normalised text, and similarities.

A shingle is a run of ``SHINGLE_WORDS`` consecutive words after case folding (ё→е);
its fingerprint is a stable 32-bit hash (CRC-32), so fingerprints stored in the database
compare across runs and processes. The set of an article's shingle hashes is kept
as a sorted ``uint32`` array (a few hundred bytes per article), which gives exact
Jaccard similarities for the few candidates the LSH index proposes.
"""

from __future__ import annotations

import zlib

import numpy as np

from crawler.text.morphology import WORD_RE, fold

SHINGLE_WORDS = 4
_DTYPE = np.dtype("<u4")


def words(text: str) -> list[str]:
    """The case-folded words of ``text`` (punctuation and quotes dropped), as
    :func:`crawler.text.morphology.tokenize` finds them."""
    return WORD_RE.findall(fold(text))


def shingle_hashes(text: str, size: int = SHINGLE_WORDS) -> np.ndarray:
    """Sorted unique 32-bit hashes of the ``size``-word shingles of ``text``.

    A text shorter than ``size`` words is one shingle; a text without words has none.
    """
    found = words(text)
    if not found:
        return np.empty(0, dtype=_DTYPE)
    # Runs of ``size`` words (the shifted lists end together); a shorter text
    # is one shingle of all its words.
    shifted = (found[i:] for i in range(size))
    runs = zip(*shifted, strict=False) if len(found) >= size else [found]
    # CRC-32 is stable across processes and fast; MinHash mixes its bits again.
    # map() keeps the per-shingle loop in C: this is the writer's hottest loop.
    values = np.fromiter(map(zlib.crc32, map(str.encode, map(" ".join, runs))), dtype=_DTYPE)
    return np.unique(values)


def article_text(title: str | None, body: str | None) -> str:
    """The text an article is compared by: its title and body."""
    return f"{title or ''}\n{body or ''}"


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Exact Jaccard similarity of two sorted unique hash arrays."""
    if a.size == 0 or b.size == 0:
        return 0.0
    common = np.intersect1d(a, b, assume_unique=True).size
    return common / (a.size + b.size - common)


def to_blob(hashes: np.ndarray) -> bytes:
    return hashes.astype(_DTYPE, copy=False).tobytes()


def from_blob(blob: bytes | None) -> np.ndarray:
    if not blob:
        return np.empty(0, dtype=_DTYPE)
    return np.frombuffer(blob, dtype=_DTYPE)


def title_overlap(a: str | None, b: str | None) -> float:
    """Share of the shorter title's words found in the other title.

    Outlets prefix or suffix a copied headline («Акимат: …», «… — подробности»),
    so containment, not Jaccard, says whether two titles agree.
    """
    left, right = set(words(a or "")), set(words(b or ""))
    if not left or not right:
        return 0.0
    return len(left & right) / min(len(left), len(right))
