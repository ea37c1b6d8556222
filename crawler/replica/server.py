"""The replica's HTTP servers: one per site on 127.0.0.1, with fault injection.

Usage::

    with Replica(articles=500, faults="5xx=0.1") as rep:
        print(rep.urls["akimat"], rep.urls["arnapress"])
"""

from __future__ import annotations

import contextlib
import json
import socket
import sys
import threading
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import IO, Any
from urllib.parse import parse_qs, urlsplit

from crawler.replica import faults as fx
from crawler.replica.akimat_site import AkimatSite
from crawler.replica.arnapress_site import ArnapressSite
from crawler.replica.corpus import Corpus
from crawler.replica.faults import FaultInjector, FaultSpec, Outgoing, parse_faults
from crawler.replica.response import Response, html

__all__ = ["Replica", "parse_faults"]

SITES = ("akimat", "arnapress")
IDLE_TIMEOUT = 30  # seconds an idle keep-alive connection is kept open


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = IDLE_TIMEOUT
    server: _SiteServer

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes; don't let Nagle delay the body.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.open_connections.add(self.connection)

    def finish(self) -> None:
        self.server.open_connections.discard(self.connection)
        with contextlib.suppress(OSError):
            super().finish()

    def do_GET(self) -> None:
        self.server.replica.serve(self, self.server.site_name, "GET")

    def do_HEAD(self) -> None:
        self.server.replica.serve(self, self.server.site_name, "HEAD")

    def do_POST(self) -> None:
        self.server.replica.serve(self, self.server.site_name, "POST")

    def version_string(self) -> str:
        return "nginx"

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the replica keeps its own request log


class _SiteServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], site_name: str, replica: Replica) -> None:
        self.site_name = site_name
        self.replica = replica
        self.open_connections: set[socket.socket] = set()
        super().__init__(address, _Handler)


