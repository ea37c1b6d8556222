"""Record replica responses as gzipped fixtures and write golden outputs.

    python tests/record_fixtures.py                  # record pages and write goldens
    python tests/record_fixtures.py --sources taraz  # record one (new) source, keep the rest
    python tests/record_fixtures.py --goldens        # rewrite goldens from existing recordings

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
from crawler.sources.spec import SourceSpec, load_specs
from crawler.spiders import govkz
from tests.spider_outputs import MANIFEST, RECORDED, golden_path, load_manifest, run_entry

# Every recording is a page of the bundled replica, not of the live site.
ORIGIN = "replica (crawler/replica), not the live site"


def govkz_plan(spec: SourceSpec, akimat: str) -> list[tuple]:
    """A gov.kz project: its list page in every language and one GraphQL page."""
    list_url = govkz.list_url(akimat, spec.project, 1, 100)

    def page(lang: str) -> dict:
        return {"page": {"lang": lang, "page": 1, "quiet": 0}}

    graphql_lang = "kk" if "kk" in spec.languages else spec.languages[0]
    return [
        *((spec.name, f"api_list_{lang}", "api_list", list_url, page(lang)) for lang in spec.languages),
        (spec.name, f"api_graphql_{graphql_lang}", "api_graphql", akimat + govkz.GRAPHQL, page(graphql_lang)),
    ]  # fmt: skip


def record(replica, configured, sources: set[str]) -> list[dict]:
    """Pages of the evidence-shaped replica (gov.kz behind its ticket, Arna Press as
    discovery finds it) and a few of the site the TOML describes (``configured``), for
    ``sources``."""
    today = dt.date.today().isoformat()
    akimat, arna, arna_v1 = (
        replica.urls["akimat"],
        replica.urls["arnapress"],
        configured.urls["arnapress"],
    )
    fetcher = Fetcher("crafts-crawler/0.1 (fixtures)", delay=0, timeout=10)
    specs = {spec.name: spec for spec in load_specs()}
    laravel = replica.arnapress
    articles = replica.corpus.arnapress_articles()
    ru_article = next(a for a in articles if a.lang == "ru" and a.categories)
    kk_article = next(a for a in articles if a.lang == "kk")
    copy = next(a for a in articles if a.copy_of is not None)
    old_ru = next(a for a in configured.corpus.arnapress_articles() if a.lang == "ru")
    home = {"quiet_pages": 0, "home": True}
    plan = [
        *(step for spec in specs.values() if spec.kind == "govkz" for step in govkz_plan(spec, akimat)),
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
    tickets: set[str] = set()
    for source, name, kind, url, args in plan:
        if source not in sources:
            continue
        spec = specs[source]
        site = govkz.site_headers(akimat, spec.project) if spec.kind == "govkz" else {}
        if spec.kind == "govkz" and source not in tickets:
            tickets.add(source)
            post = {"Content-Type": "application/json", **site}
            fetcher.fetch(
                "ticket", akimat + govkz.TICKET_V1, method="POST", data=b"{}", headers=post
            )
        if kind == "api_list":
            lang = args["page"]["lang"]
            answer = fetcher.fetch(name, url, headers={"accept-language": lang, **site})
        elif kind == "api_graphql":
            body = govkz.graphql_body(spec.project, args["page"]["lang"], 1, 100)
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
        base = akimat if spec.kind == "govkz" else arna_v1 if url.startswith(arna_v1) else arna
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
    parser.add_argument("--sources", help="record only these sources (comma-separated)")
    args = parser.parse_args()
    if not args.goldens:
        from crawler.replica.server import Replica

        every = {spec.name for spec in load_specs()}
        sources = set(args.sources.split(",")) if args.sources else every
        if sources - every:
            parser.error(f"unknown sources {sorted(sources - every)}; known: {sorted(every)}")
        kept = [e for e in load_manifest() if e["source"] not in sources] if args.sources else []
        for old in RECORDED.glob("*/*.gz"):
            if old.parent.name in sources:
                old.unlink()
        with (
            Replica(articles=60, seed=0) as replica,
            Replica(articles=60, seed=0, profile="configured") as configured,
        ):
            manifest = kept + record(replica, configured, sources)
        MANIFEST.parent.mkdir(parents=True, exist_ok=True)
        MANIFEST.write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n")
    write_goldens()
    print(f"{len(load_manifest())} recordings, goldens written under {RECORDED}")


if __name__ == "__main__":
    main()
