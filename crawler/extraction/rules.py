"""Declared selectors of a source: the [extraction] part of crawler/sources/<source>.toml.

A source has layouts (``[[extraction.layout]]``), newest first. Each lists, per field,
CSS or XPath selectors tried in order. The first layout whose ``match`` selector finds
something on a page is the one used for it.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.resources.abc import Traversable
from pathlib import Path

from lxml import etree
from parsel import Selector
from parsel.csstranslator import HTMLTranslator

from crawler.sources.spec import SOURCES_DIR, spec_by_name

FIELDS = ("title", "published", "author", "lang", "body")
_LAYOUT_KEYS = {"name", "valid_until", "match", "exclude", *FIELDS}
_css = HTMLTranslator()


class RulesError(ValueError):
    """A source's extraction rules are missing or malformed."""


@dataclass(frozen=True)
class Layout:
    name: str
    valid_until: dt.date | None = None
    match: tuple[str, ...] = ()
    fields: dict[str, tuple[str, ...]] = field(default_factory=dict)
    exclude: tuple[str, ...] = ()

    def selectors(self, name: str) -> tuple[str, ...]:
        return self.fields.get(name, ())

    def matches(self, sel: Selector) -> bool:
        """True when the page looks like this layout: ``match`` (or, without it, the
        title or body selectors) finds something."""
        probes = self.match or self.selectors("body") + self.selectors("title")
        return any(select(sel, query) for query in probes)


@dataclass(frozen=True)
class ExtractionRules:
    source: str
    layouts: tuple[Layout, ...] = ()

    def layout_for(self, sel: Selector) -> Layout | None:
        for layout in self.layouts:
            if layout.matches(sel):
                return layout
        return None


def is_xpath(query: str) -> bool:
    return query.startswith(("/", "(", "./", "xpath:"))


def select(sel: Selector, query: str) -> list:
    """Results of a CSS or XPath query: elements (Selector) or strings (::text, ::attr, @x)."""
    if query.startswith("xpath:"):
        return sel.xpath(query[6:].strip())
    if query.startswith("css:"):
        return sel.css(query[4:].strip())
    return sel.xpath(query) if is_xpath(query) else sel.css(query)


def _check_selector(query: object, where: str) -> str:
    if not isinstance(query, str) or not query.strip():
        raise RulesError(f"{where}: a selector must be a non-empty string, got {query!r}")
    query = query.strip()
    try:
        if query.startswith("xpath:"):
            etree.XPath(query[6:].strip())
        elif query.startswith("css:"):
            _css.css_to_xpath(query[4:].strip())
        elif is_xpath(query):
            etree.XPath(query)
        else:
            _css.css_to_xpath(query)
    except Exception as exc:
        raise RulesError(f"{where}: bad selector {query!r}: {exc}") from None
    return query


def _selector_list(value: object, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise RulesError(f"{where}: expected a list of selectors")
    return tuple(_check_selector(q, where) for q in value)


def _valid_until(value: object, where: str) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise RulesError(f"{where}: valid_until must be a date like 2025-06-30, got {value!r}")


def parse_rules(source: str, data: dict) -> ExtractionRules:
    """Rules from the parsed TOML of a source file (validated: bad selectors raise)."""
    section = data.get("extraction") or {}
    if not isinstance(section, dict):
        raise RulesError(f"{source}: [extraction] must be a table")
    raw_layouts = section.get("layout") or []
    if not isinstance(raw_layouts, list):
        raise RulesError(f"{source}: use [[extraction.layout]] tables for layouts")
    layouts = []
    for i, raw in enumerate(raw_layouts):
        if not isinstance(raw, dict):
            raise RulesError(f"{source}: layout #{i + 1} must be a table")
        name = str(raw.get("name") or f"layout{i + 1}")
        where = f"{source} layout {name!r}"
        unknown = set(raw) - _LAYOUT_KEYS
        if unknown:
            raise RulesError(
                f"{where}: unknown keys {sorted(unknown)}; known: {sorted(_LAYOUT_KEYS)}"
            )
        layouts.append(
            Layout(
                name=name,
                valid_until=_valid_until(raw.get("valid_until"), where),
                match=_selector_list(raw.get("match"), f"{where} match"),
                fields={
                    f: _selector_list(raw.get(f), f"{where} {f}") for f in FIELDS if raw.get(f)
                },
                exclude=_selector_list(raw.get("exclude"), f"{where} exclude"),
            )
        )
    # Newest first: the current layout (no valid_until), then by valid_until descending.
    layouts.sort(key=lambda lay: lay.valid_until or dt.date.max, reverse=True)
    return ExtractionRules(source=source, layouts=tuple(layouts))


def source_path(source: str) -> Traversable:
    """The TOML file declaring source ``source`` (or ``source`` itself when it is a path)."""
    if source.endswith(".toml") or "/" in source:
        return Path(source)
    try:
        return spec_by_name(source).path
    except KeyError:
        return SOURCES_DIR / f"{source}.toml"


@lru_cache(maxsize=32)
def load_rules(source: str) -> ExtractionRules:
    """The [extraction] rules of ``crawler/sources/<source>.toml`` (or of a .toml path)."""
    path = source_path(source)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RulesError(f"no rules for source {source!r}: {path} does not exist") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise RulesError(f"{path}: {exc}") from None
    return parse_rules(path.stem if source.endswith(".toml") or "/" in source else source, data)
