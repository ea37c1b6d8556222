"""CPU-bound stage work in a worker process, awaited from the reactor.

Scrapy runs item pipelines on the reactor thread, and with the GIL a thread
pool cannot help CPU-bound Python: every millisecond a stage spends turning
HTML into text or matching the lexicon is a millisecond the crawl neither
fetches nor parses. Stages hand such pure work to one worker process instead
and await the result, while the reactor goes on with other responses.

Calls queued within a few milliseconds travel together as one message, so the
reactor thread pays a pickle and a future per item, not a round trip. The
calls in the worker's hands are bounded: when it falls behind (it runs at
the lowest priority, so it does whenever the reactor and the sites keep both
cores busy), the reactor thread waits for it instead of parsing more pages
into items that would only queue up, so a crawl's memory does not depend on
how long it runs. If the worker dies, what it had not answered is computed in
this process: a crashed worker slows the crawl down but loses nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import itertools
import logging
import multiprocessing
import pickle
import queue
import threading
import time
import traceback
from collections.abc import Callable
from functools import cache
from typing import Any

logger = logging.getLogger(__name__)

# Calls gathered before a message leaves, and the longest the first one waits.
MAX_BATCH = 100
LINGER_SECONDS = 0.01
# Unanswered calls at which the reactor waits for the worker, until half are
# answered. Two full messages: the worker always has the next one at hand.
MAX_UNANSWERED = 2 * MAX_BATCH

Call = tuple[int, str, tuple[Any, ...]]  # (call id, "module:function", arguments)


@cache  # the worker looks up the same few functions for every call
def resolve(name: str) -> Callable[..., Any]:
    """The function named ``module:function``."""
    module, _, function = name.partition(":")
    return getattr(importlib.import_module(module), function)


def run_calls(calls: list[Call]) -> list[tuple[int, bool, Any]]:
    """Run a batch of calls; each answer is (call id, succeeded, result or exception)."""
    answers = []
    for call_id, name, args in calls:
        try:
            answers.append((call_id, True, resolve(name)(*args)))
        except Exception as error:  # answered to the caller, not raised here
            answers.append((call_id, False, _picklable(error)))
    return answers


def _picklable(error: Exception) -> Exception:
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:
        return RuntimeError("".join(traceback.format_exception(error, limit=5)))
    return error


def _serve(inbox: Any, outbox: Any) -> None:
    # The parent's end of ``inbox`` closes when the crawl exits or is killed,
    # so recv() raises EOFError and the worker ends with it.
    from crawler.malloc_policy import return_freed_memory
    from crawler.priority import lower_priority

    lower_priority()
    return_freed_memory()
    try:
        while True:
            calls = inbox.recv()
            if calls is None:
                return
            outbox.send(run_calls(calls))
    except (EOFError, OSError, KeyboardInterrupt):
        return


class Offloader:
    """One worker process; ``call()`` returns an asyncio future of the result."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        worker_inbox, self._outbox = context.Pipe(duplex=False)
        self._inbox, worker_outbox = context.Pipe(duplex=False)
        self.process = context.Process(
            target=_serve, args=(worker_inbox, worker_outbox), name="crawler-offload", daemon=True
        )
        self.process.start()
        worker_inbox.close()
        worker_outbox.close()
        self.users = 0
        self._ids = itertools.count()
        self._pending: list[Call] = []
        # Touched only on the reactor thread (the receiver hands answers over
        # with call_soon_threadsafe), so it needs no lock.
        self._waiting: dict[int, tuple[asyncio.Future, Call]] = {}
        self._flush_handle: asyncio.TimerHandle | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.alive = True
        # Calls sent and not answered yet: counted down by the receiver thread
        # as answers arrive, so a waiting reactor thread sees them at once.
        self._unanswered = 0
        self._answered = threading.Condition()
        self.waited_seconds = 0.0  # how long the reactor waited for the worker
        # Pipe writes and reads block; threads keep them off the reactor.
        self._sends: queue.SimpleQueue = queue.SimpleQueue()
        self._sender = threading.Thread(target=self._send_loop, name="offload-send", daemon=True)
        self._receiver = threading.Thread(
            target=self._receive_loop, name="offload-receive", daemon=True
        )
        self._sender.start()
        self._receiver.start()

    # -- the reactor side ------------------------------------------------------
    def call(self, name: str, *args: Any) -> asyncio.Future:
        """Run ``module:function(*args)`` in the worker; await the returned future."""
        loop = self._loop = asyncio.get_running_loop()
        future = loop.create_future()
        call = (next(self._ids), name, args)
        if not self.alive:
            _settle(future, run_calls([call])[0])
            return future
        if self._unanswered >= MAX_UNANSWERED:
            self._wait_for_worker()
        self._waiting[call[0]] = (future, call)
        with self._answered:
            self._unanswered += 1
        self._pending.append(call)
        if len(self._pending) >= MAX_BATCH:
            self._flush()
        elif self._flush_handle is None:
            self._flush_handle = loop.call_later(LINGER_SECONDS, self._flush)
        return future

    def _flush(self) -> None:
        if self._flush_handle is not None:
            self._flush_handle.cancel()
            self._flush_handle = None
        if self._pending:
            self._sends.put(self._pending)
            self._pending = []

    def _wait_for_worker(self) -> None:
        """Block the reactor thread until the worker has answered half its calls."""
        self._flush()
        started = time.monotonic()
        with self._answered:
            while self.alive and self._unanswered > MAX_UNANSWERED // 2:
                self._answered.wait(timeout=1.0)
        self.waited_seconds += time.monotonic() - started

    def _deliver(self, answers: list[tuple[int, bool, Any]]) -> None:
        for answer in answers:
            waiting = self._waiting.pop(answer[0], None)
            if waiting is not None:
                _settle(waiting[0], answer)

    def _rescue(self) -> None:
        """The worker is gone: answer its unanswered calls here."""
        self._flush()
        waiting = list(self._waiting.values())
        self._waiting.clear()
        if waiting:
            logger.warning(
                "the offload worker stopped; %d calls run in the crawl process", len(waiting)
            )
        for future, call in waiting:
            _settle(future, run_calls([call])[0])

    # -- threads -----------------------------------------------------------------
    def _send_loop(self) -> None:
        while True:
            calls = self._sends.get()
            if calls is None:
                break
            try:
                self._outbox.send(calls)
            except (OSError, ValueError):
                break  # the worker is gone; the receiver rescues the calls

    def _receive_loop(self) -> None:
        while True:
            try:
                answers = self._inbox.recv()
            except (EOFError, OSError):
                break
            with self._answered:
                self._unanswered -= len(answers)
                self._answered.notify_all()
            if self._loop is not None:
                try:
                    self._loop.call_soon_threadsafe(self._deliver, answers)
                except RuntimeError:
                    break
        with self._answered:
            self.alive = False
            self._answered.notify_all()
        if self._loop is not None:
            # A closed loop raises: nobody waits any more.
            with contextlib.suppress(RuntimeError):
                self._loop.call_soon_threadsafe(self._rescue)

    def stop(self) -> None:
        """Let the worker finish what it has and end it."""
        self._flush()
        self._sends.put(None)
        self._sender.join()
        if self.process.is_alive():
            with contextlib.suppress(OSError, ValueError):
                self._outbox.send(None)
        self.process.join(timeout=10)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self._outbox.close()
        self._receiver.join(timeout=10)
        self._inbox.close()


