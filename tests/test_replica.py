"""The replica sites: a real HTTP server on 127.0.0.1, its corpus and its faults."""

from __future__ import annotations

import html
import http.client
import itertools
import json
import re
import socket
import subprocess
import sys
import time
import zlib
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit
from xml.etree import ElementTree

import pytest
from click.testing import CliRunner

from crawler.cli.replica import command as replica_command
from crawler.replica.corpus import Corpus
from crawler.replica.server import Replica, parse_faults
from crawler.spiders.govkz import TICKET_V1, auth_headers

API = "/api/v1/public/content-manager/news"
LIST_QUERY = "?sort-by=created_date:DESC&projects=eq:almaty&page={page}&size={size}"
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"
KAZAKH_LETTERS = re.compile("[әғқңөұүһі]")


def fetch(
    base: str,
    path: str,
    headers: dict | None = None,
    timeout: float = 5.0,
    method: str = "GET",
    body: bytes | None = None,
):
    """(status, headers, body) of one request, without raising on 4xx/5xx."""
    url = urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.headers, resp.read()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def rep():
    # The configured profile: the site crawler/sources/arnapress.toml describes
    # (the default laravel profile is covered in tests/test_arnapress_discovery.py).
    with Replica(articles=120, seed=3, profile="configured") as replica:
        yield replica


def ticket(base: str) -> dict[str, str]:
    """A fresh v1 ticket cookie: the API's list wants one, and it serves a few requests."""
    headers = {"Content-Type": "application/json", "Origin": base}
    status, answer, _ = fetch(base, TICKET_V1, headers, method="POST", body=b"{}")
    assert status == 200
    return {"Cookie": answer["Set-Cookie"].split(";")[0]}


def api_list(rep, page=1, size=20, lang="ru", query=None):
    path = API + (query or LIST_QUERY.format(page=page, size=size))
    base = rep.urls["akimat"]
    status, _, body = fetch(base, path, {**ticket(base), "accept-language": lang})
    assert status == 200
    return json.loads(body)


# -- corpus ------------------------------------------------------------------------


def test_article_k_is_the_same_whatever_the_corpus_size():
    small, large = Corpus(articles=50, seed=7), Corpus(articles=80, seed=7)
    for k in (0, 17, 49):
        a, b = small.akimat_item(k), large.akimat_item(k)
        assert (a.id, a.created, a.title, a.body_html) == (b.id, b.created, b.title, b.body_html)
        x, y = small.arna_article(k), large.arna_article(k)
        assert (x.path, x.published, x.paragraphs) == (y.path, y.published, y.paragraphs)
    # Newest first: the larger corpus only adds newer items in front.
    assert [i.id for i in large.akimat_items()[30:]] == [i.id for i in small.akimat_items()]
    assert large.arnapress_articles()[30:] == small.arnapress_articles()
    assert Corpus(50, seed=8).akimat_item(0).title != small.akimat_item(0).title


def test_corpus_timeline_and_mix():
    corpus = Corpus(articles=400, seed=0)
    items = corpus.akimat_items()[::-1]
    gaps = [(b.created - a.created).total_seconds() / 3600 for a, b in itertools.pairwise(items)]
    assert min(gaps) >= 4 and max(gaps) <= 9
    assert items[0].created.isoformat().startswith("2024-01-10T0")
    with_en = sum("en" in i.langs for i in items)
    assert 50 < with_en < 150
    cats = [i.categories for i in items]
    assert 200 < sum(not c for c in cats) < 340
    assert sum("crafts" in c for c in cats) > 40
    assert sum("world_craft_city" in c for c in cats) > 10
    assert sum("world_crafts_council" in c for c in cats) > 10
    traps = [i for i in items if i.kind == "trap"]
    assert traps and all(not i.categories for i in traps)
    city = [i for i in items if i.kind == "city"]
    for item in city:
        text = " ".join(item.paragraphs["ru"] + [item.title["ru"]]).lower()
        assert not re.search(r"ремес|мастер|промысл|craft|войлок", text), text


def test_syndicated_copies_carry_attribution():
    corpus = Corpus(articles=300, seed=1)
    pairs = corpus.syndication_pairs()
    assert 60 < len(pairs) < 130
    by_path = {a.path: a for a in corpus.arnapress_articles()}
    for path, akimat_id, lang in pairs[:30]:
        copy, original = by_path[path], corpus.akimat_by_id(akimat_id)
        lag = copy.published - original.created
        assert 3600 <= lag.total_seconds() <= 6 * 3600
        assert copy.lang == lang and path.startswith("/ru/" if lang == "ru" else "/kz/")
        marker = "передает Arna Press" if lang == "ru" else "деп хабарлайды Arna Press"
        assert marker in " ".join(copy.paragraphs)
        assert original.title[lang] in copy.title


