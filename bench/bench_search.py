"""Search and canned-query latency on a large database built from the replica's text.

Builds (once, then reuses) a database of N articles (default 100 000) from the
replica corpus directly, without crawling: akimat items in each of their
languages and Arna Press articles, their mentions (the detector, run once per
distinct paragraph), one story each, and the search index. Then times, through
Datasette's own test client with the project's metadata and plugin, the
articles search box, the ``search`` canned query with inflected Russian,
Kazakh and English words, every other canned query, the Atom feeds, an
article's page and the crawl health page; prints p50 and p95 in milliseconds
and PASS or FAIL per case against the target: p95 under 100 ms.
A database built earlier is migrated first, so it has the current indexes.

Example:
    python bench/bench_search.py --articles 100000 --db /tmp/bench_search.db
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from functools import cache
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawler.datasette import make_datasette  # noqa: E402
from crawler.datasette.queries import QUERIES  # noqa: E402
from crawler.replica.corpus import MAX_ARTICLES, Corpus  # noqa: E402
from crawler.store.db import open_db  # noqa: E402
from crawler.text.mentions import default_detector  # noqa: E402
from crawler.text.search.index import add_forms, word_forms  # noqa: E402

SEARCHES = [
    "ремесленниками",
    "ремёслами",
    "мастерами ремёсел",
    "қолөнершілерімен",
    "қолөнер шеберлері",
    "artisans",
    "керамикой OR войлоком",
    "зергер*",
]
QUERY_ARGS = {"search": "q=ремесленниками", "term_mentions": "term=қолөнер"}
# Pages that are not tables: (label, path); their "rows" are the feed entries.
PAGES = [
    ("feed", "/-/feeds/mentions.atom"),
    ("feed category=world_craft_city", "/-/feeds/mentions.atom?category=world_craft_city"),
    ("feed category=crafts", "/-/feeds/mentions.atom?category=crafts"),
    ("feed term=қолөнер", "/-/feeds/mentions.atom?term=қолөнер"),
    ("feed source=arnapress", "/-/feeds/mentions.atom?source=arnapress"),
    ("article page", "/{name}/articles/1"),
    ("crawl health page", "/-/crawl-health"),
]
TARGET_MS = 100


def articles(n: int, seed: int = 0):
    """Article rows from the replica corpus, akimat and Arna Press interleaved."""
    corpus = Corpus(articles=MAX_ARTICLES, seed=seed)
    made = 0
    for k in range(MAX_ARTICLES):
        item = corpus.akimat_item(k)
        for lang in item.langs:
            if made == n:
                return
            made += 1
            yield {
                "source": "akimat",
                "url": f"https://www.gov.kz/memleket/entities/almaty/press/news/details/{item.id}?lang={lang}",
                "lang": lang,
                "title": item.title[lang],
                "paragraphs": item.paragraphs[lang],
                "published_at": item.created.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "source_id": str(item.id),
            }
        if made == n:
            return
        art = corpus.arna_article(k)
        made += 1
        yield {
            "source": "arnapress",
            "url": f"https://arnapress.kz{art.path}",
            "lang": art.lang,
            "title": art.title,
            "paragraphs": art.paragraphs,
            "published_at": art.published.astimezone().strftime("%Y-%m-%dT%H:%M:%SZ"),
            "source_id": str(art.id),
        }


@cache
def mentions_in(text: str) -> tuple[dict, ...]:
    return tuple(m.as_dict() for m in default_detector().find(text))


ARTICLE_COLUMNS = (
    "id", "source", "url", "lang", "title", "published_at", "published_local", "body",
    "source_id", "story_id", "content_hash",
)  # fmt: skip
MENTION_COLUMNS = (
    "article_id", "category", "term", "text", "field", "start", "end", "snippet", "found_at",
)  # fmt: skip


def insert_sql(table: str, columns: tuple[str, ...]) -> str:
    names = ", ".join(f'"{c}"' for c in columns)
    return f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(columns))})"  # noqa: S608 table and column names come from the fixed tuples above; values are ? placeholders


def build(path: Path, n: int) -> None:
    """Plain executemany in batches: the store stage's per-article path is for crawling."""
    started = time.monotonic()
    db = open_db(path)
    conn = db.conn
    forms: set[str] = set()
    stories, rows, mentions = [], [], []

    def flush() -> None:
        with conn:
            conn.executemany(
                "INSERT INTO stories (id, origin_article_id, title, first_published_at, "
                "outlets, langs, article_count) VALUES (?, ?, ?, ?, ?, ?, 1)",
                stories,
            )
            conn.executemany(insert_sql("articles", ARTICLE_COLUMNS), rows)
            conn.executemany(insert_sql("mentions", MENTION_COLUMNS), mentions)
        stories.clear()
        rows.clear()
        mentions.clear()

    for article_id, row in enumerate(articles(n), start=1):
        paragraphs = row.pop("paragraphs")
        body = "\n\n".join(paragraphs)
        row.update(
            id=article_id,
            body=body,
            published_local=row["published_at"],
            story_id=article_id,
            content_hash=row["url"],
        )
        rows.append(tuple(row[c] for c in ARTICLE_COLUMNS))
        stories.append(
            (
                article_id,
                article_id,
                row["title"],
                row["published_at"],
                f'["{row["source"]}"]',
                f'["{row["lang"]}"]',
            )
        )
        found = [dict(m, field="title") for m in mentions_in(row["title"])]
        for paragraph in paragraphs:
            found.extend(dict(m, field="body") for m in mentions_in(paragraph))
        mentions.extend(
            (article_id, *(m[c] for c in MENTION_COLUMNS[1:-1]), row["published_at"]) for m in found
        )
        forms.update(word_forms(row["title"], body))
        if len(rows) == 5000:
            flush()
    flush()
    with conn:
        add_forms(conn, forms)
    conn.execute("ANALYZE")
    total = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    count = conn.execute("SELECT count(*) FROM mentions").fetchone()[0]
    db.close()
    print(
        f"built {total} articles, {count} mentions, {len(forms)} word forms "
        f"in {time.monotonic() - started:.0f}s"
    )


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def measure(ds, path: str, repeat: int) -> list[float]:
    times = []
    for i in range(repeat + 1):
        started = time.perf_counter()
        response = await ds.client.get(path)
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, (path, response.text[:300])
        if i:  # the first run warms the caches
            times.append(elapsed)
    return times


