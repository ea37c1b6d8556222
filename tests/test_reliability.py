"""The crawl against faulty servers: the replica's fault injection (``--faults``).

Each test crawls a small replica whose faults hit a deterministic share of URLs
and checks that the crawl finishes, retries what is retryable, records what
failed in ``crawl_runs`` and stores every article that was reachable, exactly
once. Seeds are chosen so the faults hit articles of both sites; where a test
needs it, it asserts that the seed leaves the feeds and listings alone (a lost
listing page would hide the articles on it, which is a different test).
"""

from __future__ import annotations

import json
import math
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from crawler.replica.corpus import akimat_versions
from crawler.replica.faults import LOOP_PARAM, Fault
from crawler.replica.server import Replica
from tests.helpers import ROOT, replica_args, run_cli, stored_articles

pytestmark = pytest.mark.reliability

ARTICLES = 40
AKIMAT_PAGE_SIZE = 100  # crawler/settings.py
AKIMAT_LIST = (
    "/api/v1/public/content-manager/news?sort-by=created_date:DESC&projects=eq:almaty"
    f"&page={{page}}&size={AKIMAT_PAGE_SIZE}"
)
DETAILS = "/memleket/entities/almaty/press/news/details/{id}?lang={lang}"
# DOWNLOAD_TIMEOUT: low where the replica's 30-second "slow" answers must trip it
# quickly, roomy elsewhere so a busy test machine does not add timeouts of its own.
SLOW_TIMEOUT, TIMEOUT = 2, 10
RETRY_TIMES = 3  # crawler/settings.py
MAX_RSS_BYTES = 500 * 1024 * 1024


@dataclass(frozen=True)
class Article:
    site: str
    url: str  # the canonical URL the crawler stores
    target: str  # the path?query the replica serves it from (and faults by)
    title: str


@dataclass
class Crawl:
    returncode: int
    stdout: str
    stderr: str
    urls: list[str]
    titles: dict[str, str]
    bodies: dict[str, str]
    runs: dict[str, dict]  # spider -> crawl_runs row, with "stats" parsed


