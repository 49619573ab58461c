"""Indonesian number words: the vectors of issue 13 and the grammar's edge cases."""

from __future__ import annotations

import pytest

from counter_app.core.number_words import (
    number_word_list,
    number_words,
    rupiah_words,
    split_code,
    spoken_code,
)

VECTORS = {
    0: "nol",
    1: "satu",
    9: "sembilan",
    10: "sepuluh",
    11: "sebelas",
    12: "dua belas",
    19: "sembilan belas",
    20: "dua puluh",
    21: "dua puluh satu",
    23: "dua puluh tiga",
    99: "sembilan puluh sembilan",
    100: "seratus",
    101: "seratus satu",
    110: "seratus sepuluh",
    111: "seratus sebelas",
    115: "seratus lima belas",
    200: "dua ratus",
    999: "sembilan ratus sembilan puluh sembilan",
    1000: "seribu",
    1001: "seribu satu",
    1011: "seribu sebelas",
    1100: "seribu seratus",
    2000: "dua ribu",
    2025: "dua ribu dua puluh lima",
    9999: "sembilan ribu sembilan ratus sembilan puluh sembilan",
    11000: "sebelas ribu",
    100000: "seratus ribu",
    111111: "seratus sebelas ribu seratus sebelas",
    350000: "tiga ratus lima puluh ribu",
    1000000: "satu juta",
    1001000: "satu juta seribu",
    2500000: "dua juta lima ratus ribu",
    1000000000: "satu miliar",
    1000000000000: "satu triliun",
}


@pytest.mark.parametrize(("n", "words"), sorted(VECTORS.items()))
def test_number_words(n: int, words: str) -> None:
    assert number_words(n) == words
    assert number_word_list(n) == words.split()


@pytest.mark.parametrize("bad", [-1, 10**15])
def test_out_of_range(bad: int) -> None:
    with pytest.raises(ValueError):
        number_words(bad)


@pytest.mark.parametrize("bad", [1.5, "12", True])
def test_not_an_integer(bad: object) -> None:
    with pytest.raises(TypeError):
        number_words(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("code", "letters", "number", "spoken"),
    [
        ("A023", "A", 23, "A, dua puluh tiga"),
        ("A001", "A", 1, "A, satu"),
        ("c100", "C", 100, "C, seratus"),
        ("B011", "B", 11, "B, sebelas"),
        ("AB007", "AB", 7, "A, B, tujuh"),
        ("D1234", "D", 1234, "D, seribu dua ratus tiga puluh empat"),
    ],
)
def test_codes_without_leading_zeros(code: str, letters: str, number: int, spoken: str) -> None:
    assert split_code(code) == (letters, number)
    assert spoken_code(code) == spoken


@pytest.mark.parametrize("bad", ["", "023", "A", "A-", "A0x3", "Ä023"])
def test_not_a_code(bad: str) -> None:
    with pytest.raises(ValueError):
        split_code(bad)


def test_rupiah_words() -> None:
    assert rupiah_words(350000) == "tiga ratus lima puluh ribu rupiah"
