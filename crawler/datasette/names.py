"""What readers see instead of codes: source, category and language names."""

from __future__ import annotations

from crawler.sources.spec import spec_by_name

CATEGORY_LABELS = {
    "world_craft_city": "World Craft City title",
    "world_crafts_council": "World Crafts Council",
    "crafts": "Crafts and craftspeople",
}
LANGUAGES = {"ru": "Russian", "kk": "Kazakh", "en": "English"}


def source_name(source: str, lang: str = "en") -> str:
    """The source's name for readers in ``lang`` (its code when no spec declares it)."""
    try:
        return spec_by_name(source).display_name(lang)
    except KeyError:
        return source


def source_site(source: str) -> tuple[str, str] | None:
    """``(site, home page)`` of a declared source, else None."""
    try:
        spec = spec_by_name(source)
    except KeyError:
        return None
    return spec.site, spec.home


def category_label(category: str) -> str:
    return CATEGORY_LABELS.get(category, category)


def language_name(lang: str | None) -> str:
    return LANGUAGES.get(lang or "", lang or "unknown")
