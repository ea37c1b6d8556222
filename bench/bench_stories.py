"""Story linking at scale: MinHash LSH beside brute-force pairwise Jaccard.

Builds N articles of replica text (both sources of a 50 000-article corpus, in
publication order), links them one by one into stories through the real path
(article row, attribution, fingerprint, LSH band keys, candidates, story) in an
on-disk SQLite database, then takes a random sample and compares the pairs the
LSH index finds above the threshold with the pairs exact brute-force Jaccard finds
over every pair of the sample. Prints recall, wall times, peak memory (RSS), and
how well the stories match the replica's own record of which article copies which.

Example:
    python bench/bench_stories.py --articles 100000
"""

from __future__ import annotations

import argparse
import heapq
import random
import resource
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawler.replica.corpus import MAX_ARTICLES, Corpus  # noqa: E402
from crawler.store.db import open_db, utc_now  # noqa: E402
from crawler.stories import StoryConfig, attribution_columns, link_new_article  # noqa: E402
from crawler.stories.shingles import from_blob  # noqa: E402

BATCH = 500  # articles per transaction, as the store stage does


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def replica_articles(n: int, seed: int) -> list[dict]:
    """The first ``n`` articles of both replica sources, oldest first."""
    corpus = Corpus(articles=MAX_ARTICLES, seed=seed)

    def akimat():
        for k in range(MAX_ARTICLES):
            item = corpus.akimat_item(k)
            for lang in item.langs:
                yield {
                    "source": "akimat",
                    "url": f"https://gov.kz/memleket/entities/almaty/press/news/details/"
                    f"{item.id}?lang={lang}",
                    "lang": lang,
                    "title": item.title[lang],
                    "body": "\n\n".join(item.paragraphs[lang]),
                    "published_at": item.created.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "source_id": str(item.id),
                    "truth": str(item.id),
                }

    def arnapress():
        for k in range(MAX_ARTICLES):
            article = corpus.arna_article(k)
            published = article.published.astimezone(UTC)
            yield {
                "source": "arnapress",
                "url": f"https://arnapress.kz{article.path}",
                "lang": article.lang,
                "title": article.title,
                "body": "\n\n".join(article.paragraphs),
                "published_at": published.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "source_id": None,
                "truth": str(article.copy_of) if article.copy_of else article.path,
            }

    merged = heapq.merge(akimat(), arnapress(), key=lambda a: a["published_at"])
    return [a for _, a in zip(range(n), merged, strict=False)]


def link_all(db, articles: list[dict], config: StoryConfig) -> list[int]:
    ids = []
    now = utc_now()
    for start in range(0, len(articles), BATCH):
        with db.conn:
            for article in articles[start : start + BATCH]:
                values = {k: v for k, v in article.items() if k != "truth"}
                values.update(attribution_columns(values), first_seen_at=now)
                columns = ",".join(values)
                article_id = db.execute(
                    f"INSERT INTO articles ({columns}) VALUES ({','.join('?' * len(values))})",  # noqa: S608 columns are the generated article's own keys; values are ? placeholders
                    list(values.values()),
                ).lastrowid
                link_new_article(db, article_id, values, config)
                ids.append(article_id)
    return ids


def brute_force_pairs(shingles: dict[int, np.ndarray], threshold: float) -> set[tuple[int, int]]:
    """Exact Jaccard of every pair of the sample that shares a shingle (numpy only).

    An inverted index (shingle → rows holding it) gives every co-occurrence once per
    shared shingle; counting equal pair codes is the intersection size.
    """
    ids = sorted(shingles)
    n = len(ids)
    if n < 2:
        return set()
    sets = [np.unique(shingles[article_id]) for article_id in ids]
    sizes = np.array([s.size for s in sets], dtype=np.int64)
    values = np.concatenate(sets)
    rows = np.repeat(np.arange(n, dtype=np.int64), sizes)
    order = np.lexsort((rows, values))
    values, rows = values[order], rows[order]
    starts = np.flatnonzero(np.r_[True, values[1:] != values[:-1]])
    ends = np.r_[starts[1:], values.size]
    codes: list[np.ndarray] = []
    for start, end in zip(starts, ends, strict=True):
        if end - start < 2:
            continue
        members = rows[start:end]  # ascending, so left < right below
        left, right = np.triu_indices(members.size, k=1)
        codes.append(members[left] * n + members[right])
    if not codes:
        return set()
    pairs, common = np.unique(np.concatenate(codes), return_counts=True)
    left, right = pairs // n, pairs % n
    union = sizes[left] + sizes[right] - common
    keep = common >= threshold * union
    return {
        (ids[i], ids[j]) for i, j in zip(left[keep].tolist(), right[keep].tolist(), strict=True)
    }


