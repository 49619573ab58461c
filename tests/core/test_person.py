"""Visitor names: trimmed, normalised, bounded, printable (core/person.py)."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings, strategies as st

from counter_app.core import person
from counter_app.core.errors import ValidationError


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("  Siti   Aminah  ", "Siti Aminah"),
        ("Siti\tAminah\nRahayu", "Siti Aminah Rahayu"),
        ("Budi\u00a0Santoso", "Budi Santoso"),  # no-break space from a copy-paste
        ("Ng", "Ng"),
        ("Sukarno", "Sukarno"),
        ("Uray Syarif Alkadrie", "Uray Syarif Alkadrie"),
        ("Dayang O'Neil-Putri", "Dayang O'Neil-Putri"),
    ],
)
def test_names_are_trimmed_and_whitespace_collapsed(raw: str, clean: str) -> None:
    assert person.clean_name(raw) == clean


def test_names_are_nfc_normalised() -> None:
    decomposed = "Jose\u0301"  # e + combining acute
    assert person.clean_name(decomposed) == "Jos\u00e9"


def test_reportlab_markup_is_kept_literally() -> None:
    assert person.clean_name("<b>Budi</b> & <br/>") == "<b>Budi</b> & <br/>"


@pytest.mark.parametrize("raw", ["", "   ", "\t\n"])
def test_empty_name_is_rejected(raw: str) -> None:
    with pytest.raises(ValidationError) as info:
        person.clean_name(raw)
    assert info.value.key == "name.empty"
    assert info.value.field == "name"


def test_very_long_name_is_rejected() -> None:
    with pytest.raises(ValidationError) as info:
        person.clean_name("a" * 5000)
    assert info.value.key == "name.too_long"
    assert info.value.field == "name"


def test_name_of_exactly_the_maximum_length_is_accepted() -> None:
    assert len(person.clean_name("a" * person.NAME_MAX)) == person.NAME_MAX
    with pytest.raises(ValidationError):
        person.clean_name("a" * (person.NAME_MAX + 1))


@pytest.mark.parametrize(
    "raw",
    [
        "Budi\x00Santoso",
        "Budi\x07",
        "Budi\x1b[31mSantoso",
        "Budi\x7f",
        "Budi\u200bSantoso",  # zero-width space
        "Budi\u202eotnaS",  # right-to-left override
        "Budi\ufeff",
        "Budi\ue000",  # private use
    ],
)
def test_control_and_invisible_characters_are_rejected(raw: str) -> None:
    with pytest.raises(ValidationError) as info:
        person.clean_name(raw)
    assert info.value.key == "name.characters"
    assert info.value.field == "name"


@pytest.mark.parametrize("raw", ["12345", "---", "..."])
def test_a_name_needs_letters(raw: str) -> None:
    with pytest.raises(ValidationError) as info:
        person.clean_name(raw)
    assert info.value.key == "name.letters"


def test_mask_name_keeps_first_word_and_initials() -> None:
    assert person.mask_name("Siti Aminah Rahayu") == "Siti A***** R*****"
    assert person.mask_name("") == ""


def test_notes_are_bounded() -> None:
    assert person.clean_notes(None) == ""
    assert person.clean_notes("  berkas   kurang ") == "berkas kurang"
    with pytest.raises(ValidationError) as info:
        person.clean_notes("x" * (person.NOTES_MAX + 1))
    assert info.value.field == "notes"


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=150))
def test_clean_name_returns_printable_trimmed_text_or_a_name_error(raw: str) -> None:
    try:
        name = person.clean_name(raw)
    except ValidationError as exc:
        assert exc.field == "name"
        return
    assert name == name.strip()
    assert "  " not in name
    assert 0 < len(name) <= person.NAME_MAX
    assert not any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn") for ch in name)
    assert person.clean_name(name) == name  # idempotent
