"""Numeric alert settings from the environment, checked like the crawl's own.

The alert job reads its settings from the environment (as SMTP's), not from
Scrapy settings, so ``crawler alerts`` and ``crawler run`` see the same values.
A bad value stops either command with one line, before any work.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from crawler.alerts.config import ConfigError

# Defaults; each is also the documented value in docs/alerts.md.
MAX_STORIES = 20
RETRY_SECONDS = 60.0
NOTIFY_TIMEOUT = 30.0


@dataclass(frozen=True)
class AlertSettings:
    max_stories: int = MAX_STORIES  # stories listed in one message; the rest: "and N more"
    retry: timedelta = timedelta(seconds=RETRY_SECONDS)  # first retry delay, then doubled
    notify_timeout: float = NOTIFY_TIMEOUT  # seconds one notification URL may take

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> AlertSettings:
        env = os.environ if env is None else env
        return cls(
            max_stories=int(_read(env, "CRAWLER_ALERT_MAX_STORIES", MAX_STORIES)),
            retry=timedelta(seconds=_read(env, "CRAWLER_ALERT_RETRY_SECONDS", RETRY_SECONDS)),
            notify_timeout=_read(env, "CRAWLER_ALERT_NOTIFY_TIMEOUT", NOTIFY_TIMEOUT),
        )


def _ranges() -> dict:
    # Imported here: the crawl's settings module pulls in Scrapy, which the
    # alert job itself does not need.
    from crawler.run.jobs import NumberRange

    return {
        "CRAWLER_ALERT_MAX_STORIES": NumberRange(whole=True, low=1, high=200),
        "CRAWLER_ALERT_RETRY_SECONDS": NumberRange(whole=False),
        "CRAWLER_ALERT_NOTIFY_TIMEOUT": NumberRange(whole=False, low_open=True, high=600),
    }


def _read(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    allowed = _ranges()[name]
    try:
        number = int(raw) if allowed.whole else float(raw)
    except ValueError:
        number = None
    if number is None or not math.isfinite(number) or not allowed.allows(number):
        raise ConfigError(f"{name} must be {allowed.describe()}, got {raw!r}")
    return number
