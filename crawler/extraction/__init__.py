"""Article extraction: metadata first, then a source's declared selectors, then a
generic fallback.

Per field the chain is JSON-LD → meta tags → selectors of the page's layout (from
``crawler/sources/<source>.toml``) → the generic extractor. ``methods`` records which
step gave each field, so a maintainer sees at once when a layout stopped matching.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from parsel import Selector

from crawler.text.dates import parse_date

from .decode import cut_bytes, decode_html, decode_page
from .generic import (
    body_text,
    clean_for_body,
    fallback_author,
    fallback_body,
    fallback_date,
    fallback_title,
    is_suffixed_version,
    remove_element,
    strip_site_suffix,
)
from .lang import guess_lang, normalise_lang
from .metadata import jsonld_article, jsonld_fields, meta_fields
from .rules import ExtractionRules, Layout, RulesError, load_rules, select
from .text import clean_xml_chars, element_text, html_to_text, squash

__all__ = [
    "Extracted",
    "ExtractionRules",
    "Layout",
    "RulesError",
    "decode_html",
    "extract_article",
    "html_to_text",
    "load_rules",
]

log = logging.getLogger(__name__)

# Larger pages are cut: no article is this long, and parsing time grows with size.
MAX_HTML_CHARS = 8_000_000
# A JSON-LD articleBody shorter than this is a teaser, not the text.
MIN_JSONLD_BODY = 200
# Text this long outweighs a declared language it clearly contradicts (among these).
MIN_TEXT_FOR_LANG = 200
TEXT_DECIDES = frozenset({"ru", "kk"})


@dataclass
class Extracted:
    title: str | None = None
    published: str | None = None  # raw date text or ISO string as found on the page
    lang: str | None = None
    body: str | None = None  # main text, paragraphs separated by "\n\n"
    author: str | None = None
    canonical_url: str | None = None
    # field -> "jsonld" | "meta" | "selector" | "fallback" ("text": a language the
    # text gave against the page's declaration)
    methods: dict[str, str] = field(default_factory=dict)
    layout: str | None = None  # name of the declared layout that matched, if any
    # What the page says it is: "og:article", "jsonld:NewsArticle" …
    page_types: list[str] = field(default_factory=list)
    # Why extraction failed (then every field is empty), for the crawl's error count.
    error: str | None = None
    # Invalid UTF-8 sequences replaced while decoding a page that is UTF-8 otherwise.
    replaced_bytes: int = 0
    # HTML fragments that could not be turned into text (their text is left out).
    text_failures: list[str] = field(default_factory=list)


def extract_article(
    html: str | bytes,
    url: str,
    rules: ExtractionRules | None = None,
    *,
    encoding: str | None = None,
    logger: logging.Logger | logging.LoggerAdapter[logging.Logger] | None = None,
) -> Extracted:
    """Extract one article page. Never raises: unusable input gives empty fields.

    ``encoding`` is the charset the HTTP header declared; ``logger`` (a spider's)
    ties a failure to its crawl, whose error count it then joins.
    """
    out = Extracted()
    try:
        return _extract(html, url, rules, out, encoding)
    except Exception as exc:  # one broken page must not stop a crawl, but it is an error
        (logger or log).error("extraction failed for %s: %r", url, exc, exc_info=True)
        return Extracted(error=repr(exc), replaced_bytes=out.replaced_bytes)
    finally:
        if out.replaced_bytes:
            (logger or log).warning(
                "%s: %d invalid UTF-8 sequence(s) replaced", url, out.replaced_bytes
            )


def _to_selector(html: str | bytes, encoding: str | None, out: Extracted) -> Selector | None:
    if isinstance(html, bytes | bytearray | memoryview):
        decoded = decode_page(cut_bytes(bytes(html), MAX_HTML_CHARS), encoding)
        out.replaced_bytes = decoded.replaced
        html = decoded.text
    if not isinstance(html, str):
        return None
    html = clean_xml_chars(html[:MAX_HTML_CHARS])
    if not html.strip():
        return None
    sel = Selector(text=html, type="html")
    return sel if sel.root is not None else None


def _first(sel: Selector, queries: tuple[str, ...]) -> str | None:
    """Text of the first selector result that has any (element text or a string)."""
    for query in queries:
        for result in select(sel, query)[:20]:
            root = result.root
            value = squash(root) if isinstance(root, str) else element_text(root)
            if value:
                return value
    return None


def _first_date(sel: Selector, queries: tuple[str, ...]) -> str | None:
    for query in queries:
        for result in select(sel, query)[:20]:
            root = result.root
            value = squash(root) if isinstance(root, str) else element_text(root)
            if value and parse_date(value) is not None:
                return value
    return None


def _selector_body(sel: Selector, layout: Layout, title: str | None) -> str | None:
    parts: list[str] = []
    for query in layout.selectors("body"):
        results = select(sel, query)
        for result in results:
            root = result.root
            if isinstance(root, str):
                if squash(root):
                    parts.append(squash(root))
                continue
            for bad in layout.exclude:
                for node in select(result, bad):
                    if not isinstance(node.root, str) and node.root is not root:
                        remove_element(node.root)
            clean_for_body(root)
            text = body_text([root], title)
            if text:
                parts.append(text)
        if parts:
            break
    return "\n\n".join(parts) or None


def _extract(
    html: str | bytes,
    url: str,
    rules: ExtractionRules | None,
    out: Extracted,
    encoding: str | None = None,
) -> Extracted:
    sel = _to_selector(html, encoding, out)
    if sel is None:
        return out
    ld = jsonld_fields(sel)
    meta = meta_fields(sel, url)
    out.page_types = _page_types(sel)
    layout = rules.layout_for(sel) if rules else None
    out.layout = layout.name if layout else None

    def take(name: str, value: str | None, method: str) -> bool:
        if value:
            setattr(out, name, value)
            out.methods[name] = method
            return True
        return False

    # Title: a declared or visible headline beats og:title when og:title is
    # just "HEADLINE — Site".
    if not take("title", ld.get("title"), "jsonld"):
        headline, how = None, None
        if layout and layout.selectors("title"):
            headline, how = _first(sel, layout.selectors("title")), "selector"
        if not headline:
            headline, how = fallback_title(sel, meta.get("site")), "fallback"
        meta_title = meta.get("title")
        if meta_title and not (headline and is_suffixed_version(meta_title, headline)):
            take("title", strip_site_suffix(meta_title, meta.get("site")), "meta")
        else:
            take("title", headline, how)

    for key, method in ((ld.get("published"), "jsonld"), (meta.get("published"), "meta")):
        if key and parse_date(key) is not None and take("published", key, method):
            break
    else:
        if not (
            layout
            and take("published", _first_date(sel, layout.selectors("published")), "selector")
        ):
            take("published", fallback_date(sel), "fallback")

    if not (
        take("author", ld.get("author"), "jsonld")
        or take("author", meta.get("author"), "meta")
        or (layout and take("author", _first(sel, layout.selectors("author")), "selector"))
    ):
        take("author", fallback_author(sel), "fallback")

    canonical = meta.get("canonical")
    if not take("canonical_url", canonical, "meta") and not take(
        "canonical_url", ld.get("canonical"), "jsonld"
    ):
        take("canonical_url", url or None, "fallback")

    body = ld.get("body")
    if body and len(body) >= MIN_JSONLD_BODY:
        text = (
            html_to_text(body, url=url, failures=out.text_failures)
            if "<" in body
            else "\n\n".join(paragraphs_of_plain(body))
        )
        take("body", text, "jsonld")
    if out.body is None:
        if layout and layout.selectors("body"):
            take("body", _selector_body(sel, layout, out.title), "selector")
        if out.body is None:
            take("body", fallback_body(sel.root, out.title), "fallback")

    text = " ".join(filter(None, [out.title, out.body]))
    lang = normalise_lang(ld.get("lang"))
    if not take("lang", lang, "jsonld"):
        lang = normalise_lang(meta.get("lang"))
        if not take("lang", lang, "meta"):
            declared = layout and _first(sel, layout.selectors("lang"))
            if not take("lang", normalise_lang(declared or None), "selector"):
                take("lang", guess_lang(text), "fallback")
    # Bilingual sites keep one <html lang> (or og:locale) for both languages: a long
    # text whose letters clearly say otherwise wins over that declaration.
    if out.methods.get("lang") == "meta" and len(text) >= MIN_TEXT_FOR_LANG:
        guessed = guess_lang(text)
        if guessed and guessed != out.lang and {guessed, out.lang} <= TEXT_DECIDES:
            out.lang = guessed
            out.methods["lang"] = "text"
    return out


def _page_types(sel: Selector) -> list[str]:
    """``og:<type>`` and ``jsonld:<@type>`` of the page's metadata."""
    found = [
        f"og:{squash(t).lower()}"
        for t in sel.xpath("//meta[@property='og:type']/@content").getall()[:3]
        if squash(t)
    ]
    node = jsonld_article(sel)
    if node:
        kinds = node.get("@type")
        for kind in kinds if isinstance(kinds, list) else [kinds]:
            if isinstance(kind, str):
                found.append(f"jsonld:{kind.rsplit('/', 1)[-1]}")
    return found


def paragraphs_of_plain(text: str) -> list[str]:
    """Paragraphs of plain text: split at blank lines (or single newlines), squashed."""
    chunks = text.replace("\r\n", "\n").split("\n\n")
    if len(chunks) == 1:
        chunks = text.split("\n")
    return [p for p in (squash(c) for c in chunks) if p]
