"""The pages people read, in a real headless Chromium, served by ``crawler serve``
over a database filled by a real crawl of the replica sites.

Screenshots are kept in tests/artifacts/browser/ (ignored by git) to look at.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import feedparser
import pytest

from crawler.datasette.names import language_name, source_name
from crawler.datasette.times import display_time
from crawler.replica.server import Replica
from tests.helpers import ROOT, replica_args, run_cli

pytestmark = pytest.mark.slow

ARTIFACTS = Path(__file__).parent / "artifacts" / "browser"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
REFUSED = 'refused — 3 list requests answered 400 {"message":"notAllowed"}'
ALMATY_TIME = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} Almaty \(UTC\+[56]\)")


@dataclass(frozen=True)
class Served:
    base: str
    db: Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(replica, tmp_path_factory) -> Iterator[Served]:
    folder = tmp_path_factory.mktemp("browse")
    db = folder / "crafts.db"
    result = run_cli("crawl", "--db", str(db), *replica_args(replica))
    assert result.returncode == 0, result.stderr
    # A second akimat crawl against a gov.kz that refuses every client: unhealthy.
    with Replica(articles=20, seed=0, gate="deny") as refusing:
        denied = run_cli("crawl", "--db", str(db), "--sources", "akimat", *replica_args(refusing))
    assert denied.returncode == 1 and REFUSED in denied.stdout, denied.stdout
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "CRAWLER_DB"}
    process = subprocess.Popen(
        [sys.executable, "-m", "crawler", "serve", "--db", str(db), "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/-/versions.json", timeout=2):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"crawler serve did not start: {process.stderr.read()}")
                time.sleep(0.2)
        yield Served(base, db)
    finally:
        process.terminate()
        process.wait(timeout=20)
        process.stderr.close()


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    if not Path(CHROMIUM).exists():
        pytest.fail(
            "chromium is not installed: apt-get install chromium (.ci/run does)", pytrace=False
        )
    profile = tmp_path / "profile"
    profile.mkdir(exist_ok=True)
    return subprocess.run(
        [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def dump_dom(tmp_path: Path, url: str) -> str:
    dom = chromium(tmp_path, "--window-size=1280,900", "--dump-dom", url)
    assert dom.returncode == 0, dom.stderr
    return dom.stdout


def screenshot(tmp_path: Path, url: str, name: str, height: int = 1400) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / name
    shot.unlink(missing_ok=True)
    result = chromium(tmp_path, f"--window-size=1280,{height}", f"--screenshot={shot}", url)
    assert result.returncode == 0, result.stderr
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 30_000  # a page of text, not a blank canvas
    print(f"screenshot: {shot}")
    return shot


class _Text(HTMLParser):
    """The text a reader sees: the body without scripts and styles."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in ("script", "style", "head"):
            self.skipping += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "head") and self.skipping:
            self.skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def visible_text(dom: str) -> str:
    parser = _Text()
    parser.feed(dom)
    return " ".join(" ".join(parser.parts).split())


def query(db: Path, sql: str, *params) -> list[sqlite3.Row]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def assert_links_feed(dom: str) -> None:
    head = dom.split("</head>", 1)[0]
    assert re.search(r'<link rel="alternate" type="application/atom\+xml"[^>]*mentions\.atom', head)
    assert "Atom feed of new mentions" in visible_text(dom)


def test_article_page_reads_like_news(server: Served, tmp_path: Path) -> None:
    # The article with body mentions whose story has the most copies.
    (article,) = query(
        server.db,
        "SELECT a.*, (SELECT count(*) FROM articles b WHERE b.story_id = a.story_id) AS copies "
        "FROM articles a WHERE EXISTS (SELECT 1 FROM mentions m WHERE m.article_id = a.id "
        "AND m.field = 'body') ORDER BY copies DESC, a.published_at DESC LIMIT 1",
    )
    assert article["copies"] > 1
    url = f"{server.base}/crafts/articles/{article['id']}"
    dom = dump_dom(tmp_path, url)
    text = visible_text(dom)
    assert article["title"] in text
    assert source_name(article["source"], article["lang"]) in text
    assert display_time(article["published_at"]) in text and ALMATY_TIME.search(text)
    assert language_name(article["lang"]) in text
    assert "Other copies of this story" in text
    others = query(
        server.db,
        "SELECT id, title FROM articles WHERE story_id = ? AND id <> ?",
        article["story_id"],
        article["id"],
    )
    for other in others:
        assert f'href="/crafts/articles/{other["id"]}"' in dom
    marked = re.findall(r"<mark>(.*?)</mark>", dom)
    body_words = [
        m["text"]
        for m in query(
            server.db,
            "SELECT text FROM mentions WHERE article_id = ? AND field = 'body'",
            article["id"],
        )
    ]
    assert set(body_words) <= set(marked)
    assert f'href="{article["url"]}"' in dom and "Read the original article" in text
    # The body as paragraphs, no hashes or bookkeeping.
    assert dom.count("<p>") >= len(article["body"].split("\n\n")) - 1
    for internal in ("content_hash", "body_hash", article["content_hash"], "lexicon_version"):
        assert internal not in text
    assert_links_feed(dom)
    screenshot(tmp_path, url, "article.png", height=1800)


