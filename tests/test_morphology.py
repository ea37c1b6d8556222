"""Normalisation of Russian, Kazakh and English words, and tokenisation."""

from __future__ import annotations

import pytest

from crawler.text.morphology import (
    cyrillic_to_latin,
    english_stem,
    fold,
    kazakh_stem,
    kazakh_stems,
    latin_to_cyrillic,
    latin_word_keys,
    normalise_word,
    tokenize,
    uzbek_stems,
    word_keys,
)


@pytest.mark.parametrize(
    ("word", "lemma"),
    [
        ("ремёсел", "ремесло"),
        ("Ремеслами", "ремесло"),
        ("ремесленниками", "ремесленник"),
        ("ремесленничества", "ремесленничество"),
        ("Всемирным", "всемирный"),
        ("советом", "совет"),
        ("ковроткачеством", "ковроткачество"),
        ("войлока", "войлок"),
    ],
)
def test_russian_words_become_lemmas(word, lemma):
    assert normalise_word(word) == lemma


@pytest.mark.parametrize(
    ("word", "stem"),
    [
        ("қолөнер", "қолөнер"),
        ("қолөнерді", "қолөнер"),
        ("қолөнерге", "қолөнер"),
        ("қолөнермен", "қолөнер"),
        ("қолөнердегі", "қолөнер"),
        ("қолөнерін", "қолөнер"),
        ("қолөнершілер", "қолөнерші"),
        ("қолөнершілерінің", "қолөнерші"),
        ("қаласының", "қала"),
        ("қаласына", "қала"),
        ("атағын", "атақ"),
        ("өрнегі", "өрнек"),
        ("киізден", "киіз"),
        ("кілемдер", "кілем"),
        ("қыштан", "қыш"),
        ("тоқуға", "тоқу"),
        ("шеберлеріміз", "шебер"),
    ],
)
def test_kazakh_endings_are_stripped(word, stem):
    assert kazakh_stem(word) == stem


def test_kazakh_derivational_suffixes_are_kept():
    assert normalise_word("қолөнерші") != normalise_word("қолөнер")
    assert normalise_word("шеберлік") != normalise_word("шебер")


def test_kazakh_sound_harmony_keeps_nominatives_whole():
    # -ке follows only voiceless consonants, so these words end in -ке themselves.
    assert kazakh_stem("жәрмеңке") == "жәрмеңке"
    assert kazakh_stem("жәрмеңкесі") == "жәрмеңке"
    assert kazakh_stem("мереке") == "мереке"


def test_ambiguous_kazakh_possessive_gives_every_reading():
    assert set(kazakh_stems("кеңесі")) == {"кеңе", "кеңес"}
    assert "кеңес" in word_keys("Кеңесінің")


def test_kazakh_without_special_letters_is_recognised_by_its_endings():
    # No ә/ғ/қ… letters and unknown to the Russian dictionary: the Kazakh stemmer decides.
    assert normalise_word("шеберлер") == "шебер"
    assert normalise_word("оюы") == "ою"


def test_kazakh_latin_words_share_the_cyrillic_stems():
    assert normalise_word("qolónerdi") == "қолөнер"
    assert normalise_word("Qolónershilerdiń") == "қолөнерші"
    assert normalise_word("Dúnıejúzilik") == normalise_word("Дүниежүзілік")
    assert normalise_word("qalasynyń") == "қала"
    assert normalise_word("mártebesi") == "мәртебе"
    # 2021 alphabet: umlauts, and ı is і.
    assert normalise_word("qolönerşıler") == "қолөнерші"
    # A plain Latin word (sheber) is read as Kazakh when asked to.
    assert "шебер" in latin_word_keys("sheberler")
    assert "шебер" in latin_word_keys("Sheber")


@pytest.mark.parametrize(
    ("word", "stem"),
    [
        ("ҳунармандчилик", "ҳунармандчилик"),
        ("ҳунармандчиликни", "ҳунармандчилик"),
        ("ҳунармандчилиги", "ҳунармандчилик"),
        ("ҳунармандлар", "ҳунарманд"),
        ("ҳунармандларнинг", "ҳунарманд"),
        ("кенгашининг", "кенгаш"),
        ("кулолчиликда", "кулолчилик"),
    ],
)
def test_uzbek_endings_are_stripped(word, stem):
    # ҳ and х share one key: Jaxon is a common spelling of Jahon.
    assert uzbek_stems(word)[0] == stem.replace("ҳ", "х")


