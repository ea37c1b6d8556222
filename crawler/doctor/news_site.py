"""Probe of an HTML news site: robots.txt, its sitemaps, the home page, announced feeds,
the configured hints, and one sample article."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from parsel import Selector
from scrapy.settings import Settings

from crawler.doctor.fetch import Answer, Fetcher
from crawler.doctor.report import SourceReport
from crawler.doctor.sample import is_storable, sample_article
from crawler.extraction import extract_article, load_rules
from crawler.sources.spec import SourceSpec
from crawler.spiders import links
from crawler.spiders.news_site import FEED_LINKS, article_from_page
from crawler.text.urls import join_url, same_site

SAMPLE_TRIES = 3  # article candidates fetched at most to find one that is an article


def probe_news_site(spec: SourceSpec, settings: Settings, fetcher: Fetcher) -> SourceReport:
    """Probe the news site of ``spec``."""
    name = config = spec.name
    base = spec.base_url(settings)
    report = SourceReport(name, base)
    discovery = spec.config.get("discovery", {})
    toml = spec.path
    pinned = re.compile(discovery["article_url"]) if discovery.get("article_url") else None
    candidates: list[str] = []

    robots = fetcher.fetch("robots.txt", f"{base}/robots.txt")
    sitemaps = links.sitemaps_in_robots(_text(robots), base) if robots.ok else []
    if robots.ok:
        robots.found = f"{len(sitemaps)} sitemap(s) named"
    home = fetcher.fetch("home page", f"{base}/")
    feeds: list[str] = []
    if home.ok:
        sel = Selector(text=_text(home))
        feeds = links.feed_links(sel, home.url)
        homes = links.alternate_homes(sel, home.url)
        found = links.candidate_article_links(sel, home.url, base, pinned)
        candidates += found
        next_page = links.next_page_link(sel, home.url)
        home.found = (
            f"{len(found)} article links, {len(feeds)} feed(s) announced, "
            f"{len(homes)} other-language home page(s), next page: {next_page or 'none found'}"
        )
    if sitemaps:
        answer = fetcher.fetch("sitemap named in robots.txt", sitemaps[0])
        candidates += _sitemap_pages(answer, base)
    if feeds:
        answer = fetcher.fetch("feed announced by the home page", feeds[0])
        candidates += _feed_items(answer, base)

    for key, what in (
        ("sitemaps", "configured sitemap"),
        ("feeds", "configured feed"),
        ("listings", "configured listing"),
    ):
        for hint in discovery.get(key, []):
            path = hint["url"] if isinstance(hint, dict) else hint
            url = path if "://" in path else base + path
            answer = fetcher.fetch(what, url)
            if not answer.ok:
                report.notes.append(
                    f"{toml.name} line {_line(toml, key)}: `{key}` lists {path}, which answered "
                    f"{answer.status or answer.error}; remove it or put the working path there"
                )
                continue
            if key == "sitemaps":
                candidates += _sitemap_pages(answer, base)
            elif key == "feeds":
                candidates += _feed_items(answer, base)
            else:
                found = links.candidate_article_links(_text(answer), answer.url, base, pinned)
                answer.found = f"{len(found)} article links"
                candidates += found

    candidates = list(dict.fromkeys(candidates))
    if not candidates:
        report.stores_nothing = True
        report.problems.append(
            "no article link was found on the home page, in the sitemaps robots.txt names, in "
            f"announced feeds or at the configured paths: in {toml.name} pin a listing or feed "
            f"that works (`listings`, line {_line(toml, 'listings')}; `feeds`, line "
            f"{_line(toml, 'feeds')}) and the article URL pattern (`article_url`, line "
            f"{_line(toml, 'article_url')})"
        )
        report.verdict = "FAILS — would store nothing: discovery found no article"
        return report
    _sample(report, name, config, candidates, fetcher, settings, toml)
    return report


def _sample(
    report: SourceReport,
    name: str,
    config: str,
    candidates: list[str],
    fetcher: Fetcher,
    settings: Settings,
    toml: Path,
) -> None:
    rules = load_rules(config)
    min_body = settings.getint("CRAWLER_MIN_BODY_CHARS")
    for url in candidates[:SAMPLE_TRIES]:
        answer = fetcher.fetch("sample article", url)
        if not answer.ok:
            continue
        extracted = extract_article(answer.body, answer.url, rules)
        if not links.is_article_page(extracted, min_body):
            answer.found = "not an article (no JSON-LD article, og:type=article or dated text)"
            continue
        page_url = answer.url
        if extracted.canonical_url and same_site(extracted.canonical_url, page_url):
            page_url = extracted.canonical_url
        fields, mentions = sample_article(
            article_from_page(name, page_url, extracted), settings.get("CRAWLER_LEXICON")
        )
        report.sample, report.mentions = fields, mentions
        report.layers = {
            ("published_at" if k == "published" else k): v for k, v in extracted.methods.items()
        }
        answer.found = "an article" + (f" (layout {extracted.layout})" if extracted.layout else "")
        if not is_storable(fields):
            report.stores_nothing = True
            report.problems.append(
                f"{url} is an article but its title or body was not found: add an "
                f"[[extraction.layout]] with `title`/`body` selectors ({toml.name} line "
                f"{_line(toml, '[[extraction.layout]]')}) and check it with "
                f"`crawler extract {url} --source {name}`"
            )
            report.verdict = "FAILS — would store nothing: articles cannot be extracted"
            return
        missing = [k for k in ("published_at", "lang") if not fields.get(k)]
        if missing:
            report.notes.append(
                f"the sample lacks {', '.join(missing)}: add `published`/`lang` selectors to the "
                f"layout in {toml.name} (line {_line(toml, '[[extraction.layout]]')})"
            )
        report.verdict = (
            f"OK — {len(candidates)} article links found, the sample is stored as shown"
        )
        return
    report.stores_nothing = True
    report.problems.append(
        f"none of the first {SAMPLE_TRIES} article links was an article page: pin the article URL "
        f"pattern (`article_url`, {toml.name} line {_line(toml, 'article_url')})"
    )
    report.verdict = "FAILS — would store nothing: links found, but no article page"


def _text(answer: Answer) -> str:
    return answer.body.decode("utf-8", "replace")


def _sitemap_pages(answer: Answer, base: str) -> list[str]:
    if not answer.ok:
        return []
    try:
        sitemap = links.sitemap_entries(answer.body)
    except ValueError as exc:
        answer.found = str(exc)
        return []
    if sitemap.index:
        answer.found = f"an index of {len(sitemap.entries)} sitemaps"
        return []
    pages = [loc for loc, _ in sitemap.entries if same_site(loc, base)]
    answer.found = f"{len(pages)} pages"
    return pages


def _feed_items(answer: Answer, base: str) -> list[str]:
    if not answer.ok:
        return []
    sel = Selector(text=_text(answer), type="xml")
    found: list[str] = []
    for xpath in FEED_LINKS:
        for link in sel.xpath(xpath).getall():
            url = join_url(answer.url, link)
            if url and same_site(url, base):
                found.append(url)
    answer.found = f"{len(found)} items"
    return found


def _line(path: Path, key: str) -> Any:
    """The line of ``path`` where ``key`` is set (or its table starts), for a fix-it hint."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return "?"
    for number, line in enumerate(lines, 1):
        stripped = line.strip()
        if stripped.startswith(key) and (
            key.startswith("[") or stripped[len(key) :].lstrip().startswith("=")
        ):
            return number
    return "(not set)"
