"""``crawler doctor`` against every replica mode: what it asks, what it says, its exit code."""

from __future__ import annotations

import json

import pytest

from crawler.replica.server import Replica
from crawler.sources.spec import load_specs
from tests.helpers import run_cli

pytestmark = pytest.mark.slow


def doctor(rep: Replica, *args: str) -> tuple[int, str, str]:
    result = run_cli(
        "doctor",
        "-s", f"CRAWLER_AKIMAT_URL={rep.urls['akimat']}",
        "-s", f"CRAWLER_ARNAPRESS_URL={rep.urls['arnapress']}",
        "-s", "DOWNLOAD_DELAY=0",
        *args,
        timeout=120,
    )  # fmt: skip
    return result.returncode, result.stdout, result.stderr


def report_of(stdout: str, source: str) -> dict:
    return next(r for r in json.loads(stdout) if r["source"] == source)


def test_evidence_shaped_sites_pass_with_a_sample_from_each() -> None:
    with Replica(articles=40, seed=3) as rep:
        code, out, err = doctor(rep, "--json")
        requests = {site: sum(1 for r in rep.request_log if r[0] == site) for site in rep.urls}
    assert code == 0, err
    akimat, arna = report_of(out, "akimat"), report_of(out, "arnapress")
    assert akimat["verdict"].startswith("OK") and not akimat["stores_nothing"]
    assert akimat["sample"]["title"] and len(akimat["sample"]["body"]) > 100
    assert akimat["layers"]["body"] == "api"
    assert arna["verdict"].startswith("OK")
    assert arna["sample"]["published_at"] and arna["sample"]["lang"] in ("ru", "kk")
    # Discovery found the sitemap named in robots.txt and the feed the home page announces.
    found = {r["what"]: r for r in arna["requests"]}
    assert found["sitemap named in robots.txt"]["status"] == 200
    assert found["feed announced by the home page"]["status"] == 200
    # The TOML's guesses answer 404 here: each is named with its line.
    assert any("`feeds` lists /ru/rss.xml, which answered 404" in n for n in arna["notes"])
    # Polite: a handful of requests per source; every gov.kz project is probed.
    govkz = [s.name for s in load_specs() if s.kind == "govkz"]
    assert {r["source"] for r in json.loads(out)} == {*govkz, "arnapress"}
    assert requests["akimat"] <= 2 * len(govkz) and requests["arnapress"] <= 12


def test_text_report_names_each_layer_and_the_verdict() -> None:
    with Replica(articles=20, seed=3) as rep:
        code, out, _ = doctor(rep)
    assert code == 0
    assert "akimat (" in out and "arnapress (" in out
    assert "title:" in out and "[api]" in out
    assert "verdict: OK" in out


def test_graphql_gate_passes_with_a_note() -> None:
    with Replica(articles=20, seed=3, gate="graphql") as rep:
        code, out, err = doctor(rep, "--sources", "akimat", "--json")
    assert code == 0, err
    akimat = report_of(out, "akimat")
    assert akimat["verdict"] == "OK — articles come from the GraphQL fallback"
    statuses = [(r["what"], r["status"]) for r in akimat["requests"]]
    assert ("news list (ru)", 400) in statuses and ("GraphQL news (ru)", 200) in statuses


def test_refusing_gate_fails_with_what_to_change() -> None:
    with Replica(articles=20, seed=3, gate="deny") as rep:
        code, out, err = doctor(rep, "--sources", "akimat")
    assert code == 1
    assert "would store nothing: akimat" in err
    assert "FAILS" in out and '{"message":"notAllowed"}' in out
    assert "crawler/spiders/govkz_spider.py" in out


def test_configured_profile_passes_through_its_hints() -> None:
    with Replica(articles=20, seed=3, profile="configured") as rep:
        code, out, err = doctor(rep, "--sources", "arnapress", "--json")
    assert code == 0, err
    arna = report_of(out, "arnapress")
    assert arna["verdict"].startswith("OK") and not arna["notes"]


def test_a_site_that_fails_everything_stores_nothing() -> None:
    with Replica(articles=20, seed=3, faults="5xx=1:inf") as rep:
        code, out, err = doctor(rep, "--sources", "arnapress")
    assert code == 1
    assert "would store nothing: arnapress" in err
    assert "verdict: FAILS — would store nothing: discovery found no article" in out
    assert "arnapress.toml" in out


def test_unknown_source_is_a_usage_error() -> None:
    result = run_cli("doctor", "--sources", "nosuch")
    assert result.returncode == 2
    assert "unknown source nosuch" in result.stderr