def test_large_corpus_is_lazy():
    started = time.perf_counter()
    corpus = Corpus(articles=50_000, seed=0)
    newest = corpus.arna_article(49_999)
    assert time.perf_counter() - started < 1.0
    assert newest.published.year > 2024


# -- akimat ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {},
        # The token/hash pair the site's pages once sent opens nothing by itself now.
        auth_headers(),
        {"Cookie": "ticket=made-up"},
        {"x-k6-id": "made-up", "x-k6-sign": "0" * 32},
    ],
)
def test_api_wants_a_ticket(rep, headers):
    status, resp_headers, body = fetch(
        rep.urls["akimat"], API + LIST_QUERY.format(page=1, size=5), headers
    )
    assert status == 400
    assert json.loads(body) == {"message": "notAllowed"}
    assert resp_headers["Content-Type"].startswith("application/json")


def test_api_list_pages_and_languages(rep):
    first, second = api_list(rep, 1), api_list(rep, 2)
    assert len(first) == 20 and len(second) == 20
    assert set(first[0]) == {
        "id",
        "title",
        "slug",
        "created_date",
        "heropic",
        "short_description",
        "projects",
        "directions",
        "body",
    }
    stamps = [i["created_date"] for i in first + second]
    assert stamps == sorted(stamps, reverse=True)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000\+00:00", stamps[0])
    assert first[0]["id"] == rep.corpus.akimat_items()[0].id
    assert not {i["id"] for i in first} & {i["id"] for i in second}
    assert api_list(rep, page=7) == []
    assert len(api_list(rep, size=500)) == 100
    kk = api_list(rep, lang="kk-KZ")
    assert [i["id"] for i in kk] == [i["id"] for i in first]
    assert KAZAKH_LETTERS.search(" ".join(i["title"] for i in kk))
    english = api_list(rep, size=100, lang="en")
    expected = [i.id for i in rep.corpus.akimat_items() if "en" in i.langs]
    assert [i["id"] for i in english] == expected[:100]
    assert api_list(rep, query="?projects=eq:taraz&page=1&size=20") == []


def test_api_item_path_is_not_offered(rep):
    # The real site's per-item endpoint is not confirmed: list entries carry the body.
    item = rep.corpus.akimat_items()[3]
    base = rep.urls["akimat"]
    status, _, body = fetch(base, f"{API}/{item.id}", {**ticket(base), "accept-language": "ru"})
    assert status == 404 and json.loads(body)["message"]
    entry = next(e for e in api_list(rep) if e["id"] == item.id)
    assert entry["body"].startswith("<p>") and "</p>" in entry["body"]


def test_spa_shell_has_no_article_content(rep):
    item = rep.corpus.akimat_items()[0]
    for path in (
        "/memleket/entities/almaty/press/news?lang=kk",
        f"/memleket/entities/almaty/press/news/details/{item.id}?lang=ru",
    ):
        status, headers, body = fetch(rep.urls["akimat"], path)
        page = body.decode()
        assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
        assert '<div id="root"></div>' in page and "/static/js/main.js" in page
        assert item.title["ru"] not in page


# -- arnapress discovery -------------------------------------------------------------


def test_robots_and_sitemaps(rep):
    base = rep.urls["arnapress"]
    _, _, body = fetch(base, "/robots.txt")
    assert body.decode() == f"User-agent: *\nDisallow: /search\nSitemap: {base}/sitemap.xml\n"
    index = ElementTree.fromstring(fetch(base, "/sitemap.xml")[2])
    locs = [e.text for e in index.iter(f"{SM}loc")]
    assert locs == [f"{base}/sitemap-news.xml", f"{base}/sitemap-articles-1.xml"]
    news = ElementTree.fromstring(fetch(base, "/sitemap-news.xml")[2])
    urls = news.findall(f"{SM}url")
    assert len(urls) == 100
    newest = rep.corpus.arnapress_articles()[0]
    assert urls[0].findtext(f"{SM}loc") == base + newest.path
    assert {u.findtext(f".//{NEWS}language") for u in urls} == {"ru", "kk"}
    assert urls[0].findtext(f".//{NEWS}publication_date") == newest.published.isoformat()
    full = ElementTree.fromstring(fetch(base, "/sitemap-articles-1.xml")[2])
    assert len(full.findall(f"{SM}url")) == 120
    assert fetch(base, "/sitemap-articles-2.xml")[0] == 404


