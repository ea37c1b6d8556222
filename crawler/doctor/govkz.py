"""Probe of the gov.kz news API: the ways in, one list page, one sample article."""

from __future__ import annotations

import json
from typing import Any

from scrapy.settings import Settings

from crawler.doctor.fetch import Answer, Fetcher
from crawler.doctor.report import SourceReport
from crawler.doctor.sample import is_storable, sample_article
from crawler.sources.spec import SourceSpec
from crawler.spiders import govkz
from crawler.spiders.discovery import body_start

PROBE_SIZE = 10  # entries asked per list request: one is enough for a sample


def probe(spec: SourceSpec, settings: Settings, fetcher: Fetcher) -> SourceReport:
    """Probe the gov.kz project of ``spec``."""
    base = spec.base_url(settings)
    project = spec.project
    lang = spec.languages[0]
    first_page = settings.getint("CRAWLER_AKIMAT_FIRST_PAGE", 1)
    report = SourceReport(spec.name, f"{base}, project {project}")
    site = govkz.site_headers(base, project, lang)
    api = {**govkz.auth_headers(), "accept": "application/json", "accept-language": lang, **site}
    list_url = govkz.list_url(base, project, first_page, PROBE_SIZE)

    def read_list(answer: Answer) -> list[dict[str, Any]] | None:
        entries = govkz.entries_from_payload(_json(answer.body)) if answer.ok else None
        if entries is not None:
            with_body = sum(govkz.has_body(e) for e in entries)
            answer.found = f"{len(entries)} entries, {with_body} with a body"
        return entries

    json_post = {"Content-Type": "application/json", **site}
    ticket = fetcher.fetch(
        "ticket (v1 cookie)", base + govkz.TICKET_V1, method="POST", data=b"{}", headers=json_post
    )
    if ticket.ok:
        ticket.found = (
            "cookie " + ", ".join(c.name for c in fetcher.cookies)
            if len(fetcher.cookies)
            else "no cookie set"
        )
    entries = read_list(fetcher.fetch(f"news list ({lang})", list_url, headers=api))
    way = "REST list with a v1 ticket"
    if entries is None:
        v2 = fetcher.fetch(
            "ticket (v2 headers)",
            base + govkz.TICKET_V2,
            method="POST",
            data=b"{}",
            headers=json_post,
        )
        extra = _header_object(v2)
        if extra:
            v2.found = f"headers {', '.join(sorted(extra))}"
            entries = read_list(
                fetcher.fetch(f"news list ({lang}, v2 headers)", list_url, headers={**api, **extra})
            )
            way = "REST list with the v2 ticket headers"
    if entries is None:
        answer = fetcher.fetch(
            f"GraphQL news ({lang})",
            base + govkz.GRAPHQL,
            method="POST",
            data=govkz.graphql_body(project, lang, first_page, PROBE_SIZE),
            headers={"Content-Type": "application/json", "accept": "application/json", **site},
        )
        entries = read_list(answer)
        way = "the GraphQL fallback"
        if entries is not None:
            report.notes.append("REST refused every ticket; the crawl will use /graphql")
    if entries is None:
        refusals = [a for a in fetcher.answers if not a.ok]
        how = "; ".join(
            f"{a.what} {a.status or a.error} {body_start(a.body)}".strip() for a in refusals
        )
        report.stores_nothing = True
        report.problems.append(
            "gov.kz lets no client in the ways the crawler knows (" + how + "): open the press "
            f"page {govkz.press_page(base, project, lang)} in a browser, see which request the page "
            "makes before its news list, and change the ticket step in crawler/spiders/govkz_spider.py"
        )
        report.verdict = "FAILS — would store nothing: the news API refused every way in"
        return report
    if not entries:
        report.stores_nothing = True
        report.problems.append(
            f"the list of project {project!r} is empty: check the project slug in {spec.path.name} "
            f"(the slug in {base}/memleket/entities/<slug>/press/news), and "
            f"CRAWLER_AKIMAT_FIRST_PAGE ({first_page}) in case pages count from 0"
        )
        report.verdict = "FAILS — would store nothing: the news list is empty"
        return report
    entry = next((e for e in entries if govkz.has_body(e)), None)
    if entry is None:
        report.notes.append("list entries carry no body: each article costs a /news/{id} request")
        entry = entries[0]
    item_id = govkz.api_id(entry.get("id")) or "?"
    real = govkz.real_lang(entry, lang)
    item = govkz.article_from_api(
        entry, real, govkz.article_url(base, project, item_id, real), spec.name
    )
    fields, mentions = sample_article(item, settings.get("CRAWLER_LEXICON"))
    report.sample, report.mentions = fields, mentions
    report.layers = {k: "api" for k in ("title", "published_at", "body") if fields.get(k)}
    report.layers["lang"] = "api" if real == lang else "text"
    if not is_storable(fields):
        report.stores_nothing = True
        report.problems.append(
            "a list entry lacks a title or a body the crawler can read: compare its JSON keys "
            f"({', '.join(sorted(entry))}) with crawler/spiders/govkz.py article_from_api"
        )
        report.verdict = "FAILS — would store nothing: entries cannot be read"
        return report
    if not fields.get("published_at"):
        report.notes.append(
            f"created_date {entry.get('created_date')!r} could not be read as a date"
        )
    report.verdict = f"OK — articles come from {way}"
    return report


def _json(body: bytes) -> Any:
    try:
        return json.loads(body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None


def _header_object(answer: Answer) -> dict[str, str]:
    data = _json(answer.body) if answer.ok else None
    if not isinstance(data, dict):
        return {}
    return {
        str(k): str(v) for k, v in data.items() if v is not None and not isinstance(v, dict | list)
    }
