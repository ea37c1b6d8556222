"""One spider's shared run in Redis: who discovers, who holds which request, when it ends.

Every crawl process of a spider joins the spider's current run (or opens one). The
first process to join is the *starter*: only it runs the spider's start
(discovery: tickets, list pages, robots.txt, sitemaps, feeds, home pages); the
article requests discovery finds go to the shared queue and every process takes
from it. A request taken from the queue sits in the ``inflight`` hash under its
owner's lease until it is done, so a process that dies loses nothing: once its lease
has expired, any other process puts its requests back in the queue. A starter whose
lease expired before its discovery was done is replaced by the next process to
join, which runs the start again (the requests it makes that were seen in this run
are filtered).

The run is over when discovery is done and neither the queue nor ``inflight``
holds a request; the process that sees this first deletes the run (and its
seen-set), so the next ``crawler crawl`` opens a new one. Every step that reads and
then writes is one Lua script, atomic in Redis.
"""

from __future__ import annotations

import os
import secrets
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass

import redis

from crawler.run.shared_queue import Keys

# The seen-set of a run nobody finishes (every process killed, none started again)
# disappears after this long.
SEEN_TTL_SECONDS = 7 * 24 * 3600

JOIN = """
local id = redis.call('HGET', KEYS[1], 'id')
if not id then
  redis.call('HSET', KEYS[1], 'id', ARGV[1], 'starter', ARGV[2], 'discovered', '0')
  return {ARGV[1], 1}
end
local starter = redis.call('HGET', KEYS[1], 'starter')
if redis.call('HGET', KEYS[1], 'discovered') ~= '1'
   and (not starter or redis.call('EXISTS', ARGV[3] .. starter) == 0) then
  redis.call('HSET', KEYS[1], 'starter', ARGV[2])
  return {id, 1}
end
return {id, 0}
"""

TAKE = """
local r = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #r == 0 then return false end
redis.call('ZREM', KEYS[1], r[1])
redis.call('HSET', KEYS[2], r[1], ARGV[1] .. ' ' .. r[2])
return r[1]
"""

# Pairs of (request, expected inflight value): each still held as expected goes back.
GIVE_BACK = """
local n = 0
for i = 1, #ARGV, 2 do
  if redis.call('HGET', KEYS[2], ARGV[i]) == ARGV[i + 1] then
    redis.call('HDEL', KEYS[2], ARGV[i])
    redis.call('ZADD', KEYS[1], string.match(ARGV[i + 1], '(%S+)$'), ARGV[i])
    n = n + 1
  end
end
return n
"""

DISCOVERED = """
if redis.call('HGET', KEYS[1], 'id') == ARGV[1] and redis.call('HGET', KEYS[1], 'starter') == ARGV[2] then
  redis.call('HSET', KEYS[1], 'discovered', '1')
  return 1
end
return 0
"""

TAKE_OVER = """
if redis.call('HGET', KEYS[1], 'id') ~= ARGV[1] or redis.call('HGET', KEYS[1], 'discovered') == '1' then
  return 0
end
local starter = redis.call('HGET', KEYS[1], 'starter')
if starter and redis.call('EXISTS', ARGV[3] .. starter) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'starter', ARGV[2])
return 1
"""

# 1: this call ended the run; 0: it had ended already (or another run replaced it);
# -1: not over yet.
COMPLETE = """
if redis.call('HGET', KEYS[1], 'id') ~= ARGV[1] then return 0 end
if redis.call('HGET', KEYS[1], 'discovered') ~= '1' then return -1 end
if redis.call('ZCARD', KEYS[2]) > 0 or redis.call('HLEN', KEYS[3]) > 0 then return -1 end
redis.call('DEL', KEYS[1], KEYS[4])
return 1
"""


def new_token(spider: str) -> str:
    """A name for one spider in one crawl process, unique across machines."""
    return f"{socket.gethostname()}:{os.getpid()}:{spider}:{secrets.token_hex(3)}"


def new_run_id() -> str:
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + "-" + secrets.token_hex(3)


@dataclass
class RunState:
    """The run as Redis holds it at one moment."""

    run_id: str | None
    starter: str | None
    discovered: bool
    starter_alive: bool
    queued: int
    inflight: int


