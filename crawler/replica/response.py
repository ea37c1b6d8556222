"""What a replica site answers, and the conditional-request rules (ETag, 304)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

from crawler.replica.dates import http_date

HTML = "text/html; charset=utf-8"
JSON = "application/json; charset=utf-8"
XML = "application/xml; charset=utf-8"
RSS = "application/rss+xml; charset=utf-8"
TEXT = "text/plain; charset=utf-8"
JS = "application/javascript; charset=utf-8"


@dataclass
class Response:
    status: int
    body: bytes
    content_type: str = HTML
    headers: dict[str, str] = field(default_factory=dict)
    last_modified: datetime | None = None

    @property
    def is_html(self) -> bool:
        return self.content_type.startswith("text/html")

    @property
    def is_json(self) -> bool:
        return self.content_type.startswith("application/json")

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha1(self.body).hexdigest()[:20] + '"'

    def validators(self) -> list[tuple[str, str]]:
        """ETag and Last-Modified headers of a successful answer."""
        if self.status != 200:
            return []
        out = [("ETag", self.etag)]
        if self.last_modified is not None:
            out.append(("Last-Modified", http_date(self.last_modified)))
        return out

    def not_modified(self, if_none_match: str | None, if_modified_since: str | None) -> bool:
        """Whether a conditional GET may be answered with 304 (RFC 9110 §13.1)."""
        if self.status != 200:
            return False
        if if_none_match:
            tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
            return "*" in tags or self.etag in tags
        if if_modified_since and self.last_modified is not None:
            try:
                since = parsedate_to_datetime(if_modified_since)
            except (TypeError, ValueError):
                return False
            if since.tzinfo is None:
                return False
            return self.last_modified.replace(microsecond=0) <= since
        return False


def html(text: str, status: int = 200, last_modified: datetime | None = None) -> Response:
    return Response(status, text.encode("utf-8"), HTML, last_modified=last_modified)


def json_response(data: Any, status: int = 200) -> Response:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Response(status, body, JSON)


def not_found_html(lang: str = "ru") -> Response:
    text = "Страница не найдена" if lang != "kk" else "Бет табылмады"
    return html(
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>404 — {text}</title></head><body><h1>404</h1><p>{text}</p></body></html>",
        status=404,
    )
