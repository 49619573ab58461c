"""What the hall voice says for a call, as the clip names of a voice pack, in order.

"Nomor antrean, A, dua puluh tiga, silakan menuju loket tiga" is composed from short clips:
a chime, the phrase clips, one clip per letter and one per number word. The hall display and
`counter-app voice` both play exactly this sequence, so a site can listen before it goes live.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from counter_app.core.number_words import number_word_list, split_code

CHIME = "chime"
OPENING = "nomor-antrean"
DIRECTION = "silakan-menuju"

LETTERS = tuple("abcdefghijklmnopqrstuvwxyz")
NUMBER_CLIPS = (
    "nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan",
    "sepuluh", "sebelas", "belas", "puluh", "seratus", "ratus", "seribu", "ribu",
)  # fmt: skip
# Words a site may use in its counters' spoken names ("loket imigrasi dua").
NAME_WORDS = (
    "loket", "meja", "ruang", "pelayanan", "informasi", "pengaduan", "imigrasi", "dukcapil",
    "samsat", "pajak", "bank", "kesehatan", "ketenagakerjaan", "perizinan", "bpjs", "kepolisian",
    "agama", "air", "minum", "prioritas",
)  # fmt: skip

# Every clip the default pack has; a site's own pack must have the same names.
CLIPS: tuple[str, ...] = (CHIME, OPENING, DIRECTION, *LETTERS, *NUMBER_CLIPS, *NAME_WORDS)

# Pauses between parts of the announcement, in milliseconds: after the chime, after a comma.
GAP_AFTER_CHIME_MS = 300
GAP_MS = 120
GAP_COMMA_MS = 250

_WORD = re.compile(r"[a-z]+|\d+")


class UnknownWord(ValueError):
    """A counter's spoken name uses a word the voice pack has no clip for."""

    def __init__(self, word: str) -> None:
        super().__init__(word)
        self.word = word


def default_counter_words(counter_code: str) -> list[str]:
    """How a counter is called when the site set no spoken name: `L03` → loket tiga."""
    try:
        _letters, number = split_code(counter_code)
    except ValueError:
        return ["loket", *spoken_name_words(counter_code)]
    return ["loket", *number_word_list(number)]


def spoken_name_words(name: str, available: Iterable[str] = CLIPS) -> list[str]:
    """The clips of a spoken counter name such as "loket imigrasi 2" (digits become words)."""
    known = set(available)
    words: list[str] = []
    for token in _WORD.findall(name.lower()):
        parts = number_word_list(int(token)) if token.isdigit() else [token]
        for part in parts:
            if part not in known:
                raise UnknownWord(part)
            words.append(part)
    if not words:
        raise UnknownWord(name)
    return words


def call_sequence(code: str, counter_words: list[str], *, chime: bool = True) -> list[str]:
    """The clip names for "Nomor antrean, A, dua puluh tiga, silakan menuju loket tiga"."""
    letters, number = split_code(code)
    clips = [CHIME] if chime else []
    clips.append(OPENING)
    clips += [letter.lower() for letter in letters]
    clips += number_word_list(number)
    clips.append(DIRECTION)
    clips += counter_words
    return clips


def gaps_ms(sequence: list[str]) -> list[int]:
    """The pause after each clip but the last: longer after the chime and at the commas."""
    pauses: list[int] = []
    for i, clip in enumerate(sequence[:-1]):
        following = sequence[i + 1]
        if clip == CHIME:
            pauses.append(GAP_AFTER_CHIME_MS)
        elif clip == OPENING or following == DIRECTION or (
            clip in LETTERS and following not in LETTERS
        ):
            pauses.append(GAP_COMMA_MS)
        else:
            pauses.append(GAP_MS)
    return pauses