def test_rss_feeds(rep):
    base = rep.urls["arnapress"]
    for section, lang in (("ru", "ru"), ("kz", "kk")):
        status, headers, body = fetch(base, f"/{section}/rss.xml")
        assert status == 200 and "charset=utf-8" in headers["Content-Type"]
        channel = ElementTree.fromstring(body).find("channel")
        items = channel.findall("item")
        assert 0 < len(items) <= 50
        expected = [a for a in rep.corpus.arnapress_articles() if a.lang == lang][: len(items)]
        assert [i.findtext("link") for i in items] == [base + a.path for a in expected]
        when = parsedate_to_datetime(items[0].findtext("pubDate"))
        assert when == expected[0].published


def test_listing_pagination(rep):
    base = rep.urls["arnapress"]
    ru = [a for a in rep.corpus.arnapress_articles() if a.lang == "ru"]
    pages = -(-len(ru) // 20)
    first = fetch(base, "/ru/news")[2].decode()
    assert 'class="news-list"' in first
    hrefs = re.findall(r'class="news-card__link" href="([^"]+)"', first)
    assert hrefs == [a.path for a in ru[:20]]
    assert 'rel="next" href="/ru/news?page=2"' in first
    last = fetch(base, f"/ru/news?page={pages}")[2].decode()
    assert 'rel="next"' not in last
    assert re.findall(r'news-card__link" href="([^"]+)"', last)[-1] == ru[-1].path
    assert fetch(base, f"/ru/news?page={pages + 1}")[0] == 404
    assert fetch(base, "/no/such/page")[0] == 404


# -- arnapress pages ------------------------------------------------------------------


def test_article_page_v1(rep):
    base = rep.urls["arnapress"]
    article = next(a for a in rep.corpus.arnapress_articles() if a.lang == "ru")
    status, headers, body = fetch(base, article.path)
    page = body.decode()
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    assert '<html lang="ru">' in page
    data = json.loads(re.search(r'application/ld\+json">(.*?)</script>', page).group(1))
    assert data["@type"] == "NewsArticle" and data["headline"] == article.title
    assert data["datePublished"] == article.published.isoformat()
    assert f'<meta property="og:url" content="{base}{article.path}">' in page
    assert f'<link rel="canonical" href="{base}{article.path}">' in page
    assert '<meta property="og:locale" content="ru_RU">' in page
    assert f'<time class="news-article__date" datetime="{article.published.isoformat()}">' in page
    assert re.search(
        r">\d{1,2} (января|февраля|марта|апреля|мая|июня) 2024, \d\d:\d\d</time>", page
    )
    sidebar = re.search(r'<aside class="sidebar">(.*?)</aside>', page).group(1)
    assert "Читайте также" in sidebar
    assert 1 <= sidebar.count("<li>") <= 5
    assert html.escape(article.paragraphs[0]) in page


def test_kazakh_article_page(rep):
    base = rep.urls["arnapress"]
    article = [a for a in rep.corpus.arnapress_articles() if a.lang == "kk"][5]
    page = fetch(base, article.path)[2].decode()
    assert article.path.startswith("/kz/news/")
    assert '<html lang="kk">' in page and "Сондай-ақ оқыңыз" in page
    assert '<meta property="og:locale" content="kk_KZ">' in page
    assert re.search(r">\d{1,2} (қаңтар|ақпан|наурыз|сәуір) 2024, \d\d:\d\d</time>", page)


def test_conditional_requests(rep):
    base = rep.urls["arnapress"]
    path = rep.corpus.arnapress_articles()[0].path
    status, headers, _ = fetch(base, path)
    assert status == 200 and headers["ETag"] and headers["Last-Modified"]
    assert fetch(base, path, {"If-None-Match": headers["ETag"]})[0] == 304
    assert fetch(base, path, {"If-None-Match": '"stale"'})[0] == 200
    assert fetch(base, path, {"If-Modified-Since": headers["Last-Modified"]})[0] == 304
    for feed in ("/ru/news", "/ru/rss.xml", "/sitemap.xml"):
        etag = fetch(base, feed)[1]["ETag"]
        assert fetch(base, feed, {"If-None-Match": etag})[0] == 304
    api = API + LIST_QUERY.format(page=1, size=20)
    cookie = ticket(rep.urls["akimat"])
    etag = fetch(rep.urls["akimat"], api, cookie)[1]["ETag"]
    assert fetch(rep.urls["akimat"], api, {**cookie, "If-None-Match": etag})[0] == 304


def test_keep_alive_serves_several_requests_on_one_connection(rep):
    url = urlsplit(rep.urls["arnapress"])
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=5)
    try:
        for path in ("/robots.txt", "/ru/news", "/sitemap.xml"):
            conn.request("GET", path)
            resp = conn.getresponse()
            assert resp.status == 200 and len(resp.read()) == int(resp.headers["Content-Length"])
    finally:
        conn.close()


