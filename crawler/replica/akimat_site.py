"""The akimat replica: gov.kz's single-page app shell and its JSON news API, as the
site answers in 2026.

Gates (``GATES``, ``--gate``):

* ``ticket`` (default): the news list answers 400 ``{"message":"notAllowed"}``
  unless the client holds a ticket: a cookie set by ``POST /api/v1/public/_/c/k6``
  (JSON content type, ``Origin`` or ``Referer`` of the site), or the headers whose
  names and values ``POST /api/v2/_/c/k6`` answers as a JSON object. A ticket
  serves ``TICKET_USES`` list requests, then it is refused like no ticket.
  ``POST /graphql`` answers without a ticket.
* ``graphql``: tickets are issued but the REST list refuses every request;
  ``/graphql`` answers.
* ``deny``: both ticket endpoints answer 403, the list 400, ``/graphql`` 403.

The list (``API_LIST``) is a bare JSON array of full entries (with the HTML
``body``), ``[]`` past the end. Pages count from 1; page 0 answers 400
``{"message":"Bad request"}`` (a client starting at 0 sees it at once instead
of silently reading page 1 twice). ``size`` is capped at ``MAX_SIZE``. The
per-item path ``/news/{id}`` is not known to exist on the real site: it answers
404. The ``token``/``hash`` headers the site's pages once sent are accepted and
ignored.

Quirks a test may switch on (``set_quirks``): ``content`` wraps the list as
``{"content": [...]}``, ``string-ids`` sends ids as strings, ``no-body`` leaves
out the body of every ``NO_BODY_EVERY``-th item.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from itertools import islice
from typing import Any
from urllib.parse import urlsplit

from crawler.replica.corpus import AkimatItem, Corpus, akimat_text_lang
from crawler.replica.response import (
    JS,
    TEXT,
    XML,
    Response,
    html,
    json_response,
    not_found_html,
)
from crawler.replica.slug import slugify

PROJECT = "almaty"
# Other projects of the site (real slugs): each has its own, smaller archive.
OTHER_PROJECTS = ("zhambyl-taraz", "zhambyl", "ontustik", "shymkent", "astana")
OTHER_SHARE = 10  # an other project has one tenth of Almaty's articles (at least 3)
API_LIST = "/api/v1/public/content-manager/news"
API_ITEM = re.compile(r"^/api/v1/public/content-manager/news/([^/]+)$")
TICKET_V1 = "/api/v1/public/_/c/k6"
TICKET_V2 = "/api/v2/_/c/k6"
GRAPHQL = "/graphql"
SPA_PAGE = re.compile(r"^/memleket/entities/[\w-]+/press/news(/details/\d+)?/?$")
MAX_SIZE = 100
GATES = ("ticket", "graphql", "deny")
QUIRKS = ("content", "string-ids", "no-body")
NO_BODY_EVERY = 5
# List requests one ticket serves; how long a real ticket lives is not known,
# so the replica makes it short enough that every crawl meets an expired one.
TICKET_USES = 5
# Live tickets kept; the oldest are forgotten past this (bounded memory).
TICKET_LIMIT = 10_000
V2_ID, V2_SIGN = "x-k6-id", "x-k6-sign"
LANGS = ("ru", "kk", "en")

NOT_ALLOWED = {"message": "notAllowed"}
FORBIDDEN = {"message": "Forbidden"}
BAD_REQUEST = {"message": "Bad request"}
NEWS_FIELDS = frozenset(
    {
        "id",
        "title",
        "slug",
        "body",
        "created_date",
        "heropic",
        "short_description",
        "projects",
        "directions",
    }
)
GRAPHQL_NEWS = re.compile(r"\bnews\s*\(([^)]*)\)\s*\{([^{}]*)\}", re.S)
GRAPHQL_ARG = re.compile(r'(\w+)\s*:\s*(?:"((?:[^"\\]|\\.)*)"|(-?\d+))')
DIRECTIONS = {
    "ru": ("Культура", "Городская среда", "Общество"),
    "kk": ("Мәдениет", "Қалалық орта", "Қоғам"),
    "en": ("Culture", "Urban environment", "Society"),
}

SPA_SHELL = """<!doctype html><html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>Акимат города Алматы | Официальный информационный ресурс</title>
<link rel="stylesheet" href="/static/css/main.css"></head>
<body><noscript>You need to enable JavaScript to run this app.</noscript>
<div id="root"></div><script src="/static/js/main.js"></script></body></html>
"""
MAIN_JS = "/* gov.kz single-page application bundle (replica) */\nwindow.__APP__ = {};\n"
ROBOTS = (
    "User-agent: *\nDisallow: /search\nDisallow: /uploads/\nDisallow: /memleket/api/\n"
    "Sitemap: {base}/sitemap.xml\n"
)


def request_lang(headers: Mapping[str, str]) -> str:
    """The API's language from ``accept-language``: ru unless kk/kz or en comes first."""
    return lang_code(headers.get("accept-language"))


