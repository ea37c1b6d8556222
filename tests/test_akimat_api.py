"""The gov.kz news API as it answers in 2026: the replica's ticket gate and the
akimat spider that gets through it (tickets, v2 headers, GraphQL), through the
real CLI against the real replica server."""

from __future__ import annotations

import http.client
import json
import math
import re
import sqlite3
from collections import Counter
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import bcrypt
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scrapy import Request
from scrapy.http import TextResponse
from scrapy.utils.test import get_crawler

from crawler.replica import akimat_site
from crawler.replica.akimat_site import NO_BODY_EVERY, TICKET_USES
from crawler.replica.corpus import Corpus, akimat_missing_lang, akimat_versions
from crawler.replica.server import Replica
from crawler.spiders import govkz
from crawler.spiders.sources import SPIDERS
from tests.helpers import replica_args, run_cli
from tests.hostile import json_values

AkimatSpider = SPIDERS["akimat"]

slow = pytest.mark.slow

LIST = govkz.API_LIST + "?sort-by=created_date:DESC&projects=eq:almaty&page={page}&size={size}"
LANGS = ("ru", "kk", "en")
KAZAKH_LETTERS = re.compile("[әғқңөұүһі]")
NOT_ALLOWED = {"message": "notAllowed"}


def call(base: str, method: str, path: str, headers: dict | None = None, body: bytes = b""):
    """(status, headers, body) of one request, without raising on 4xx/5xx."""
    url = urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    try:
        conn.request(method, path, body=body or None, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.headers, resp.read()
    finally:
        conn.close()


def v1_ticket(base: str) -> dict[str, str]:
    """A ``Cookie`` header holding a fresh v1 ticket."""
    status, headers, _ = call(
        base,
        "POST",
        govkz.TICKET_V1,
        {"Content-Type": "application/json", "Origin": base, "Referer": base + "/"},
        b"{}",
    )
    assert status == 200
    cookie = headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "Path=/" in cookie
    return {"Cookie": cookie.split(";")[0]}


def v2_ticket(base: str) -> dict[str, str]:
    status, _, body = call(
        base, "POST", govkz.TICKET_V2, {"Content-Type": "application/json"}, b"{}"
    )
    assert status == 200
    headers = json.loads(body)
    assert isinstance(headers, dict) and 2 <= len(headers) <= 3
    return headers


def get_list(base: str, headers: dict, page: int = 1, size: int = 100, lang: str = "ru"):
    status, _, body = call(
        base, "GET", LIST.format(page=page, size=size), {**headers, "accept-language": lang}
    )
    return status, json.loads(body)


def graphql(base: str, query: str) -> tuple[int, dict]:
    status, _, body = call(
        base,
        "POST",
        govkz.GRAPHQL,
        {"Content-Type": "application/json"},
        json.dumps({"query": query}).encode(),
    )
    return status, json.loads(body)


@pytest.fixture(scope="module")
def rep():
    with Replica(articles=130, seed=3) as replica:
        yield replica


# -- the replica -------------------------------------------------------------------------


def test_list_without_ticket_is_not_allowed_even_with_token_and_hash(rep) -> None:
    base = rep.urls["akimat"]
    assert get_list(base, {}) == (400, NOT_ALLOWED)
    # The headers the site's pages once sent are accepted but open nothing now.
    assert get_list(base, govkz.auth_headers()) == (400, NOT_ALLOWED)
    assert get_list(base, {"Cookie": "ticket=made-up"}) == (400, NOT_ALLOWED)


def test_v1_ticket_wants_json_and_the_sites_origin(rep) -> None:
    base = rep.urls["akimat"]
    json_type = {"Content-Type": "application/json"}
    assert call(base, "POST", govkz.TICKET_V1, json_type, b"{}")[0] == 400
    plain = {"Content-Type": "text/plain", "Origin": base}
    assert call(base, "POST", govkz.TICKET_V1, plain, b"{}")[0] == 400
    elsewhere = {**json_type, "Origin": "https://example.com"}
    assert call(base, "POST", govkz.TICKET_V1, elsewhere, b"{}")[0] == 400
    referer = {**json_type, "Referer": govkz.press_page(base, "almaty")}
    assert call(base, "POST", govkz.TICKET_V1, referer, b"{}")[0] == 200


def test_v1_cookie_opens_full_entries_with_bodies(rep) -> None:
    base = rep.urls["akimat"]
    status, entries = get_list(base, v1_ticket(base), size=20)
    assert status == 200 and len(entries) == 20
    newest = rep.corpus.akimat_items()[0]
    first = entries[0]
    assert set(first) == {
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
    assert first["id"] == newest.id and isinstance(first["id"], int)
    assert first["body"].startswith("<p>") and "</p>" in first["body"]
    assert first["projects"] == "almaty" and isinstance(first["directions"], list)
    assert first["heropic"].startswith("/uploads/")
    assert re.fullmatch(r"[a-z0-9-]+", first["slug"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000\+00:00", first["created_date"])
    assert first["created_date"].startswith(newest.created.strftime("%Y-%m-%dT%H:%M"))
    stamps = [e["created_date"] for e in entries]
    assert stamps == sorted(stamps, reverse=True)


def test_ticket_expires_after_a_few_list_requests(rep) -> None:
    base = rep.urls["akimat"]
    ticket = v1_ticket(base)
    answers = [get_list(base, ticket, size=1)[0] for _ in range(TICKET_USES + 2)]
    assert answers == [200] * TICKET_USES + [400, 400]
    assert get_list(base, ticket, size=1) == (400, NOT_ALLOWED)
    assert get_list(base, v1_ticket(base), size=1)[0] == 200  # a new one works again


def test_v2_headers_open_the_list_and_expire_too(rep) -> None:
    base = rep.urls["akimat"]
    headers = v2_ticket(base)
    assert get_list(base, headers, size=5)[0] == 200
    forged = {name: value[::-1] for name, value in headers.items()}
    assert get_list(base, forged, size=5) == (400, NOT_ALLOWED)
    assert [get_list(base, headers, size=5)[0] for _ in range(TICKET_USES)][-1] == 400
    assert call(base, "POST", govkz.TICKET_V2, {}, b"not json")[0] == 400


def test_paging_sizes_languages_and_the_end(rep) -> None:
    base = rep.urls["akimat"]
    ticket = v1_ticket(base)
    first = get_list(base, ticket, page=1, size=100)[1]
    second = get_list(base, ticket, page=2, size=100)[1]
    assert len(first) == 100 and len(second) == 30
    assert get_list(base, ticket, page=3, size=100) == (200, [])
    assert len(get_list(base, ticket, page=1, size=500)[1]) == 100  # capped
    assert get_list(base, ticket, page=0, size=100) == (400, {"message": "Bad request"})
    ticket = v1_ticket(base)
    ids = [e["id"] for e in first + second]
    assert ids == [i.id for i in rep.corpus.akimat_items()]
    kk = get_list(base, ticket, lang="kk-KZ")[1] + get_list(base, ticket, page=2, lang="kk")[1]
    assert [e["id"] for e in kk] == ids
    english = get_list(base, ticket, lang="en")[1]
    assert [e["id"] for e in english] == [
        i.id for i in rep.corpus.akimat_items() if "en" in i.langs
    ]


def test_untranslated_items_answer_in_their_other_language(rep) -> None:
    base = rep.urls["akimat"]
    ticket = v1_ticket(base)
    pages = {
        lang: get_list(base, ticket, lang=lang)[1] + get_list(base, ticket, page=2, lang=lang)[1]
        for lang in ("ru", "kk")
    }
    items = rep.corpus.akimat_items()
    missing = {item.id: akimat_missing_lang(rep.corpus, item.index) for item in items}
    no_ru = [i for i in items if missing[i.id] == "ru"]
    no_kk = [i for i in items if missing[i.id] == "kk"]
    # About a tenth of the items, mostly without Russian.
    assert no_ru and no_kk and len(no_ru) + len(no_kk) <= len(items) * 0.2
    by_id = {lang: {e["id"]: e for e in pages[lang]} for lang in pages}
    for item in no_ru:
        assert by_id["ru"][item.id]["title"] == item.title["kk"]
        assert govkz.real_lang(by_id["ru"][item.id], "ru") == "kk"
    for item in no_kk:
        assert by_id["kk"][item.id]["body"] == item.body_html["ru"]
        assert not KAZAKH_LETTERS.search(by_id["kk"][item.id]["title"])
    translated = next(i for i in items if missing[i.id] is None)
    assert by_id["ru"][translated.id]["title"] == translated.title["ru"]
    assert govkz.real_lang(by_id["ru"][translated.id], "ru") == "ru"
    versions = akimat_versions(rep.corpus)
    assert len(versions) == sum(len(i.langs) for i in items) - len(no_ru) - len(no_kk)
    assert (no_ru[0].id, "ru") not in versions and (no_ru[0].id, "kk") in versions


def test_graphql_answers_without_ticket(rep) -> None:
    base = rep.urls["akimat"]
    body = json.loads(govkz.graphql_body("almaty", "kk", 2, 50))
    status, data = graphql(base, body["query"])
    assert status == 200
    news = data["data"]["news"]
    assert len(news) == 50
    assert [n["id"] for n in news] == [i.id for i in rep.corpus.akimat_items()[50:100]]
    assert set(news[0]) == set(govkz.GRAPHQL_FIELDS.split())
    assert KAZAKH_LETTERS.search(" ".join(n["title"] for n in news))
    status, data = graphql(base, '{ news(projects: "eq:almaty", _page: 9, _size: 100) { id } }')
    assert (status, data) == (200, {"data": {"news": []}})
    for query in ("{ news { id } }", "{ news(_page: 1) { id password } }", "{ users { id } }"):
        status, data = graphql(base, query)
        assert status == 400 and data["errors"][0]["message"], query


def test_per_item_path_is_not_offered(rep) -> None:
    base = rep.urls["akimat"]
    item = rep.corpus.akimat_items()[0]
    status, _, body = call(base, "GET", govkz.API_ITEM.format(id=item.id), v1_ticket(base))
    assert status == 404 and json.loads(body)["message"]


def test_robots_and_sitemap(rep) -> None:
    base = rep.urls["akimat"]
    status, _, body = call(base, "GET", "/robots.txt")
    robots = body.decode()
    assert status == 200 and robots.startswith("User-agent: *\n")
    for rule in ("Disallow: /search", "Disallow: /uploads/", "Disallow: /memleket/api/"):
        assert rule in robots.splitlines()
    assert "/api/v1" not in robots and f"Sitemap: {base}/sitemap.xml" in robots
    status, _, body = call(base, "GET", "/sitemap.xml")
    assert status == 200 and f"{base}/memleket/entities/almaty/press/news?lang=kk" in body.decode()


def test_graphql_gate_and_deny_gate() -> None:
    with Replica(articles=20, seed=1, gate="graphql") as rep:
        base = rep.urls["akimat"]
        assert get_list(base, v1_ticket(base)) == (400, NOT_ALLOWED)
        assert get_list(base, v2_ticket(base)) == (400, NOT_ALLOWED)
        status, data = graphql(base, '{ news(_lang: "ru", _page: 1, _size: 5) { id } }')
        assert status == 200 and len(data["data"]["news"]) == 5
        rep.set_gate("deny")
        for path in (govkz.TICKET_V1, govkz.TICKET_V2):
            status, _, body = call(
                base, "POST", path, {"Content-Type": "application/json", "Origin": base}, b"{}"
            )
            assert (status, json.loads(body)) == (403, {"message": "Forbidden"})
        assert get_list(base, {}) == (400, NOT_ALLOWED)
        assert graphql(base, "{ news(_page: 1) { id } }")[0] == 403
        rep.set_gate("ticket")
        assert get_list(base, v1_ticket(base))[0] == 200
        with pytest.raises(ValueError, match="unknown gate"):
            rep.set_gate("open")


def test_quirks_content_wrapper_string_ids_and_missing_bodies() -> None:
    with Replica(articles=20, seed=1) as rep:
        base = rep.urls["akimat"]
        rep.akimat.set_quirks("content", "string-ids", "no-body")
        status, data = get_list(base, v1_ticket(base))
        assert status == 200 and set(data) == {"content"}
        entries = data["content"]
        assert all(isinstance(e["id"], str) and e["id"].isdigit() for e in entries)
        without = [e for e in entries if "body" not in e]
        assert len(without) == math.ceil(20 / NO_BODY_EVERY)
        assert govkz.entries_from_payload(data) == entries


def test_ticket_table_is_bounded(monkeypatch) -> None:
    monkeypatch.setattr(akimat_site, "TICKET_LIMIT", 3)
    site = akimat_site.AkimatSite(Corpus(5, seed=0))
    headers = {"content-type": "application/json", "origin": "http://h", "host": "h"}
    cookies = [site.ticket_v1(headers).headers["Set-Cookie"].split(";")[0] for _ in range(5)]
    assert len(site._tickets) == 3
    assert not site.use_ticket({"cookie": cookies[0]})  # the oldest was forgotten
    assert site.use_ticket({"cookie": cookies[-1]})


# -- pure functions ----------------------------------------------------------------------


def test_auth_headers_hash_with_the_sites_fixed_salt() -> None:
    headers = govkz.auth_headers()
    token, hashed = headers["token"], headers["hash"]
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}", token)
    assert hashed.startswith("$2a$10$HxyKf0Cy3Ecnp874AXBXOe") and len(hashed) == 60
    assert bcrypt.checkpw(token.encode(), hashed.encode())
    assert not bcrypt.checkpw(b"another token", hashed.encode())
    assert govkz.auth_headers(token) == headers  # a fixed salt: the same token, the same hash


def test_entries_from_payload_reads_every_known_shape() -> None:
    entry = {"id": 1, "title": "t"}
    assert govkz.entries_from_payload([entry, "junk", None]) == [entry]
    assert govkz.entries_from_payload({"content": [entry], "totalPages": 1}) == [entry]
    assert govkz.entries_from_payload({"data": {"news": [entry]}}) == [entry]
    assert govkz.entries_from_payload([]) == []
    for other in ({"message": "notAllowed"}, {"data": None}, "text", 3, None):
        assert govkz.entries_from_payload(other) is None
    assert govkz.graphql_errors({"errors": [{"message": "bad"}]}) == "bad"
    assert govkz.graphql_errors({"data": {"news": []}}) is None


def test_ids_urls_and_articles_from_any_entry() -> None:
    assert govkz.api_id(901) == "901" and govkz.api_id(" 901 ") == "901"
    assert govkz.api_id(True) is None and govkz.api_id("") is None and govkz.api_id(1.5) is None
    url = govkz.article_url("https://www.gov.kz", "almaty", "90#1", "kk")
    assert url.endswith("/memleket/entities/almaty/press/news/details/90%231?lang=kk")
    item = govkz.article_from_api(
        {"id": "7", "title": " ", "body": "<p>x</p>"}, "ru", url, "akimat"
    )
    assert (item.source_id, item.title, item.body_html, item.lang) == ("7", None, "<p>x</p>", "ru")
    assert not govkz.has_body({"body": "  "}) and govkz.has_body({"body": "<p>x</p>"})


def test_real_lang_overrides_only_when_sure() -> None:
    corpus = Corpus(40, seed=0)
    item = corpus.akimat_item(5)
    kazakh = {"title": item.title["kk"], "body": item.body_html["kk"]}
    russian = {"title": item.title["ru"], "body": item.body_html["ru"]}
    assert govkz.real_lang(kazakh, "ru") == "kk" and govkz.real_lang(kazakh, "kk") == "kk"
    assert govkz.real_lang(russian, "kk") == "ru" and govkz.real_lang(russian, "ru") == "ru"
    assert govkz.real_lang(kazakh, "en") == "kk"
    # Too little text, or none: the language asked stands.
    assert govkz.real_lang({"title": "Қазақстан"}, "ru") == "ru"
    assert govkz.real_lang({}, "kk") == "kk"
    # A Russian text naming Kazakh places is still Russian.
    named = {"body": "<p>" + "В Алматы открылась выставка мастеров. " * 5 + "Қазақстан</p>"}
    assert govkz.real_lang(named, "ru") == "ru"


def test_graphql_body_is_the_documented_query() -> None:
    query = json.loads(govkz.graphql_body("almaty", "ru", 3, 100))["query"]
    assert 'projects: "eq:almaty"' in query and '_lang: "ru"' in query
    assert "_page: 3" in query and "_size: 100" in query and '_sort: "created_date:DESC"' in query
    assert "body" in query.split("{", 2)[2]


entries = st.fixed_dictionaries(
    {},
    optional={
        "id": st.one_of(st.integers(), st.text(max_size=12), json_values),
        "title": st.one_of(st.text(max_size=60), json_values),
        "body": st.one_of(st.text(max_size=200), json_values),
        "created_date": st.one_of(st.text(max_size=30), json_values),
    },
)
payloads = st.one_of(
    json_values,
    st.lists(entries, max_size=5),
    st.lists(entries, max_size=5).map(lambda e: {"content": e}),
    st.lists(entries, max_size=5).map(lambda e: {"data": {"news": e}}),
)


@pytest.fixture(scope="module")
def spider(tmp_path_factory) -> AkimatSpider:
    db = tmp_path_factory.mktemp("akimat") / "a.db"
    crawler = get_crawler(
        AkimatSpider, {"CRAWLER_DB": str(db), "CRAWLER_AKIMAT_URL": "https://www.gov.kz"}
    )
    return AkimatSpider.from_crawler(crawler)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(payload=payloads, lang=st.sampled_from(LANGS))
def test_a_list_page_of_any_json_stays_on_site(spider, payload, lang: str) -> None:
    url = "https://www.gov.kz" + LIST.format(page=1, size=100)
    request = Request(url, meta={"discovery": "list", "auth": ("v1", 0)})
    body = json.dumps(payload).encode()
    response = TextResponse(url, body=body, encoding="utf-8", request=request)
    for out in spider.parse_list(response, page={"lang": lang, "page": 1, "quiet": 0}):
        parts = urlsplit(out.url)
        assert parts.scheme == "https" and parts.hostname in ("gov.kz", "www.gov.kz"), out.url
        if not isinstance(out, Request):
            assert out.lang in LANGS
            assert parse_qs(parts.query)["lang"] == [out.lang]


def test_a_list_that_ignores_the_page_number_does_not_page_forever(tmp_path: Path) -> None:
    crawler = get_crawler(
        AkimatSpider,
        {
            "CRAWLER_DB": str(tmp_path / "a.db"),
            "CRAWLER_AKIMAT_URL": "https://www.gov.kz",
            "CRAWLER_AKIMAT_PAGE_SIZE": 3,
            "CRAWLER_FULL": True,
        },
    )
    spider = AkimatSpider.from_crawler(crawler)
    corpus = Corpus(3, seed=0)
    payload = [
        {"id": i.id, "title": i.title["ru"], "body": i.body_html["ru"]}
        for i in corpus.akimat_items()
    ]

    def read(number: int) -> list:
        url = "https://www.gov.kz" + LIST.format(page=number, size=3)
        request = Request(url, meta={"discovery": "list", "auth": ("v1", 0)})
        response = TextResponse(
            url, body=json.dumps(payload).encode(), encoding="utf-8", request=request
        )
        return list(spider.parse_list(response, page={"lang": "ru", "page": number, "quiet": 0}))

    first = read(1)
    assert len([o for o in first if not isinstance(o, Request)]) == 3
    requests = [o.url for o in first if isinstance(o, Request)]
    assert len(requests) == 1 and requests[0].endswith("page=2&size=3")
    # The same entries again as page 2: nothing new, and no page 3.
    assert read(2) == []
    assert crawler.stats.get_value("crawler/akimat/repeated_pages") == 1


# -- crawls through the CLI --------------------------------------------------------------


def stored(db: Path) -> list[tuple[str, str, str]]:
    """(source_id, lang, url) of the stored akimat articles."""
    conn = sqlite3.connect(db)
    try:
        return conn.execute(
            "SELECT source_id, lang, url FROM articles WHERE source = 'akimat'"
        ).fetchall()
    finally:
        conn.close()


def run_stats(db: Path) -> dict:
    conn = sqlite3.connect(db)
    try:
        row = conn.execute(
            "SELECT stats FROM crawl_runs WHERE spider = 'akimat' ORDER BY id DESC LIMIT 1"
        ).fetchone()
    finally:
        conn.close()
    return json.loads(row[0])


def akimat_requests(rep, since: int = 0) -> Counter:
    """(method, path, status) of the akimat requests after the first ``since``, robots aside."""
    return Counter(
        (method, target.split("?")[0], status)
        for site, method, target, status in rep.request_log[since:]
        if site == "akimat" and target != "/robots.txt"
    )


def crawl(rep, db: Path, *extra: str):
    return run_cli("crawl", "--db", str(db), *replica_args(rep), "--sources", "akimat", *extra)


def expected_versions(rep) -> set[tuple[str, str]]:
    return {(str(item_id), lang) for item_id, lang in akimat_versions(rep.corpus)}


def list_pages(rep) -> int:
    """REST pages of 100 a full read needs: each language until the empty page."""
    items = rep.corpus.akimat_items()
    per_lang = [sum(lang in i.langs for i in items) for lang in LANGS]
    return sum(-(-n // 100) + 1 for n in per_lang)


@slow
def test_first_run_reads_lists_only_then_reruns_cost_a_ticket_and_a_page_per_language(
    tmp_path: Path,
) -> None:
    db = tmp_path / "a.db"
    with Replica(articles=250, seed=1) as rep:
        result = crawl(rep, db)
        assert result.returncode == 0, result.stderr[-2000:]
        rows = stored(db)
        assert len(rows) == len({(sid, lang) for sid, lang, _ in rows}), "stored twice"
        assert {(sid, lang) for sid, lang, _ in rows} == expected_versions(rep)
        for _sid, lang, url in rows:
            assert parse_qs(urlsplit(url).query)["lang"] == [lang]
        # An item without Russian text came under ru and kk: stored once, as kk.
        k = next(
            i.index
            for i in rep.corpus.akimat_items()
            if akimat_missing_lang(rep.corpus, i.index) == "ru"
        )
        item_id = str(rep.corpus.akimat_item(k).id)
        assert [lang for sid, lang, _ in rows if sid == item_id and lang != "en"] == ["kk"]

        asked = akimat_requests(rep)
        pages = list_pages(rep)
        tickets = asked[("POST", govkz.TICKET_V1, 200)]
        assert asked[("GET", govkz.API_LIST, 200)] == pages
        assert tickets == math.ceil(pages / TICKET_USES)
        refused = asked[("GET", govkz.API_LIST, 400)]
        # Only the first expired ticket is refused (the pages in flight then): later
        # ones are renewed before they expire.
        assert refused <= len(LANGS)
        assert sum(asked.values()) == pages + tickets + refused
        assert not [key for key in asked if key[1].startswith(govkz.API_LIST + "/")]
        stats = run_stats(db)
        assert stats["crawler/discovery/parsed"] == pages
        assert stats["crawler/discovery/report"] is None

        mark = len(rep.request_log)
        again = crawl(rep, db)
        assert again.returncode == 0, again.stderr[-2000:]
        assert akimat_requests(rep, mark) == {
            ("POST", govkz.TICKET_V1, 200): 1,
            ("GET", govkz.API_LIST, 304): len(LANGS),
        }
        assert len(stored(db)) == len(rows)

        before = {(sid, lang) for sid, lang, _ in stored(db)}
        rep.set_articles(253)
        mark = len(rep.request_log)
        grown = crawl(rep, db)
        assert grown.returncode == 0, grown.stderr[-2000:]
        new = {(sid, lang) for sid, lang, _ in stored(db)} - before
        newest = {str(i.id) for i in rep.corpus.akimat_items()[:3]}
        assert new == {v for v in expected_versions(rep) if v[0] in newest}
        assert sum(akimat_requests(rep, mark).values()) <= 2 * len(LANGS)


@slow
def test_single_use_tickets_cost_one_ticket_a_page(tmp_path: Path, monkeypatch) -> None:
    # As if a ticket served one list request: the replica runs in this process.
    monkeypatch.setattr(akimat_site, "TICKET_USES", 1)
    db = tmp_path / "s.db"
    with Replica(articles=220, seed=4) as rep:
        result = crawl(rep, db)
        assert result.returncode == 0, result.stderr[-2000:]
        assert {(sid, lang) for sid, lang, _ in stored(db)} == expected_versions(rep)
        asked = akimat_requests(rep)
        pages = list_pages(rep)
        assert asked[("GET", govkz.API_LIST, 200)] == pages
        assert asked[("POST", govkz.TICKET_V1, 200)] == pages
        assert asked[("GET", govkz.API_LIST, 400)] <= len(LANGS)
        assert run_stats(db)["crawler/akimat/tickets_renewed_ahead"] >= pages - 2 * len(LANGS)


@slow
def test_graphql_gate_stores_everything_through_graphql(tmp_path: Path) -> None:
    db = tmp_path / "g.db"
    with Replica(articles=120, seed=2, gate="graphql") as rep:
        result = crawl(rep, db)
        assert result.returncode == 0, result.stderr[-2000:]
        assert {(sid, lang) for sid, lang, _ in stored(db)} == expected_versions(rep)
        asked = akimat_requests(rep)
        assert asked[("POST", govkz.GRAPHQL, 200)] == list_pages(rep)
        # One more v1 ticket, one v2 ticket, then GraphQL for the rest of the run.
        assert asked[("POST", govkz.TICKET_V1, 200)] == 2
        assert asked[("POST", govkz.TICKET_V2, 200)] == 1
        assert asked[("GET", govkz.API_LIST, 400)] == 3 * len(LANGS)
        assert asked[("GET", govkz.API_LIST, 200)] == 0


@slow
def test_deny_gate_fails_the_run_and_says_why(tmp_path: Path) -> None:
    db = tmp_path / "d.db"
    with Replica(articles=30, seed=2, gate="deny") as rep:
        result = crawl(rep, db)
        assert result.returncode == 1, result.stdout + result.stderr[-2000:]
        assert stored(db) == []
        report = run_stats(db)["crawler/discovery/report"]
        assert report.startswith('refused — 3 list requests answered 400 {"message":"notAllowed"}')
        assert "graphql requests answered 403" in report
        assert "GraphQL answered 403" in result.stderr
        # Each way was tried once: no loop.
        assert sum(akimat_requests(rep).values()) <= 2 + 2 * len(LANGS)


@slow
def test_entries_without_body_content_wrapper_and_string_ids(tmp_path: Path) -> None:
    db = tmp_path / "q.db"
    with Replica(articles=40, seed=1) as rep:
        rep.akimat.set_quirks("content", "string-ids", "no-body")
        result = crawl(rep, db)
        assert result.returncode == 0, result.stderr[-2000:]
        bodiless = {str(i.id) for i in rep.corpus.akimat_items() if i.index % NO_BODY_EVERY == 0}
        expected = {v for v in expected_versions(rep) if v[0] not in bodiless}
        assert {(sid, lang) for sid, lang, _ in stored(db)} == expected
        stats = run_stats(db)
        missing = sum(1 for sid, _lang in expected_versions(rep) if sid in bodiless)
        assert stats["crawler/akimat/item_missing"] == missing
        assert stats.get("crawler/errors", 0) == 0 and "log_count/ERROR" not in stats
        item_requests = sum(
            n
            for (_m, path, status), n in akimat_requests(rep).items()
            if path.startswith(govkz.API_LIST + "/") and status == 404
        )
        assert item_requests == missing
