"""Source specs: a source is declared once, completely, and every part of the crawler reads it.

Each shipped spec must be whole (names in three languages, languages, base-URL
setting, attribution, politeness), have a spider, recorded fixtures of every
kind its spider reads, and be known to alerts, stories and Datasette by its
spec alone. A half-declared spec is refused at load with a message naming the
file and the missing key.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from scrapy.settings import Settings

import crawler.settings as project_settings
from crawler.alerts.render import _env
from crawler.datasette.metadata import build_metadata
from crawler.doctor.probe import probe_for
from crawler.run.runner import available_sources
from crawler.sources.spec import (
    SourceSpecError,
    load_specs,
    read_spec_file,
    source_label,
    url_settings,
)
from crawler.spiders.sources import SPIDERS
from crawler.stories.attribution import source_named
from tests.spider_outputs import load_manifest

SPECS = load_specs()
IDS = [spec.name for spec in SPECS]
# What a recording of each kind of spider must cover.
RECORDED_KINDS = {
    "govkz": {"api_list", "api_graphql"},
    "news_site": {"home", "listing", "feed", "sitemap", "article"},
}

WHOLE = """
[source]
name = "taraz"
kind = "govkz"
site = "gov.kz"
project = "zhambyl-taraz"
display = { ru = "Акимат Тараза", kk = "Тараз қаласының әкімдігі", en = "Taraz akimat" }
languages = ["ru", "kk"]
default_url = "https://www.gov.kz"
url_setting = "CRAWLER_AKIMAT_URL"
attribution = ['акимат\\w*\\s+(?:города\\s+)?тараз']
"""


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_every_spec_has_a_spider_of_its_kind(spec) -> None:
    assert spec.name in available_sources()
    spider = SPIDERS[spec.name]
    assert spider.spec is spec and spider.url_setting == spec.url_setting
    assert probe_for(spec.name, Settings()) is not None


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_every_spec_has_recorded_pages_of_every_kind(spec) -> None:
    kinds = {e["kind"] for e in load_manifest() if e["source"] == spec.name}
    missing = RECORDED_KINDS[spec.kind] - kinds
    assert not missing, (
        f"{spec.name}: no recorded {sorted(missing)} pages: run python tests/record_fixtures.py"
    )


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_every_spec_is_known_to_settings_alerts_stories_and_datasette(spec) -> None:
    assert getattr(project_settings, spec.url_setting)
    assert spec.url_setting in url_settings()
    assert source_label(spec.name) != spec.name
    assert spec.display_name("ru") in _env().filters["source_name"](spec.name)
    for lang in ("ru", "kk", "en"):
        # An outlet citing the source by its own name is attributed to it.
        assert source_named(f"со ссылкой на {spec.display_name(lang)}") == spec.name
    assert spec.display_name("en") in build_metadata("crafts")["description_html"]


def test_sources_are_named_once() -> None:
    assert len(IDS) == len(set(IDS))
    assert {"akimat", "arnapress"} <= set(IDS)


def test_a_whole_spec_loads(tmp_path: Path) -> None:
    path = tmp_path / "taraz.toml"
    path.write_text(WHOLE, encoding="utf-8")
    (spec,) = read_spec_file(path)
    assert spec.project == "zhambyl-taraz" and spec.languages == ("ru", "kk")
    assert spec.home == "https://www.gov.kz/memleket/entities/zhambyl-taraz/press/news"
    assert spec.download_delay == 1.0
    assert spec.label("ru") == "Акимат Тараза (gov.kz)"
    assert spec.attribution.search("пресс-служба акимата города Тараз")


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t: t.replace('project = "zhambyl-taraz"\n', ""), "project slug"),
        (
            lambda t: t.replace('kk = "Тараз қаласының әкімдігі", ', ""),
            "display lacks a name in kk",
        ),
        (lambda t: t.replace('languages = ["ru", "kk"]\n', ""), "missing 'languages'"),
        (lambda t: t.replace('"CRAWLER_AKIMAT_URL"', '"AKIMAT"'), "url_setting must look like"),
        (lambda t: t.replace("attribution = [", "attribution = ['(', "), "not a valid pattern"),
        (lambda t: t.replace('kind = "govkz"', 'kind = "rss"'), "kind must be one of"),
        (lambda t: t.replace('"https://www.gov.kz"', '"www.gov.kz"'), "default_url must be"),
        (lambda t: t + "politeness = { download_delay = -1 }\n", "download_delay"),
    ],
)
def test_a_half_declared_spec_is_refused_naming_what_is_missing(
    tmp_path: Path, edit, message: str
) -> None:
    path = tmp_path / "taraz.toml"
    path.write_text(edit(WHOLE), encoding="utf-8")
    with pytest.raises(SourceSpecError, match=message) as failure:
        read_spec_file(path)
    assert "taraz.toml" in str(failure.value)


def test_a_source_declared_twice_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text(WHOLE, encoding="utf-8")
    (tmp_path / "b.toml").write_text(WHOLE, encoding="utf-8")
    with pytest.raises(SourceSpecError, match=r"also declared in a\.toml"):
        load_specs(tmp_path)


def test_projects_of_one_site_share_its_defaults(tmp_path: Path) -> None:
    path = tmp_path / "govkz.toml"
    path.write_text(
        """
[defaults]
kind = "govkz"
site = "gov.kz"
default_url = "https://www.gov.kz"
url_setting = "CRAWLER_AKIMAT_URL"
languages = ["ru", "kk", "en"]
attribution = ['акимат']

[[source]]
name = "one"
project = "one"
display = { ru = "Один", kk = "Бір", en = "One" }

[[source]]
name = "two"
project = "two"
languages = ["ru"]
display = { ru = "Два", kk = "Екі", en = "Two" }
""",
        encoding="utf-8",
    )
    one, two = read_spec_file(path)
    assert one.languages == ("ru", "kk", "en") and two.languages == ("ru",)
    assert one.url_setting == two.url_setting == "CRAWLER_AKIMAT_URL"
