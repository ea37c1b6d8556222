"""glibc malloc settings that give freed memory back to the system.

glibc serves a large block (a response body, a pickled batch on its way to a
helper) with its own ``mmap`` and unmaps it when freed, but only until the
first such block is freed: then it raises the threshold to that size, and
later blocks come from the heap. Freed heap blocks in the middle of the heap
stay resident, so each new peak of in-flight data leaves the process larger,
and a long crawl keeps growing (measured at 20 000 articles per source: 175
MB against 149 MB with these settings; about 136 MB at the start).

A fixed threshold keeps every large block in its own mapping, returned on
free, and a low trim threshold gives the top of the heap back as it empties.
Elsewhere than glibc this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import cache

# mallopt() parameters (glibc's malloc.h).
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
# Blocks this large or larger are mapped on their own (glibc's initial threshold).
LARGE_BLOCK = 128 * 1024


@cache
def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    return libc if libc is not None and hasattr(libc, "mallopt") else None


def return_freed_memory() -> bool:
    """Apply the settings to this process; False where malloc is not glibc's."""
    libc = _libc()
    if libc is None:
        return False
    # mallopt returns 1 on success; setting either one also stops the
    # threshold from adapting.
    return bool(libc.mallopt(M_MMAP_THRESHOLD, LARGE_BLOCK)) and bool(
        libc.mallopt(M_TRIM_THRESHOLD, LARGE_BLOCK)
    )


__all__ = ["LARGE_BLOCK", "return_freed_memory"]
