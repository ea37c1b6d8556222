"""The gov.kz news API, as pure functions: no Scrapy, no network.

What public evidence says about the API in 2026: the list
``API_LIST`` answers 400 ``{"message":"notAllowed"}`` unless the client holds a
ticket, a cookie set by ``POST TICKET_V1`` (JSON content type, ``Origin`` and
``Referer`` of the site) or the headers answered by ``POST TICKET_V2`` with
``{}``. List entries carry the full HTML ``body``. ``POST GRAPHQL`` with a
``news(...)`` query answered without a ticket. The spider (crawler/spiders/govkz_spider.py)
and ``crawler doctor`` build on these functions.
"""

from __future__ import annotations

import json
import uuid
from typing import Any
from urllib.parse import quote, urlencode

import bcrypt
from w3lib.html import remove_tags, replace_entities

from crawler.extraction.lang import guess_lang, letter_counts
from crawler.items import ArticleItem
from crawler.store.db import utc_now
from crawler.text.urls import canonical_url

API_LIST = "/api/v1/public/content-manager/news"
# Not confirmed to exist: asked only for an entry that came without a body.
API_ITEM = API_LIST + "/{id}"
TICKET_V1 = "/api/v1/public/_/c/k6"
TICKET_V2 = "/api/v2/_/c/k6"
GRAPHQL = "/graphql"
# The salt the site's own pages hashed the ``token`` header with.
HASH_SALT = b"$2a$10$HxyKf0Cy3Ecnp874AXBXOe"
# Statuses with which the API refuses a client it does not let in.
REFUSED_STATUSES = frozenset({400, 401, 403})
GRAPHQL_FIELDS = "id title body created_date heropic slug short_description"

# Letter shares that make a text's language certain enough to override the
# language it was asked in (Kazakh-only letters are 6-12 % of Kazakh Cyrillic
# text; Russian text has them only in the odd name).
_MIN_LETTERS = 40
_KK_SURE, _RU_SURE = 0.04, 0.01


def auth_headers(token: str | None = None) -> dict[str, str]:
    """The ``token`` (a random UUID string) and ``hash`` (bcrypt of it with the site's
    fixed salt ``HASH_SALT``) headers the site's pages sent. bcrypt is slow on
    purpose (~0.1 s): make one pair per crawl."""
    token = token or str(uuid.uuid4())
    return {"token": token, "hash": bcrypt.hashpw(token.encode(), HASH_SALT).decode()}


def press_page(base: str, project: str, lang: str = "ru") -> str:
    """The human news page of a project: the ``Referer`` the site's own client sends."""
    return f"{base}/memleket/entities/{project}/press/news?lang={lang}"


def site_headers(base: str, project: str, lang: str = "ru") -> dict[str, str]:
    """``Origin`` and ``Referer`` as the site's own pages send them."""
    return {"Origin": base, "Referer": press_page(base, project, lang)}


def list_url(base: str, project: str, page: int, size: int) -> str:
    """One page of the news list, newest first (the language is a header)."""
    query = urlencode(
        {
            "sort-by": "created_date:DESC",
            "projects": f"eq:{project}",
            "page": page,
            "size": size,
        },
        safe=":",
    )
    return f"{base}{API_LIST}?{query}"


def item_url(base: str, item_id: str) -> str:
    """The (unconfirmed) per-item endpoint of one news id."""
    return base + API_ITEM.format(id=quote(item_id, safe=""))


def article_url(base: str, project: str, item_id: str, lang: str) -> str:
    """The human page of an item: the article's canonical URL."""
    # Quoted: an id is data from the API, and a "#" or "?" in it would lose ?lang=.
    path = f"/memleket/entities/{project}/press/news/details/{quote(str(item_id), safe='')}"
    return canonical_url(f"{base}{path}?lang={lang}")


def graphql_body(project: str, lang: str, page: int, size: int) -> bytes:
    """The JSON body of a ``POST /graphql`` asking one page of a project's news."""
    query = (
        f'{{ news(projects: "eq:{project}", _lang: "{lang}", _page: {int(page)}, '
        f'_size: {int(size)}, _sort: "created_date:DESC") {{ {GRAPHQL_FIELDS} }} }}'
    )
    return json.dumps({"query": query}).encode()


def entries_from_payload(data: Any) -> list[dict[str, Any]] | None:
    """The news entries of an API answer, or None when it is not a news list.

    Reads a bare JSON array, a Spring-style page ``{"content": [...]}`` and a
    GraphQL answer ``{"data": {"news": [...]}}``. Entries that are not objects
    are left out.
    """
    if isinstance(data, dict):
        if isinstance(data.get("content"), list):
            data = data["content"]
        elif isinstance(data.get("data"), dict) and isinstance(data["data"].get("news"), list):
            data = data["data"]["news"]
    if not isinstance(data, list):
        return None
    return [entry for entry in data if isinstance(entry, dict)]


def graphql_errors(data: Any) -> str | None:
    """The first error message of a GraphQL answer, if it has one."""
    if not isinstance(data, dict) or not isinstance(data.get("errors"), list):
        return None
    for error in data["errors"]:
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return error["message"]
    return "GraphQL error"


def api_id(value: Any) -> str | None:
    """An item id as text: a whole number or a non-blank string, else None."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value.strip() if isinstance(value, str) and value.strip() else None


def entry_text(entry: dict[str, Any]) -> str:
    """Title, short description and body of an entry as plain text."""
    parts = [_text(entry.get(key)) or "" for key in ("title", "short_description")]
    body = _text(entry.get("body"))
    if body:
        parts.append(replace_entities(remove_tags(body)))
    return " ".join(p for p in parts if p)


def real_lang(entry: dict[str, Any], asked: str) -> str:
    """The language an entry's text is in: ``asked`` unless the letters say otherwise
    for certain (an item without the asked translation comes back in another one:
    Kazakh text under ``accept-language: ru``)."""
    text = entry_text(entry)
    guess = guess_lang(text)
    if guess is None or guess == asked:
        return asked
    counts = letter_counts(text)
    cyrillic, kk, latin = counts.cyrillic, counts.kk, counts.latin
    letters = cyrillic + latin
    if letters < _MIN_LETTERS:
        return asked
    if guess in ("ru", "kk") and cyrillic >= 0.6 * letters:
        share = kk / cyrillic
        if guess == "kk" and share >= _KK_SURE:
            return "kk"
        if guess == "ru" and share < _RU_SURE:
            return "ru"
        return asked
    if guess == "en" and latin >= 0.9 * letters:
        return "en"
    return asked


def article_from_api(data: dict[str, Any], lang: str, url: str, source: str) -> ArticleItem:
    """Map one gov.kz news object of source ``source`` to an article; every field may be missing."""
    return ArticleItem(
        source=source,
        url=url,
        title=_text(data.get("title")),
        body_html=_text(data.get("body")),
        lang=lang,
        published=_text(data.get("created_date")),
        source_id=api_id(data.get("id")),
        extraction="api",
        fetched_at=utc_now(),
    )


def has_body(entry: dict[str, Any]) -> bool:
    """Whether a list entry carries the article's text (then no item request is needed)."""
    return _text(entry.get("body")) is not None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None
