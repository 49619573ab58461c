"""One translation mechanism for the whole program: message keys rendered in id (default) or en.

Messages live in `resources/i18n/<lang>.json`. Indonesian is the reference language: every key
must exist there; English falls back to Indonesian, never to the bare key, so a screen never
shows an internal name.

Keys are static: `t()` and `tn()` take a literal key, or a key looked up in a literal table
whose name ends in `_KEYS` (`t(STATUS_KEYS[status])`), so tests/test_translations.py can find
every key the program uses by reading the source.
"""

from __future__ import annotations

import json
import logging
import os
import string
from functools import cache
from typing import Any

from counter_app.core.paths import resource

LANGUAGES = ("id", "en")
DEFAULT_LANGUAGE = "id"

log = logging.getLogger(__name__)

_current = DEFAULT_LANGUAGE
# Tests set LOKET_I18N_STRICT=1 (tests/conftest.py): a missing parameter then raises instead of
# being logged, so a message that would show a hole fails the test that renders it.
_strict = os.environ.get("LOKET_I18N_STRICT") == "1"

# The literal key tables shared by several layers (a ticket's status and priority, languages).
STATUS_KEYS = {
    "waiting": "status.waiting",
    "called": "status.called",
    "serving": "status.serving",
    "done": "status.done",
    "no_show": "status.no_show",
    "cancelled": "status.cancelled",
    "transferred": "status.transferred",
}
PRIORITY_KEYS = {
    "": "priority.",  # general (no priority class)
    "lansia": "priority.lansia",
    "disabilitas": "priority.disabilitas",
    "ibu_hamil": "priority.ibu_hamil",
    "anak": "priority.anak",
    "korban_bencana": "priority.korban_bencana",
}
LANGUAGE_KEYS = {"id": "gui.lang.id", "en": "gui.lang.en"}
ROLE_KEYS = {
    "admin": "gui.role.admin",
    "staff": "gui.role.staff",
    "supervisor": "gui.role.supervisor",
}
COMPLAINT_STATUS_KEYS = {
    "baru": "complaint.status.baru",
    "diproses": "complaint.status.diproses",
    "selesai": "complaint.status.selesai",
}
COMPLAINT_CLASS_KEYS = {
    "berkadar_pengawasan": "complaint.class.berkadar_pengawasan",
    "normatif": "complaint.class.normatif",
    "ringan": "complaint.class.ringan",
    "tidak_berkadar_pengawasan": "complaint.class.tidak_berkadar_pengawasan",
}
COMPLAINT_CHANNEL_KEYS = {
    "kotak_saran": "complaint.channel.kotak_saran",
    "langsung": "complaint.channel.langsung",
    "lapor": "complaint.channel.lapor",
    "telepon": "complaint.channel.telepon",
    "whatsapp": "complaint.channel.whatsapp",
}
COMPLAINT_CATEGORY_KEYS = {
    "biaya": "complaint.category.biaya",
    "informasi": "complaint.category.informasi",
    "kompetensi": "complaint.category.kompetensi",
    "lainnya": "complaint.category.lainnya",
    "perilaku": "complaint.category.perilaku",
    "persyaratan": "complaint.category.persyaratan",
    "produk": "complaint.category.produk",
    "prosedur": "complaint.category.prosedur",
    "sarana": "complaint.category.sarana",
    "waktu": "complaint.category.waktu",
}
MILESTONE_KEYS = {
    "first_response": "complaint.milestone.first_response",
    "verification": "complaint.milestone.verification",
}
KINERJA_KEYS = {
    "A": "survey.kinerja.A",
    "B": "survey.kinerja.B",
    "C": "survey.kinerja.C",
    "D": "survey.kinerja.D",
}
ELEMENT_KEYS = {
    "U1": "survey.element.U1",
    "U2": "survey.element.U2",
    "U3": "survey.element.U3",
    "U4": "survey.element.U4",
    "U5": "survey.element.U5",
    "U6": "survey.element.U6",
    "U7": "survey.element.U7",
    "U8": "survey.element.U8",
    "U9": "survey.element.U9",
}
ELEMENT_SHORT_KEYS = {
    "U1": "survey.element_short.U1",
    "U2": "survey.element_short.U2",
    "U3": "survey.element_short.U3",
    "U4": "survey.element_short.U4",
    "U5": "survey.element_short.U5",
    "U6": "survey.element_short.U6",
    "U7": "survey.element_short.U7",
    "U8": "survey.element_short.U8",
    "U9": "survey.element_short.U9",
}
QUESTION_KEYS = {
    "U1": "survey.question.U1",
    "U2": "survey.question.U2",
    "U3": "survey.question.U3",
    "U4": "survey.question.U4",
    "U5": "survey.question.U5",
    "U6": "survey.question.U6",
    "U7": "survey.question.U7",
    "U8": "survey.question.U8",
    "U9": "survey.question.U9",
}
PAPER_KEYS = {
    "58mm": "gui.settings.paper.58mm",
    "80mm": "gui.settings.paper.80mm",
    "a6": "gui.settings.paper.a6",
}

