"""A run whose discovery read nothing is failed and unhealthy, and says why."""

from __future__ import annotations

import sqlite3

import pytest
from scrapy.settings import Settings

import crawler.settings as project_settings
from crawler.extensions import run_row, run_status
from crawler.replica.server import Replica
from crawler.run.health import RunFacts, evaluate
from crawler.run.runner import RunSummary
from crawler.spiders.discovery import DiscoveryLog, body_start, outcome_of
from tests.helpers import replica_args, run_cli


def settings() -> Settings:
    out = Settings()
    out.setmodule(project_settings)
    return out


def test_outcomes_of_statuses() -> None:
    assert outcome_of(200) is None and outcome_of(304) is None
    assert [outcome_of(s) for s in (400, 401, 403, 429)] == ["refused"] * 4
    assert outcome_of(404) == outcome_of(410) == "missing"
    assert outcome_of(500) == outcome_of(503) == "failed"


def test_refused_lists_are_reported_with_status_and_body() -> None:
    log = DiscoveryLog()
    for page in (1, 2, 3):
        log.answered("list", f"https://x/api?page={page}", 400, b'{"message":"notAllowed"}', False)
    log.answered("ticket", "https://x/k6", 200, b"", False)
    assert log.report() == 'refused — 3 list requests answered 400 {"message":"notAllowed"}'


def test_nothing_to_report_once_one_page_was_read() -> None:
    log = DiscoveryLog()
    log.answered("feed", "https://x/rss", 404, b"<h1>404</h1>", True)
    log.answered("home", "https://x/", 200, b"<html>", False)
    log.parsed_one()
    assert log.report() is None
    assert log.missing_hints() == ["https://x/rss"]


def test_failures_without_an_answer_are_named() -> None:
    log = DiscoveryLog()
    log.failed("home", "https://x/", "TimeoutError: took longer than 90.0 seconds")
    log.failed("robots", "https://x/robots.txt", "TimeoutError: took longer than 90.0 seconds")
    report = log.report()
    assert report is not None and report.startswith("failed — ")
    assert "1 home request failed: TimeoutError" in report


def test_refusal_is_worse_than_a_missing_page() -> None:
    log = DiscoveryLog()
    log.answered("feed", "https://x/rss", 404, b"", True)
    log.answered("home", "https://x/", 403, b"<h1>Forbidden</h1>", False)
    assert log.report() == "refused — 1 home request answered 403 <h1>Forbidden</h1>"


def test_long_bodies_are_cut_to_one_line() -> None:
    text = body_start(b"<html>\n  <body>" + b"x" * 500)
    assert "\n" not in text and len(text) <= 80 and text.endswith("…")


def test_no_discovery_at_all_is_a_report_too() -> None:
    assert DiscoveryLog().report() == "no discovery request was made"


def test_run_without_readable_discovery_is_failed_and_unhealthy() -> None:
    log = DiscoveryLog()
    log.answered("list", "https://x/api", 400, b'{"message":"notAllowed"}', False)
    stats = {"downloader/response_count": 2, **log.stats()}
    assert run_status("finished", stats) == "failed"
    reasons = evaluate(RunFacts("failed", stats, [], settings()))
    # One reason, the discovery report, not also "the run ended as failed".
    assert reasons == ['refused — 1 list request answered 400 {"message":"notAllowed"}']


def test_healthy_run_keeps_its_status_and_names_missing_hints() -> None:
    log = DiscoveryLog()
    log.answered("feed", "https://x/ru/rss.xml", 404, b"", True)
    log.answered("home", "https://x/", 200, b"", False)
    log.parsed_one()
    stats = {"downloader/response_count": 2, **log.stats()}
    assert run_status("finished", stats) == "ok"
    row = run_row(stats, "finished")
    assert row["warnings"] == "configured but missing (404): /ru/rss.xml"
    summary = RunSummary("arnapress", "ok", 2, 0, 0, 0, 0, 1.0, warnings=row["warnings"])
    assert summary.ok and summary.line().endswith("; configured but missing (404): /ru/rss.xml")


def test_summary_of_a_refused_source_says_so_and_fails() -> None:
    reason = 'refused — 3 list requests answered 400 {"message":"notAllowed"}'
    summary = RunSummary("akimat", "failed", 4, 0, 0, 0, 0, 1.0, "unhealthy", reason)
    assert not summary.ok
    assert summary.line().endswith(f"UNHEALTHY: {reason}")


@pytest.mark.slow
def test_a_source_whose_every_discovery_path_fails_fails_the_run_loudly(tmp_path) -> None:
    db = tmp_path / "down.db"
    with Replica(articles=20, seed=4, faults="5xx=1:inf") as rep:
        result = run_cli(
            "run", "--db", str(db), "--sources", "arnapress", *replica_args(rep), timeout=180
        )
    assert result.returncode == 1, result.stdout + result.stderr[-2000:]
    line = next(x for x in result.stdout.splitlines() if x.startswith("arnapress:"))
    assert line.startswith("arnapress: failed,")
    assert "UNHEALTHY: failed — " in line and "answered 50" in line
    conn = sqlite3.connect(db)
    status, health, reasons = conn.execute(
        "SELECT status, health, health_reasons FROM crawl_runs"
    ).fetchone()
    assert (status, health) == ("failed", "unhealthy") and reasons.startswith("failed — ")
    # A health alert waits for the recipients, saying the same.
    queued = conn.execute("SELECT source, reason FROM alerts WHERE kind = 'health'").fetchall()
    assert queued == [("arnapress", reasons)]
    conn.close()
    status_out = run_cli("status", "--db", str(db))
    assert status_out.returncode == 1 and "arnapress: UNHEALTHY — failed — " in status_out.stdout


@pytest.mark.slow
def test_refused_gov_kz_is_named_in_the_summary_of_run(tmp_path) -> None:
    db = tmp_path / "refused.db"
    with Replica(articles=20, seed=4, gate="deny") as rep:
        result = run_cli("run", "--db", str(db), "--sources", "akimat", *replica_args(rep))
    assert result.returncode == 1
    assert 'UNHEALTHY: refused — 3 list requests answered 400 {"message":"notAllowed"}' in (
        result.stdout
    )


@pytest.mark.slow
def test_configured_paths_that_answer_404_are_named_in_summary_and_status(tmp_path) -> None:
    db = tmp_path / "hints.db"
    with Replica(articles=20, seed=4) as rep:
        result = run_cli("crawl", "--db", str(db), "--sources", "arnapress", *replica_args(rep))
    assert result.returncode == 0, result.stderr[-2000:]
    line = next(x for x in result.stdout.splitlines() if x.startswith("arnapress:"))
    assert line.startswith("arnapress: ok,")
    assert line.endswith(
        "configured but missing (404): /kz/news, /kz/rss.xml, /ru/news, /ru/rss.xml, /sitemap.xml"
    )
    status_out = run_cli("status", "--db", str(db))
    assert "warning: configured but missing (404): /kz/news" in status_out.stdout
