"""The mention detector: look-alikes, offsets, snippets, inflections, the lexicon file, CLI."""

from __future__ import annotations

import itertools
import json

import pytest
from click.testing import CliRunner

from crawler.cli.mentions import command
from crawler.text.mentions import (
    DEFAULT_LEXICON,
    LexiconError,
    Mention,
    MentionDetector,
    default_detector,
)


def found(text: str) -> list[tuple[str, str]]:
    return [(m.category, m.text) for m in default_detector().find(text)]


def categories(text: str) -> set[str]:
    return {m.category for m in default_detector().find(text)}


# --- look-alikes -------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "The aircraft landed safely in Almaty.",
        "A spacecraft docked with the station.",
        "The hovercraft crossed the lake.",
        "Watercraft rentals are closed for winter.",
        "Children played Minecraft at the library.",
        "The StarCraft final drew a crowd.",
        "A new Warcraft film opens on Friday.",
        "Craft beer is on tap at the new pub.",
        "Craft breweries have doubled in number.",
        "Landing craft took part in the exercise.",
        "The small craft capsized near the shore.",
        "The craft sank in the storm; the crew was rescued.",
        "He has honed his craft for twenty years.",
        "Craftsman tools are on sale this week.",
        "The store sells Craftsman wrenches.",
        "Harry Potter fans met at the library.",
        "A new artisan bakery opened on Abay Avenue.",
        "The ministry crafts a new strategy.",
        "He felt proud of the new metro line.",
        "The World Council of Churches (WCC) issued a statement.",
        "В баре подают крафтовое пиво.",
        "Покупки упаковывают в крафт-бумагу.",
        "Иван Ремесленников возглавил строительную компанию.",
        "Директор Ремесленников прокомментировал сроки.",
        "Ольга Ремесленникова победила на олимпиаде.",
        "На улице Гончарова меняют трубы.",
        "Депутат Пётр Гончар выступил на сессии.",
        "Мастер спорта по борьбе вышел на ковёр.",
        "Мастер участка рассказал о ходе строительства.",
        "Всемирный банк выделил кредит.",
        "Спорт шебері атағы берілді.",
        "Футболшы шебер ойын көрсетті.",
        "Қыш зауытында өрт шықты.",
        "Зергерлік дүкеннен алтын бұйымдар ұрланды.",
        "Қызыл кілем үстінде қонақтар суретке түсті.",
        "Дүниежүзілік банк несие бөлді.",
    ],
)
def test_look_alikes_are_not_reported(text):
    assert found(text) == []


# --- categories, inflections, languages ----------------------------------------------
@pytest.mark.parametrize(
    ("text", "category", "written"),
    [
        ("Алматы стал Всемирным городом ремёсел.", "world_craft_city", "Всемирным городом ремёсел"),
        ("Звание Всемирного города ремесел.", "world_craft_city", "Всемирного города ремесел"),
        (
            "Туркестан — всемирный город ремесленников.",
            "world_craft_city",
            "всемирный город ремесленников",
        ),
        ("получил звание World Craft City.", "world_craft_city", "World Craft City"),
        (
            "Дүниежүзілік қолөнер қаласы атағын алды.",
            "world_craft_city",
            "Дүниежүзілік қолөнер қаласы",
        ),
        (
            "Дүниежүзілік қолөнер қаласының мәртебесі.",
            "world_craft_city",
            "Дүниежүзілік қолөнер қаласының",
        ),
        (
            "встреча со Всемирным советом ремесел",
            "world_crafts_council",
            "Всемирным советом ремесел",
        ),
        (
            "Всемирный ремесленный совет одобрил",
            "world_crafts_council",
            "Всемирный ремесленный совет",
        ),
        ("the World Crafts Council announced", "world_crafts_council", "World Crafts Council"),
        ("зарегистрирована как WCC-AISBL в Бельгии", "world_crafts_council", "WCC-AISBL"),
        (
            "Дүниежүзілік қолөнер кеңесінің өкілі",
            "world_crafts_council",
            "Дүниежүзілік қолөнер кеңесінің",
        ),
        ("Мастера работают с ремесленниками.", "crafts", "ремесленниками"),
        ("Город славится ремёслами.", "crafts", "ремёслами"),
        ("Қолөнершілерінің жұмыстары бағаланды.", "crafts", "Қолөнершілерінің"),
        ("Балалар қолөнерге баулынады.", "crafts", "қолөнерге"),
        ("Local artisans sold pottery.", "crafts", "artisans"),
        ("Ярмарка ремёсел открылась.", "crafts", "Ярмарка ремёсел"),
        ("Қолөнер жәрмеңкесі өтеді.", "crafts", "Қолөнер жәрмеңкесі"),
        ("The ALA CRAFT festival returns.", "crafts", "ALA CRAFT festival"),
        ("Фестиваль ALA CRAFT открылся.", "crafts", "ALA CRAFT"),
    ],
)
def test_terms_are_found_in_their_inflected_forms(text, category, written):
    assert (category, written) in found(text)