def _settle(future: asyncio.Future, answer: tuple[int, bool, Any]) -> None:
    if future.done():  # cancelled meanwhile
        return
    _, ok, value = answer
    if ok:
        future.set_result(value)
    else:
        future.set_exception(value)


_shared: Offloader | None = None


def acquire() -> Offloader:
    """This process's worker, started on first use; pair with ``release()``."""
    global _shared
    if _shared is None or not _shared.process.is_alive():
        _shared = Offloader()
    _shared.users += 1
    return _shared


def release(offloader: Offloader) -> None:
    """Stop the worker when its last user leaves."""
    global _shared
    offloader.users -= 1
    if offloader.users <= 0:
        offloader.stop()
        if _shared is offloader:
            _shared = None


class OffloadingStage:
    """An item pipeline stage that runs its work in the shared worker when
    ``use_worker`` is set; ``offloader`` is None outside a crawl."""

    use_worker: bool = False
    offloader: Offloader | None = None

    def open_spider(self) -> None:
        if self.use_worker:
            self.offloader = acquire()

    def close_spider(self) -> None:
        if self.offloader is not None:
            release(self.offloader)
            self.offloader = None


def worker_pid() -> int | None:
    """The worker's process id, if one runs (for tests and diagnostics)."""
    return _shared.process.pid if _shared is not None and _shared.process.is_alive() else None


__all__ = [
    "Offloader",
    "OffloadingStage",
    "acquire",
    "release",
    "resolve",
    "run_calls",
    "worker_pid",
]