def test_live_changes_articles_revision_layout():
    with Replica(articles=60, seed=2, profile="configured") as rep:
        base = rep.urls["arnapress"]
        before = re.findall(r'news-card__link" href="([^"]+)"', fetch(base, "/ru/news")[2].decode())
        rep.set_articles(90)
        after = re.findall(r'news-card__link" href="([^"]+)"', fetch(base, "/ru/news")[2].decode())
        assert after != before and before[0] in after

        articles = rep.corpus.arnapress_articles()
        etags = {a.path: fetch(base, a.path)[1]["ETag"] for a in articles}
        rep.set_revision(1)
        edited = [a for a in rep.corpus.arnapress_articles() if a.modified]
        assert edited and len(edited) < len(articles) / 4
        target = edited[0]
        assert (
            "Обновлено" in fetch(base, target.path)[2].decode()
            or "Жаңартылды" in fetch(base, target.path)[2].decode()
        )
        assert fetch(base, target.path)[1]["ETag"] != etags[target.path]

        path = articles[0].path
        rep.set_layout("v2")
        v2 = fetch(base, path)[2].decode()
        assert 'class="post-title"' in v2 and "application/ld+json" in v2
        assert "news-article" not in v2
        rep.set_layout("broken")
        broken = fetch(base, path)[2].decode()
        assert 'class="hdr"' in broken
        assert "<h1" not in broken and "<time" not in broken and "ld+json" not in broken
        assert "og:" not in broken
        assert rep.request_count() == len(rep.request_log) > 0
        assert rep.request_log[0][:2] == ("arnapress", "GET")


# -- faults ----------------------------------------------------------------------------


def test_parse_faults_accepts_valid_specs():
    spec = parse_faults("5xx=0.2,slow=0.1:2,truncate=0.05:inf")
    assert [(f.kind, f.rate, f.times) for f in spec.faults] == [
        ("5xx", 0.2, 1),
        ("slow", 0.1, 2),
        ("truncate", 0.05, None),
    ]
    assert not parse_faults("")


@pytest.mark.parametrize(
    ("spec", "named"),
    [
        ("boom=0.1", "boom"),
        ("5xx", "5xx"),
        ("5xx=2", "2"),
        ("5xx=abc", "abc"),
        ("slow=0.1:0", "0"),
        ("slow=0.1:often", "often"),
        ("5xx=0.1,5xx=0.2", "5xx"),
    ],
)
def test_parse_faults_rejects_bad_specs(spec, named):
    with pytest.raises(ValueError, match=re.escape(named)) as info:
        parse_faults(spec)
    assert "\n" not in str(info.value)


def test_5xx_then_recovers_and_robots_is_never_faulted():
    with Replica(articles=30, faults="5xx=1:2", profile="configured") as rep:
        base = rep.urls["arnapress"]
        first, second, third = (fetch(base, "/ru/news") for _ in range(3))
        assert first[0] in (500, 503) and second[0] in (500, 503)
        assert third[0] == 200
        if first[0] == 503:
            assert first[1]["Retry-After"] == "1"
        assert fetch(base, "/robots.txt")[0] == 200


def test_inf_never_recovers_and_rate_is_deterministic():
    with Replica(articles=30, faults="5xx=1:inf", profile="configured") as rep:
        assert {fetch(rep.urls["arnapress"], "/kz/news")[0] for _ in range(4)} <= {500, 503}
    paths = [f"/ru/news?page={n}" for n in range(1, 40)]
    hit = []
    for _ in range(2):
        with Replica(articles=30, seed=5, faults="5xx=0.5:inf", profile="configured") as rep:
            hit.append([fetch(rep.urls["arnapress"], p)[0] >= 500 for p in paths])
    assert hit[0] == hit[1] and 5 < sum(hit[0]) < 35


