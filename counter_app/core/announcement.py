"""What the hall voice says for a call, as the clip names of a voice pack, in order.

"Nomor antrean, A, dua puluh tiga, silakan menuju loket tiga" is composed from short clips:
a chime, the phrase clips, one clip per letter and one per number word. The hall display and
`counter-app voice` both play exactly this sequence, so a site can listen before it goes live.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from counter_app.core.number_words import number_word_list, split_code
from counter_app.core.paths import RESOURCES

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

# The default pack (espeak-ng, tools/make_voice_pack.py); a site's folder overrides clip by clip.
DEFAULT_PACK = RESOURCES / "voice" / "id"
# What a site's own recordings may be, in the order they are looked for, with their media type.
AUDIO_TYPES = {
    ".ogg": "audio/ogg",
    ".opus": "audio/ogg",
    ".mp3": "audio/mpeg",
    ".wav": "audio/wav",
    ".flac": "audio/flac",
}
_CLIP_NAME = re.compile(r"^[a-z][a-z0-9-]{0,39}$")


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
        elif clip == OPENING or following == DIRECTION or (clip in LETTERS and following not in LETTERS):
            pauses.append(GAP_COMMA_MS)
        else:
            pauses.append(GAP_MS)
    return pauses


def clip_file(name: str, folder: str | Path | None = None) -> Path | None:
    """The file that says clip `name`: the site's own recording in `folder` if it has one
    (any of AUDIO_TYPES), else the default pack's; None for a name that is no clip."""
    if not _CLIP_NAME.fullmatch(name):
        return None
    if folder:
        for ext in AUDIO_TYPES:
            own = Path(folder) / f"{name}{ext}"
            if own.is_file():
                return own
    default = DEFAULT_PACK / f"{name}.ogg"
    return default if default.is_file() else None


def pack_clips(folder: str | Path | None = None) -> frozenset[str]:
    """The clip names a pack can say: the default pack's, plus any extra word a site recorded
    in its own folder (e.g. "kependudukan" for "loket kependudukan satu")."""
    names = {p.stem for p in DEFAULT_PACK.glob("*.ogg")} | set(CLIPS)
    if folder and Path(folder).is_dir():
        names |= {
            p.stem for p in Path(folder).iterdir() if p.suffix in AUDIO_TYPES and _CLIP_NAME.fullmatch(p.stem)
        }
    return frozenset(names)


def counter_words(
    counter_code: str, spoken: str | None = None, available: Iterable[str] = CLIPS
) -> list[str]:
    """The clips for a counter: its configured spoken name, else "loket" and its number."""
    if spoken:
        return spoken_name_words(spoken, available)
    return default_counter_words(counter_code)


@dataclass(frozen=True)
class Announcement:
    """Exactly what the hall plays for one call: clips in order and the pause after each."""

    clips: list[str]
    gaps_ms: list[int]

    def to_json(self) -> dict[str, list[str] | list[int]]:
        return {"clips": self.clips, "gaps_ms": self.gaps_ms}


def announcement(
    code: str,
    counter_code: str,
    spoken: str | None = None,
    *,
    chime: bool = True,
    available: Iterable[str] = CLIPS,
) -> Announcement:
    """The announcement of `code` called to `counter_code` (shared by the display and
    `counter-app voice`)."""
    clips = call_sequence(code, counter_words(counter_code, spoken, available), chime=chime)
    return Announcement(clips, gaps_ms(clips))
