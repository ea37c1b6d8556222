"""Attribution: who relays whom, parsed from Russian, Kazakh and English text."""

from __future__ import annotations

import pytest

from crawler.replica.corpus import Corpus
from crawler.stories.attribution import parse_attribution, source_named


@pytest.mark.parametrize(
    ("text", "relayed_by", "cites", "cites_source"),
    [
        (
            "Парк откроют в мае, передает Arna Press со ссылкой на пресс-службу акимата Алматы.",
            "Arna Press",
            "пресс-службу акимата Алматы",
            "akimat",
        ),
        (
            "Ремонт завершат к осени, передает «Казинформ» со ссылкой на управление мобильности.",
            "Казинформ",
            "управление мобильности",
            None,
        ),
        (
            "Ремонт завершат к осени, сообщает пресс-служба акимата.",
            None,
            "пресс-служба акимата",
            "akimat",
        ),
        (
            "Об этом сообщили в пресс-службе акимата Алматы. Работы начнутся в мае.",
            None,
            "пресс-службе акимата Алматы",
            "akimat",
        ),
        (
            "По сообщению сайта Arnapress.kz, в городе открылась ярмарка.",
            None,
            "сайта Arnapress.kz",
            "arnapress",
        ),
        ("Ярмарка открылась, передает Tengrinews.kz.", "Tengrinews.kz", None, None),
        (
            "Жұмыс мамырда басталады, деп хабарлайды Arna Press қала әкімдігінің баспасөз "
            "қызметіне сілтеме жасап.",
            "Arna Press",
            "қала әкімдігінің баспасөз қызметіне",
            "akimat",
        ),
        ("Жәрмеңке ашылды, деп хабарлайды Kazinform.", "Kazinform", None, None),
        (
            "Алматы қаласы әкімдігінің мәліметінше, жұмыстар күзге дейін аяқталады.",
            None,
            "Алматы қаласы әкімдігінің",
            "akimat",
        ),
        (
            "The park opens in May, reports Kazinform, citing the akimat's press service.",
            "Kazinform",
            "the akimat's press service",
            "akimat",
        ),
        (
            "Kazinform reports, citing the city administration, that the fair opens today.",
            "Kazinform",
            "the city administration",
            "akimat",
        ),
        ("According to Arna Press, the fair opens today.", None, "Arna Press", "arnapress"),
    ],
)
def test_attribution_phrases(
    text: str, relayed_by: str | None, cites: str | None, cites_source: str | None
) -> None:
    found = parse_attribution(text)
    assert (found.relayed_by, found.cites, found.cites_source) == (relayed_by, cites, cites_source)


def test_plain_news_has_no_attribution() -> None:
    text = (
        "В Медеуском районе открылась новая школа на 1200 мест. "
        "Аким города осмотрел классы и спортивный зал."
    )
    found = parse_attribution(text)
    assert (found.relayed_by, found.cites, found.cites_source) == (None, None, None)


def test_an_outlet_naming_itself_cites_nobody() -> None:
    text = "Arna Press мәліметінше, бұл жаңалық қалада кеңінен талқылануда."
    assert parse_attribution(text).cites == "Arna Press"
    assert parse_attribution(text, source="arnapress").cites is None


def test_source_names_in_three_languages() -> None:
    assert source_named("пресс-служба акимата") == "akimat"
    assert source_named("қала әкімдігінің баспасөз қызметі") == "akimat"
    assert source_named("the Almaty akimat") == "akimat"
    assert source_named("АРНА ПРЕСС") == "arnapress"
    assert source_named("Kazinform") is None


def test_every_replica_copy_names_the_akimat_and_originals_do_not() -> None:
    corpus = Corpus(articles=300, seed=5)
    copies = [a for a in corpus.arnapress_articles() if a.copy_of]
    assert len(copies) > 50
    for article in copies:
        found = parse_attribution(f"{article.title}\n" + "\n".join(article.paragraphs), "arnapress")
        assert found.cites_source == "akimat", article.paragraphs[:2]
        assert found.relayed_by == "Arna Press"
    for item in corpus.akimat_items()[:100]:
        for lang in item.langs:
            text = "\n".join(item.paragraphs[lang])
            assert parse_attribution(text, "akimat").cites_source is None
