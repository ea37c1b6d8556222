"""The crawl health checks, on hand-made run facts."""

from __future__ import annotations

from scrapy.settings import Settings

from crawler import settings as project_settings
from crawler.run.health import RunFacts, evaluate


def facts(status="ok", stats=None, earlier=None) -> RunFacts:
    settings = Settings()
    settings.setmodule(project_settings)
    return RunFacts(status, stats or {}, earlier or [], settings)


def test_a_quiet_run_is_healthy() -> None:
    assert evaluate(facts(stats={"crawler/feeds_unchanged": 4})) == []


def test_failed_run() -> None:
    [reason] = evaluate(facts(status="failed", stats={"finish_reason": "shutdown"}))
    assert reason == "The run ended as failed (shutdown)."


def test_a_run_without_items_is_judged_with_no_minimum_too() -> None:
    judged = facts(stats={"crawler/feeds_unchanged": 4})
    judged.settings.set("CRAWLER_HEALTH_MIN_ITEMS", 0)
    assert evaluate(judged) == []


def test_extraction_drift_needs_enough_items_and_a_high_share() -> None:
    few = {"crawler/items_checked": 2, "crawler/items_incomplete": 2}
    assert evaluate(facts(stats=few)) == []
    fine = {"crawler/items_checked": 10, "crawler/items_incomplete": 3}
    assert evaluate(facts(stats=fine)) == []
    drifted = {"crawler/items_checked": 10, "crawler/items_incomplete": 4}
    assert evaluate(facts(stats=drifted)) == [
        "40% of 10 items lacked a date or a full body (limit 30%)."
    ]


def test_nothing_new_while_feeds_change_for_three_runs() -> None:
    changing = {"crawler/feeds_changed": 2, "crawler/items_new": 0}
    quiet_before = [{"items_new": 0, "feeds_changed": 0}] * 2
    busy_before = [{"items_new": 0, "feeds_changed": 1}] * 2
    assert evaluate(facts(stats=changing, earlier=quiet_before)) == []
    assert evaluate(facts(stats=changing, earlier=busy_before[:1])) == []
    assert evaluate(facts(stats=changing, earlier=busy_before)) == [
        "No new articles for 3 runs in a row although its feeds kept changing."
    ]
    unchanged_feeds = {"crawler/feeds_changed": 0, "crawler/items_new": 0}
    assert evaluate(facts(stats=unchanged_feeds, earlier=busy_before)) == []


def test_lists_that_name_no_article_are_unhealthy() -> None:
    empty = {"crawler/discovery/parsed": 3, "crawler/entries_listed": 0}
    assert evaluate(facts(stats=empty)) == [
        "Its lists answered but named no article at all (3 read): "
        "check its address or project slug."
    ]
    # Some entries, an unchanged list beside an empty one, or a spider that does not
    # count entries (news sites): nothing to say.
    assert evaluate(facts(stats={**empty, "crawler/entries_listed": 2})) == []
    assert evaluate(facts(stats={**empty, "crawler/feeds_unchanged": 1})) == []
    assert evaluate(facts(stats={"crawler/discovery/parsed": 3})) == []
