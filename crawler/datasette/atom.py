"""Writing an Atom 1.0 document (RFC 4287) from plain values: no database, no web."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from xml.etree import ElementTree as ET

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


def _clean(attrs: dict[str, str]) -> dict[str, str]:
    return {k: NOT_XML.sub("", v) for k, v in attrs.items()}


def _text(parent: ET.Element, tag: str, text: str, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, _clean(attrs))
    element.text = NOT_XML.sub("", text)
    return element


def _link(parent: ET.Element, link: Link) -> None:
    attrs = {"rel": link.rel, "href": link.href}
    if link.type:
        attrs["type"] = link.type
    if link.title:
        attrs["title"] = link.title
    ET.SubElement(parent, "link", _clean(attrs))


def _person(parent: ET.Element, tag: str, person: Person) -> None:
    element = ET.SubElement(parent, tag)
    _text(element, "name", person.name)
    if person.uri:
        _text(element, "uri", person.uri)


def _entry(parent: ET.Element, entry: Entry) -> None:
    element = ET.SubElement(parent, "entry")
    _text(element, "id", entry.id)
    _text(element, "title", entry.title)
    _text(element, "updated", entry.updated)
    if entry.published:
        _text(element, "published", entry.published)
    _person(element, "author", entry.author)
    for link in entry.links:
        _link(element, link)
    for category in entry.categories:
        attrs = {"term": category.term}
        if category.label:
            attrs["label"] = category.label
        if category.scheme:
            attrs["scheme"] = category.scheme
        ET.SubElement(element, "category", _clean(attrs))
    if entry.summary_html:
        # type="html": the markup travels escaped, as RFC 4287 §3.1.1.2 says.
        _text(element, "summary", entry.summary_html, type="html")


def render(feed: Feed) -> bytes:
    """The feed as UTF-8 XML."""
    root = ET.Element("feed", {"xmlns": ATOM_NS})
    _text(root, "id", feed.id)
    _text(root, "title", feed.title)
    if feed.subtitle:
        _text(root, "subtitle", feed.subtitle)
    _text(root, "updated", feed.updated)
    _person(root, "author", feed.author)
    _text(root, "generator", "crafts-crawler")
    for link in feed.links:
        _link(root, link)
    for entry in feed.entries:
        _entry(root, entry)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
