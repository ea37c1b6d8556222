"""CPU priority of the crawl's helper processes (the store writer, the offload worker).

The reactor thread is the crawl's critical path: when it waits for a core
behind a helper, the whole crawl waits. Helpers therefore take the lowest
priority (niceness 19), so the scheduler runs them in the reactor's gaps and
on an idle core at full speed. A helper that falls behind still gets its
turn: the bounded queues make the crawl wait for it, which frees the CPU.
(``SCHED_IDLE`` was measured too: it starves the helpers into a longer tail.)
"""

from __future__ import annotations

import contextlib
import os

HELPER_NICENESS = 19


def lower_priority() -> None:
    """Make this process yield the CPU to the crawl; a no-op where not allowed."""
    with contextlib.suppress(OSError, AttributeError):  # no os.nice on some platforms
        os.nice(HELPER_NICENESS)
