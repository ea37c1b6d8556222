"""Stories: one story, many outlets.

Copies of a press release across outlets and its language versions are linked
into one story (see :mod:`crawler.stories.linking`), found with MinHash LSH over
word shingles (:mod:`crawler.stories.minhash`, :mod:`crawler.stories.index`) and
attribution phrases (:mod:`crawler.stories.attribution`).
"""

from crawler.stories.attribution import Attribution, parse_attribution
from crawler.stories.config import StoryConfig
from crawler.stories.linking import (
    attribution_columns,
    link_new_article,
    refresh_story,
    update_article,
)

__all__ = [
    "Attribution",
    "StoryConfig",
    "attribution_columns",
    "link_new_article",
    "parse_attribution",
    "refresh_story",
    "update_article",
]