SEX_KEYS = {
    "L": "survey.sex.L",
    "P": "survey.sex.P",
}
AGE_BAND_KEYS = {
    "21_30": "survey.age_band.21_30",
    "31_40": "survey.age_band.31_40",
    "41_50": "survey.age_band.41_50",
    "gt_50": "survey.age_band.gt_50",
    "le_20": "survey.age_band.le_20",
}
EDUCATION_KEYS = {
    "diploma": "survey.education.diploma",
    "s1": "survey.education.s1",
    "s2": "survey.education.s2",
    "s3": "survey.education.s3",
    "sd": "survey.education.sd",
    "sma": "survey.education.sma",
    "smp": "survey.education.smp",
}
OCCUPATION_KEYS = {
    "lainnya": "survey.occupation.lainnya",
    "pelajar": "survey.occupation.pelajar",
    "pns": "survey.occupation.pns",
    "polri": "survey.occupation.polri",
    "swasta": "survey.occupation.swasta",
    "tni": "survey.occupation.tni",
    "wirausaha": "survey.occupation.wirausaha",
}
PROFILE_KEYS = {
    "sex": "survey.profile.sex",
    "age_band": "survey.profile.age_band",
    "education": "survey.profile.education",
    "occupation": "survey.profile.occupation",
}
# The survey profile's answers, by field (the kiosk's buttons, the SKM report's tables).
PROFILE_VALUE_TABLES = {
    "sex": SEX_KEYS,
    "age_band": AGE_BAND_KEYS,
    "education": EDUCATION_KEYS,
    "occupation": OCCUPATION_KEYS,
}


class MissingParameter(KeyError):
    """A message was rendered without one of its `{name}` parameters (raised in strict mode)."""


@cache
def catalogue(lang: str) -> dict[str, str]:
    with open(resource("i18n", f"{lang}.json"), encoding="utf-8") as fh:
        words: dict[str, str] = json.load(fh)
    return words


def set_language(lang: str) -> None:
    global _current
    if lang not in LANGUAGES:
        raise ValueError(f"unsupported language {lang!r}")
    _current = lang


def language() -> str:
    return _current


def set_strict(strict: bool) -> None:
    """Raise `MissingParameter` (True) or log and show the hole (False) on a missing parameter."""
    global _strict
    _strict = strict


def template(key: str, *, lang: str | None = None) -> str:
    """The raw text of `key` in `lang`, falling back to Indonesian, then to the key itself."""
    text = catalogue(lang or _current).get(key)
    if text is None:
        text = catalogue(DEFAULT_LANGUAGE).get(key, key)
    return text


def placeholders(text: str) -> set[str]:
    """The `{name}` fields of a message text."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


class _Holes(dict[str, Any]):
    """Format parameters that render a missing one visibly as `{name}` (after logging it)."""

    def __init__(self, key: str, params: dict[str, Any]) -> None:
        super().__init__(params)
        self.key = key

    def __missing__(self, name: str) -> str:
        if _strict:
            raise MissingParameter(f"message {self.key!r} needs the parameter {name!r}")
        log.error("message %r rendered without its parameter %r", self.key, name)
        return "{" + name + "}"


def t(key: str, /, *, lang: str | None = None, **params: Any) -> str:
    """The message `key` in `lang` (default: the current language), with `{name}` filled in.

    `lang` is keyword-only and never a format parameter. A missing parameter is an error: it
    raises `MissingParameter` in strict mode (the tests), else it is logged and left visible.
    """
    text = template(key, lang=lang)
    if "{" not in text:
        return text
    try:
        return text.format_map(_Holes(key, params))
    except (IndexError, ValueError) as exc:  # a broken template (e.g. a stray brace) is a bug
        if _strict:
            raise
        log.error("message %r cannot be formatted: %s", key, exc)
        return text


def plural_form(count: int, *, lang: str | None = None) -> str:
    """The CLDR plural category of `count`: Indonesian has one form ("other"), English two."""
    if (lang or _current) == "en" and count == 1:
        return "one"
    return "other"


def tn(key: str, count: int, /, *, lang: str | None = None, **params: Any) -> str:
    """The plural message `key.one` / `key.other` for `count` ("1 orang", "3 people").

    `{count}` is filled with the count, written with the language's digit grouping.
    """
    form = plural_form(count, lang=lang)
    full = f"{key}.{form}"
    if full not in catalogue(lang or _current) and full not in catalogue(DEFAULT_LANGUAGE):
        full = f"{key}.other"
    # Integer grouping as Babel writes it (1.234 / 1,234), without importing core.formats,
    # which builds on this module.
    grouped = f"{count:,}"
    params.setdefault("count", grouped.replace(",", ".") if (lang or _current) == "id" else grouped)
    return t(full, lang=lang, **params)
