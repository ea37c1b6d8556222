"""Blocking work done off the reactor thread while a crawl runs.

Closing one spider writes its run record and feed state and waits for the
store writer. Those SQLite writes wait for the writer's lock (a batch holds
it for a fraction of a second), and on the reactor thread every such wait
stalls the crawl's other spiders. Scrapy awaits what a close handler
returns, so the work goes to a thread and the reactor goes on.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any


def off_reactor(function: Callable[..., Any], *args: Any) -> asyncio.Future | None:
    """Run ``function(*args)`` on a thread and return its future when an event
    loop runs (a crawl); otherwise (tests, scripts) run it now and return None."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        function(*args)
        return None
    return asyncio.ensure_future(asyncio.to_thread(function, *args))
