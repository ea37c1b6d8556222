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
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from crawler.doctor.fetch import Fetcher
from crawler.spiders import govkz
from tests.spider_outputs import MANIFEST, RECORDED, golden_path, load_manifest, run_entry

# Every recording is a page of the bundled replica, not of the live site.
ORIGIN = "replica (crawler/replica), not the live site"


def record(replica, configured) -> list[dict]:
    """Pages of the evidence-shaped replica (gov.kz behind its ticket, Arna Press as
    discovery finds it) and a few of the site the TOML describes (``configured``)."""
    today = dt.date.today().isoformat()
    akimat, arna, arna_v1 = (
        replica.urls["akimat"],
        replica.urls["arnapress"],
        configured.urls["arnapress"],
    )
    fetcher = Fetcher("crafts-crawler/0.1 (fixtures)", delay=0, timeout=10)
    site = govkz.site_headers(akimat, "almaty")
    fetcher.fetch(
        "ticket",
        akimat + govkz.TICKET_V1,
        method="POST",
        data=b"{}",
        headers={"Content-Type": "application/json", **site},
    )
    list_url = govkz.list_url(akimat, "almaty", 1, 100)
    laravel = replica.arnapress
    articles = replica.corpus.arnapress_articles()
    ru_article = next(a for a in articles if a.lang == "ru" and a.categories)
    kk_article = next(a for a in articles if a.lang == "kk")
    copy = next(a for a in articles if a.copy_of is not None)
    old_ru = next(a for a in configured.corpus.arnapress_articles() if a.lang == "ru")
    home = {"quiet_pages": 0, "home": True}

    def page(lang: str) -> dict:
        return {"page": {"lang": lang, "page": 1, "quiet": 0}}

    plan = [
        ("akimat", "api_list_ru", "api_list", list_url, page("ru")),
        ("akimat", "api_list_kk", "api_list", list_url, page("kk")),
        ("akimat", "api_list_en", "api_list", list_url, page("en")),
        ("akimat", "api_graphql_kk", "api_graphql", akimat + govkz.GRAPHQL, page("kk")),
        ("arnapress", "home_ru", "home", arna + "/", {**home, "lang": "ru"}),
        ("arnapress", "home_kk_p2", "listing", arna + "/kz?page=2", {"quiet_pages": 0, "lang": "kk"}),
        ("arnapress", "feed_kk", "feed", arna + "/kz/feed", {"lang": "kk"}),
        ("arnapress", "sitemap_index", "sitemap", arna + "/sitemaps/index.xml", {}),
        ("arnapress", "article_ru_crafts", "article", arna + laravel.public_path(ru_article), {"lang": "ru"}),
        ("arnapress", "article_kk", "article", arna + laravel.public_path(kk_article), {"lang": "kk"}),
        ("arnapress", "article_copy", "article", arna + laravel.public_path(copy), {"lang": copy.lang}),
        ("arnapress", "configured_article_v1", "article", arna_v1 + old_ru.path, {"lang": "ru"}),
    ]  # fmt: skip
    manifest = []
    for source, name, kind, url, args in plan:
        if kind == "api_list":
            lang = args["page"]["lang"]
            answer = fetcher.fetch(name, url, headers={"accept-language": lang, **site})
        elif kind == "api_graphql":
            body = govkz.graphql_body("almaty", args["page"]["lang"], 1, 100)
            headers = {"Content-Type": "application/json", **site}
            answer = fetcher.fetch(name, url, method="POST", data=body, headers=headers)
        else:
            answer = fetcher.fetch(name, url)
        assert answer.status == 200, (name, answer.status, answer.body[:200])
        content_type = answer.content_type
        rtype = "json" if "json" in content_type else "xml" if "xml" in content_type else "html"
        folder = RECORDED / source
        folder.mkdir(parents=True, exist_ok=True)
        filename = f"{name}_{today}.{rtype}.gz"
        (folder / filename).write_bytes(gzip.compress(answer.body, mtime=0))
        base = akimat if source == "akimat" else arna_v1 if url.startswith(arna_v1) else arna
        manifest.append(
            {
                "source": source,
                "name": name,
                "kind": kind,
                "type": rtype,
                "url": url,
                "base_url": base,
                "file": f"{source}/{filename}",
                "args": args,
                "headers": {"Content-Type": content_type},
                "recorded": today,
                "origin": ORIGIN,
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
        with (
            Replica(articles=60, seed=0) as replica,
            Replica(articles=60, seed=0, profile="configured") as configured,
        ):
            manifest = record(replica, configured)
        MANIFEST.parent.mkdir(parents=True, exist_ok=True)
        MANIFEST.write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n")
    write_goldens()
    print(f"{len(load_manifest())} recordings, goldens written under {RECORDED}")


if __name__ == "__main__":
    main()