@pytest.mark.parametrize(
    ("latin", "cyrillic"),
    [
        ("hunarmandchilik", "ҳунармандчилик"),
        ("hunarmandlarning", "ҳунарманд"),
        ("zardo‘zlik", "зардўзлик"),  # ‘ (U+2018), as typed
        ("zardoʻzlik", "зардўзлик"),  # ʻ (U+02BB), the official letter
        ("gilam", "гилам"),
        ("kulolchiligi", "кулолчилик"),
        ("Butunjahon", "бутунжаҳон"),
    ],
)
def test_uzbek_latin_words_share_the_cyrillic_stems(latin, cyrillic):
    assert cyrillic.replace("ҳ", "х") in latin_word_keys(latin)
    assert latin_word_keys(latin) & word_keys(cyrillic)


def test_transliteration_both_ways():
    assert latin_to_cyrillic("dúnıejúzilik", "kk") == "дүниежүзілік"
    assert latin_to_cyrillic("úı", "kk") == "үй"
    assert latin_to_cyrillic("to'qish", "uz") == "тўқиш"
    assert cyrillic_to_latin("қолөнер", "kk") == ("qolóner", "qolöner")
    assert cyrillic_to_latin("ҳунармандчилик", "uz") == ("hunarmandchilik", "xunarmandchilik")
    assert cyrillic_to_latin("зардўзлик", "uz") == ("zardo'zlik",)


def test_english_words_keep_apart_from_cyrillic_keys():
    # «master» must not be indexed under «мастер», nor «planning» under a Turkic stem.
    assert word_keys("master") == {"master"}
    assert word_keys("planning") == {"planning"}


@pytest.mark.parametrize(
    ("word", "stem"),
    [
        ("crafts", "craft"),
        ("artisans'", "artisan"),
        ("artisan's", "artisan"),
        ("potteries", "pottery"),
        ("cities", "city"),
        ("churches", "church"),
        ("glass", "glass"),
        ("census", "census"),
    ],
)
def test_english_plural_and_possessive(word, stem):
    assert english_stem(fold(word)) == stem


def test_yo_and_typographic_apostrophes_fold():
    assert normalise_word("Ремёсла") == normalise_word("ремесла")
    assert normalise_word("Artisan’s") == "artisan"
    assert fold("ЁЛКА’s – İ") == "елка's - i"
    assert len(fold("İstanbul")) == len("İstanbul")


def test_hyphenated_words_normalise_part_by_part():
    assert normalise_word("мастера-ремесленники") == "мастер-ремесленник"
    assert normalise_word("WCC‑AISBL") == "wcc-aisbl"  # non-breaking hyphen


def test_tokenize_offsets_hyphens_quotes_apostrophes():
    text = "«Всемирный город ремёсел» — WCC‑AISBL, artisan’s мастера-ремесленники “craft”"
    tokens = list(tokenize(text))
    for word, start, end in tokens:
        assert text[start:end] == word
    words = [word for word, _, _ in tokens]
    assert words == [
        "Всемирный",
        "город",
        "ремёсел",
        "WCC‑AISBL",
        "artisan’s",
        "мастера-ремесленники",
        "craft",
    ]
    parts = [word for word, _, _ in tokenize(text, split_hyphens=True)]
    assert parts[3:5] == ["WCC", "AISBL"]
    assert parts[-3:] == ["мастера", "ремесленники", "craft"]


@pytest.mark.parametrize(
    ("word", "lemmas"),
    [
        ("стали", {"сталь", "стать"}),  # ambiguous: every lemma is a key
        ("мастера", {"мастер"}),
        ("ремёслами", {"ремесло"}),
    ],
)
def test_russian_word_keys_hold_every_lemma(word, lemmas):
    keys = word_keys(word)
    assert lemmas <= keys
    assert normalise_word(word) in keys


@pytest.mark.parametrize(
    "word",
    [
        "стали",
        "шеберлер",
        "қолөнершілерінің",
        "artisans",
        "qolónerdi",
        "оюы",
        "1990",
        "ҳунармандлари",
        "hunarmandchiligi",
        "zardo'zlik",
    ],
)
def test_word_keys_include_the_normalised_form(word):
    assert normalise_word(word) in word_keys(word)
