"""Crawl health: small declarative checks over a finished run and the runs before it.

Each check's docstring is its report text (formatted with the check's
numbers); ``evaluate`` returns the texts of the checks that failed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from scrapy.settings import BaseSettings

from crawler.spiders.discovery import STAT_PARSED, STAT_REPORT

# Entries the source's lists named this run, set by spiders that read lists of entries.
STAT_LISTED = "crawler/entries_listed"


@dataclass
class RunFacts:
    """What the checks look at: this run and earlier runs of the same spider."""

    status: str
    stats: dict[str, Any]
    earlier: list[dict[str, Any]]  # crawl_runs rows, newest first
    settings: BaseSettings


class Check:
    threshold_setting: ClassVar[str | None] = None

    def failed(self, facts: RunFacts) -> dict[str, Any] | None:
        """The numbers for the report when the check fails, else None."""
        raise NotImplementedError

    def report(self, numbers: dict[str, Any]) -> str:
        return (self.__doc__ or type(self).__name__).strip().splitlines()[0].format(**numbers)


class DiscoveryFailed(Check):
    """{report}"""

    def failed(self, facts: RunFacts) -> dict[str, Any] | None:
        report = facts.stats.get(STAT_REPORT)
        return {"report": report} if report else None


class RunFailed(Check):
    """The run ended as {status} ({reason})."""

    def failed(self, facts: RunFacts) -> dict[str, Any] | None:
        # A run whose discovery read nothing is reported by DiscoveryFailed, which says why.
        if facts.status == "failed" and not facts.stats.get(STAT_REPORT):
            reason = facts.stats.get("finish_reason") or "errors only"
            return {"status": facts.status, "reason": reason}
        return None


class EmptyLists(Check):
    """Its lists answered but named no article at all ({lists} read): check its address or project slug."""

    def failed(self, facts: RunFacts) -> dict[str, Any] | None:
        # Only sources that count what their lists name (the gov.kz API), and only when
        # every list was read: an unchanged one (304) names nothing, and a language
        # without news is empty beside one that did not change.
        lists = facts.stats.get(STAT_PARSED, 0)
        unchanged = facts.stats.get("crawler/feeds_unchanged", 0)
        if facts.stats.get(STAT_LISTED) == 0 and lists and not unchanged:
            return {"lists": lists}
        return None


class NothingNewWhileFeedsChange(Check):
    """No new articles for {runs} runs in a row although its feeds kept changing."""

    threshold_setting = "CRAWLER_HEALTH_EMPTY_RUNS"

    def failed(self, facts: RunFacts) -> dict[str, Any] | None:
        runs = facts.settings.getint(self.threshold_setting)
        this = {
            "items_new": facts.stats.get("crawler/items_new", 0),
            "feeds_changed": facts.stats.get("crawler/feeds_changed", 0),
        }
        window = [this, *facts.earlier[: runs - 1]]
        if len(window) < runs:
            return None
        if all(not (r["items_new"] or 0) and (r["feeds_changed"] or 0) > 0 for r in window):
            return {"runs": runs}
        return None


class ExtractionDrift(Check):
    """{share:.0%} of {checked} items lacked a date or a full body (limit {limit:.0%})."""

    threshold_setting = "CRAWLER_HEALTH_MAX_INCOMPLETE"

    def failed(self, facts: RunFacts) -> dict[str, Any] | None:
        checked = facts.stats.get("crawler/items_checked", 0)
        incomplete = facts.stats.get("crawler/items_incomplete", 0)
        limit = facts.settings.getfloat(self.threshold_setting)
        # No items is no share (CRAWLER_HEALTH_MIN_ITEMS may be 0).
        if not checked or checked < facts.settings.getint("CRAWLER_HEALTH_MIN_ITEMS"):
            return None
        share = incomplete / checked
        if share > limit:
            return {"share": share, "checked": checked, "limit": limit}
        return None


CHECKS: list[Check] = [
    DiscoveryFailed(),
    RunFailed(),
    EmptyLists(),
    NothingNewWhileFeedsChange(),
    ExtractionDrift(),
]


def evaluate(facts: RunFacts, checks: list[Check] | None = None) -> list[str]:
    """Report texts of the failing checks; an empty list means healthy."""
    reasons = []
    for check in checks or CHECKS:
        numbers = check.failed(facts)
        if numbers is not None:
            reasons.append(check.report(numbers))
    return reasons
