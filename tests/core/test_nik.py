"""NIK: structure check, masking and keyed hashing (DOMAIN.md, "NIK")."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings, strategies as st

from counter_app.core import nik
from counter_app.core.errors import ValidationError

TODAY = date(2026, 11, 30)


def parse(text: str) -> nik.Nik:
    return nik.parse(text, today=TODAY)


def rejects(text: str) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        parse(text)
    assert info.value.field == "nik"
    return info.value


# ---- the DOMAIN.md table -------------------------------------------------------------------


def test_male_nik_from_pontianak_is_valid() -> None:
    n = parse("6171010101900001")
    assert n.digits == "6171010101900001"
    assert n.sex == "L"
    assert n.birth_date == date(1990, 1, 1)
    assert n.warnings == ()


def test_female_nik_has_day_plus_40() -> None:
    n = parse("6171014101900001")
    assert n.sex == "P"
    assert n.birth_date == date(1990, 1, 1)
    assert n.warnings == ()


def test_day_32_is_impossible() -> None:
    assert rejects("6171017201900001").key == "nik.date"


def test_day_zero_for_a_woman_is_impossible() -> None:
    assert rejects("6171014002900001").key == "nik.date"


@pytest.mark.parametrize(
    "text",
    [
        "6171013002900001",  # 30 February
        "6171012902010001",  # 29 Feb 2001, not a leap year
        "6171010113900001",  # month 13
        "6171010100900001",  # month 0
        "6171010001900001",  # day 0, male
    ],
)
def test_other_impossible_dates(text: str) -> None:
    assert rejects(text).key == "nik.date"


def test_leap_day_is_fine() -> None:
    assert parse("6171012902000001").birth_date == date(2000, 2, 29)


def test_two_digit_year_never_puts_a_birth_in_the_future() -> None:
    # 01-12-26 would be tomorrow in 2026: it must be 1926.
    assert parse("6171010112260001").birth_date == date(1926, 12, 1)
    # 30-11-26 is today: a newborn.
    assert parse("6171013011260001").birth_date == date(2026, 11, 30)
    assert parse("6171010101050001").birth_date == date(2005, 1, 1)
    assert parse("6171010101500001").birth_date == date(1950, 1, 1)


# ---- structure -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "province", ["00", "10", "20", "22", "30", "37", "54", "60", "66", "77", "83", "90", "97", "99"]
)
def test_unknown_province_is_rejected(province: str) -> None:
    err = rejects(province + "71010101900001")
    assert err.key == "nik.province"
    assert err.params["code"] == province


@pytest.mark.parametrize(
    "province", ["11", "19", "21", "31", "36", "51", "53", "61", "65", "71", "76", "81", "82", "91", "96"]
)
def test_provinces_in_use_are_accepted(province: str) -> None:
    assert parse(province + "71010101900001").sex == "L"


def test_serial_0000_is_rejected() -> None:
    assert rejects("6171010101900000").key == "nik.serial"


@pytest.mark.parametrize("text", ["6100010101900001", "6171000101900001"])
def test_zero_regency_or_district_is_rejected(text: str) -> None:
    assert rejects(text).key == "nik.region"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "617101010190000",  # 15 digits
        "61710101019000011",  # 17 digits
        "617101010190000A",
        "6171_0101_0190_0001",
        "６１７１０１０１０１９００００１",  # full-width digits
        "٦١٧١٠١٠١٠١٩٠٠٠٠١",  # Arabic-Indic digits
        "+171010101900001",
        "6171.10101900001",
    ],
)
def test_malformed_text_is_rejected(text: str) -> None:
    assert rejects(text).key == "nik.format"


def test_spaces_between_groups_are_ignored() -> None:
    assert parse(" 6171 0101 0190 0001 ").digits == "6171010101900001"


# Issue 15, point 6: dashes between the groups, as printed on many forms.
@pytest.mark.parametrize(
    "text", ["6171-0101-0190-0001", "6171 - 0101 - 0190 - 0001", "6171\u20130101\u201301900001"]
)
def test_dashes_between_groups_are_ignored(text: str) -> None:
    n = parse(text)
    assert n.digits == "6171010101900001" and n.birth_date == date(1990, 1, 1) and n.sex == "L"


def test_leap_day_of_2000_read_before_it_happened_is_refused_not_in_the_future() -> None:
    # On 15 January 2000, 29-02-00 cannot be 2000 (the future) nor 1900 (no leap year).
    with pytest.raises(ValidationError) as info:
        nik.parse("6171012902000001", today=date(2000, 1, 15))
    assert info.value.key == "nik.date"


@settings(max_examples=300, deadline=None)
@given(
    day=st.integers(1, 31),
    month=st.integers(1, 12),
    yy=st.integers(0, 99),
    today=st.dates(min_value=date(1990, 1, 1), max_value=date(2099, 12, 31)),
)
def test_no_decoded_birth_is_ever_after_today(day: int, month: int, yy: int, today: date) -> None:
    try:
        n = nik.parse(f"617101{day:02d}{month:02d}{yy:02d}0001", today=today)
    except ValidationError as exc:
        assert exc.key == "nik.date"
        return
    assert n.birth_date <= today


def test_decoded_details_say_they_come_from_the_nik() -> None:
    assert parse("6171014101900001").decoded_text("id") == "menurut NIK: Perempuan, lahir 01-01-1990"
    assert parse("6171010101900001").decoded_text("en") == "according to the NIK: Male, born 01-01-1990"


def test_unknown_regency_in_west_kalimantan_only_warns() -> None:
    n = parse("6199010101900001")
    assert n.birth_date == date(1990, 1, 1)
    assert n.warnings == ("nik.unknown_region",)


def test_regency_elsewhere_is_not_second_guessed() -> None:
    assert parse("3299010101900001").warnings == ()


# ---- masking and hashing ------------------------------------------------------------------


def test_masked_form_hides_birth_date_sex_and_serial() -> None:
    assert parse("6171010101900001").masked == "6171**********01"
    assert nik.mask("6171014101901234") == "6171**********34"


def test_keyed_hash_matches_equal_niks_only() -> None:
    key = b"k" * 32
    a = nik.keyed_hash("6171010101900001", key)
    assert a == nik.keyed_hash("6171010101900001", key)
    assert a != nik.keyed_hash("6171010101900002", key)
    assert a != nik.keyed_hash("6171010101900001", b"x" * 32)
    assert "6171010101900001" not in a
    assert len(a) == 64


# ---- properties ----------------------------------------------------------------------------

sixteen_digits = st.text(alphabet="0123456789", min_size=16, max_size=16)


@settings(max_examples=400, deadline=None)
@given(sixteen_digits)
def test_any_16_digits_parse_or_raise_a_nik_validation_error(text: str) -> None:
    try:
        n = parse(text)
    except ValidationError as exc:
        assert exc.field == "nik"
        assert exc.key.startswith("nik.")
        return
    assert n.digits == text
    assert n.birth_date <= TODAY
    assert n.sex in ("L", "P")


@settings(max_examples=300, deadline=None)
@given(
    province=st.sampled_from(sorted(nik.PROVINCES)),
    rest=st.text(alphabet="0123456789", min_size=2, max_size=2),
    district=st.integers(1, 99),
    born=st.dates(min_value=date(1927, 1, 1), max_value=TODAY),
    female=st.booleans(),
    serial=st.integers(1, 9999),
)
def test_well_formed_niks_round_trip(
    province: str, rest: str, district: int, born: date, female: bool, serial: int
) -> None:
    if rest == "00":
        rest = "01"
    day = born.day + (40 if female else 0)
    text = f"{province}{rest}{district:02d}{day:02d}{born:%m%y}{serial:04d}"
    n = parse(text)
    assert n.birth_date == born
    assert n.sex == ("P" if female else "L")


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=0, max_size=40))
def test_arbitrary_text_never_raises_anything_else(text: str) -> None:
    try:
        parse(text)
    except ValidationError as exc:
        assert exc.field == "nik"


@settings(max_examples=300, deadline=None)
@given(sixteen_digits)
def test_masked_form_never_shows_digits_7_to_12(text: str) -> None:
    masked = nik.mask(text)
    assert len(masked) == 16
    assert masked[6:12] == "******"
    assert masked[:4] == text[:4]