def test_latest_mentions_one_row_per_article(server: Served, tmp_path: Path) -> None:
    url = f"{server.base}/crafts/latest_mentions"
    dom = dump_dom(tmp_path, url)
    assert "Latest mentions" in dom
    (count,) = query(server.db, "SELECT count(DISTINCT article_id) FROM mentions")[0]
    cells = re.findall(r'<td class="col-snippet[^"]*">(.*?)</td>', dom, re.S)
    assert len(cells) == min(count, 100) >= 20
    assert sum(bool(re.search(r"[а-яәғқңөұүһі]{4}", cell, re.I)) for cell in cells) >= 20
    assert all("<mark>" in cell for cell in cells)
    assert re.search(r'<td class="col-title[^"]*"><a href="http://127\.0\.0\.1:\d+/', dom)
    articles = re.findall(r'<td class="col-article[^"]*"><a href="/crafts/articles/(\d+)"', dom)
    assert len(articles) == len(set(articles)) == len(cells)  # one row per article
    published = re.findall(r'<td class="col-published[^"]*">(.*?)</td>', dom)
    assert published and all(ALMATY_TIME.fullmatch(p) for p in published)
    text = visible_text(dom)
    assert "Arna Press" in text and "crafts" in text
    assert not re.search(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", text)  # no raw ISO times
    assert_links_feed(dom)
    screenshot(tmp_path, url, "latest_mentions.png")


def test_crawl_health_page_gives_the_verdict_and_reasons(server: Served, tmp_path: Path) -> None:
    url = f"{server.base}/-/crawl-health"
    dom = dump_dom(tmp_path, url)
    text = visible_text(dom)
    status = run_cli("status", "--db", str(server.db))
    assert status.returncode == 1
    assert f"akimat: UNHEALTHY — {REFUSED}" in status.stdout
    assert "arnapress: HEALTHY" in status.stdout
    akimat = text.split("Almaty akimat", 1)[1].split("Arna Press", 1)[0]
    assert akimat.startswith(" UNHEALTHY") and f"Why: {REFUSED}" in akimat
    runs = query(server.db, "SELECT * FROM crawl_runs WHERE spider = 'akimat' ORDER BY id")
    first, last = runs[0], runs[-1]
    assert f"Last run {display_time(last['started_at'])} — failed" in akimat
    assert f"Last success {display_time(first['started_at'])} (run #{first['id']})" in akimat
    arnapress = text.split("Arna Press", 1)[1]
    assert arnapress.startswith(" HEALTHY") and "Why:" not in arnapress
    assert "Warning: configured but missing (404)" in arnapress
    assert_links_feed(dom)
    screenshot(tmp_path, url, "crawl_health.png")


def test_feeds_list_the_newest_mentions(server: Served) -> None:
    def fetch(path: str) -> feedparser.FeedParserDict:
        with urllib.request.urlopen(f"{server.base}{path}", timeout=30) as answer:
            assert answer.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
            parsed = feedparser.parse(answer.read())
        assert not parsed.bozo, parsed.get("bozo_exception")
        assert parsed.version == "atom10" and parsed.feed.id and parsed.feed.updated
        assert all(e.id and e.updated and e.title and e.author for e in parsed.entries)
        return parsed

    newest = query(
        server.db,
        "SELECT a.id, a.url FROM articles a WHERE EXISTS (SELECT 1 FROM mentions m "
        "WHERE m.article_id = a.id) ORDER BY a.published_at DESC, a.id DESC",
    )
    everything = fetch("/-/feeds/mentions.atom")
    assert [e.link for e in everything.entries] == [r["url"] for r in newest[:50]]
    first = everything.entries[0]
    page = next(link.href for link in first.links if link.rel == "related")
    assert page == f"{server.base}/crafts/articles/{newest[0]['id']}"
    with urllib.request.urlopen(page, timeout=30) as answer:
        assert answer.status == 200

    wcc = fetch("/-/feeds/mentions.atom?category=world_craft_city")
    expected = query(
        server.db,
        "SELECT a.url FROM articles a WHERE a.id IN (SELECT article_id FROM mentions "
        "WHERE category = 'world_craft_city') ORDER BY a.published_at DESC, a.id DESC LIMIT 50",
    )
    assert [e.link for e in wcc.entries] == [r["url"] for r in expected] != []
    assert all("world_craft_city" in {t.term for t in e.tags} for e in wcc.entries)
    arna = fetch("/-/feeds/mentions.atom?source=arnapress")
    assert arna.entries and all(e.author == "Arna Press" for e in arna.entries)