def corpus_articles(rep: Replica) -> list[Article]:
    """Every article the replica publishes, as the crawler should store it."""
    akimat, arna = rep.urls["akimat"], rep.urls["arnapress"]
    items = {item.id: item for item in rep.corpus.akimat_items()}
    # The API's list entries carry the articles: an article's only URL is the
    # list page it is on (one URL for every language: a header picks it).
    rank: dict[tuple[int, str], int] = {}
    for lang in ("ru", "kk", "en"):
        listed = [i for i in items.values() if lang in i.langs]
        rank.update({(item.id, lang): n for n, item in enumerate(listed)})
    articles = [
        Article(
            "akimat",
            akimat + DETAILS.format(id=item_id, lang=lang),
            AKIMAT_LIST.format(page=rank[item_id, lang] // AKIMAT_PAGE_SIZE + 1),
            items[item_id].title[lang],
        )
        for item_id, lang in akimat_versions(rep.corpus)
    ]
    paths = [(rep.arnapress.public_path(a), a) for a in rep.corpus.arnapress_articles()]
    articles += [Article("arnapress", arna + path, path, a.title) for path, a in paths]
    return articles


def failing_faults(rep: Replica, site: str, target: str) -> list[Fault]:
    """The faults that make requests of ``target`` fail."""
    return [
        fault
        for fault in rep.faults.faults
        # A re-encoded page is not a failure; only the API serves JSON.
        if fault.kind != "charset"
        and (fault.kind != "badjson" or site == "akimat")
        and rep.injector.affected(fault.kind, fault.rate, target)
    ]


def failures(rep: Replica, site: str, target: str) -> float:
    """How many requests of ``target`` fail in a row before it answers (inf: never)."""
    return sum(
        math.inf if fault.times is None else fault.times
        for fault in failing_faults(rep, site, target)
    )


def feed_targets(rep: Replica) -> set[tuple[str, str]]:
    """Feeds, listings and API pages the crawl requested: everything but articles."""
    articles = {(a.site, a.target) for a in corpus_articles(rep)}
    return {
        (site, path)
        for site, _method, path, _status in rep.request_log
        if (site, path) not in articles and path != "/robots.txt" and LOOP_PARAM not in path
    }


def read_db(db: Path) -> tuple[list[str], dict[str, str], dict[str, str], dict[str, dict]]:
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute("SELECT url, title, body FROM articles").fetchall()
        runs = {}
        for row in conn.execute(
            "SELECT spider, status, errors, stats FROM crawl_runs ORDER BY id"
        ).fetchall():
            runs[row[0]] = {"status": row[1], "errors": row[2], "stats": json.loads(row[3])}
    finally:
        conn.close()
    return [r[0] for r in rows], {r[0]: r[1] for r in rows}, {r[0]: r[2] for r in rows}, runs


def crawl_args(rep: Replica, db: Path) -> list[str]:
    timeout = SLOW_TIMEOUT if "slow" in rep.faults.kinds() else TIMEOUT
    return [
        "crawl",
        "--db",
        str(db),
        *replica_args(rep),
        "-s",
        f"DOWNLOAD_TIMEOUT={timeout}",
        # The akimat spider waits longer by default (gov.kz is slow): the same here.
        "-s",
        f"CRAWLER_AKIMAT_TIMEOUT={timeout}",
    ]


def crawl(rep: Replica, db: Path) -> Crawl:
    result = run_cli(*crawl_args(rep, db))
    return Crawl(result.returncode, result.stdout, result.stderr, *read_db(db))


def assert_finished(run: Crawl) -> None:
    """Exit 0 or 1, a finished crawl_runs row per spider, and no traceback anywhere."""
    assert run.returncode in (0, 1), run.stderr
    assert "Traceback" not in run.stderr, run.stderr
    assert set(run.runs) == {"akimat", "arnapress"}, run.runs
    assert all(row["status"] in ("ok", "partial") for row in run.runs.values()), run.runs


def assert_stored_exactly(run: Crawl, expected: set[str]) -> None:
    assert len(run.urls) == len(set(run.urls)), "an article was stored twice"
    stored = set(run.urls)
    assert not expected - stored, f"missing: {sorted(expected - stored)[:5]}"
    assert not stored - expected, f"unexpected: {sorted(stored - expected)[:5]}"


def retried(stats: dict, reason: str) -> int:
    """Retries counted for ``reason`` (a prefix: "50" stands for 500 and 503)."""
    prefix = f"retry/reason_count/{reason}"
    return sum(v for k, v in stats.items() if k.startswith(prefix))


def hit_sites(rep: Replica, articles: list[Article]) -> set[str]:
    return {a.site for a in articles if failures(rep, a.site, a.target)}


@pytest.fixture
def make_replica() -> Iterator:
    started: list[Replica] = []

    def make(faults: str, seed: int, articles: int = ARTICLES) -> Replica:
        rep = Replica(articles=articles, seed=seed, faults=faults).start()
        started.append(rep)
        return rep

    yield make
    for rep in started:
        rep.stop()


# -- faults that clear: retried, and every article stored ------------------------------

# The retry reason Scrapy's stats name each kind of failure by (a prefix).
REASONS = {
    "5xx": "50",
    "slow": "scrapy.exceptions.DownloadTimeoutError",
    "truncate": "scrapy.exceptions.ResponseDataLossError",
    "badjson": "bad_json",
    "redirect-loop": "redirect_loop",
    "huge": "oversize",
    "gzip-bomb": "decompressed_oversize",
}
# fault spec, seed (faults hit articles, and here feeds too), sites it hits
TRANSIENT = [
    ("5xx=0.2:2", 9, {"akimat", "arnapress"}),
    ("slow=0.1", 17, {"akimat", "arnapress"}),
    ("truncate=0.15", 4, {"akimat", "arnapress"}),
    ("badjson=0.2", 15, {"akimat"}),
    ("redirect-loop=0.15", 4, {"akimat", "arnapress"}),
    ("huge=0.1", 3, {"akimat", "arnapress"}),
    ("gzip-bomb=0.1", 25, {"akimat", "arnapress"}),
]


@pytest.mark.parametrize(("faults", "seed", "sites"), TRANSIENT, ids=[t[0] for t in TRANSIENT])
def test_faults_that_clear_are_retried_and_every_article_is_stored(
    make_replica, tmp_path: Path, faults: str, seed: int, sites: set[str]
) -> None:
    rep = make_replica(faults, seed)
    articles = corpus_articles(rep)
    assert hit_sites(rep, articles) == sites, "the seed must fault articles of these sites"
    (kind,) = rep.faults.kinds()

    run = crawl(rep, tmp_path / "c.db")

    assert_finished(run)
    assert run.returncode == 0, run.stdout + run.stderr
    assert_stored_exactly(run, {a.url for a in articles})
    for site in sites:
        row = run.runs[site]
        assert retried(row["stats"], REASONS[kind]) > 0, (site, row["stats"])
        # Nothing failed for good: the retries are in the stats, not in the errors.
        assert (row["status"], row["errors"]) == ("ok", 0), (site, row)
        assert "retry/max_reached" not in row["stats"]


# -- faults that never clear: exactly the affected articles are missing ----------------

# Every kind hits a few URLs for good. With this seed the feeds and listings are
# spared (a lost listing page hides its articles: not what is tested here) and
# each kind is the first fault of some article. The akimat's articles come in its
# API list (no URL of their own), so with the listings spared it loses nothing, and
# badjson, which only JSON answers suffer, is the first fault of no article.
AKIMAT_DISCOVERY = ("/api/v1/public/_/c/k6", "/api/v2/_/c/k6", "/graphql")
PERMANENT = (
    "5xx=0.04:inf,slow=0.03:inf,truncate=0.04:inf,badjson=0.06:inf,"
    "redirect-loop=0.04:inf,huge=0.04:inf,gzip-bomb=0.04:inf"
)


def test_faults_that_never_clear_lose_only_the_affected_articles_and_count_them(
    make_replica, tmp_path: Path
) -> None:
    rep = make_replica(PERMANENT, seed=341)
    articles = corpus_articles(rep)
    lost = [a for a in articles if failures(rep, a.site, a.target)]
    # A URL hit by several faults fails with the first one given in the spec.
    first = {(a.site, failing_faults(rep, a.site, a.target)[0].kind) for a in lost}
    assert {kind for _site, kind in first} == set(REASONS) - {"badjson"}, first
    assert not [t for t in AKIMAT_DISCOVERY if failures(rep, "akimat", t)]

    run = crawl(rep, tmp_path / "c.db")

    assert_finished(run)
    hit_feeds = {f for f in feed_targets(rep) if failures(rep, *f)}
    assert not hit_feeds, f"pick a seed that leaves feeds and listings alone: {hit_feeds}"
    assert_stored_exactly(run, {a.url for a in articles} - {a.url for a in lost})
    for site in ("akimat", "arnapress"):
        row, stats = run.runs[site], run.runs[site]["stats"]
        lost_here = sum(a.site == site for a in lost)
        # One error per article given up on.
        assert row["status"] == ("partial" if lost_here else "ok")
        assert row["errors"] == lost_here, (site, row["errors"], lost_here)
        assert stats.get("retry/max_reached", 0) == lost_here, (site, stats)
        for kind in (kind for s, kind in first if s == site):
            assert retried(stats, REASONS[kind]) >= RETRY_TIMES, (site, kind, stats)


# -- windows-1251 pages ----------------------------------------------------------------


def test_windows_1251_pages_are_stored_without_mojibake(make_replica, tmp_path: Path) -> None:
    # Every HTML page re-encoded; the flavours vary the header charset and <meta charset>.
    rep = make_replica("charset=1:inf", seed=0)
    articles = corpus_articles(rep)

    run = crawl(rep, tmp_path / "c.db")

    assert_finished(run)
    assert run.returncode == 0
    assert_stored_exactly(run, {a.url for a in articles})
    wrong = {a.url: run.titles[a.url] for a in articles if run.titles[a.url] != a.title}
    assert not wrong, list(wrong.items())[:3]
    by_path = {rep.arnapress.public_path(a): a for a in rep.corpus.arnapress_articles()}
    kazakh = 0
    for a in articles:
        if a.site != "arnapress":
            continue
        source = by_path[a.target]
        body = run.bodies[a.url]
        assert all(p in body for p in source.paragraphs), (a.url, body[:200])
        assert "&#" not in body and "Ð" not in body, body[:200]
        kazakh += source.lang == "kk"
    assert kazakh, "the corpus must have Kazakh pages (their letters are not in cp1251)"


# -- memory with 50 MB pages and gzip bombs ---------------------------------------------


def crawl_measuring_rss(rep: Replica, db: Path, tmp_path: Path) -> tuple[int, int, str]:
    """Run the crawl in a child process; its exit code, peak RSS (bytes) and stderr."""
    args = crawl_args(rep, db)
    env = {k: v for k, v in os.environ.items() if k != "CRAWLER_DB"}
    err = tmp_path / "stderr.txt"
    with open(os.devnull, "wb") as out, open(err, "wb") as errf:
        proc = subprocess.Popen(
            [sys.executable, "-m", "crawler", *args], stdout=out, stderr=errf, env=env, cwd=ROOT
        )
        deadline = time.monotonic() + 300
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                pytest.fail("the crawl did not finish in 300 s")
            time.sleep(0.1)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, usage.ru_maxrss * 1024, err.read_text()  # ru_maxrss is in KiB


def test_memory_stays_bounded_with_huge_pages_and_gzip_bombs(make_replica, tmp_path: Path) -> None:
    # A quarter of all URLs answer with 50 MB or with gzip inflating to 1 GiB, once.
    rep = make_replica("huge=0.25,gzip-bomb=0.25", seed=1)
    articles = corpus_articles(rep)
    assert hit_sites(rep, articles) == {"akimat", "arnapress"}
    db = tmp_path / "c.db"

    returncode, peak, stderr = crawl_measuring_rss(rep, db, tmp_path)

    assert returncode == 0 and "Traceback" not in stderr, stderr
    assert peak < MAX_RSS_BYTES, f"peak RSS {peak / 2**20:.0f} MiB"
    urls, _titles, _bodies, runs = read_db(db)
    assert sorted(urls) == sorted(a.url for a in articles)
    stats = {k: v for row in runs.values() for k, v in row["stats"].items()}
    assert retried(stats, "oversize") > 0 and retried(stats, "decompressed_oversize") > 0


# -- everything at once -----------------------------------------------------------------

COMBINED = (
    "5xx=0.2,slow=0.05,truncate=0.05,charset=0.2,badjson=0.1,"
    "redirect-loop=0.05,huge=0.05,gzip-bomb=0.05"
)


def test_many_faults_at_once_still_store_every_reachable_article(
    make_replica, tmp_path: Path
) -> None:
    rep = make_replica(COMBINED, seed=59, articles=60)
    articles = corpus_articles(rep)
    # Every kind of failure hits articles of this seed, and every one of them is
    # reachable: none fails more often in a row than the retries cover (with one
    # attempt to spare for a busy machine).
    kinds = {f.kind for a in articles for f in failing_faults(rep, a.site, a.target)}
    assert kinds == rep.faults.kinds() - {"charset"}, kinds
    worst = max(failures(rep, a.site, a.target) for a in articles)
    assert worst <= RETRY_TIMES - 1, worst

    run = crawl(rep, tmp_path / "c.db")

    assert_finished(run)
    assert run.returncode == 0, run.stdout + run.stderr
    worst_feed = max(failures(rep, *f) for f in feed_targets(rep))
    assert worst_feed <= RETRY_TIMES - 1, "pick a seed whose feeds are reachable"
    assert_stored_exactly(run, {a.url for a in articles})
    wrong = {a.url: run.titles[a.url] for a in articles if run.titles[a.url] != a.title}
    assert not wrong, list(wrong.items())[:3]
    assert all((row["status"], row["errors"]) == ("ok", 0) for row in run.runs.values()), run.runs
    reasons = {
        key.rsplit("/", 1)[1]
        for row in run.runs.values()
        for key in row["stats"]
        if key.startswith("retry/reason_count/")
    }
    assert len(reasons) >= 5, reasons


# -- a stalled writer ------------------------------------------------------------------------


def test_a_stalled_writer_pauses_the_crawl_instead_of_filling_memory(tmp_path: Path) -> None:
    # Another program holding the database's write lock stalls the store writer.
    # The crawl must then stop fetching (the writer's bounded queue, then Scrapy's
    # SCRAPER_SLOT_MAX_ACTIVE_SIZE) rather than pile up responses and items, and
    # go on once the writer runs again.
    import psutil

    db = tmp_path / "stalled.db"
    with Replica(articles=3000, seed=5) as rep:
        env = {k: v for k, v in os.environ.items() if k != "CRAWLER_DB"}
        proc = subprocess.Popen(
            [sys.executable, "-m", "crawler", "crawl", "--db", str(db), *replica_args(rep)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=env,
            cwd=ROOT,
        )
        crawl = psutil.Process(proc.pid)
        deadline = time.monotonic() + 120
        while stored_articles(db) < 50 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        assert proc.poll() is None, "the crawl finished before its writer could be stalled"
        # Well inside the writer's busy timeout (30 s): it waits, it does not fail.
        # The writer may be inside a batch's transaction just now: wait for it.
        holder = sqlite3.connect(db, isolation_level=None, timeout=60)
        try:
            holder.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError:
            proc.kill()
            proc.communicate()
            raise
        try:
            before = crawl.memory_info().rss
            # The batches already handed over fill the writer's queue, then the crawl
            # stops asking for pages: fewer than 20 requests in two seconds.
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                requests_before = len(rep.request_log)
                time.sleep(2.0)
                requests_at_the_end = len(rep.request_log) - requests_before
                if requests_at_the_end < 20:
                    break
            growth = crawl.memory_info().rss - before
        finally:
            holder.execute("COMMIT")
            holder.close()
        _out, stderr = proc.communicate(timeout=300)
        assert proc.returncode == 0, stderr.decode()
        # Scrapy's default bound (5 MB) let it grow by ~70 MiB here, still fetching.
        assert growth < 40 * 2**20, f"grew {growth / 2**20:.0f} MiB while its writer stalled"
        assert requests_at_the_end < 20, requests_at_the_end
        expected = len(akimat_versions(rep.corpus)) + len(rep.corpus.arnapress_articles())
        urls, _titles, _bodies, runs = read_db(db)
        # The generated corpus repeats a body now and then; the dedup stage keeps one.
        same_body = sum(r["stats"].get("crawler/dropped/duplicate_body", 0) for r in runs.values())
        assert len(urls) == len(set(urls)) == expected - same_body
        assert same_body < 5