class SharedRun:
    """One crawl process's membership of a spider's shared run."""

    def __init__(self, server: redis.Redis, spider: str, lease_seconds: float) -> None:
        self.server = server
        self.spider = spider
        self.lease = max(1, round(lease_seconds))
        self.token = new_token(spider)
        self.run_id = ""
        self.starter = False
        self._join = server.register_script(JOIN)
        self._take = server.register_script(TAKE)
        self._give_back = server.register_script(GIVE_BACK)
        self._discovered = server.register_script(DISCOVERED)
        self._take_over = server.register_script(TAKE_OVER)
        self._complete = server.register_script(COMPLETE)

    # --- membership -----------------------------------------------------------------
    def join(self) -> None:
        """Join the spider's run (opening one if there is none); the lease first, so a
        process that has just become the starter counts as alive."""
        self.beat()
        run_id, starter = self._join(
            keys=[Keys.run(self.spider)],
            args=[new_run_id(), self.token, Keys.OWNER_PREFIX],
        )
        self.run_id = run_id.decode() if isinstance(run_id, bytes) else str(run_id)
        self.starter = bool(starter)
        self.server.set(Keys.owner(self.token), self.run_id, ex=self.lease)

    def beat(self) -> None:
        """Renew this process's lease (and keep the run's seen-set from expiring)."""
        pipe = self.server.pipeline(transaction=False)
        pipe.set(Keys.owner(self.token), self.run_id or "joining", ex=self.lease)
        if self.run_id:
            pipe.expire(Keys.seen(self.spider, self.run_id), SEEN_TTL_SECONDS)
        pipe.execute()

    def give_back_own(self) -> int:
        """Put back in the queue what this process still holds (it is stopping)."""
        return self.give_back(lambda owner: owner == self.token)

    def drop_lease(self) -> None:
        """This process is gone (its last message to the store worker is sent)."""
        self.server.delete(Keys.owner(self.token))

    def take_over(self) -> bool:
        """Become the starter of this run if its starter's lease expired before its
        discovery was done."""
        self.starter = bool(
            self._take_over(
                keys=[Keys.run(self.spider)],
                args=[self.run_id, self.token, Keys.OWNER_PREFIX],
            )
        )
        return self.starter

    def mark_discovered(self) -> bool:
        """The starter's discovery is done (its spider went idle)."""
        return bool(self._discovered(keys=[Keys.run(self.spider)], args=[self.run_id, self.token]))

    def complete(self) -> int:
        """End the run if it is over: 1 ended now, 0 ended before, -1 not over."""
        return int(
            self._complete(
                keys=[
                    Keys.run(self.spider),
                    Keys.requests(self.spider),
                    Keys.inflight(self.spider),
                    Keys.seen(self.spider, self.run_id),
                ],
                args=[self.run_id],
            )
        )

    def state(self) -> RunState:
        pipe = self.server.pipeline(transaction=False)
        pipe.hgetall(Keys.run(self.spider))
        pipe.zcard(Keys.requests(self.spider))
        pipe.hlen(Keys.inflight(self.spider))
        fields, queued, inflight = pipe.execute()
        run = {k.decode(): v.decode() for k, v in fields.items()}
        starter = run.get("starter")
        alive = bool(starter) and bool(self.server.exists(Keys.owner(starter)))
        return RunState(
            run.get("id"), starter, run.get("discovered") == "1", alive, queued, inflight
        )

    # --- requests ---------------------------------------------------------------------
    def take(self) -> bytes | None:
        """The next request of the queue, now held by this process (None: queue empty)."""
        data = self._take(
            keys=[Keys.requests(self.spider), Keys.inflight(self.spider)], args=[self.token]
        )
        return data or None

    def done(self, *data: bytes) -> None:
        """Requests this process held are done with."""
        if data:
            self.server.hdel(Keys.inflight(self.spider), *data)

    def recover(self) -> int:
        """Put back in the queue the requests of processes whose lease expired."""
        held = self.server.hgetall(Keys.inflight(self.spider))
        owners = {value.decode().rsplit(" ", 1)[0] for value in held.values()}
        owners.discard(self.token)
        if not owners:
            return 0
        pipe = self.server.pipeline(transaction=False)
        ordered = sorted(owners)
        for owner in ordered:
            pipe.exists(Keys.owner(owner))
        dead = {owner for owner, alive in zip(ordered, pipe.execute(), strict=True) if not alive}
        return self.give_back(lambda owner: owner in dead, held) if dead else 0

    def give_back(
        self, whose: Callable[[str], bool], held: dict[bytes, bytes] | None = None
    ) -> int:
        """Put back the held requests whose owner ``whose(owner)`` accepts."""
        if held is None:
            held = self.server.hgetall(Keys.inflight(self.spider))
        args: list[bytes] = []
        for data, value in held.items():
            if whose(value.decode().rsplit(" ", 1)[0]):
                args += [data, value]
        if not args:
            return 0
        return int(
            self._give_back(
                keys=[Keys.requests(self.spider), Keys.inflight(self.spider)], args=args
            )
        )
