"""The list between crawl processes and the store worker (``crawler:items``).

Each crawl process (each spider in it) numbers its messages: ``joined`` when the
spider opens, one ``article`` per item that passed the pipelines up to mentions,
``left`` with its stats when it closes. The worker moves messages one by one into
``crawler:items:processing`` (LMOVE, atomic), writes them in one SQLite
transaction, and only after the commit deletes the processing list. A worker killed
before that finds the list at its next start and applies it again; what it had
committed is skipped by each process's message number (``queue_progress``, written
in the same transaction), so every message is applied exactly once.
"""

from __future__ import annotations

import json
import os
import socket
from typing import Any

import redis

from crawler.run.shared_queue import Keys

ARTICLE, JOINED, LEFT = "article", "joined", "left"


class Outbox:
    """A crawl process's numbered messages for the store worker."""

    def __init__(self, server: redis.Redis, process: str) -> None:
        self.server = server
        self.process = process
        self.seq = 0

    def push(self, message: dict[str, Any]) -> None:
        """Append ``message`` (synchronously: a message is in Redis once this returns)."""
        self.seq += 1
        message = {**message, "process": self.process, "seq": self.seq}
        self.server.rpush(Keys.ITEMS, encode(message))


def encode(message: dict[str, Any]) -> bytes:
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def decode(raw: bytes) -> dict[str, Any] | None:
    """A message, or None for bytes that are not one."""
    try:
        message = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(message, dict) or message.get("type") not in (ARTICLE, JOINED, LEFT):
        return None
    if not isinstance(message.get("process"), str) or not isinstance(message.get("seq"), int):
        return None
    return message


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class WorkerBusy(Exception):
    """Another store worker drains this queue."""


class Inbox:
    """The store worker's side: a reliable queue over ``crawler:items``."""

    def __init__(self, server: redis.Redis, lease_seconds: float = 60) -> None:
        self.server = server
        self.lease = max(1, round(lease_seconds))
        self.name = f"{socket.gethostname()}:{os.getpid()}"

    def claim(self) -> None:
        """Be the queue's only worker (raises WorkerBusy naming the other one). A
        worker of this machine that was killed does not keep the queue until its
        lease runs out: its pid is checked."""
        if self.server.set(Keys.WORKER, self.name, nx=True, ex=self.lease):
            return
        other = self.server.get(Keys.WORKER)
        holder = other.decode() if other else "another process"
        host, _, pid = holder.rpartition(":")
        if host == socket.gethostname() and pid.isdigit() and not _running(int(pid)):
            pipe = self.server.pipeline(transaction=True)
            pipe.watch(Keys.WORKER)
            if pipe.get(Keys.WORKER) == other:
                pipe.multi()
                pipe.set(Keys.WORKER, self.name, ex=self.lease)
                try:
                    pipe.execute()
                    return
                except redis.WatchError:
                    pass
            pipe.reset()
        raise WorkerBusy(f"another store worker drains this queue ({holder})")

    def renew(self) -> None:
        self.server.set(Keys.WORKER, self.name, ex=self.lease)

    def release(self) -> None:
        if self.server.get(Keys.WORKER) == self.name.encode():
            self.server.delete(Keys.WORKER)

    def unfinished(self) -> list[bytes]:
        """What a worker that stopped mid-batch left in the processing list."""
        return list(self.server.lrange(Keys.PROCESSING, 0, -1))

    def take(self, limit: int, wait_seconds: float) -> list[bytes]:
        """Move up to ``limit`` messages into the processing list, waiting up to
        ``wait_seconds`` for the first; returns them in order."""
        first = self.server.blmove(Keys.ITEMS, Keys.PROCESSING, wait_seconds, "LEFT", "RIGHT")
        if first is None:
            return []
        pipe = self.server.pipeline(transaction=False)
        for _ in range(limit - 1):
            pipe.lmove(Keys.ITEMS, Keys.PROCESSING, "LEFT", "RIGHT")
        return [first, *(raw for raw in pipe.execute() if raw is not None)]

    def done(self) -> None:
        """The batch in the processing list is committed."""
        self.server.delete(Keys.PROCESSING)

    def dead_letter(self, raw: bytes) -> None:
        """Keep a message that could not be applied, for a person to look at."""
        self.server.rpush(Keys.FAILED, raw)

    def waiting(self) -> int:
        return int(self.server.llen(Keys.ITEMS))