def lsh_pairs(db, sample: list[int], threshold: float) -> set[tuple[int, int]]:
    """Pairs of the sample sharing an LSH band in the stored index, verified exactly."""
    db.execute("CREATE TEMP TABLE sample_ids (id INTEGER PRIMARY KEY)")
    db.conn.executemany("INSERT INTO sample_ids VALUES (?)", [(i,) for i in sample])
    db.execute(
        "CREATE TEMP TABLE sample_bands AS SELECT band_key, article_id FROM story_bands "
        "WHERE article_id IN (SELECT id FROM sample_ids)"
    )
    db.execute("CREATE INDEX temp.sample_bands_key ON sample_bands (band_key)")
    candidates = db.execute(
        "SELECT DISTINCT a.article_id, b.article_id FROM sample_bands a JOIN sample_bands b "
        "ON a.band_key = b.band_key AND a.article_id < b.article_id"
    ).fetchall()
    shingles = load_shingles(db, sample)
    found = set()
    for left, right in candidates:
        a, b = shingles[left], shingles[right]
        common = np.intersect1d(a, b, assume_unique=True).size
        if common >= threshold * (a.size + b.size - common):
            found.add((left, right))
    return found


def load_shingles(db, ids: list[int]) -> dict[int, np.ndarray]:
    found = {}
    for start in range(0, len(ids), 900):
        chunk = ids[start : start + 900]
        marks = ",".join("?" * len(chunk))
        for article_id, blob in db.execute(
            f"SELECT article_id, shingles FROM story_fingerprints WHERE article_id IN ({marks})",  # noqa: S608 placeholders-only IN list
            chunk,
        ):
            found[article_id] = from_blob(blob)
    return found


def story_quality(db, articles: list[dict], ids: list[int]) -> tuple[int, int, int]:
    """(true groups, groups split over stories, stories mixing groups) by the replica's truth."""
    truth = {article_id: a["truth"] for article_id, a in zip(ids, articles, strict=True)}
    by_story: dict[int, set[str]] = defaultdict(set)
    by_truth: dict[str, set[int]] = defaultdict(set)
    for article_id, story_id in db.execute("SELECT id, story_id FROM articles"):
        by_story[story_id].add(truth[article_id])
        by_truth[truth[article_id]].add(story_id)
    split = sum(1 for stories in by_truth.values() if len(stories) > 1)
    mixed = sum(1 for groups in by_story.values() if len(groups) > 1)
    return len(by_truth), split, mixed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--sample", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--db", help="database file (default: a temporary one)")
    args = parser.parse_args()
    if args.db and Path(args.db).exists():
        parser.error(f"--db {args.db} exists; the benchmark needs a new file")
    config = StoryConfig()

    started = time.perf_counter()
    articles = replica_articles(args.articles, args.seed)
    generated = time.perf_counter() - started
    print(f"articles: {len(articles)} of replica text, generated in {generated:.1f} s")

    with tempfile.TemporaryDirectory() as tmp:
        db = open_db(args.db or Path(tmp) / "bench.db")
        started = time.perf_counter()
        ids = link_all(db, articles, config)
        linking = time.perf_counter() - started
        stories = db.execute("SELECT count(*) FROM stories").fetchone()[0]
        print(
            f"LSH linking: {len(ids)} articles in {linking:.1f} s "
            f"({len(ids) / linking:.0f} articles/s), {stories} stories"
        )
        groups, split, mixed = story_quality(db, articles, ids)
        print(f"stories vs replica truth: {groups} true groups, {split} split, {mixed} mixed")

        sample = sorted(random.Random(args.seed).sample(ids, min(args.sample, len(ids))))
        started = time.perf_counter()
        brute = brute_force_pairs(load_shingles(db, sample), config.threshold)
        brute_time = time.perf_counter() - started
        started = time.perf_counter()
        lsh = lsh_pairs(db, sample, config.threshold)
        lsh_time = time.perf_counter() - started
        db.close()

    recall = len(lsh & brute) / len(brute) if brute else 1.0
    n = len(sample)
    print(
        f"sample of {n}: brute force {n * (n - 1) // 2} pairs in {brute_time:.1f} s, "
        f"{len(brute)} at Jaccard >= {config.threshold}"
    )
    print(f"sample of {n}: LSH found {len(lsh)} of them in {lsh_time:.1f} s")
    print(f"recall: {recall:.4f}")
    print(f"peak memory (RSS): {peak_rss_mb():.0f} MB")
    if recall < 0.95:
        sys.exit(f"recall {recall:.4f} is below 0.95")


if __name__ == "__main__":
    main()
