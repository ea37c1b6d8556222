"""The thresholds of story linking, read from Scrapy settings or crawler/settings.py."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from crawler import settings as defaults


@dataclass(frozen=True)
class StoryConfig:
    """When two articles of different outlets are one story.

    ``threshold``: Jaccard similarity of 4-word shingles that makes two articles out
    at the same time near-duplicates; ``threshold_far``: the similarity needed when they
    are ``window_hours`` apart (linear in between): template-like news of the same kind
    recurs, so the further apart two texts are, the more alike they must be.
    ``window_hours``: the longest time between an article and its copy.
    ``title_threshold``: share of the shorter title's words that the longer one has too,
    for a copy that names the other outlet as its source (an attributed copy).
    ``cited_threshold``: the least text similarity an attributed copy still needs.
    """

    threshold: float = defaults.CRAWLER_STORY_THRESHOLD
    threshold_far: float = defaults.CRAWLER_STORY_THRESHOLD_FAR
    window_hours: float = defaults.CRAWLER_STORY_WINDOW_HOURS
    title_threshold: float = defaults.CRAWLER_STORY_TITLE_THRESHOLD
    cited_threshold: float = defaults.CRAWLER_STORY_CITED_THRESHOLD

    @classmethod
    def from_settings(cls, settings: Any) -> StoryConfig:
        """Build from Scrapy ``Settings`` (so ``-s CRAWLER_STORY_THRESHOLD=0.6`` works)."""
        return cls(
            threshold=settings.getfloat("CRAWLER_STORY_THRESHOLD", cls.threshold),
            threshold_far=settings.getfloat("CRAWLER_STORY_THRESHOLD_FAR", cls.threshold_far),
            window_hours=settings.getfloat("CRAWLER_STORY_WINDOW_HOURS", cls.window_hours),
            title_threshold=settings.getfloat("CRAWLER_STORY_TITLE_THRESHOLD", cls.title_threshold),
            cited_threshold=settings.getfloat("CRAWLER_STORY_CITED_THRESHOLD", cls.cited_threshold),
        )

    @property
    def window_seconds(self) -> float:
        return self.window_hours * 3600

    def required_similarity(self, lag_seconds: float) -> float:
        """The text similarity two articles this far apart need to be near-duplicates."""
        share = min(1.0, abs(lag_seconds) / self.window_seconds) if self.window_seconds else 0.0
        return self.threshold + (self.threshold_far - self.threshold) * share
