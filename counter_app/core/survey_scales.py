"""Each survey element's own answer words, as PermenPANRB No. 14 of 2017's questionnaire has them.

Score 1–4 means the same for the index, but the visitor reads the element's own scale: the
question on waiting time is answered *Tidak cepat … Sangat cepat*, not *Tidak sesuai … Sangat
sesuai*. `scale_of(code)` names the scale; its words are the messages `survey.scale.<name>.<score>`
(Indonesian and English in resources/i18n).
"""

from __future__ import annotations

from counter_app.core.ikm import ELEMENTS, SCORES

# element → scale name (DOMAIN.md, "Satisfaction survey": the element scales table)
ELEMENT_SCALES: dict[str, str] = {
    "U1": "sesuai",  # persyaratan
    "U2": "mudah",  # sistem, mekanisme, dan prosedur
    "U3": "cepat",  # waktu penyelesaian
    "U4": "biaya",  # Sangat mahal … Gratis
    "U5": "sesuai",  # produk spesifikasi jenis pelayanan
    "U6": "kompeten",  # kompetensi pelaksana
    "U7": "sopan",  # perilaku pelaksana: sopan dan ramah
    "U8": "pengaduan",  # penanganan pengaduan: Tidak ada … Dikelola dengan baik
    "U9": "sarana",  # sarana dan prasarana: Buruk … Sangat baik
}
assert set(ELEMENT_SCALES) == set(ELEMENTS)


# the message keys of each scale, score 1 first, written out so a key scan finds every one
SCALE_ANSWERS: dict[str, tuple[str, str, str, str]] = {
    "sesuai": (
        "survey.scale.sesuai.1",
        "survey.scale.sesuai.2",
        "survey.scale.sesuai.3",
        "survey.scale.sesuai.4",
    ),
    "mudah": ("survey.scale.mudah.1", "survey.scale.mudah.2", "survey.scale.mudah.3", "survey.scale.mudah.4"),
    "cepat": ("survey.scale.cepat.1", "survey.scale.cepat.2", "survey.scale.cepat.3", "survey.scale.cepat.4"),
    "biaya": ("survey.scale.biaya.1", "survey.scale.biaya.2", "survey.scale.biaya.3", "survey.scale.biaya.4"),
    "kompeten": (
        "survey.scale.kompeten.1",
        "survey.scale.kompeten.2",
        "survey.scale.kompeten.3",
        "survey.scale.kompeten.4",
    ),
    "sopan": ("survey.scale.sopan.1", "survey.scale.sopan.2", "survey.scale.sopan.3", "survey.scale.sopan.4"),
    "pengaduan": (
        "survey.scale.pengaduan.1",
        "survey.scale.pengaduan.2",
        "survey.scale.pengaduan.3",
        "survey.scale.pengaduan.4",
    ),
    "sarana": (
        "survey.scale.sarana.1",
        "survey.scale.sarana.2",
        "survey.scale.sarana.3",
        "survey.scale.sarana.4",
    ),
}
assert set(SCALE_ANSWERS) == set(ELEMENT_SCALES.values())
assert all(len(keys) == len(SCORES) for keys in SCALE_ANSWERS.values())


def scale_of(code: str) -> str:
    return ELEMENT_SCALES[code]


def answer_keys(code: str) -> tuple[str, ...]:
    """The message keys of the four answers of one element, score 1 first."""
    return SCALE_ANSWERS[scale_of(code)]
