"""Fault injection for reliability tests: ``KIND=RATE[:TIMES],…``.

RATE is the share of URLs affected, chosen deterministically from the seed,
the kind and the URL's path and query; TIMES is how many consecutive
requests of an affected URL fail before it answers normally (``inf``: always).
"""

from __future__ import annotations

import hashlib
import math
import struct
import threading
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field

from crawler.replica.response import HTML, Response

KINDS = ("5xx", "slow", "truncate", "charset", "badjson", "redirect-loop", "huge", "gzip-bomb")
SLOW_SECONDS = 30.0
HUGE_BYTES = 50 * 1024 * 1024
BOMB_CHUNK, BOMB_CHUNKS = 1 << 20, 1024  # decompresses to 1 GiB
LOOP_PARAM = "_loop"


@dataclass(frozen=True)
class Fault:
    kind: str
    rate: float
    times: int | None  # None: the URL never recovers

    def __str__(self) -> str:
        times = "inf" if self.times is None else str(self.times)
        return f"{self.kind}={self.rate:g}:{times}"


@dataclass(frozen=True)
class FaultSpec:
    faults: tuple[Fault, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.faults)

    def __str__(self) -> str:
        return ",".join(str(f) for f in self.faults)

    def kinds(self) -> set[str]:
        return {f.kind for f in self.faults}


def parse_faults(spec: str) -> FaultSpec:
    """``"5xx=0.2,slow=0.1:2,truncate=0.05:inf"`` -> FaultSpec; ValueError names the bad part."""
    faults: list[Fault] = []
    for part in (p.strip() for p in (spec or "").split(",")):
        if not part:
            continue
        kind, eq, value = part.partition("=")
        kind = kind.strip()
        if not eq:
            raise ValueError(f"fault {part!r} is not KIND=RATE[:TIMES]")
        if kind not in KINDS:
            raise ValueError(f"unknown fault kind {kind!r} in {part!r} (known: {', '.join(KINDS)})")
        if kind in {f.kind for f in faults}:
            raise ValueError(f"fault kind {kind!r} is given twice")
        rate_text, _, times_text = value.partition(":")
        try:
            rate = float(rate_text)
        except ValueError:
            rate = math.nan
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"bad rate {rate_text!r} in {part!r}: expected a number from 0 to 1")
        times: int | None = 1
        if times_text.strip().lower() == "inf":
            times = None
        elif times_text:
            if not times_text.strip().isdigit() or int(times_text) < 1:
                raise ValueError(
                    f"bad TIMES {times_text!r} in {part!r}: expected a positive integer or inf"
                )
            times = int(times_text)
        faults.append(Fault(kind, rate, times))
    return FaultSpec(tuple(faults))


