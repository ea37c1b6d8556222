"""The shared requests a crawl process holds, until the outcome of each is settled.

A request taken from the shared queue stays in Redis (``inflight``) under this
process's lease while it is downloaded and its outputs handled. It is released
once what it produced is safe: its outputs handed on and each of its items pushed
to the store's list or dropped, or it failed for good. A process killed before
that leaves it held, and another process asks for it again.
"""

from __future__ import annotations

import itertools

from crawler.run.shared_run import SharedRun

# The meta key naming which held request a request, response or item stems from.
HELD = "shared_held"


class Held:
    """The shared requests this process holds, until the outcome of each is settled:
    its outputs handed on (items pushed or dropped), or it failed for good."""

    def __init__(self, run: SharedRun) -> None:
        self.run = run
        self.data: dict[str, bytes] = {}
        self.items: dict[str, int] = {}
        self.outputs_done: set[str] = set()
        self.ids = itertools.count(1)

    def took(self, data: bytes) -> str:
        key = str(next(self.ids))
        self.data[key] = data
        return key

    def item_out(self, key: str) -> None:
        if key in self.data:
            self.items[key] = self.items.get(key, 0) + 1

    def item_done(self, key: str | None) -> None:
        if key in self.items:
            self.items[key] -= 1
            if self.items[key] <= 0:
                del self.items[key]
            self._settle(key)

    def outputs_over(self, key: str | None) -> None:
        if key in self.data:
            self.outputs_done.add(key)
            self._settle(key)

    def failed(self, key: str | None) -> None:
        if key in self.data:
            self.finish(key)

    def handed_on(self, key: str | None) -> bytes | None:
        """Forget ``key`` without releasing it: the caller releases it atomically
        with queueing what replaces it."""
        if key is None:
            return None
        self.items.pop(key, None)
        self.outputs_done.discard(key)
        return self.data.pop(key, None)

    def finish(self, key: str) -> None:
        data = self.handed_on(key)
        if data is not None:
            self.run.done(data)

    def _settle(self, key: str) -> None:
        if key in self.outputs_done and not self.items.get(key):
            self.finish(key)
