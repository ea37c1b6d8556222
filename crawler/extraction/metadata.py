"""What a page says about itself: JSON-LD articles, OpenGraph/article:* meta, <link>."""

from __future__ import annotations

import html
import json
import re
from typing import Any
from urllib.parse import urljoin

from parsel import Selector

from .text import squash

ARTICLE_TYPES = frozenset(
    [
        "NewsArticle",
        "Article",
        "ReportageNewsArticle",
        "AnalysisNewsArticle",
        "BackgroundNewsArticle",
        "OpinionNewsArticle",
        "ReviewNewsArticle",
        "BlogPosting",
        "Report",
        "ScholarlyArticle",
    ]
)
_MAX_JSONLD = 2_000_000
_MAX_NODES = 5000
_COMMENTS_RE = re.compile(r"^\s*(?:<!--|//\s*<!\[CDATA\[)|(?:-->|//\s*\]\]>)\s*$")
_URLISH_RE = re.compile(r"^(?:https?:)?//|^www\.", re.I)

# Meta keys (property/name/itemprop, lower-cased) per field, in order of trust.
META_KEYS = {
    "title": ("og:title", "twitter:title"),
    "published": (
        "article:published_time",
        "og:article:published_time",
        "datepublished",
        "pubdate",
        "publishdate",
        "publish-date",
        "publish_date",
        "parsely-pub-date",
        "sailthru.date",
        "dc.date.issued",
        "dc.date",
        "dcterms.created",
        "date",
    ),
    "lang": ("og:locale", "inlanguage", "content-language", "language", "dc.language"),
    "author": ("author", "article:author", "dc.creator", "parsely-author", "sailthru.author"),
    "site": ("og:site_name", "application-name"),
    "canonical": ("og:url", "twitter:url"),
}


def _types(node: dict) -> set[str]:
    raw = node.get("@type")
    values = raw if isinstance(raw, list) else [raw]
    return {v.rsplit("/", 1)[-1] for v in values if isinstance(v, str)}


def _load_json(text: str) -> Any:
    text = _COMMENTS_RE.sub("", text.strip())
    try:
        return json.loads(text, strict=False)
    except ValueError:
        # Trailing commas are the usual hand-written JSON-LD mistake.
        return json.loads(re.sub(r",\s*([}\]])", r"\1", text), strict=False)


def jsonld_article(sel: Selector) -> dict | None:
    """The first article-typed object in the page's JSON-LD (top level, lists, @graph)."""
    for script in sel.xpath("//script[@type='application/ld+json']/text()").getall():
        if len(script) > _MAX_JSONLD:
            continue
        try:
            data = _load_json(script)
        except ValueError:
            continue
        todo, seen = [data], 0
        while todo and seen < _MAX_NODES:
            node = todo.pop(0)
            seen += 1
            if isinstance(node, list):
                todo.extend(node)
            elif isinstance(node, dict):
                if _types(node) & ARTICLE_TYPES:
                    return node
                for key in ("@graph", "mainEntity", "itemListElement", "item"):
                    if isinstance(node.get(key), list | dict):
                        todo.append(node[key])
    return None


def _text(value: Any) -> str | None:
    if isinstance(value, list):
        value = next((v for v in value if v), None)
    if isinstance(value, dict):
        value = value.get("name") or value.get("@value") or value.get("alternateName")
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return None
    return squash(html.unescape(value)) or None


def _names(value: Any) -> str | None:
    people = value if isinstance(value, list) else [value]
    names = []
    for person in people:
        name = _text(person)
        if name and not _URLISH_RE.match(name) and name not in names:
            names.append(name)
    return ", ".join(names) or None


def jsonld_fields(sel: Selector) -> dict[str, str]:
    """title, published, body, lang, author, canonical from JSON-LD (missing keys absent)."""
    node = jsonld_article(sel)
    if not node:
        return {}
    found = {
        "title": _text(node.get("headline")) or _text(node.get("name")),
        "published": _text(node.get("datePublished")) or _text(node.get("dateCreated")),
        "lang": _text(node.get("inLanguage")),
        "author": _names(node.get("author")),
        "canonical": _text(node.get("url")),
    }
    body = node.get("articleBody")
    if isinstance(body, list):
        body = "\n\n".join(b for b in body if isinstance(b, str))
    if isinstance(body, str) and body.strip():
        found["body"] = html.unescape(body)
    return {k: v for k, v in found.items() if v}


def meta_fields(sel: Selector, url: str) -> dict[str, str]:
    """title, published, lang, author, site, canonical from <meta>, <link> and <html lang>."""
    metas: dict[str, str] = {}
    for meta in sel.xpath("//meta")[:500]:
        key = meta.attrib.get("property") or meta.attrib.get("name") or meta.attrib.get("itemprop")
        key = key or meta.attrib.get("http-equiv")
        content = meta.attrib.get("content") or meta.attrib.get("datetime")
        if key and content and content.strip():
            metas.setdefault(key.strip().lower(), content.strip())
    found: dict[str, str] = {}
    for name, keys in META_KEYS.items():
        for key in keys:
            value = squash(html.unescape(metas.get(key, "")))
            if not value or (name == "author" and _URLISH_RE.match(value)):
                continue
            found[name] = value
            break
    if "published" not in found:
        stamp = sel.xpath("//*[@itemprop='datePublished']/@datetime").get()
        if stamp and stamp.strip():
            found["published"] = stamp.strip()
    html_lang = sel.xpath("/html/@lang").get() or sel.xpath("/html/@xml:lang").get()
    if html_lang and html_lang.strip():
        found.setdefault("lang", html_lang.strip())
    canonical = sel.xpath("//link[@rel='canonical']/@href").get()
    if canonical and canonical.strip():
        found["canonical"] = canonical.strip()
    if "canonical" in found:
        try:
            found["canonical"] = urljoin(url, found["canonical"])
        except ValueError:
            del found["canonical"]
    return found