def _fraction(*parts: object) -> float:
    digest = hashlib.sha256(":".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def applies(kind: str, response: Response) -> bool:
    if kind == "charset":
        return response.is_html
    if kind == "badjson":
        return response.is_json
    return True


@dataclass
class FaultInjector:
    spec: FaultSpec
    seed: int = 0
    _counts: dict[tuple[str, str, str], int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def affected(self, kind: str, rate: float, target: str) -> bool:
        return rate > 0 and _fraction(self.seed, kind, target) < rate

    def choose(self, site: str, target: str, response: Response) -> str | None:
        """The fault to inject for this request of ``target`` (path?query), if any."""
        if target.split("?")[0] == "/robots.txt":
            return None
        for fault in self.spec.faults:
            if not applies(fault.kind, response):
                continue
            if not self.affected(fault.kind, fault.rate, target):
                continue
            key = (fault.kind, site, target)
            with self._lock:
                done = self._counts.get(key, 0)
                if fault.times is None or done < fault.times:
                    self._counts[key] = done + 1
                    return fault.kind
        return None

    def variant(self, kind: str, target: str) -> int:
        """A small deterministic number picking among a fault's flavours."""
        return int(_fraction(self.seed, kind, target, "variant") * 4)


@dataclass
class Outgoing:
    """Bytes to put on the wire: a normal answer or a faulty one."""

    status: int
    headers: list[tuple[str, str]]
    chunks: Iterator[bytes] | list[bytes]
    length: int | None  # the declared Content-Length; None for none (304)
    close: bool = False
    delay: float = 0.0


def normal(response: Response, extra: list[tuple[str, str]] | None = None) -> Outgoing:
    headers = [("Content-Type", response.content_type), *response.headers.items()]
    headers += extra or []
    return Outgoing(response.status, headers, [response.body], len(response.body))


def server_error(variant: int) -> Outgoing:
    if variant % 2:
        body = b"<html><body><h1>500 Internal Server Error</h1></body></html>"
        return Outgoing(500, [("Content-Type", HTML)], [body], len(body))
    body = b"<html><body><h1>503 Service Unavailable</h1></body></html>"
    return Outgoing(503, [("Content-Type", HTML), ("Retry-After", "1")], [body], len(body))


def windows_1251(response: Response, variant: int) -> Outgoing:
    """The page re-encoded as windows-1251; Kazakh letters become character references."""
    text = response.body.decode("utf-8")
    with_meta = variant & 2
    replacement = '<meta charset="windows-1251">' if with_meta else ""
    text = text.replace('<meta charset="utf-8">', replacement, 1)
    body = text.encode("cp1251", errors="xmlcharrefreplace")
    ctype = "text/html; charset=windows-1251" if variant & 1 else "text/html"
    return Outgoing(response.status, [("Content-Type", ctype)], [body], len(body))


def bad_json(response: Response) -> Outgoing:
    body = response.body[: len(response.body) // 2] + b"<!-- upstream timeout -->"
    return Outgoing(response.status, [("Content-Type", response.content_type)], [body], len(body))


def truncated(response: Response) -> Outgoing:
    out = normal(response)
    out.chunks = [response.body[: len(response.body) // 2]]
    out.close = True
    return out


def redirect(location: str) -> Outgoing:
    return Outgoing(302, [("Location", location), ("Content-Type", HTML)], [b""], 0)


def loop_target(target: str) -> str:
    return target + ("&" if "?" in target else "?") + f"{LOOP_PARAM}=1"


def loop_origin(target: str) -> str:
    """The URL a redirect loop started from: ``target`` without the loop marker."""
    for sep in ("&", "?"):
        marker = f"{sep}{LOOP_PARAM}=1"
        if target.endswith(marker):
            return target[: -len(marker)]
    path, _, query = target.partition("?")
    kept = [p for p in query.split("&") if p and not p.startswith(f"{LOOP_PARAM}=")]
    return path + ("?" + "&".join(kept) if kept else "")


def huge(response: Response) -> Outgoing:
    def stream() -> Iterator[bytes]:
        yield response.body
        left = HUGE_BYTES - len(response.body)
        pad = b" " * 65536
        while left > 0:
            piece = pad[: min(left, len(pad))]
            left -= len(piece)
            yield piece

    headers = [("Content-Type", response.content_type)]
    return Outgoing(response.status, headers, stream(), max(HUGE_BYTES, len(response.body)))


_bomb: bytes | None = None
_bomb_lock = threading.Lock()


def gzip_bomb_bytes() -> bytes:
    """About 1 MB of gzip that inflates to 1 GiB of zeros, built once.

    After a full flush the compressor forgets its history, so every further
    megabyte of zeros compresses to the same bytes: compress two, repeat one.
    """
    global _bomb
    with _bomb_lock:
        if _bomb is None:
            chunk = bytes(BOMB_CHUNK)
            comp = zlib.compressobj(9, zlib.DEFLATED, 31)
            first = comp.compress(chunk) + comp.flush(zlib.Z_FULL_FLUSH)
            block = comp.compress(chunk) + comp.flush(zlib.Z_FULL_FLUSH)
            crc = 0
            for _ in range(BOMB_CHUNKS):
                crc = zlib.crc32(chunk, crc)
            size = (BOMB_CHUNK * BOMB_CHUNKS) & 0xFFFFFFFF
            # b"\x03\x00" is an empty final block; the trailer is CRC32 and size.
            tail = b"\x03\x00" + struct.pack("<II", crc, size)
            _bomb = first + block * (BOMB_CHUNKS - 1) + tail
        return _bomb


def gzip_bomb(response: Response) -> Outgoing:
    body = gzip_bomb_bytes()
    headers = [("Content-Type", response.content_type), ("Content-Encoding", "gzip")]
    return Outgoing(response.status, headers, [body], len(body))