def test_yo_and_e_are_the_same_letter():
    def summary(text):
        return [(m.category, m.term, m.start, m.end) for m in default_detector().find(text)]

    assert summary("Всемирный город ремёсел") == summary("Всемирный город ремесел") != []
    assert summary("ВСЕМИРНЫЙ ГОРОД РЕМЁСЕЛ") == summary("Всемирный город ремесел")


def test_typographic_quotes_and_hyphens_between_words():
    for text in (
        "звание «Всемирный город ремесел»",
        "звание “World Craft City”",
        "«Всемирный» город «ремесел»",
    ):
        assert categories(text) == {"world_craft_city"}, text
    for hyphen in "-\u2010\u2011\u2013":
        text = f"WCC{hyphen}AISBL и мастера{hyphen}ремесленники"
        assert [m.term for m in default_detector().find(text)] == [
            "WCC-AISBL",
            "мастер-ремесленник",
        ], repr(hyphen)


def test_phrase_does_not_run_across_sentences_or_commas():
    assert "world_craft_city" not in categories("Это всемирный город. Ремесел там много.")
    assert "world_craft_city" not in categories("Всемирный город, ремесла и туризм")


def test_longest_match_wins():
    mentions = default_detector().find("Алматы — Всемирный город ремесел и ремесленников.")
    assert [(m.category, m.text) for m in mentions] == [
        ("world_craft_city", "Всемирный город ремесел"),
        ("crafts", "ремесленников"),
    ]
    council = default_detector().find("the World Crafts Council met")
    assert [(m.category, m.term) for m in council] == [
        ("world_crafts_council", "World Crafts Council")
    ]


def test_context_dependent_terms():
    # шебер counts next to craft words only; WCC only in a paragraph about crafts.
    assert categories("Киіз үй шебері кілем тоқу өнерін көрсетті.") == {"crafts"}
    assert found("Шебер жүргізуші аман өтті.") == []
    assert categories("The WCC praised Kazakh carpet weaving.") == {
        "world_crafts_council",
        "crafts",
    }
    assert found("The WCC general assembly met in Geneva.") == []


# --- offsets, snippets, titles --------------------------------------------------------
def test_offsets_and_snippets():
    text = (
        "Погода. Аким провёл совещание по дорогам в г. Алматы. "
        "Городу присвоено звание «Всемирный город ремёсел»! Потом был концерт."
    )
    [mention] = default_detector().find(text)
    assert text[mention.start : mention.end] == mention.text == "Всемирный город ремёсел"
    assert mention.snippet == "Городу присвоено звание «Всемирный город ремёсел»!"
    assert mention.term == "Всемирный город ремесел"
    assert mention.field == "body"
    assert mention.as_dict() == {
        "category": "world_craft_city",
        "term": "Всемирный город ремесел",
        "text": "Всемирный город ремёсел",
        "start": mention.start,
        "end": mention.end,
        "snippet": mention.snippet,
        "field": "body",
    }


def test_abbreviations_do_not_cut_the_snippet():
    text = "В г. Алматы прошла ярмарка ремесел. Другое."
    [mention] = default_detector().find(text)
    assert mention.snippet == "В г. Алматы прошла ярмарка ремесел."


def test_long_sentence_snippet_is_trimmed_around_the_mention():
    text = "слово " * 200 + "ремесленники " + "слово " * 200 + "."
    [mention] = default_detector().find(text)
    assert len(mention.snippet) <= 302
    assert "ремесленники" in mention.snippet
    assert mention.snippet.startswith("…") and mention.snippet.endswith("…")


def test_mentions_are_sorted_and_do_not_overlap():
    text = "Ремесленники, гончары и ковроткачи. World Craft City. Қолөнер жәрмеңкесі."
    mentions = default_detector().find(text)
    assert [m.start for m in mentions] == sorted(m.start for m in mentions)
    for left, right in itertools.pairwise(mentions):
        assert left.end <= right.start
    assert len(mentions) == 5


def test_title_mentions_count_and_are_flagged():
    mentions = default_detector().find_in_article(
        "Алматы — Всемирный город ремесел", "Ремесленники провели ярмарку."
    )
    assert [(m.field, m.category, m.start) for m in mentions] == [
        ("title", "world_craft_city", 9),
        ("body", "crafts", 0),
    ]
    assert default_detector().find_in_article(None, None) == []
    assert isinstance(mentions[0], Mention)


