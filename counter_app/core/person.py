"""Visitor names: trimmed, Unicode-normalised, of sane length, masked for paper and screens."""

from __future__ import annotations

import unicodedata

from counter_app.core.errors import ValidationError

NAME_MAX = 100
NOTES_MAX = 500


def clean_name(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    # str.split() treats the separators \x1c-\x1f as spaces; they are control characters.
    if any(unicodedata.category(ch) == "Cc" and ch not in "\t\n\r" for ch in text):
        raise ValidationError("name.characters", field="name")
    name = " ".join(text.split())
    if not name:
        raise ValidationError("name.empty", field="name")
    if len(name) > NAME_MAX:
        raise ValidationError("name.too_long", field="name", max=NAME_MAX)
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn") for ch in name):
        raise ValidationError("name.characters", field="name")
    if not any(ch.isalpha() for ch in name):
        raise ValidationError("name.letters", field="name")
    return name


def clean_notes(text: str | None) -> str:
    notes = " ".join(unicodedata.normalize("NFC", text or "").split())
    if len(notes) > NOTES_MAX:
        raise ValidationError("notes.too_long", field="notes", max=NOTES_MAX)
    return notes


def mask_name(name: str) -> str:
    """`Siti Aminah Rahayu` → `Siti A***** R*****`: the first word whole, the rest initials.

    A one-word name (Sukarno) would otherwise leave whole, so it keeps only its start: `Suk****`.
    """
    words = name.split()
    if not words:
        return ""
    if len(words) == 1:
        word = words[0]
        keep = max(1, min(3, len(word) // 2))
        return word[:keep] + "*" * (len(word) - keep)
    out = [words[0]]
    for word in words[1:]:
        out.append(word[0] + "*" * (len(word) - 1))
    return " ".join(out)
