"""The SKM period report, rendered from snapshots (no database): the agencies' shape, numbers
in both languages, escaping, the follow-up plan, fonts and page numbering."""

from __future__ import annotations

import io
from typing import Any

import pypdf
import pytest

from counter_app.documents import skm_report_pdf

ELEMENTS = ("U1", "U2", "U3", "U4", "U5", "U6", "U7", "U8", "U9")


def snapshot(*, respondents: int = 120, suggestions: list[str] | None = None, **over: Any) -> dict[str, Any]:
    """A period like the services make: NRR 3.10 … 3.73, IKM 79.41 (B)."""
    nrr = dict(zip(ELEMENTS, (3.10, 3.08, 3.09, 3.73, 3.10, 3.10, 3.15, 3.11, 3.12)))
    empty = respondents == 0
    snap: dict[str, Any] = {
        "date_from": "2026-11-01",
        "date_to": "2026-11-30",
        "filter": {"service": None, "agency": None, "counter": None},
        "respondents": respondents,
        "incomplete": 2,
        "ikm": None if empty else 79.41,
        "grade": None if empty else "B",
        "kinerja": None if empty else "Baik",
        "population": 800,
        "required_sample": 260,
        "sample_sufficient": respondents >= 260,
        "nrr": {} if empty else nrr,
        "nrr_weighted": {} if empty else {c: round(v / 9, 3) for c, v in nrr.items()},
        "nrr_weighted_total": None if empty else 3.177,
        "element_index": {} if empty else {c: round(v * 25, 2) for c, v in nrr.items()},
        "element_grade": {} if empty else {c: ("A" if v > 3.6 else "B") for c, v in nrr.items()},
        "totals": {c: (0 if empty else int(v * respondents)) for c, v in nrr.items()},
        "answered": {c: respondents - (2 if c == "U8" else 0) for c in nrr},
        "weakest": [] if empty else ["U2", "U3", "U1"],
        "by_service": [
            {
                "service": "KTP",
                "name": "KTP-el (Rekam/Cetak)",
                "name_en": "Electronic ID card",
                "agency": "DUKCAPIL",
                "respondents": 60,
                "incomplete": 0,
                "ikm": 79.6,
                "grade": "B",
                "kinerja": "Baik",
                "population": 300,
                "required_sample": 169,
            },
            {
                "service": "PASPOR",
                "name": "Paspor (Baru/Penggantian)",
                "name_en": "Passport",
                "agency": "IMIGRASI",
                "respondents": 60,
                "incomplete": 0,
                "ikm": 89.2,
                "grade": "A",
                "kinerja": "Sangat Baik",
                "population": 500,
                "required_sample": 217,
            },
        ],
        "by_agency": [],
        "by_counter": [],
        "site": {
            "code": "PTK",
            "name": "Mal Pelayanan Publik Kota Pontianak",
            "address": "Gedung Kapuas Indah Lt. 3, Jl. Kapten Marsan, Pontianak",
        },
        "scope_name": None,
        "timezone": "Asia/Pontianak",
        "generated_at": "2026-12-01T02:00:00+00:00",
        "responses": respondents + 2,
        "sources": {"kiosk": respondents - 10, "paper": 12},
        "profile": {
            "age_band": [
                {"code": c, "count": n}
                for c, n in zip(("le_20", "21_30", "31_40", "41_50", "gt_50"), (5, 40, 35, 25, 10))
            ],
            "sex": [{"code": "L", "count": 50}, {"code": "P", "count": 65}],
            "education": [
                {"code": c, "count": 10} for c in ("sd", "smp", "sma", "diploma", "s1", "s2", "s3")
            ],
            "occupation": [
                {"code": c, "count": 10}
                for c in ("pns", "tni", "polri", "swasta", "wirausaha", "pelajar", "lainnya")
            ],
        },
        "profile_unknown": {"age_band": 7, "sex": 7, "education": 52, "occupation": 52},
        "suggestions": [
            {"day": "2026-11-03", "service": "KTP", "text": s}
            for s in (suggestions if suggestions is not None else ["Ruang tunggu panas."])
        ],
    }
    snap.update(over)
    return snap


def read(pdf: bytes) -> pypdf.PdfReader:
    return pypdf.PdfReader(io.BytesIO(pdf))


def flat(pdf: bytes) -> str:
    return " ".join(" ".join(p.extract_text() or "" for p in read(pdf).pages).split())


