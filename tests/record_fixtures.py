"""Record replica responses as gzipped fixtures and write golden outputs.

    python tests/record_fixtures.py            # record pages and write goldens
    python tests/record_fixtures.py --goldens  # rewrite goldens from existing recordings

Recordings are named with the date they were recorded (Fundus style); a
maintainer with internet access can add recordings of the real sites to the
manifest the same way.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import sys
import tempfile
import urllib.request
import uuid
from pathlib import Path

import bcrypt

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.spider_outputs import MANIFEST, RECORDED, golden_path, load_manifest, run_entry

API = "/api/v1/public/content-manager/news"
LIST_QUERY = "?sort-by=created_date:DESC&projects=eq:almaty&page=1&size=20"


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[bytes, str]:
    request = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.read(), response.headers.get("Content-Type", "")


def record(replica) -> list[dict]:
    today = dt.date.today().isoformat()
    akimat, arna = replica.urls["akimat"], replica.urls["arnapress"]
    token = str(uuid.uuid4())
    auth = {"token": token, "hash": bcrypt.hashpw(token.encode(), bcrypt.gensalt(4)).decode()}
    corpus = replica.corpus
    items = corpus.akimat_items()
    en_item = next(i for i in items if "en" in i.langs)
    craft_item = next(i for i in items if i.categories)
    articles = corpus.arnapress_articles()
    ru_article = next(a for a in articles if a.lang == "ru" and a.categories)
    kk_article = next(a for a in articles if a.lang == "kk")
    copy = next(a for a in articles if a.copy_of is not None)
    first = {"page": 1, "quiet_pages": 0}
    plan = [
        ("akimat", "api_list_ru", "api_list", akimat + API + LIST_QUERY, {"lang": "ru", **first}),
        ("akimat", "api_list_kk", "api_list", akimat + API + LIST_QUERY, {"lang": "kk", **first}),
        ("akimat", "api_item_ru", "api_item", f"{akimat}{API}/{craft_item.id}", {"lang": "ru"}),
        ("akimat", "api_item_kk", "api_item", f"{akimat}{API}/{craft_item.id}", {"lang": "kk"}),
        ("akimat", "api_item_en", "api_item", f"{akimat}{API}/{en_item.id}", {"lang": "en"}),
        ("arnapress", "listing_ru", "listing", arna + "/ru/news", {"quiet_pages": 0, "lang": "ru"}),
        ("arnapress", "listing_kk_p2", "listing", arna + "/kz/news?page=2", {"quiet_pages": 0, "lang": "kk"}),
        ("arnapress", "rss_kk", "feed", arna + "/kz/rss.xml", {"lang": "kk"}),
        ("arnapress", "sitemap_index", "sitemap", arna + "/sitemap.xml", {}),
        ("arnapress", "sitemap_news", "sitemap", arna + "/sitemap-news.xml", {}),
        ("arnapress", "article_ru_crafts", "article", arna + ru_article.path, {"lang": "ru"}),
        ("arnapress", "article_kk", "article", arna + kk_article.path, {"lang": "kk"}),
        ("arnapress", "article_copy", "article", arna + copy.path, {"lang": copy.lang}),
    ]  # fmt: skip
    manifest = []
    for source, name, kind, url, args in plan:
        headers = {**auth, "accept-language": args["lang"]} if source == "akimat" else {}
        body, content_type = fetch(url, headers)
        rtype = "json" if "json" in content_type else "xml" if "xml" in content_type else "html"
        folder = RECORDED / source
        folder.mkdir(parents=True, exist_ok=True)
        filename = f"{name}_{today}.{rtype}.gz"
        (folder / filename).write_bytes(gzip.compress(body, mtime=0))
        manifest.append(
            {
                "source": source,
                "name": name,
                "kind": kind,
                "type": rtype,
                "url": url,
                "base_url": akimat if source == "akimat" else arna,
                "file": f"{source}/{filename}",
                "args": args,
                "headers": {"Content-Type": content_type},
                "recorded": today,
            }
        )
    return manifest


def write_goldens() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for entry in load_manifest():
            output = run_entry(entry, Path(tmp) / "empty.db")
            golden_path(entry).write_text(json.dumps(output, ensure_ascii=False, indent=1) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--goldens", action="store_true", help="only rewrite the goldens")
    args = parser.parse_args()
    if not args.goldens:
        from crawler.replica.server import Replica

        for old in RECORDED.glob("*/*.gz"):
            old.unlink()
        with Replica(articles=60, seed=0) as replica:
            manifest = record(replica)
        MANIFEST.parent.mkdir(parents=True, exist_ok=True)
        MANIFEST.write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n")
    write_goldens()
    print(f"{len(load_manifest())} recordings, goldens written under {RECORDED}")


if __name__ == "__main__":
    main()