async def run(db_path: Path, repeat: int) -> bool:
    ds = make_datasette(db_path)
    name = db_path.stem
    cases = [
        (f"articles _search={q}", f"/{name}/articles.json?_search={quote(q)}&_size=50")
        for q in SEARCHES
    ]
    cases += [(f"search q={q}", f"/{name}/search.json?q={quote(q)}") for q in SEARCHES]
    cases += [
        (query, f"/{name}/{query}.json?{QUERY_ARGS.get(query, '')}")
        for query in QUERIES
        if query != "search"
    ]
    cases += [(label, path.format(name=name)) for label, path in PAGES]
    failed = []
    all_times: list[float] = []
    print(f"{'case':44} {'p50 ms':>8} {'p95 ms':>8} {'rows':>6}  p95 < {TARGET_MS} ms")
    for label, path in cases:
        times = await measure(ds, path, repeat)
        if ".json?" in path:
            rows = len((await ds.client.get(path + "&_shape=array")).json())
        else:
            rows = (await ds.client.get(path)).text.count("<entry>")
        all_times.extend(times)
        p95 = percentile(times, 0.95)
        if p95 >= TARGET_MS:
            failed.append(label)
        verdict = "PASS" if p95 < TARGET_MS else "FAIL"
        print(f"{label:44} {statistics.median(times):8.1f} {p95:8.1f} {rows:6}  {verdict}")
    print(
        f"{'all cases':44} {statistics.median(all_times):8.1f} {percentile(all_times, 0.95):8.1f}"
    )
    if failed:
        print(f"FAIL: {len(failed)} of {len(cases)} cases at p95 >= {TARGET_MS} ms: {failed}")
    else:
        print(f"PASS: all {len(cases)} cases at p95 < {TARGET_MS} ms")
    return not failed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--db", type=Path, default=Path("/tmp/bench_search.db"))
    parser.add_argument("--repeat", type=int, default=20, help="timed runs per case")
    parser.add_argument("--rebuild", action="store_true", help="build the database again")
    args = parser.parse_args()
    if args.rebuild or not args.db.exists():
        for suffix in ("", "-wal", "-shm"):
            Path(f"{args.db}{suffix}").unlink(missing_ok=True)
        build(args.db, args.articles)
    else:
        open_db(args.db).close()  # apply migrations added since it was built
    ok = asyncio.run(run(args.db, args.repeat))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