def test_the_published_shape_in_indonesian() -> None:
    pdf = skm_report_pdf.render(snapshot())
    text = flat(pdf)
    pages = len(read(pdf).pages)
    assert "Laporan Hasil Survei Kepuasan Masyarakat" in text
    assert "Periode survei: 1 November 2026 – 30 November 2026" in text
    assert "Cakupan: seluruh layanan" in text
    assert "79,41" in text and "Indeks Kepuasan Masyarakat (IKM)" in text
    assert "Mutu pelayanan" in text and "Kinerja unit pelayanan" in text and "Baik" in text
    # the element table: no, element, answers, sum, NRR, weighted NRR, converted, grade
    assert "4 U4 · Biaya/Tarif 120 447 3,73 0,414 93,25 A" in text
    assert "8 U8 · Penanganan Pengaduan, Saran dan Masukan 118 " in text
    assert "Jumlah NRR tertimbang (Σ NRR × 1/9) 3,177" in text
    assert "IKM unit pelayanan (× 25) 79,41 B" in text
    assert "Sampel minimum menurut tabel Krejcie–Morgan: 260" in text
    assert "belum memenuhi sampel minimum (kurang 140)" in text
    assert "2 isian tidak lengkap (sebagian unsur kosong); setiap unsur dibagi dengan jumlah jawaban" in text
    assert "KTP-el (Rekam/Cetak) DUKCAPIL 300 60 79,60 B Baik" in text
    assert "Profil responden" in text and "21–30 tahun 40" in text and "Tidak diisi" in text
    assert "1. Ruang tunggu panas. (03-11-2026 · KTP)" in text
    # the follow-up plan starts with the weakest elements and leaves the rest to fill in
    assert "1 U2 · Sistem, Mekanisme, dan Prosedur (NRR 3,08)" in text
    assert "Program / kegiatan perbaikan" in text and "Penanggung jawab" in text
    assert "bobot 1/9, bukan 0,111" in text
    assert "Kepala Unit Pelayanan" in text and "NIP." in text
    assert f"Halaman 1 dari {pages}" in text and f"Halaman {pages} dari {pages}" in text


def test_english() -> None:
    text = flat(skm_report_pdf.render(snapshot(), "en"))
    assert "Public Satisfaction Survey Report" in text and "Scope: all services" in text
    assert "79.41" in text and "Good" in text and "Unit IKM (× 25) 79.41 B" in text
    assert "Electronic ID card IMIGRASI" not in text and "Passport IMIGRASI 500 60 89.20 A Very good" in text
    assert "Page 1 of" in text


def test_no_respondents() -> None:
    pdf = skm_report_pdf.render(snapshot(respondents=0, suggestions=[]))
    text = flat(pdf)
    assert "Belum ada responden dengan isian lengkap pada periode ini." in text
    assert "Tidak ada saran tertulis pada periode ini." in text
    assert "Nilai rata-rata (NRR) per unsur" not in text  # no chart without data


def test_scope_line() -> None:
    snap = snapshot(filter={"service": "KTP", "agency": None, "counter": None}, scope_name="KTP-el")
    assert "Layanan: KTP-el (KTP)" in flat(skm_report_pdf.render(snap))
    assert skm_report_pdf.file_stem(snap) == "laporan-skm-20261101-20261130-KTP"


@pytest.mark.parametrize("text", ["<b>tebal</b> &amp; <font size=40>", "a\nb & <c>"])
def test_suggestions_print_literally(text: str) -> None:
    out = flat(skm_report_pdf.render(snapshot(suggestions=[text])))
    assert " ".join(text.replace("\n", " ").split()) in out


def test_long_suggestion_lists_are_cut_short() -> None:
    text = flat(skm_report_pdf.render(snapshot(suggestions=[f"Saran nomor {i}" for i in range(230)])))
    assert "Saran nomor 199" in text and "Saran nomor 200" not in text
    assert "… dan 30 saran lain" in text


def test_fonts_are_embedded_dejavu() -> None:
    fonts = set()
    for page in read(skm_report_pdf.render(snapshot())).pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            fonts.add(str(font.get_object()["/BaseFont"]).split("+")[-1])
    assert fonts and all(f.startswith("DejaVuSans") for f in fonts), fonts


def test_element_chart_has_a_bar_per_element() -> None:
    from reportlab.graphics import renderPDF

    snap = snapshot()
    drawing = skm_report_pdf.element_chart(snap["nrr"], snap["element_grade"], "id")
    pdf = renderPDF.drawToString(drawing)
    assert pdf.startswith(b"%PDF")
    labels = [s.text for s in drawing.getContents()[1:]]  # element names under the bars
    assert labels[0] == "Persyaratan" and len(labels) == 9


def test_paper_forms_only_read_unknown_not_zero() -> None:
    """No visitor served in the scope: the population is not known, nor the sample it needs."""
    by_service = [dict(r, population=None, required_sample=None) for r in snapshot()["by_service"]]
    snap = snapshot(population=None, required_sample=None, sample_sufficient=None, by_service=by_service)
    text = flat(skm_report_pdf.render(snap))
    assert "Populasi (pengunjung selesai dilayani): tidak diketahui." in text
    assert "Krejcie–Morgan: tidak diketahui." in text
    assert "sampel minimum (kurang" not in text
    assert "KTP-el (Rekam/Cetak) DUKCAPIL tidak diketahui 60 79,60 B Baik" in text
    english = flat(skm_report_pdf.render(snap, "en"))
    assert "Population (visitors served): unknown." in english
