"""One translation mechanism for the whole program: message keys rendered in id (default) or en.

Messages live in `resources/i18n/<lang>.json`. Indonesian is the reference language: every key
must exist there; English falls back to Indonesian, never to the bare key, so a screen never
shows an internal name.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from counter_app.core.paths import resource

LANGUAGES = ("id", "en")
DEFAULT_LANGUAGE = "id"

_current = DEFAULT_LANGUAGE


@cache
def catalogue(lang: str) -> dict[str, str]:
    with open(resource("i18n", f"{lang}.json"), encoding="utf-8") as fh:
        return json.load(fh)


def set_language(lang: str) -> None:
    global _current
    if lang not in LANGUAGES:
        raise ValueError(f"unsupported language {lang!r}")
    _current = lang


def language() -> str:
    return _current


def t(key: str, lang: str | None = None, /, **params: Any) -> str:
    """The message `key` in `lang` (default: the current language), with `{name}` filled in."""
    lang = lang or _current
    text = catalogue(lang).get(key)
    if text is None:
        text = catalogue(DEFAULT_LANGUAGE).get(key, key)
    if params:
        try:
            return text.format(**params)
        except (KeyError, IndexError, ValueError):
            return text
    return text
