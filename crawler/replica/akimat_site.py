"""The akimat replica: gov.kz's single-page app shell and its JSON news API."""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Iterator, Mapping
from itertools import islice

import bcrypt

from crawler.replica import dates
from crawler.replica.corpus import AkimatItem, Corpus
from crawler.replica.response import JS, Response, html, json_response, not_found_html

PROJECT = "almaty"
API_LIST = "/api/v1/public/content-manager/news"
API_ITEM = re.compile(r"^/api/v1/public/content-manager/news/(\d+)$")
SPA_PAGE = re.compile(r"^/memleket/entities/[\w-]+/press/news(/details/\d+)?/?$")
MAX_SIZE = 100
AUTH_CACHE_LIMIT = 10_000

SPA_SHELL = """<!doctype html><html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>Акимат города Алматы | Официальный информационный ресурс</title>
<link rel="stylesheet" href="/static/css/main.css"></head>
<body><noscript>You need to enable JavaScript to run this app.</noscript>
<div id="root"></div><script src="/static/js/main.js"></script></body></html>
"""
MAIN_JS = "/* gov.kz single-page application bundle (replica) */\nwindow.__APP__ = {};\n"


def request_lang(headers: Mapping[str, str]) -> str:
    """The API's language from ``accept-language``: ru unless kk/kz or en comes first."""
    value = (headers.get("accept-language") or "").strip().lower()
    first = value.split(",")[0].split(";")[0].strip()
    if first.startswith(("kk", "kz")):
        return "kk"
    if first.startswith("en"):
        return "en"
    return "ru"


class AkimatSite:
    name = "akimat"

    def __init__(self, corpus: Corpus) -> None:
        self.corpus = corpus
        self._auth: dict[tuple[str, str], bool] = {}
        self._auth_lock = threading.Lock()

    def handle(
        self, method: str, path: str, query: dict[str, list[str]], headers: Mapping[str, str]
    ) -> Response:
        if SPA_PAGE.match(path) or path == "/":
            lang = (query.get("lang") or ["ru"])[0]
            return html(SPA_SHELL.format(lang=lang if lang in ("ru", "kk", "en") else "ru"))
        if path == "/static/js/main.js":
            return Response(200, MAIN_JS.encode(), JS)
        item_match = API_ITEM.match(path)
        if path == API_LIST or item_match:
            if not self.authorised(headers):
                return json_response({"message": "Unauthorized"}, 401)
            lang = request_lang(headers)
            if item_match:
                return self.item(int(item_match.group(1)), lang)
            return self.listing(query, lang)
        return not_found_html()

    def authorised(self, headers: Mapping[str, str]) -> bool:
        """``token`` must be a UUID and ``hash`` its bcrypt hash; bcrypt runs once per pair."""
        token, hashed = headers.get("token"), headers.get("hash")
        if not token or not hashed:
            return False
        key = (token, hashed)
        with self._auth_lock:
            known = self._auth.get(key)
        if known is not None:
            return known
        try:
            uuid.UUID(token)
            ok = bcrypt.checkpw(token.encode(), hashed.encode())
        except ValueError:
            ok = False
        with self._auth_lock:
            if len(self._auth) >= AUTH_CACHE_LIMIT:
                self._auth.clear()
            self._auth[key] = ok
        return ok

    def listing(self, query: dict[str, list[str]], lang: str) -> Response:
        try:
            page = int((query.get("page") or ["1"])[0])
            size = int((query.get("size") or ["20"])[0])
        except ValueError:
            return json_response({"message": "Bad request"}, 400)
        if page < 1 or size < 1:
            return json_response({"message": "Bad request"}, 400)
        size = min(size, MAX_SIZE)
        projects = (query.get("projects") or [f"eq:{PROJECT}"])[0]
        if projects.removeprefix("eq:") != PROJECT:
            return json_response([])
        ascending = (query.get("sort-by") or [""])[0].lower().endswith(":asc")
        ks = self._ordered(lang, ascending)
        chosen = islice(ks, (page - 1) * size, page * size)
        return json_response([self._summary(self.corpus.akimat_item(k), lang) for k in chosen])

    def _ordered(self, lang: str, ascending: bool) -> Iterator[int]:
        if not ascending:
            return self.corpus.akimat_newest(lang)
        ks = range(self.corpus.articles)
        return (k for k in ks if self.corpus.akimat_has_lang(k, lang))

    def item(self, item_id: int, lang: str) -> Response:
        item = self.corpus.akimat_by_id(item_id)
        if item is None or lang not in item.langs:
            return json_response({"message": "Not found"}, 404)
        data = self._summary(item, lang)
        data["body"] = item.body_html[lang]
        return json_response(data)

    @staticmethod
    def _summary(item: AkimatItem, lang: str) -> dict:
        return {
            "id": item.id,
            "title": item.title[lang],
            "created_date": dates.naive_local(item.created),
            "short_description": item.short_description[lang],
            "project": PROJECT,
        }
