"""``crawler extract``: run the extraction chain on one page."""

from __future__ import annotations

import gzip
import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import click

from crawler.extraction import extract_article, load_rules
from crawler.items import ArticleItem
from crawler.sources.spec import load_specs
from crawler.spiders.govkz import article_from_api, entries_from_payload
from crawler.spiders.news_site import article_from_page
from pipelines.normalise import normalise_article

FIELDS = ("title", "published_at", "published_local", "lang", "author", "url", "extraction", "body")


def fetch(url: str, timeout: float = 30) -> tuple[bytes, str]:
    from crawler.run.runner import project_settings

    agent = project_settings().get("USER_AGENT")
    request = urllib.request.Request(url, headers={"User-Agent": agent})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.read(8 * 1024 * 1024), response.geturl()
    except (urllib.error.URLError, TimeoutError, ValueError) as exc:
        raise click.ClickException(f"cannot fetch {url}: {exc}") from None


def read_target(target: str) -> tuple[bytes, str]:
    if target.startswith(("http://", "https://")):
        return fetch(target)
    path = Path(target)
    if not path.is_file():
        raise click.BadParameter(f"no such file or URL: {target}", param_hint="URL|FILE")
    data = path.read_bytes()
    if path.suffix == ".gz":
        data = gzip.decompress(data)
    return data, path.resolve().as_uri()


def extract(data: bytes, url: str, source: str | None) -> ArticleItem:
    """Extract and normalise one page (HTML, or a gov.kz API item or list as JSON: of a
    list, its first entry)."""
    api_item = _json_object(data)
    if api_item is not None:
        item = article_from_api(
            api_item, lang=api_item.get("lang") or "", url=url, source=source or "akimat"
        )
        item.lang = None  # guessed from the text by the normaliser
    else:
        rules = load_rules(source) if source else None
        found = extract_article(data, url, rules)
        item = article_from_page(source or "page", found.canonical_url or url, found)
    return normalise_article(item)


def _json_object(data: bytes) -> dict[str, Any] | None:
    if data.lstrip()[:1] not in (b"{", b"["):
        return None
    try:
        value = json.loads(data)
    except ValueError:
        return None
    entries = entries_from_payload(value)
    if entries:  # a list page, a Spring page or a GraphQL answer: its first entry
        return entries[0]
    return value if isinstance(value, dict) else None


@click.command("extract")
@click.argument("target", metavar="URL|FILE")
@click.option(
    "--source", default=None, help="Use this source's declared selectors (e.g. arnapress)."
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def command(target: str, source: str | None, as_json: bool) -> None:
    """Extract one page: title, published_at, lang, body, author, canonical URL.

    Example: crawler extract https://arnapress.kz/ru/news/123 --source arnapress --json
    """
    known = sorted(spec.name for spec in load_specs())
    if source and source not in known:
        raise click.BadParameter(
            f"unknown source {source!r}; known: {', '.join(known)}", param_hint="--source"
        )
    data, url = read_target(target)
    item = extract(data, url, source)
    result = {name: getattr(item, name) for name in FIELDS}
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
        return
    for name in FIELDS[:-1]:
        click.echo(f"{name}: {result[name] or ''}")
    click.echo("")
    click.echo(result["body"] or "")
