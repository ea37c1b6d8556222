"""What a run's discovery requests answered, so a run that found nothing says why.

Discovery requests are the ones that find articles: API list pages, tickets,
robots.txt, sitemaps, feeds, home pages and listings. Each answer is sorted into
an outcome; the spider's stats carry the counts and, when nothing could be read,
a one-line report such as ``refused — 3 list requests answered 400
{"message":"notAllowed"}``. Configured paths (hints) that answer 404 are listed
apart, because they are worth fixing even when other discovery worked.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

# Outcomes, worst first: the report names the first one present.
REFUSED, FAILED, MISSING = "refused", "failed", "missing"
REFUSED_STATUSES = frozenset({400, 401, 403, 405, 407, 429, 451})
MISSING_STATUSES = frozenset({404, 410})
BODY_START = 80

# Stats keys (crawl_runs.stats keeps them; crawler/run/health.py reads them).
STAT_REQUESTS = "crawler/discovery/requests"
STAT_PARSED = "crawler/discovery/parsed"
STAT_REPORT = "crawler/discovery/report"
STAT_MISSING_HINTS = "crawler/discovery/missing_hints"


def outcome_of(status: int) -> str | None:
    """None for an answer that can be read (2xx, 304), else its outcome."""
    if 200 <= status < 300 or status == 304:
        return None
    if status in REFUSED_STATUSES:
        return REFUSED
    if status in MISSING_STATUSES:
        return MISSING
    return FAILED


def body_start(body: bytes | str | None) -> str:
    """The first characters of an answer, on one line, for a report."""
    if isinstance(body, bytes):
        body = body[: BODY_START * 4].decode("utf-8", "replace")
    text = " ".join((body or "").split())
    return text if len(text) <= BODY_START else text[: BODY_START - 1] + "…"


@dataclass
class Problem:
    outcome: str
    kind: str  # list, ticket, graphql, robots, sitemap, feed, home, listing
    answer: str  # "400 {"message":"notAllowed"}" or "TimeoutError: …"
    url: str
    hint: bool = False


@dataclass
class DiscoveryLog:
    """Answers of one run's discovery requests."""

    requests: int = 0
    parsed: int = 0
    problems: list[Problem] = field(default_factory=list)

    def answered(
        self, kind: str, url: str, status: int, body: bytes | str | None, hint: bool
    ) -> bool:
        """Note one answer; True when it can be parsed."""
        self.requests += 1
        outcome = outcome_of(status)
        if outcome is None:
            return True
        answer = f"{status} {body_start(body)}".strip()
        self.problems.append(Problem(outcome, kind, answer, url, hint))
        return False

    def failed(self, kind: str, url: str, error: str, hint: bool = False) -> None:
        """Note a request that got no answer (connection, timeout, robots.txt)."""
        self.requests += 1
        outcome = REFUSED if "robots.txt" in error else FAILED
        self.problems.append(Problem(outcome, kind, error, url, hint))

    def remembered_missing(self, kind: str, url: str, answer: str) -> None:
        """A configured URL not asked this run because it answered 404 lately: still
        reported, at no request's cost."""
        self.problems.append(Problem(MISSING, kind, answer, url, hint=True))

    def unusable(self, kind: str, url: str, why: str, hint: bool = False) -> None:
        """Note an answer that came but could not be read (broken JSON, not a sitemap)."""
        self.problems.append(Problem(FAILED, kind, why, url, hint))

    def parsed_one(self) -> None:
        self.parsed += 1

    def missing_hints(self) -> list[str]:
        """Configured URLs that answered 404/410, sorted (answers come in any order)."""
        return sorted({p.url for p in self.problems if p.hint and p.outcome == MISSING})

    def report(self) -> str | None:
        """Why nothing was read, or None when something was."""
        if self.parsed:
            return None
        if not self.requests and not self.problems:
            return "no discovery request was made"
        if not self.problems:
            return "no list, feed or listing page could be read"
        for outcome in (REFUSED, FAILED, MISSING):
            found = [p for p in self.problems if p.outcome == outcome]
            if found:
                return f"{outcome} — " + "; ".join(_grouped(found))
        return None  # unreachable: every problem has one of the outcomes

    def stats(self) -> dict[str, object]:
        return {
            STAT_REQUESTS: self.requests,
            STAT_PARSED: self.parsed,
            STAT_REPORT: self.report(),
            STAT_MISSING_HINTS: self.missing_hints(),
        }


def _grouped(problems: list[Problem], most: int = 3) -> list[str]:
    """«3 list requests answered 400 {…}», one per kind and answer, commonest first."""
    counts = Counter((p.kind, p.answer) for p in problems)
    parts = []
    for (kind, answer), n in counts.most_common(most):
        noun = f"{kind} request" + ("s" if n > 1 else "")
        verb = "answered" if answer[:3].isdigit() else "failed:"
        parts.append(f"{n} {noun} {verb} {answer}")
    return parts
