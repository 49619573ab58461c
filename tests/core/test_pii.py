"""Personal data in values that leave the PC: the vectors that must be caught, those that must
pass, the masks, and the names (the rules shared by the counter and the server)."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings, strategies as st
from uuid6 import uuid7

from counter_app.core.numbering import receipt_number
from counter_app.core.pii import (
    document_problem,
    find,
    fold,
    mask_names,
    number_problem,
    redact,
    redact_text,
    text_problem,
)

# ---- free text: must be caught ------------------------------------------------------------

PHONES = [
    "0812-3456-7890",
    "+62 812 3456 7890",
    "0812.3456.7890",
    "(0561) 734 567",
    "6281234567890",
    "62812-3456-7890",
    "62 812 3456 7890",
    "+62-812-3456-7890",
    "+6281234567890",
    "0812 3456 7890",
    "081234567890",
    "0812345678901",
    "0812 - 3456 - 7890",
    "0062 812 3456 7890",
    "(+62) 812 3456 7890",
    "+62 (812) 3456-7890",
    "no.hp081234567890",
    "WA:081234567890.",
    "\uff10\uff18\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18\uff19\uff10",  # full-width digits
    "0812\u200b3456\u200b7890",  # zero-width spaces
    "0812\u00a03456\u00a07890",  # no-break spaces
    "0812\u20133456\u20137890",  # en dashes
    "0812\t3456\n7890",
    "0 8 1 2 3 4 5 6 7 8 9 0",
    "0812_3456_7890",
    "0812/3456/7890",
    "021-5551234",
    "(021) 555 1234",
    "0561734567",
    "0561-734567",
    "+1 202 555 0142",
]
NIKS = [
    "6171010101900001",
    "6171 0101 0190 0001",
    "6171.0101.0190.0001",
    "6171-0101-0190-0001",
    "6171-010101-900001",
    "61.71.01.010190.0001",
    "NIK:6171010101900001.",
    "\uff16\uff11\uff17\uff11\uff10\uff11\uff10\uff11\uff10\uff11\uff19\uff10\uff10\uff10\uff10\uff11",
    "61710101019000012",  # longer still holds one
    "3275014507880003",  # a woman's (day + 40)
]
CAUGHT_TEXT = PHONES + NIKS

# ---- free text: must pass -----------------------------------------------------------------

PASSING_TEXT = [
    "Antrean lama, saya menunggu dari jam 08.15 sampai 11.30.",
    "pukul 10.00-12.00 WIB",
    "jam 08.30-09.15",
    "tanggal 30-11-2026",
    "tgl 01/12/2026 08.30",
    "tanggal 02.12.2026 pukul 08.00",
    "Rp 150.000.000",
    "biaya Rp 1.500.000,00",
    "tiket PTK-L01-20261130-A023 dan PTK-L02-20261130-B104",
    "pengaduan PTK-L01-20261130-P01",
    "id 01a22996-0016-70bc-bdfe-081234567890",
    "dicatat 2026-11-30T01:02:03.456789+00:00",
    "tahun 2024 2025 2026 2027",
    "0812****7890",
    "+628******7890",
    "6171**********01",
    "loket 3, antrean A023, B104",
    "U1 4 U2 3 U3 4",
    "skor 3,25 dari 4",
    "nomor antrean 12 dan 13",
    "KTP-el 2 lembar, KK 1 lembar",
    "sudah 3 kali datang (2 minggu)",
    "",
    "Pelayanan bagus, terima kasih!",
]


@pytest.mark.parametrize("number", CAUGHT_TEXT)
def test_numbers_in_free_text_are_caught(number: str) -> None:
    text = f"Mohon hubungi saya di {number} terima kasih"
    assert text_problem(text, "text")
    assert document_problem({"text": text}) == document_problem({"text": text}) is not None
    clean = redact_text(text)
    assert text_problem(clean) is None
    assert "*" in clean and clean.startswith("Mohon hubungi saya di ") and clean.endswith(" terima kasih")
    digits = re.sub(r"\D", "", fold(number))
    assert digits[4:-4] not in re.sub(r"\D", "", fold(clean))  # the middle is gone


@pytest.mark.parametrize("text", PASSING_TEXT)
def test_ordinary_text_passes_unchanged(text: str) -> None:
    assert text_problem(text) is None
    assert redact_text(text) == text
    assert document_problem({"text": text, "suggestions": text, "actions": [{"action": text}]}) is None


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("Hubungi 0812-3456-7890 ya", "Hubungi 0812*****890 ya"),
        ("+62 812 3456 7890", "0812*****890"),
        ("(0561) 734 567", "056*****67"),
        ("NIK 6171 0101 0190 0001.", "NIK 6171**********01."),
        ("WA 081234567890, NIK 6171010101900001", "WA 0812*****890, NIK 6171**********01"),
    ],
)
def test_masks_follow_the_projects_masks(text: str, masked: str) -> None:
    assert redact_text(text) == masked


def test_findings_do_not_overlap_and_stay_in_place() -> None:
    text = "a 0812-3456-7890 b 6171 0101 0190 0001 c +62 813 9876 5432"
    found = find(text)
    assert [f.kind for f in found] == ["phone", "nik", "phone"]
    assert all(a.end <= b.start for a, b in zip(found, found[1:]))
    assert text[found[0].start : found[0].end] == "0812-3456-7890"


# ---- documents: structured fields and numbers ---------------------------------------------

CAUGHT_DOCS: list[dict[str, Any]] = [
    {"x": 6171010101900001},
    {"x": 6.171014501900001e15},
    {"x": 617101010190000.1},
    {"text": 6171010101900001},
    {"id": 6171010101900001},
    {"created_at": 6171010101900001},
    {"x": [1, 2, 6171010101900001]},
    {"a": {"b": 6.171010101900001e15}},
    {"x": 6281234567890},
    {"x": 81234567890},
    {"x": 8.1234567890e10},
    {"6171010101900001": 1},
    {"0812-3456-7890": "kunci"},
    {"nik": "6171010101900001"},
    {"id": "6171010101900001"},  # not a uuid: it is read as text
    {"created_at": "0812-3456-7890"},  # not a time
    {"receipt_no": "0812-3456-7890"},  # not a receipt number
    {"seq": "6171010101900001"},  # a number field holding text
    {"phone": "+6281234567890"},
    {"phone": "+6281234567890*"},  # a star does not make it masked
    {"nomor_hp": "x"},
    {"whatsapp": "0812"},
    {"a": [{"b": {"Telepon": "0812"}}]},
    {"phone": 81234567890},
    {"actions": [{"action": "dihubungi via 0812.3456.7890"}]},
    {"suggestions": "WA saya +62 812 3456 7890"},
    {"notes": "NIK 6171-0101-0190-0001"},
    {"outcome": "(0561) 734 567"},
    {"hash": "6171010101900001"},  # digits only: not a hash's shape, read as text
]

PASSING_DOCS: list[dict[str, Any]] = [
    {"seq": 6171010101900001},  # declared numeric
    {"seq": 1234567890123456},
    {"created_us": 1764464523456789},  # microseconds since the epoch
    {"at_us": 1764464523456789, "took_ms": 81234567890},
    {"stamp": 1764464523456789},  # 16 digits, but no NIK (month 23) and too long for a phone
    {"call_count": 3, "fee": 6281234567890, "target_minutes": 30, "answers": {"U1": 4, "U9": 1}},
    {"id": "01a22996-0016-70bc-bdfe-081234567890", "ticket_id": "01938412-3456-7890-8123-456789012345"},
    {"transferred_from": "01938412-3456-7890-8123-456789012345", "transferred_to": None},
    {"receipt_no": "PTK-L01-20261130-A023", "number": "PTK-L01-20261130-P01"},
    {"created_at": "2026-11-30T01:02:03.456789+00:00", "day": "2026-11-30", "at": "2026-11-30T01:02:03Z"},
    {"nik_masked": "6171**********01", "phone_masked": "0812****7890", "phone": None, "telepon": ""},
    {"name_masked": "Wahyu S****", "waiting": 3, "happy": True, "ratio": 0.75},
    {"seq": 123456789},
    {"x": 20261130},
    {"x": 1.5, "y": float("inf")},
    {"text": "Antrean lama, jam 08.15 sampai 11.30", "status": "selesai", "channel": "langsung"},
    # an audit head: this SHA-256 holds a 17-digit run, a key id may be all hex digits
    {"seq": 51, "hash": "5d8f6cce532a7aeb57196be62344095936793400b3aeb3580d248b17d5518a86"},
    {"kid": "0a1b2c3d4e5f6071", "prev_hash": "0" * 64},
]


@pytest.mark.parametrize("doc", CAUGHT_DOCS)
def test_documents_with_personal_data_are_caught(doc: dict[str, Any]) -> None:
    problem = document_problem(doc)
    assert problem
    assert "6171010101900001" not in problem and "3456" not in problem  # never quotes the value
    assert document_problem(redact(doc)) is None  # and the counter's mask satisfies the server


@pytest.mark.parametrize("doc", PASSING_DOCS)
def test_structured_fields_pass(doc: dict[str, Any]) -> None:
    assert document_problem(doc) is None
    assert redact(doc) == doc or doc.get("y") == float("inf")


def test_the_problem_names_the_field() -> None:
    doc = {
        "id": str(uuid7()),
        "actions": [{"at": "2026-11-30T01:00:00+00:00", "action": "ok"}, {"action": "WA 0812-3456-7890"}],
    }
    assert document_problem(doc, "rows[3].payload") == "phone number in rows[3].payload.actions[1].action"
    assert document_problem({"x": 6.171014501900001e15}) == "NIK-like number in x"


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        (6171010101900001, "nik"),
        (6.171014501900001e15, "nik"),
        (6281234567890, "phone"),
        (81234567890, "phone"),
        (1764464523456789, None),
        (2**53, None),
        (20261130, None),
        (True, None),
    ],
)
def test_numbers_whose_digits_form_a_nik_or_phone(value: int | float, kind: str | None) -> None:
    assert number_problem(value) == kind


def test_redacted_numbers_and_phone_fields() -> None:
    doc = {
        "n": 6171010101900001,
        "f": 6.171014501900001e15,
        "phone": "+6281234567890",
        "telepon": "kantor",
        "phone_masked": "0812****7890",
        "seq": 6171010101900001,
    }
    assert redact(doc) == {
        "n": "6171**********01",
        "f": "6171**********01",
        "phone": "0812*****890",
        "telepon": None,
        "phone_masked": "0812****7890",
        "seq": 6171010101900001,
    }


# ---- ids, times and receipt numbers never look like personal data --------------------------


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(["uuid4", "uuid7"]), min_size=1, max_size=20),
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31)),
    st.integers(1, 99),
    st.integers(1, 99999),  # past 9,999: the offline range (core/numbering)
    st.integers(0, 2**62),
)
def test_structured_values_never_look_like_personal_data(
    kinds: list[str], when: datetime, counter: int, number: int, seq: int
) -> None:
    ids = [str(uuid.uuid4()) if k == "uuid4" else str(uuid7()) for k in kinds]
    stamp = when.replace(tzinfo=UTC).isoformat()
    receipt = receipt_number("PTK", f"L{counter:02d}", when.date(), f"A{number:03d}")
    bare = receipt_number("PTK", f"{counter:02d}", when.date(), f"B{number:03d}")
    doc = {
        "seq": seq,
        "id": ids[0],
        "ticket_id": ids[-1],
        "created_at": stamp,
        "day": str(when.date()),
        "receipt_no": receipt,
        "number": bare,
        "created_us": int(when.timestamp() * 1e6),
        "text": f"tiket {receipt} ({ids[0]}) pada {stamp}, {bare}",
    }
    assert document_problem(doc) is None


def test_an_offline_receipt_number_has_the_receipt_shape() -> None:
    # A12005 (offline block 2, number 5) is skipped as a receipt number like A023, not scanned
    # as free text (slower, and its 8-digit date would be read as digits).
    from counter_app.core import pii

    shape = pii._SHAPES[pii.RECEIPT]
    assert shape.fullmatch(receipt_number("PTK", "L01", date(2026, 11, 30), "A12005"))
    assert shape.fullmatch(receipt_number("PTK", "L01", date(2026, 11, 30), "A023"))
    assert not shape.fullmatch("PTK-L01-20261130-A123456")


@settings(max_examples=200, deadline=None)
@given(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)), st.integers(0, 23), st.integers(0, 59)
)
def test_dates_and_times_in_text_pass(day: date, hour: int, minute: int) -> None:
    text = (
        f"tanggal {day:%d-%m-%Y} jam {hour:02d}.{minute:02d}, {day:%d/%m/%Y} {hour:02d}:{minute:02d}; "
        f"{day + timedelta(days=1):%d.%m.%Y}"
    )
    assert text_problem(text) is None


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40), st.sampled_from(CAUGHT_TEXT), st.text(max_size=40))
def test_redacted_text_always_passes(before: str, number: str, after: str) -> None:
    text = f"{before} {number} {after}"
    assert text_problem(redact_text(text)) is None


# ---- names ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "names", "masked"),
    [
        ("Saya Budi Santoso kecewa", ["Budi Santoso"], "Saya Budi S****** kecewa"),
        (
            "BUDI   SANTOSO datang, pak santoso marah",
            ["Budi Santoso"],
            "BUDI S****** datang, pak s****** marah",
        ),
        ("Sukarno menunggu", ["Sukarno"], "Suk**** menunggu"),
        ("Siti Aminah Rahayu dan Rahayu", ["  Siti  Aminah Rahayu "], "Siti A***** R***** dan R*****"),
        ("Ahmad bin Umar", ["Ahmad Bin Umar"], "Ahmad b** U***"),
        ("Budiman Santosoputra", ["Budi Santoso"], "Budiman Santosoputra"),  # other words
        ("tidak ada nama", ["Budi Santoso"], "tidak ada nama"),
        ("Budi Santoso", [], "Budi Santoso"),
    ],
)
def test_the_visitors_names_are_masked(text: str, names: list[str], masked: str) -> None:
    assert mask_names(text, names) == masked


def test_names_and_numbers_together() -> None:
    doc = {"text": "Budi Santoso, WA 0812-3456-7890", "receipt_no": "PTK-L01-20261130-A023"}
    assert redact(doc, ["Budi Santoso"]) == {
        "text": "Budi S******, WA 0812*****890",
        "receipt_no": "PTK-L01-20261130-A023",
    }
