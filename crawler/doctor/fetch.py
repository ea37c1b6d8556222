"""A small polite HTTP client for the probe: one request at a time, a delay between
them, bounded bodies, cookies kept per probe, every answer recorded."""

from __future__ import annotations

import http.cookiejar
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from crawler.spiders.discovery import body_start

MAX_BYTES = 8 * 1024 * 1024


@dataclass
class Answer:
    """One request of the probe and what it got."""

    what: str  # "robots.txt", "home page", "configured feed" …
    method: str
    url: str
    status: int | None = None
    content_type: str = ""
    body: bytes = field(default=b"", repr=False)
    seconds: float = 0.0
    error: str | None = None
    found: str = ""  # what was read from it: "12 article links", "100 entries" …

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    def line(self) -> str:
        path = urlsplit(self.url)
        target = path.path + (f"?{path.query}" if path.query else "")
        if self.error:
            answer = f"no answer ({self.error})"
        else:
            kind = self.content_type.split(";")[0] or "-"
            answer = f"{self.status} {kind} {len(self.body)} bytes {self.seconds:.1f} s"
            if not self.ok:
                answer += f" {body_start(self.body)}"
        found = f" → {self.found}" if self.found else ""
        return f"{self.what}: {self.method} {target} — {answer}{found}"

    def as_json(self) -> dict[str, object]:
        return {
            "what": self.what,
            "method": self.method,
            "url": self.url,
            "status": self.status,
            "content_type": self.content_type,
            "bytes": len(self.body),
            "seconds": round(self.seconds, 3),
            "error": self.error,
            "found": self.found,
        }


class Fetcher:
    """Fetches one URL at a time, ``delay`` seconds apart, and keeps every answer."""

    def __init__(self, user_agent: str, delay: float = 1.0, timeout: float = 90.0) -> None:
        self.user_agent = user_agent
        self.delay = delay
        self.timeout = timeout
        self.answers: list[Answer] = []
        self.cookies = http.cookiejar.CookieJar()
        self._opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))
        self._last = 0.0

    def fetch(
        self,
        what: str,
        url: str,
        *,
        method: str = "GET",
        data: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        answer = Answer(what, method, url)
        wait = self._last + self.delay - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        request = urllib.request.Request(
            url,
            data=data,
            method=method,
            headers={"User-Agent": self.user_agent, **(headers or {})},
        )
        started = time.monotonic()
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                answer.status = response.status
                answer.content_type = response.headers.get("Content-Type", "")
                answer.body = response.read(MAX_BYTES)
        except urllib.error.HTTPError as exc:
            answer.status = exc.code
            answer.content_type = exc.headers.get("Content-Type", "") if exc.headers else ""
            answer.body = exc.read(MAX_BYTES) if exc.fp else b""
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            answer.error = f"{type(reason).__name__}: {reason}"
        answer.seconds = time.monotonic() - started
        self._last = time.monotonic()
        self.answers.append(answer)
        return answer
