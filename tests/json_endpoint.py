"""A real HTTP endpoint on 127.0.0.1 for ``json://`` notification URLs: it keeps
the JSON bodies posted to it and answers with the status it is told to."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class JsonEndpoint:
    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []  # bodies answered with 2xx
        self.refused: list[dict[str, Any]] = []  # bodies answered otherwise
        self.status = 200
        self.delay = 0.0  # seconds to wait before answering (a hung service)
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                time.sleep(endpoint.delay)
                status = endpoint.status
                (endpoint.received if status < 300 else endpoint.refused).append(body)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"ok": true}' if status < 300 else b'{"error": "down"}')

            def log_message(self, *args: object) -> None:
                return None  # keep test output clean

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def url(self, path: str = "/hook") -> str:
        return f"json://127.0.0.1:{self.port}{path}"

    def start(self) -> JsonEndpoint:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def stories(self) -> list[str]:
        """Titles of the stories in every accepted post, in order."""
        return [story["title"] for body in self.received for story in body.get("stories", [])]
