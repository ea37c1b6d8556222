"""One spec per source: everything the spiders, alerts, stories and Datasette know of it.

The specs are the TOML files of ``crawler/sources``. A file declares one source
(a ``[source]`` table, as ``arnapress.toml``) or several that share a site (an
array of ``[[source]]`` tables filled from a ``[defaults]`` table, as the gov.kz
projects in ``govkz.toml``). Every field is checked when the specs are loaded, so
a half-declared source fails at start-up (and in ``tests/test_sources.py``), not in
the middle of a run.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Any

# The specs are package data, read through importlib.resources so that they load from a
# zipped egg (Scrapyd) as well as from a directory.
SOURCES_DIR: Traversable = files(__package__)
KINDS = ("govkz", "news_site")
LANGS = ("ru", "kk", "en")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_SETTING = re.compile(r"^CRAWLER_[A-Z0-9_]+_URL$")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class SourceSpecError(ValueError):
    """A source spec is missing, malformed or incomplete; the message names the file."""


@dataclass(frozen=True)
class SourceSpec:
    """One source: a site, or one project of a site shared with other sources."""

    name: str  # the spider's name, crawl_runs.spider and articles.source
    kind: str  # which spider class crawls it: govkz (the gov.kz API) or news_site
    site: str  # the host label people know it by (gov.kz, arnapress.kz)
    display: Mapping[str, str]  # its name for readers, per language (ru, kk, en)
    languages: tuple[str, ...]  # the languages it publishes in
    url_setting: str  # the setting (and environment variable) holding the base URL
    default_url: str  # the real site
    home: str  # the page a reader opens to see its news (for Datasette's "source")
    attribution: re.Pattern[str]  # how other outlets' texts name it
    download_delay: float  # politeness: seconds between two requests to the site
    project: str | None = None  # the gov.kz project slug (kind govkz)
    path: Traversable = field(default=SOURCES_DIR, compare=False)  # the file declaring it
    config: Mapping[str, Any] = field(default_factory=dict, compare=False)  # its whole table

    def display_name(self, lang: str = "ru") -> str:
        """Its name in ``lang``, falling back to Russian."""
        return self.display.get(lang) or self.display["ru"]

    def label(self, lang: str = "ru") -> str:
        """Its name with its site when the name does not say it: «Акимат Алматы (gov.kz)»,
        «Arna Press»."""
        name = self.display_name(lang)
        said = name.replace(" ", "").casefold() in self.site.casefold()
        return name if said else f"{name} ({self.site})"

    def delay(self, settings: Any) -> float:
        """Seconds between requests: ``DOWNLOAD_DELAY`` when someone set it (-s, a test,
        the demo), else this spec's politeness."""
        if (settings.getpriority("DOWNLOAD_DELAY") or 0) > 0:
            return settings.getfloat("DOWNLOAD_DELAY")
        return self.download_delay

    def base_url(self, settings: Any = None) -> str:
        """The base URL: the setting when given, else the environment, else the real site."""
        value = settings.get(self.url_setting) if settings is not None else None
        return (value or os.environ.get(self.url_setting) or self.default_url).rstrip("/")


def _fail(path: Traversable, where: str, message: str) -> SourceSpecError:
    return SourceSpecError(f"{path.name}: {where}: {message}")


