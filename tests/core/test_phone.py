"""Indonesian phone numbers: normalised to E.164, shown masked (DOMAIN.md, "Phone numbers")."""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given, settings, strategies as st

from counter_app.core import phone
from counter_app.core.errors import ValidationError

E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")


@pytest.mark.parametrize(
    "text",
    [
        "081234567890",
        "0812-3456-7890",
        "0812 3456 7890",
        "+62 812-3456-7890",
        "+6281234567890",
        "(0812) 3456 7890",
        "  081234567890  ",
        "6281234567890",
    ],
)
def test_mobile_number_forms_normalise_to_the_same_e164(text: str) -> None:
    assert phone.normalise(text) == "+6281234567890"


def test_masked_mobile_number() -> None:
    assert phone.mask("+6281234567890") == "0812*****890"
    assert phone.national("+6281234567890") == "081234567890"


def test_pontianak_fixed_line_is_accepted() -> None:
    e164 = phone.normalise("0561-123456")
    assert e164 == "+62561123456"
    masked = phone.mask(e164)
    assert masked == "056*****56"
    assert "123456" not in masked


# Issue 15, point 5: DOMAIN.md "Phone numbers" — 62… without + is the country code.
@pytest.mark.parametrize(
    ("text", "e164"),
    [
        ("62561734567", "+62561734567"),  # a Pontianak landline, not +6262561734567
        ("62 561 734567", "+62561734567"),
        ("6281234567890", "+6281234567890"),
        ("0062812345678", "+62812345678"),
        ("0062 21 12345678", "+622112345678"),
    ],
)
def test_62_without_plus_is_the_country_code(text: str, e164: str) -> None:
    assert phone.normalise(text) == e164


# Issue 15, point 5: at least 5 digits hidden; at most the real prefix (≤ 4) and the last 3.
@pytest.mark.parametrize(
    ("e164", "masked"),
    [
        ("+6281234567890", "0812*****890"),  # 12 digits: the DOMAIN.md vector
        ("+628123456789", "081*****789"),  # 11 digits
        ("+62812345678", "081*****78"),  # 10 digits: the DOMAIN.md vector
        ("+62812345678901", "0812******901"),  # 13 digits
        ("+622112345678", "021*****678"),  # Jakarta: its area code is 021, not "0211"
        ("+62561734567", "056*****67"),  # Pontianak 0561, 10 digits
        ("+625617345678", "056*****678"),  # Pontianak, 11 digits: 5 hidden leaves 6 to show
    ],
)
def test_mask_hides_at_least_five_digits(e164: str, masked: str) -> None:
    assert phone.mask(e164) == masked


@pytest.mark.parametrize("text", ["0599 1234567", "0509-1234567", "62599 1234567"])
def test_an_area_code_that_does_not_exist_is_refused_by_name(text: str) -> None:
    with pytest.raises(ValidationError) as info:
        phone.normalise(text)
    assert info.value.field == "phone"
    assert info.value.key == "phone.area_unknown"
    assert (
        info.value.params["area"]
        == "0" + "".join(ch for ch in text if ch.isdigit()).removeprefix("62").removeprefix("0")[:3]
    )


@pytest.mark.parametrize("text", ["0812-3456-789O", "0812abc67890", "nol delapan", "0812 3456 7890 ext"])
def test_letters_are_rejected(text: str) -> None:
    with pytest.raises(ValidationError) as info:
        phone.normalise(text)
    assert info.value.field == "phone"
    assert info.value.key == "phone.format"


@pytest.mark.parametrize("text", ["", "   "])
def test_empty_is_its_own_message(text: str) -> None:
    with pytest.raises(ValidationError) as info:
        phone.normalise(text)
    assert info.value.key == "phone.empty"


@pytest.mark.parametrize("text", ["0812", "12345", "0000000000", "08123456789012345", "+62 1"])
def test_impossible_numbers_are_rejected(text: str) -> None:
    with pytest.raises(ValidationError) as info:
        phone.normalise(text)
    assert info.value.field == "phone"


def test_absurdly_long_input_is_rejected_without_parsing() -> None:
    with pytest.raises(ValidationError):
        phone.normalise("0812" * 1000)


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=40))
@example("+٦٢٨١٢٣٤٥٦٧٨٩٠")
@example("0812\x003456\x007890")
@example("+")
@example("++62812")
@example("#31#081234567890")
def test_arbitrary_text_gives_e164_or_a_phone_validation_error(text: str) -> None:
    try:
        e164 = phone.normalise(text)
    except ValidationError as exc:
        assert exc.field == "phone"
        return
    assert E164.match(e164), e164
    # Whatever was accepted can be shown masked without error.
    assert phone.mask(e164)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789 -+()", max_size=20))
def test_digit_soup_gives_e164_or_a_phone_validation_error(text: str) -> None:
    try:
        e164 = phone.normalise(text)
    except ValidationError as exc:
        assert exc.field == "phone"
        return
    assert E164.match(e164), e164
    assert phone.normalise(e164) == e164


@settings(max_examples=200, deadline=None)
@given(
    prefix=st.sampled_from(["0811", "0812", "0813", "0821", "0852", "0877", "0895"]),
    rest=st.integers(10**6, 10**8 - 1),
)
def test_mobile_numbers_round_trip_through_mask(prefix: str, rest: int) -> None:
    text = f"{prefix}{rest}"
    e164 = phone.normalise(text)
    assert e164 == "+62" + text[1:]
    assert phone.national(e164) == text
    masked = phone.mask(e164)
    assert len(masked) == len(text) and masked.count("*") >= 5
    shown = masked.replace("*", "")
    assert masked.startswith(text[: len(masked) - len(masked.lstrip("0123456789"))])
    assert len(shown) <= 7 and text[:3] == masked[:3] and masked[-2:] == text[-2:]


# Issue 16: the fast path for well-formed mobile numbers gives exactly the full path's answer.
def _full_answer(text: str) -> str | None:
    try:
        return phone._full(text.strip())
    except ValidationError:
        return None


def test_fast_path_agrees_with_phonenumbers_on_every_operator_prefix_and_length() -> None:
    checked = accepted = 0
    for head in range(800, 900):  # 0800…0899: real, unassigned and impossible operator prefixes
        for length in range(7, 15):  # national digits after the prefix's 0
            national = str(head) + "7" * (length - 3)
            for form in ("0{}", "+62{}", "62{}", "0062{}", "+62 {}", "(0{})", "0{}-"):
                text = form.format(national)
                for variant in (text, text[:5] + "-" + text[5:], text[:4] + " " + text[4:]):
                    fast = phone._fast_mobile(variant)
                    checked += 1
                    if fast is not None:
                        accepted += 1
                        assert fast == _full_answer(variant), variant
    assert accepted > 1000 and checked > accepted  # both paths were exercised


@settings(max_examples=1000, deadline=None)
@given(st.text(alphabet="0123456789 -+().", max_size=20))
@example("+0062812345678")
@example("62 0812 3456 7890")
@example("+62 0812 3456 7890")
@example("08123456789/0813")
def test_fast_path_never_disagrees_on_digit_soup(text: str) -> None:
    fast = phone._fast_mobile(text.strip())
    if fast is not None:
        assert fast == _full_answer(text)
