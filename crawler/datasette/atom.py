"""Writing an Atom 1.0 document (RFC 4287) from plain values: no database, no web.

Written as text (every value escaped): a feed of 50 entries with their
categories is built on each request, and ElementTree took a third of it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

ATOM_NS = "http://www.w3.org/2005/Atom"
CONTENT_TYPE = "application/atom+xml; charset=utf-8"
# Characters XML 1.0 cannot carry at all; crawled text may hold them.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True)
class Link:
    href: str
    rel: str = "alternate"
    type: str | None = None
    title: str | None = None


@dataclass(frozen=True)
class Category:
    term: str
    label: str | None = None
    scheme: str | None = None


@dataclass(frozen=True)
class Person:
    name: str
    uri: str | None = None


@dataclass(frozen=True)
class Entry:
    id: str
    title: str
    updated: str  # RFC 3339, e.g. 2026-12-02T09:30:00Z
    links: tuple[Link, ...]
    author: Person
    published: str | None = None
    categories: tuple[Category, ...] = ()
    summary_html: str = ""


@dataclass(frozen=True)
class Feed:
    id: str
    title: str
    updated: str
    links: tuple[Link, ...]
    author: Person
    subtitle: str = ""
    entries: tuple[Entry, ...] = field(default=())


def _xml(value: str) -> str:
    """Text or attribute value, escaped; characters XML cannot carry are dropped."""
    return escape(NOT_XML.sub("", value), {'"': "&quot;"})


def _tag(name: str, attrs: dict[str, str | None], text: str | None = None) -> str:
    """One element: attributes with a value, then the escaped text or nothing."""
    inside = "".join(f' {k}="{_xml(v)}"' for k, v in attrs.items() if v)
    if text is None:
        return f"<{name}{inside}/>"
    return f"<{name}{inside}>{_xml(text)}</{name}>"


def _link(link: Link) -> str:
    return _tag(
        "link", {"rel": link.rel, "href": link.href, "type": link.type, "title": link.title}
    )


def _person(tag: str, person: Person) -> str:
    uri = _tag("uri", {}, person.uri) if person.uri else ""
    return f"<{tag}>{_tag('name', {}, person.name)}{uri}</{tag}>"


def _entry(entry: Entry) -> str:
    parts = [
        _tag("id", {}, entry.id),
        _tag("title", {}, entry.title),
        _tag("updated", {}, entry.updated),
        _tag("published", {}, entry.published) if entry.published else "",
        _person("author", entry.author),
        *(_link(link) for link in entry.links),
        *(
            _tag("category", {"term": c.term, "label": c.label, "scheme": c.scheme})
            for c in entry.categories
        ),
        # type="html": the markup travels escaped, as RFC 4287 §3.1.1.2 says.
        _tag("summary", {"type": "html"}, entry.summary_html) if entry.summary_html else "",
    ]
    return f"<entry>{''.join(parts)}</entry>"


def render(feed: Feed) -> bytes:
    """The feed as UTF-8 XML."""
    parts = [
        "<?xml version='1.0' encoding='utf-8'?>\n",
        f'<feed xmlns="{ATOM_NS}">',
        _tag("id", {}, feed.id),
        _tag("title", {}, feed.title),
        _tag("subtitle", {}, feed.subtitle) if feed.subtitle else "",
        _tag("updated", {}, feed.updated),
        _person("author", feed.author),
        _tag("generator", {}, "crafts-crawler"),
        *(_link(link) for link in feed.links),
        *(_entry(entry) for entry in feed.entries),
        "</feed>",
    ]
    return "".join(parts).encode("utf-8")
