"""Mentions of crafts, the World Craft City title and the World Crafts Council.

>>> from crawler.text.mentions import default_detector
>>> [m.category for m in default_detector().find("Алматы стал Всемирным городом ремёсел.")]
['world_craft_city']
"""

from crawler.text.mentions.detector import (
    DEFAULT_LEXICON,
    Mention,
    MentionDetector,
    article_mentions,
    default_detector,
    detector_for,
)
from crawler.text.mentions.lexicon import LexiconError

__all__ = [
    "DEFAULT_LEXICON",
    "LexiconError",
    "Mention",
    "MentionDetector",
    "article_mentions",
    "default_detector",
    "detector_for",
]