def _spec(
    path: Traversable, where: str, table: dict[str, Any], whole: dict[str, Any]
) -> SourceSpec:
    def need(key: str, kind: type | tuple[type, ...]) -> Any:
        if key not in table:
            raise _fail(path, where, f"missing {key!r}")
        value = table[key]
        if not isinstance(value, kind) or (isinstance(value, str | list | dict) and not value):
            raise _fail(
                path, where, f"{key!r} must be a non-empty {getattr(kind, '__name__', kind)}"
            )
        return value

    name = need("name", str)
    where = f"source {name!r}"
    if not _NAME.match(name):
        raise _fail(path, where, "name must be lower-case letters, digits and _")
    kind = need("kind", str)
    if kind not in KINDS:
        raise _fail(path, where, f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
    display = need("display", dict)
    missing = [lang for lang in LANGS if not isinstance(display.get(lang), str)]
    if missing:
        raise _fail(path, where, f"display lacks a name in {', '.join(missing)}")
    languages = need("languages", list)
    if any(lang not in LANGS for lang in languages):
        raise _fail(path, where, f"languages must be among {', '.join(LANGS)}, got {languages}")
    url_setting = need("url_setting", str)
    if not _SETTING.match(url_setting):
        raise _fail(
            path, where, f"url_setting must look like CRAWLER_<NAME>_URL, got {url_setting!r}"
        )
    default_url = need("default_url", str)
    if not re.match(r"^https?://[^/]+", default_url):
        raise _fail(path, where, f"default_url must be an http(s) URL, got {default_url!r}")
    patterns = need("attribution", list)
    try:
        attribution = re.compile("|".join(f"(?:{p})" for p in patterns), re.I)
    except re.error as exc:
        raise _fail(path, where, f"attribution is not a valid pattern: {exc}") from None
    politeness = table.get("politeness", {})
    delay = politeness.get("download_delay", 1.0) if isinstance(politeness, dict) else None
    if not isinstance(delay, int | float) or isinstance(delay, bool) or delay < 0:
        raise _fail(path, where, "politeness.download_delay must be a number of seconds ≥ 0")
    project = table.get("project")
    if kind == "govkz" and not (isinstance(project, str) and _SLUG.match(project)):
        raise _fail(path, where, "a gov.kz source needs its project slug ('project = \"almaty\"')")
    if not isinstance(whole.get("discovery", {}), dict):
        raise _fail(path, where, "[discovery] must be a table")
    site = need("site", str)
    home = table.get("home") or (
        f"{default_url.rstrip('/')}/memleket/entities/{project}/press/news"
        if kind == "govkz"
        else default_url
    )
    return SourceSpec(
        name=name,
        kind=kind,
        site=site,
        display=dict(display),
        languages=tuple(languages),
        url_setting=url_setting,
        default_url=default_url.rstrip("/"),
        home=home,
        attribution=attribution,
        download_delay=float(delay),
        project=project,
        path=path,
        config=whole,
    )


def read_spec_file(path: Traversable) -> list[SourceSpec]:
    """The sources one TOML file declares; raises SourceSpecError naming what is wrong."""
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise SourceSpecError(f"{path.name}: {exc}") from None
    tables = data.get("source")
    if isinstance(tables, dict):
        return [_spec(path, "[source]", tables, data)]
    if isinstance(tables, list) and tables:
        defaults = data.get("defaults", {})
        if not isinstance(defaults, dict):
            raise SourceSpecError(f"{path.name}: [defaults] must be a table")
        return [
            _spec(path, f"[[source]] #{n}", {**defaults, **table}, {**data, "source": table})
            for n, table in enumerate(tables, 1)
        ]
    raise SourceSpecError(f"{path.name}: declares no [source] table (nor [[source]] tables)")


@cache
def load_specs(directory: Traversable = SOURCES_DIR) -> tuple[SourceSpec, ...]:
    """Every source of ``directory``'s TOML files, in file then declaration order."""
    specs: list[SourceSpec] = []
    tomls = (path for path in directory.iterdir() if path.name.endswith(".toml"))
    for path in sorted(tomls, key=lambda path: path.name):
        specs.extend(read_spec_file(path))
    seen: dict[str, Traversable] = {}
    for spec in specs:
        if spec.name in seen:
            raise SourceSpecError(
                f"{spec.path.name}: source {spec.name!r} is also declared in {seen[spec.name].name}"
            )
        seen[spec.name] = spec.path
    if not specs:
        raise SourceSpecError(f"no source specs in {directory}")
    return tuple(specs)


def spec_by_name(name: str) -> SourceSpec:
    """The spec of source ``name``; KeyError when there is none."""
    for spec in load_specs():
        if spec.name == name:
            return spec
    raise KeyError(name)


def source_label(name: str, lang: str = "ru") -> str:
    """The label of source ``name`` for readers; the name itself for a source no
    longer declared (its articles stay in the database)."""
    try:
        return spec_by_name(name).label(lang)
    except KeyError:
        return name


def url_settings() -> dict[str, str]:
    """Each base-URL setting and the real site it defaults to (sources of one site share one)."""
    return {spec.url_setting: spec.default_url for spec in load_specs()}