def lang_code(value: str | None) -> str:
    """ru, kk or en from a language tag (ru unless kk/kz or en comes first)."""
    first = (value or "").strip().lower().split(",")[0].split(";")[0].strip()
    if first.startswith(("kk", "kz")):
        return "kk"
    if first.startswith("en"):
        return "en"
    return "ru"


def zoned_utc(item: AkimatItem) -> str:
    """The API's ``created_date``: ``2026-02-17T10:00:00.000+00:00`` (UTC, milliseconds)."""
    return item.created.strftime("%Y-%m-%dT%H:%M:%S.000+00:00")


class AkimatSite:
    name = "akimat"

    def __init__(self, corpus: Corpus, gate: str = "ticket") -> None:
        self.corpus = corpus
        self.gate = "ticket"
        self.set_gate(gate)
        self.quirks: frozenset[str] = frozenset()
        # ticket (cookie value or v2 id) -> list requests it may still serve
        self._tickets: OrderedDict[str, int] = OrderedDict()
        self._lock = threading.Lock()
        self._secret = secrets.token_bytes(16)

    def set_gate(self, gate: str) -> None:
        if gate not in GATES:
            raise ValueError(f"unknown gate {gate!r} (known: {', '.join(GATES)})")
        self.gate = gate

    def set_quirks(self, *quirks: str) -> None:
        unknown = set(quirks) - set(QUIRKS)
        if unknown:
            raise ValueError(f"unknown quirks {sorted(unknown)} (known: {', '.join(QUIRKS)})")
        self.quirks = frozenset(quirks)

    def handle(
        self,
        method: str,
        path: str,
        query: dict[str, list[str]],
        headers: Mapping[str, str],
        body: bytes = b"",
    ) -> Response:
        if SPA_PAGE.match(path) or path == "/":
            lang = (query.get("lang") or ["ru"])[0]
            return html(SPA_SHELL.format(lang=lang if lang in LANGS else "ru"))
        if path == "/static/js/main.js":
            return Response(200, MAIN_JS.encode(), JS)
        if path == "/robots.txt":
            return Response(200, ROBOTS.format(base=_base(headers)).encode(), TEXT)
        if path == "/sitemap.xml":
            return self.sitemap(headers)
        if path == TICKET_V1 and method == "POST":
            return self.ticket_v1(headers)
        if path == TICKET_V2 and method == "POST":
            return self.ticket_v2(body)
        if path == GRAPHQL and method == "POST":
            return self.graphql(body)
        if path == API_LIST and method in ("GET", "HEAD"):
            if self.gate != "ticket" or not self.use_ticket(headers):
                return json_response(NOT_ALLOWED, 400)
            return self.listing(query, request_lang(headers))
        if API_ITEM.match(path):
            # Not confirmed on the real site: the replica does not offer it.
            return json_response({"message": "Not found"}, 404)
        return not_found_html()

    # -- tickets ---------------------------------------------------------------------
    def ticket_v1(self, headers: Mapping[str, str]) -> Response:
        if self.gate == "deny":
            return json_response(FORBIDDEN, 403)
        json_type = "application/json" in (headers.get("content-type") or "").lower()
        if not json_type or not _from_site(headers):
            return json_response(BAD_REQUEST, 400)
        ticket = self._issue()
        response = json_response({"status": "ok"})
        response.headers["Set-Cookie"] = f"ticket={ticket}; Path=/; HttpOnly"
        return response

    def ticket_v2(self, body: bytes) -> Response:
        if self.gate == "deny":
            return json_response(FORBIDDEN, 403)
        try:
            sent = json.loads(body or b"null")
        except ValueError:
            sent = None
        if not isinstance(sent, dict):
            return json_response(BAD_REQUEST, 400)
        ticket = self._issue()
        return json_response({V2_ID: ticket, V2_SIGN: self._sign(ticket)})

    def _issue(self) -> str:
        ticket = secrets.token_urlsafe(18)
        with self._lock:
            self._tickets[ticket] = TICKET_USES
            while len(self._tickets) > TICKET_LIMIT:
                self._tickets.popitem(last=False)
        return ticket

    def _sign(self, ticket: str) -> str:
        return hmac.new(self._secret, ticket.encode(), hashlib.sha256).hexdigest()[:32]

    def use_ticket(self, headers: Mapping[str, str]) -> bool:
        """Whether the request holds a live ticket (cookie or v2 headers); uses it once."""
        candidates = []
        v2_id, v2_sign = headers.get(V2_ID), headers.get(V2_SIGN)
        if v2_id and v2_sign and hmac.compare_digest(v2_sign, self._sign(v2_id)):
            candidates.append(v2_id)
        candidates += _cookies(headers.get("cookie")).get("ticket", [])
        with self._lock:
            for ticket in candidates:
                left = self._tickets.get(ticket, 0)
                if left > 0:
                    self._tickets[ticket] = left - 1
                    return True
        return False

    # -- the list --------------------------------------------------------------------
    def listing(self, query: dict[str, list[str]], lang: str) -> Response:
        try:
            page = int((query.get("page") or ["1"])[0])
            size = int((query.get("size") or ["20"])[0])
        except ValueError:
            return json_response(BAD_REQUEST, 400)
        if page < 1 or size < 1:
            return json_response(BAD_REQUEST, 400)
        project = (query.get("projects") or [f"eq:{PROJECT}"])[0].removeprefix("eq:")
        ascending = (query.get("sort-by") or [""])[0].lower().endswith(":asc")
        entries = self.entries(lang, page, size, NEWS_FIELDS, ascending, project)
        return self._list_answer(entries)

    def _list_answer(self, entries: list[dict]) -> Response:
        return json_response({"content": entries} if "content" in self.quirks else entries)

    def project_corpus(self, project: str) -> Corpus | None:
        """The archive of a project; None for a slug the site does not have (empty list)."""
        if project == PROJECT:
            return self.corpus
        if project not in OTHER_PROJECTS:
            return None
        return Corpus(
            articles=max(3, self.corpus.articles // OTHER_SHARE),
            seed=self.corpus.seed * 100 + OTHER_PROJECTS.index(project) + 1,
            revision=self.corpus.revision,
        )

    def entries(
        self,
        lang: str,
        page: int,
        size: int,
        fields: frozenset[str],
        ascending: bool = False,
        project: str = PROJECT,
    ) -> list[dict[str, Any]]:
        """One page of a project's news entries in ``lang`` (1-based ``page``, at most
        ``MAX_SIZE``)."""
        corpus = self.project_corpus(project)
        if corpus is None:
            return []
        size = min(size, MAX_SIZE)
        ks = self._ordered(corpus, lang, ascending)
        chosen = islice(ks, (page - 1) * size, page * size)
        return [self._entry(corpus, project, k, lang, fields) for k in chosen]

    def _ordered(self, corpus: Corpus, lang: str, ascending: bool) -> Iterator[int]:
        if not ascending:
            return corpus.akimat_newest(lang)
        ks = range(corpus.articles)
        return (k for k in ks if corpus.akimat_has_lang(k, lang))

    def _entry(
        self, corpus: Corpus, project: str, k: int, asked: str, fields: frozenset[str]
    ) -> dict[str, Any]:
        item = corpus.akimat_item(k)
        # An item without the asked translation comes back in the other language.
        lang = akimat_text_lang(corpus, k, asked)
        entry: dict[str, Any] = {
            "id": str(item.id) if "string-ids" in self.quirks else item.id,
            "title": item.title[lang],
            "slug": slugify(item.title[lang]),
            "created_date": zoned_utc(item),
            "heropic": f"/uploads/news/{k % 97:02d}/{k}.jpg",
            "short_description": item.short_description[lang],
            "projects": project,
            "directions": [DIRECTIONS[lang][k % len(DIRECTIONS[lang])]],
            "body": item.body_html[lang],
        }
        if "no-body" in self.quirks and k % NO_BODY_EVERY == 0:
            del entry["body"]
        return {name: value for name, value in entry.items() if name in fields}

    # -- GraphQL ---------------------------------------------------------------------
    def graphql(self, body: bytes) -> Response:
        if self.gate == "deny":
            return json_response(FORBIDDEN, 403)
        try:
            request = json.loads(body or b"null")
        except ValueError:
            return _graphql_error("Request body is not JSON")
        query = request.get("query") if isinstance(request, dict) else None
        if not isinstance(query, str):
            return _graphql_error("Must provide query string")
        match = GRAPHQL_NEWS.search(query)
        if match is None:
            return _graphql_error("Cannot query: only news(...) { ... } is offered")
        args = {
            m.group(1): m.group(2) if m.group(3) is None else int(m.group(3))
            for m in GRAPHQL_ARG.finditer(match.group(1))
        }
        fields = frozenset(match.group(2).split())
        unknown = fields - NEWS_FIELDS
        if not fields or unknown:
            return _graphql_error(f"Cannot query field {sorted(unknown or {'?'})[0]!r} on News")
        page, size = args.get("_page", 1), args.get("_size", 20)
        if not isinstance(page, int) or not isinstance(size, int) or page < 1 or size < 1:
            return _graphql_error("_page and _size must be positive integers")
        project = str(args.get("projects", f"eq:{PROJECT}")).removeprefix("eq:")
        lang = lang_code(str(args.get("_lang", "ru")))
        ascending = str(args.get("_sort", "")).lower().endswith(":asc")
        news = self.entries(lang, page, size, fields, ascending, project)
        return json_response({"data": {"news": news}})

    # -- robots and sitemap ---------------------------------------------------------
    def sitemap(self, headers: Mapping[str, str]) -> Response:
        base = _base(headers)
        locs = [f"{base}/memleket/entities/{PROJECT}/press/news?lang={lang}" for lang in LANGS]
        urls = "".join(f"<url><loc>{loc}</loc></url>" for loc in locs)
        text = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>\n'
        )
        return Response(200, text.encode(), XML)


def _graphql_error(message: str) -> Response:
    return json_response({"errors": [{"message": message}]}, 400)


def _base(headers: Mapping[str, str]) -> str:
    return f"http://{headers.get('host') or '127.0.0.1'}"


def _from_site(headers: Mapping[str, str]) -> bool:
    """Whether ``Origin`` or ``Referer`` names this site (its Host, or gov.kz)."""
    host = (headers.get("host") or "").lower()
    for name in ("origin", "referer"):
        parts = urlsplit(headers.get(name) or "")
        netloc = parts.netloc.lower()
        if (
            parts.scheme in ("http", "https")
            and netloc
            and (netloc == host or netloc == "gov.kz" or netloc.endswith(".gov.kz"))
        ):
            return True
    return False


def _cookies(header: str | None) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for part in (header or "").split(";"):
        name, sep, value = part.strip().partition("=")
        if sep:
            out.setdefault(name.strip(), []).append(value.strip())
    return out