def test_slow_truncate_charset_badjson():
    with Replica(articles=30, faults="slow=1", profile="configured") as rep:
        with pytest.raises((TimeoutError, socket.timeout)):
            fetch(rep.urls["arnapress"], "/ru/news", timeout=0.3)
        assert fetch(rep.urls["arnapress"], "/ru/news")[0] == 200  # TIMES=1: answered now
    with (
        Replica(articles=30, faults="truncate=1", profile="configured") as rep,
        pytest.raises(http.client.IncompleteRead),
    ):
        fetch(rep.urls["arnapress"], "/ru/news")
    with Replica(articles=30, faults="charset=1:inf", profile="configured") as rep:
        article = next(a for a in rep.corpus.arnapress_articles() if a.lang == "kk")
        seen = set()
        for path in [article.path, "/ru/news", "/kz/news", *(f"/ru/news?page={n}" for n in (2, 3))]:
            _, headers, body = fetch(rep.urls["arnapress"], path)
            ctype = headers["Content-Type"]
            assert ctype in ("text/html", "text/html; charset=windows-1251")
            text = body.decode("cp1251")
            seen.add((ctype, '<meta charset="windows-1251">' in text))
        assert "&#1179;" in fetch(rep.urls["arnapress"], article.path)[2].decode("cp1251")
        assert len(seen) >= 2
        assert fetch(rep.urls["arnapress"], "/ru/rss.xml")[1]["Content-Type"].endswith("utf-8")
    with Replica(articles=30, faults="badjson=1", profile="configured") as rep:
        # Every JSON answer is broken, the API's refusal as much as a list.
        _, _, body = fetch(rep.urls["akimat"], API + LIST_QUERY.format(page=1, size=5))
        with pytest.raises(json.JSONDecodeError):
            json.loads(body)


def test_redirect_loop():
    with Replica(articles=30, faults="redirect-loop=1:inf", profile="configured") as rep:
        base = rep.urls["arnapress"]
        status, headers, _ = fetch(base, "/ru/news")
        assert status == 302
        bounce = urlsplit(headers["Location"])
        assert bounce.path == "/ru/news" and bounce.query == "_loop=1"
        status, headers, _ = fetch(base, "/ru/news?_loop=1")
        assert status == 302 and headers["Location"] == base + "/ru/news"


def test_huge_and_gzip_bomb_are_cheap_to_observe():
    with Replica(articles=30, faults="huge=1", profile="configured") as rep:
        url = urlsplit(rep.urls["arnapress"])
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=5)
        conn.request("GET", "/ru/news")
        resp = conn.getresponse()
        assert int(resp.headers["Content-Length"]) == 50 * 1024 * 1024
        assert resp.read(1000).startswith(b"<!doctype html>")
        conn.close()
    with Replica(articles=30, faults="gzip-bomb=1", profile="configured") as rep:
        _, headers, body = fetch(rep.urls["arnapress"], "/ru/news")
        assert headers["Content-Encoding"] == "gzip"
        assert len(body) < 2_000_000
        inflated = zlib.decompressobj(31).decompress(body, 1 << 20)
        assert len(inflated) == 1 << 20 and not inflated.strip(b"\0")


# -- command line ------------------------------------------------------------------------


def test_cli_prints_one_line_per_site_and_serves(tmp_path):
    log = tmp_path / "access.jsonl"
    code = "from crawler.cli.replica import command; command()"
    with subprocess.Popen(
        [sys.executable, "-c", code, "--articles", "20", "--access-log", str(log)],
        stdout=subprocess.PIPE,
        text=True,
    ) as proc:
        try:
            lines = [proc.stdout.readline().strip() for _ in range(2)]
            assert [line.split()[0] for line in lines] == ["akimat", "arnapress"]
            urls = dict(line.split() for line in lines)
            assert all(re.fullmatch(r"http://127\.0\.0\.1:\d+", u) for u in urls.values())
            assert fetch(urls["arnapress"], "/robots.txt")[0] == 200
        finally:
            proc.terminate()
            assert proc.wait(timeout=10) == 0
    entry = json.loads(log.read_text().splitlines()[0])
    assert entry == {
        "site": "arnapress",
        "method": "GET",
        "path": "/robots.txt",
        "status": 200,
        "bytes": entry["bytes"],
    }
    assert entry["bytes"] > 0


@pytest.mark.parametrize(
    "args", [["--articles", "0"], ["--articles", "50001"], ["--faults", "x=1"]]
)
def test_cli_rejects_bad_options(args):
    result = CliRunner().invoke(replica_command, args)
    assert result.exit_code == 2
    assert result.output.strip().splitlines()[-1].startswith("Error: Invalid value")
