"""HTML to plain text that keeps paragraphs, and the small string helpers around it."""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable

from lxml import etree
from parsel import Selector

log = logging.getLogger(__name__)

# Paragraph boundaries: text on either side of these never joins into one paragraph.
BLOCK_TAGS = frozenset(
    [
        "p",
        "div",
        "section",
        "article",
        "main",
        "header",
        "footer",
        "aside",
        "nav",
        "ul",
        "ol",
        "li",
        "dl",
        "dt",
        "dd",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "pre",
        "table",
        "thead",
        "tbody",
        "tfoot",
        "tr",
        "td",
        "th",
        "caption",
        "figure",
        "form",
        "fieldset",
        "address",
        "hr",
        "details",
        "summary",
        "center",
        "body",
        "html",
    ]
)
# Never text: code, media, widgets and captions under pictures.
DROP_TAGS = frozenset(
    [
        "script",
        "style",
        "noscript",
        "template",
        "svg",
        "math",
        "iframe",
        "object",
        "embed",
        "img",
        "picture",
        "video",
        "audio",
        "canvas",
        "source",
        "track",
        "map",
        "button",
        "select",
        "option",
        "input",
        "textarea",
        "label",
        "figcaption",
        "head",
        "title",
        "meta",
        "link",
        "base",
    ]
)

_BREAK = "\x00"
_SPACE_RE = re.compile(r"\s+")
_INVISIBLE_RE = re.compile(r"[\u00ad\u200b-\u200f\u2060\ufeff]")
# Characters lxml refuses (NUL, other C0 controls, lone surrogates, non-characters).
_BAD_XML_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean_xml_chars(text: str) -> str:
    return _BAD_XML_RE.sub("", text)


def squash(text: str | None) -> str:
    """One line: NFC, invisible characters dropped, runs of whitespace to one space."""
    if not text:
        return ""
    text = _INVISIBLE_RE.sub("", unicodedata.normalize("NFC", text))
    return _SPACE_RE.sub(" ", text).strip()


def tag_of(el: object) -> str | None:
    """Lower-case tag name, or None for comments and processing instructions."""
    tag = getattr(el, "tag", None)
    if not isinstance(tag, str):
        return None
    if "}" in tag:  # namespaced (XHTML served as XML)
        tag = tag.rsplit("}", 1)[1]
    return tag.lower()


class _Tail:
    """Stands in for the tail of an inline element on the walk stack."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


def paragraphs(root: etree._Element, drop: frozenset[str] = DROP_TAGS) -> list[str]:
    """The paragraphs under ``root``: split at block elements and <br>, whitespace squashed.

    Iterative, so pages of thousands of nested elements cannot exhaust the stack.
    """
    out: list[str] = []
    stack: list[tuple[etree._Element | _Tail, bool]] = [(root, False)]
    while stack:
        el, closing = stack.pop()
        if isinstance(el, _Tail):
            out.append(el.text)
            continue
        tail = el.tail if el is not root else None
        if closing:
            out.append(_BREAK)
            if tail:
                out.append(tail)
            continue
        tag = tag_of(el)
        if tag is None or tag in drop:
            if tail:
                out.append(tail)
            continue
        if tag == "br":
            out.append(_BREAK)
            if tail:
                out.append(tail)
            continue
        block = tag in BLOCK_TAGS
        if block:
            out.append(_BREAK)
        if el.text:
            out.append(el.text)
        if block:
            stack.append((el, True))
        elif tail:
            # inline element: its tail follows its content without a break
            stack.append((_Tail(tail), False))
        stack.extend((child, False) for child in reversed(el))
    return [p for p in (squash(chunk) for chunk in "".join(out).split(_BREAK)) if p]


def join_paragraphs(parts: Iterable[str]) -> str:
    return "\n\n".join(p for p in parts if p)


def element_text(el: etree._Element) -> str:
    """An element's text on one line (for titles, authors, dates)."""
    return squash(" ".join(paragraphs(el)))


def html_to_text(html: str, url: str | None = None, failures: list[str] | None = None) -> str:
    """An HTML fragment as text: paragraphs (p, br, li, headings, blockquote …) joined by
    a blank line; scripts, styles, images and figure captions left out. Never raises:
    a fragment that cannot be read gives "", is logged (with ``url``, the page it
    came from) and, when ``failures`` is given, noted there to be counted."""
    try:
        if not isinstance(html, str):
            html = bytes(html).decode("utf-8", "replace")
        html = clean_xml_chars(html)
        if not html.strip():
            return ""
        root = Selector(text=html, type="html").root
        return join_paragraphs(paragraphs(root))
    except Exception as exc:
        log.warning("HTML to text failed for %s: %r", url or "a fragment", exc, exc_info=True)
        if failures is not None:
            failures.append(repr(exc))
        return ""