def test_empty_and_plain_text():
    assert default_detector().find("") == []
    assert default_detector().find("Аким провёл совещание.") == []


# --- the lexicon file -----------------------------------------------------------------
def test_default_lexicon_loads_with_a_version():
    detector = default_detector()
    assert detector is default_detector()
    assert detector.version and detector.version[0].isdigit()
    assert MentionDetector.from_file(DEFAULT_LEXICON).version == detector.version


def test_every_term_and_form_finds_itself():
    detector = default_detector()
    for entry in detector.lexicon.entries:
        if entry.exclusion or entry.context or entry.context_all:
            continue
        for phrase in entry.phrases:
            if "*" in phrase.written:
                continue
            found_terms = [m.term for m in detector.find(f"Сегодня {phrase.written} здесь.")]
            assert found_terms, phrase.written


MINIMAL = """
version = "1"
[[world_craft_city.terms]]
term = "World Craft City"
lang = "en"
[[world_crafts_council.terms]]
term = "World Crafts Council"
lang = "en"
[[crafts.terms]]
term = "pottery"
lang = "en"
"""


def test_a_lexicon_edit_changes_the_mentions(tmp_path):
    path = tmp_path / "lexicon.toml"
    path.write_text(MINIMAL, "utf-8")
    before = MentionDetector.from_file(path)
    assert [m.term for m in before.find("pottery and woodcarving")] == ["pottery"]
    path.write_text(
        MINIMAL.replace('version = "1"', 'version = "2"')
        + '[[crafts.terms]]\nterm = "woodcarving"\nlang = "en"\n',
        "utf-8",
    )
    after = MentionDetector.from_file(path)
    assert after.version.startswith("2+") and after.lexicon.declared_version == "2"
    assert [m.term for m in after.find("pottery and woodcarving")] == ["pottery", "woodcarving"]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda s: s.replace('version = "1"', ""), "version"),
        (lambda s: s.replace('lang = "en"\n[[crafts', 'lang = "fr"\n[[crafts', 1), "'lang'"),
        (lambda s: s.replace('term = "pottery"', 'trem = "pottery"'), "unknown key 'trem'"),
        (lambda s: s + "[[crafts.terms]]\nlang = 'en'\n", "missing 'term'"),
        (lambda s: s + "[[crafts.terms]]\nterm='x'\nlang='en'\ncontext='nope'\n", "'nope'"),
        (lambda s: s + "[[crafts.exclude]]\nnote = 'x'\n", "phrase"),
        (lambda s: s + "[[crafts.exclude]]\nphrase = 'x'\nwhen = 'always'\n", "'when'"),
        (lambda s: s + "[[crafts.terms]]\nterm = 'a, b'\nlang = 'en'\n", "cannot read"),
        (lambda s: s + "[[bogus.terms]]\nterm = 'x'\n", "unknown section"),
        (lambda s: s + "version = \n", "not valid TOML"),
    ],
)
def test_a_bad_lexicon_names_the_problem(tmp_path, edit, message):
    path = tmp_path / "lexicon.toml"
    path.write_text(edit(MINIMAL), "utf-8")
    with pytest.raises(LexiconError, match=r"lexicon\.toml") as caught:
        MentionDetector.from_file(path)
    assert message in str(caught.value)


def test_a_missing_lexicon_file_is_a_lexicon_error(tmp_path):
    with pytest.raises(LexiconError, match="not found"):
        MentionDetector.from_file(tmp_path / "nope.toml")


# --- the command line ---------------------------------------------------------------
def test_cli_json_from_stdin():
    text = "Алматы стал Всемирным городом ремёсел."
    result = CliRunner().invoke(command, ["--json"], input=text.encode("utf-8"))
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == [
        {
            "category": "world_craft_city",
            "term": "Всемирный город ремесел",
            "text": "Всемирным городом ремёсел",
            "start": 12,
            "end": 37,
            "snippet": text,
        }
    ]


def test_cli_lines_from_a_file(tmp_path):
    path = tmp_path / "article.txt"
    path.write_text("Local artisans and the World Crafts Council.", "utf-8")
    result = CliRunner().invoke(command, [str(path)])
    assert result.exit_code == 0
    assert result.output.splitlines() == [
        "crafts\tartisan\tartisans\t6-14",
        "world_crafts_council\tWorld Crafts Council\tWorld Crafts Council\t23-43",
    ]


def test_cli_missing_file_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(command, [str(tmp_path / "nope.txt")])
    assert result.exit_code == 2
    assert "no such file" in result.output


def test_cli_rejects_text_that_is_not_utf8(tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes("ремесло".encode("cp1251"))
    result = CliRunner().invoke(command, [str(path)])
    assert result.exit_code == 2
    assert "not UTF-8" in result.output
