"""Stories: one story, many outlets.

Copies of a press release across outlets and its language versions are linked
into one story (see :mod:`crawler.stories.linking`), found with MinHash LSH over
word shingles (:mod:`crawler.stories.minhash`, :mod:`crawler.stories.index`) and
attribution phrases (:mod:`crawler.stories.attribution`).
"""

from typing import Any

from crawler.stories.attribution import Attribution, parse_attribution
from crawler.stories.config import StoryConfig

_LINKING = ("attribution_columns", "link_new_article", "refresh_story", "update_article")


def __getattr__(name: str) -> Any:
    # Linking needs numpy and the morphology (a while to import); the crawl
    # process imports this package for StoryConfig alone when a writer process
    # does the linking, so linking is imported on first use.
    if name in _LINKING:
        from crawler.stories import linking

        return getattr(linking, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "Attribution",
    "StoryConfig",
    "attribution_columns",
    "link_new_article",
    "parse_attribution",
    "refresh_story",
    "update_article",
]