class Replica:
    """Both replica sites, served from daemon threads until ``stop()``."""

    def __init__(
        self,
        articles: int = 200,
        seed: int = 0,
        faults: str | FaultSpec = "",
        host: str = "127.0.0.1",
        akimat_port: int = 0,
        arnapress_port: int = 0,
        layout: str = "v1",
        revision: int = 0,
        access_log: str | None = None,
        gate: str = "ticket",
        profile: str = "laravel",
        latency: float = 0.0,
    ) -> None:
        self.corpus = Corpus(articles, seed, revision)
        # Seconds every answer takes (a real site is not instant), and how many
        # requests each site had in flight at most: the measure of politeness.
        self.latency = latency
        self.in_flight: dict[str, int] = {}
        self.most_in_flight: dict[str, int] = {}
        self._flight_lock = threading.Lock()
        self.faults = faults if isinstance(faults, FaultSpec) else parse_faults(faults)
        self.injector = FaultInjector(self.faults, seed)
        self.host = host
        self.ports = {"akimat": akimat_port, "arnapress": arnapress_port}
        self.arnapress = ArnapressSite(self.corpus, layout, profile=profile)
        self.akimat = AkimatSite(self.corpus, gate=gate)
        self.sites = {"akimat": self.akimat, "arnapress": self.arnapress}
        self.urls: dict[str, str] = {}
        self.request_log: list[tuple[str, str, str, int]] = []
        self.access_log_path = access_log
        self._access_log: IO[str] | None = None
        self._log_lock = threading.Lock()
        self._stopping = threading.Event()
        self._servers: list[_SiteServer] = []

    # -- lifecycle -------------------------------------------------------------
    def start(self) -> Replica:
        self._stopping.clear()
        if self.access_log_path:
            self._access_log = open(self.access_log_path, "a", encoding="utf-8")  # noqa: SIM115
        try:
            for name in SITES:
                server = _SiteServer((self.host, self.ports[name]), name, self)
                self._servers.append(server)
                port = server.server_address[1]
                self.urls[name] = f"http://{self.host}:{port}"
                thread = threading.Thread(
                    target=server.serve_forever,
                    kwargs={"poll_interval": 0.1},
                    name=f"replica-{name}",
                    daemon=True,
                )
                thread.start()
        except OSError:
            self.stop()
            raise
        self.arnapress.base = self.urls["arnapress"]
        return self

    def stop(self) -> None:
        self._stopping.set()
        for server in self._servers:
            server.shutdown()
            server.server_close()
            for conn in list(server.open_connections):
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
        self._servers.clear()
        if self._access_log:
            self._access_log.close()
            self._access_log = None

    def __enter__(self) -> Replica:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- live changes ----------------------------------------------------------
    def set_articles(self, n: int) -> None:
        self.corpus.set_articles(n)

    def set_revision(self, r: int) -> None:
        self.corpus.set_revision(r)

    def set_layout(self, name: str) -> None:
        self.arnapress.set_layout(name)

    def set_gate(self, gate: str) -> None:
        self.akimat.set_gate(gate)

    def request_count(self) -> int:
        return len(self.request_log)

    # -- one request -------------------------------------------------------------
    def serve(self, handler: BaseHTTPRequestHandler, site: str, method: str) -> None:
        with self._flight_lock:
            self.in_flight[site] = self.in_flight.get(site, 0) + 1
            self.most_in_flight[site] = max(self.most_in_flight.get(site, 0), self.in_flight[site])
        try:
            self._serve(handler, site, method)
        finally:
            with self._flight_lock:
                self.in_flight[site] -= 1

    def _serve(self, handler: BaseHTTPRequestHandler, site: str, method: str) -> None:
        if self.latency:
            self._stopping.wait(self.latency)
        target = handler.path
        parts = urlsplit(target)
        query = parse_qs(parts.query, keep_blank_values=True)
        headers = {k.lower(): v for k, v in handler.headers.items()}
        body = _read_body(handler) if method == "POST" else b""
        if fx.LOOP_PARAM in query and "redirect-loop" in self.faults.kinds():
            # The second leg of a redirect loop always points back to the first.
            out = fx.redirect(self.urls[site] + fx.loop_origin(target))
        else:
            try:
                out = self._answer(site, method, parts.path, query, headers, target, body)
            except Exception:
                traceback.print_exc(file=sys.stderr)
                out = fx.normal(html("<h1>500 Internal Server Error</h1>", status=500))
        sent = self._write(handler, method, out)
        self._log(site, method, target, out.status, sent)

    def _answer(
        self,
        site: str,
        method: str,
        path: str,
        query: dict[str, list[str]],
        headers: dict[str, str],
        target: str,
        body: bytes = b"",
    ) -> Outgoing:
        response = self.sites[site].handle(method, path, query, headers, body)
        kind = self.injector.choose(site, target, response)
        if kind is None:
            return self._conditional(response, headers)
        variant = self.injector.variant(kind, target)
        if kind == "5xx":
            return fx.server_error(variant)
        if kind == "slow":
            out = self._conditional(response, headers)
            out.delay = fx.SLOW_SECONDS
            return out
        if kind == "truncate":
            return fx.truncated(response)
        if kind == "charset":
            return fx.windows_1251(response, variant)
        if kind == "badjson":
            return fx.bad_json(response)
        if kind == "redirect-loop":
            return fx.redirect(self.urls[site] + fx.loop_target(target))
        if kind == "huge":
            return fx.huge(response)
        return fx.gzip_bomb(response)

    @staticmethod
    def _conditional(response: Response, headers: dict[str, str]) -> Outgoing:
        validators = response.validators()
        if response.not_modified(headers.get("if-none-match"), headers.get("if-modified-since")):
            return Outgoing(304, validators, [], None)
        return fx.normal(response, validators)

    def _write(self, handler: BaseHTTPRequestHandler, method: str, out: Outgoing) -> int:
        sent = 0
        try:
            if out.delay and self._stopping.wait(out.delay):
                handler.close_connection = True
                return 0
            handler.send_response(out.status)
            for name, value in out.headers:
                handler.send_header(name, value)
            if out.length is not None:
                handler.send_header("Content-Length", str(out.length))
            handler.end_headers()
            if method != "HEAD":
                for chunk in out.chunks:
                    if self._stopping.is_set():
                        handler.close_connection = True
                        break
                    handler.wfile.write(chunk)
                    sent += len(chunk)
            if out.close:
                handler.wfile.flush()
                handler.close_connection = True
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            handler.close_connection = True
        return sent

    def _log(self, site: str, method: str, target: str, status: int, sent: int) -> None:
        self.request_log.append((site, method, target, status))
        if self._access_log is None:
            return
        line = json.dumps(
            {"site": site, "method": method, "path": target, "status": status, "bytes": sent},
            ensure_ascii=False,
        )
        with self._log_lock:
            if self._access_log is not None:
                self._access_log.write(line + "\n")
                self._access_log.flush()


MAX_POST_BODY = 64 * 1024


def _read_body(handler: BaseHTTPRequestHandler) -> bytes:
    """A POST body, at most ``MAX_POST_BODY`` bytes (the API's are tiny JSON objects)."""
    try:
        length = int(handler.headers.get("Content-Length") or 0)
    except ValueError:
        length = 0
    return handler.rfile.read(min(max(length, 0), MAX_POST_BODY)) if length else b""
