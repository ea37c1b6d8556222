"""Words typed in two alphabets at once: read in one, letter for letter."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crawler.text.mentions import default_detector
from crawler.text.normalisation import normalise_text
from crawler.text.scripts import repair_mixed_scripts


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        # The Kazakh і typed as the Latin i (Kursiv, turkystan.kz).
        ("Kиiз үй", "Киіз үй"),
        ("қолөнершiлер жеңiмпаздары", "қолөнершілер жеңімпаздары"),
        # A converter's Latin a, c, e, o, p in Cyrillic words.
        ("Киiз үйдiң cыpтқы әбзeлдepi", "Киіз үйдің сыртқы әбзелдері"),
        # Latin-alphabet Kazakh typed with Cyrillic а, е, о, к, і, Т, М.
        ("Qаzаqstаn Тáýеlsіzdіgі", "Qazaqstan Táýelsizdigi"),
        ("Маńǵystаý shеbеrlеrі кiіz úilеr", "Mańǵystaý sheberleri kiiz úiler"),
        ("IýNЕSКО-nyń", "IýNESKO-nyń"),
        # Nothing to mend: one alphabet a word, or nothing that says which.
        ("Almaty и Алматы", "Almaty и Алматы"),
        ("cap сор", "cap сор"),
        ("ьфыеуr", "ьфыеуr"),
        ("Жаҳон hunarmandlar kengashi", "Жаҳон hunarmandlar kengashi"),
    ],
)
def test_a_word_is_read_in_the_alphabet_of_its_own_letters(typed, read):
    assert repair_mixed_scripts(typed) == read


@given(st.text(alphabet=st.sampled_from("aceopxyiKMTHкiіаеорсхуқшжz -.\n"), max_size=60))
def test_every_letter_keeps_its_place(text):
    repaired = repair_mixed_scripts(text)
    assert len(repaired) == len(text)
    assert [c.isalpha() for c in repaired] == [c.isalpha() for c in text]
    assert repair_mixed_scripts(repaired) == repaired


def test_the_normalise_stage_mends_words_so_mentions_find_them():
    typed = "Oлapды aқ киiздeн пiшiп, шeбepлep oю-өpнeктepмeн бeзeндipeдi."
    assert default_detector().find(typed) == []
    found = default_detector().find(normalise_text(typed))
    assert "crafts" in {m.category for m in found}
    assert normalise_text(typed) == "Оларды ақ киізден пішіп, шеберлер ою-өрнектермен безендіреді."
