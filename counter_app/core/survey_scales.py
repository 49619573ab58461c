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


def scale_of(code: str) -> str:
    return ELEMENT_SCALES[code]


def answer_keys(code: str) -> tuple[str, ...]:
    """The message keys of the four answers of one element, score 1 first."""
    name = scale_of(code)
    return tuple(f"survey.scale.{name}.{score}" for score in SCORES)
