"""The shared queue's address (``--queue redis://host:port/db``), its connection and
the Redis keys crawl processes and the store worker share.

One Redis database (the ``/db`` number) serves one SQLite database: the item list
has one name inside it, so a second project database uses another number.
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

import redis

PREFIX = "crawler"
# Seconds a command may take before the connection counts as lost; a crawl on a
# busy network should not fail on one slow answer.
SOCKET_TIMEOUT = 30
CONNECT_TIMEOUT = 5


class QueueUnreachable(Exception):
    """The Redis server of the queue did not answer."""


def parse_queue_url(text: str) -> str:
    """The queue URL itself when it is ``redis://[:password@]host[:port][/db]``
    (or ``rediss://``); ValueError with a one-line reason otherwise."""
    value = (text or "").strip()
    try:
        parts = urlsplit(value)
        port = parts.port  # raises on a port that is not a number or out of range
    except ValueError:
        raise ValueError(f"expected redis://host:port/db, got {text!r}") from None
    if parts.scheme not in ("redis", "rediss") or not parts.hostname:
        raise ValueError(f"expected redis://host:port/db, got {text!r}")
    if port == 0:
        raise ValueError(f"the port must be from 1 to 65535, got {text!r}")
    db = unquote(parts.path.lstrip("/"))
    if db and not db.isdigit():
        raise ValueError(f"the database after the port must be a number, got {text!r}")
    if parts.query or parts.fragment:
        raise ValueError(f"expected redis://host:port/db without options, got {text!r}")
    return value


def connect(url: str) -> redis.Redis:
    """A client of the queue (bytes in, bytes out: messages are JSON, digests binary)."""
    return redis.Redis.from_url(
        url,
        socket_timeout=SOCKET_TIMEOUT,
        socket_connect_timeout=CONNECT_TIMEOUT,
        retry_on_timeout=True,
    )


def check_reachable(url: str) -> None:
    """Raise QueueUnreachable with a one-line reason when the server does not answer."""
    client = redis.Redis.from_url(
        url, socket_timeout=CONNECT_TIMEOUT, socket_connect_timeout=CONNECT_TIMEOUT
    )
    try:
        client.ping()
    except redis.RedisError as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise QueueUnreachable(f"the queue {redacted(url)} does not answer: {reason}") from None
    finally:
        client.close()


def redacted(url: str) -> str:
    """The URL without its password, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return parts._replace(netloc=netloc).geturl()


class Keys:
    """The Redis keys, all under ``crawler:``."""

    # Per spider, shared by every crawl process (scrapy-redis' %(spider)s pattern).
    REQUESTS_PATTERN = f"{PREFIX}:%(spider)s:requests"

    @staticmethod
    def requests(spider: str) -> str:
        """Sorted set of the requests waiting (scrapy-redis' PriorityQueue)."""
        return Keys.REQUESTS_PATTERN % {"spider": spider}

    @staticmethod
    def inflight(spider: str) -> str:
        """Hash: a request taken from the queue → ``owner score``, until it is done."""
        return f"{PREFIX}:{spider}:inflight"

    @staticmethod
    def run(spider: str) -> str:
        """Hash of the spider's current shared run: ``id``, ``starter``, ``discovered``."""
        return f"{PREFIX}:{spider}:run"

    @staticmethod
    def seen(spider: str, run: str) -> str:
        """Set of request fingerprints seen in one run (scrapy-redis' RFPDupeFilter)."""
        return f"{PREFIX}:{spider}:seen:{run}"

    @staticmethod
    def owner(token: str) -> str:
        """A crawl process's lease: exists while the process lives."""
        return f"{PREFIX}:owner:{token}"

    OWNER_PREFIX = f"{PREFIX}:owner:"

    # Items and run records for the store worker.
    ITEMS = f"{PREFIX}:items"
    PROCESSING = f"{PREFIX}:items:processing"
    FAILED = f"{PREFIX}:items:failed"
    WORKER = f"{PREFIX}:store-worker"

    # What the spiders remember between runs (the store worker keeps the first two).
    @staticmethod
    def known(source: str) -> str:
        """Set of 8-byte digests of the stored article URLs."""
        return f"{PREFIX}:{source}:known"

    @staticmethod
    def recent(source: str) -> str:
        """List of the latest stored article URLs, newest first."""
        return f"{PREFIX}:{source}:recent"

    @staticmethod
    def feeds(source: str) -> str:
        """Hash: feed key → JSON of its ETag, Last-Modified and body hash."""
        return f"{PREFIX}:{source}:feeds"

    @staticmethod
    def discovery(source: str) -> str:
        """Hash: URL → JSON of what discovery learned about it."""
        return f"{PREFIX}:{source}:discovery"
