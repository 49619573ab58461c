"""`counter-app voice`: render a hall announcement to audio, exactly as the display plays it.

The display schedules the clips one after the other with `gaps_ms` of silence after each
(core/announcement.py); here the same clips are decoded (Ogg Vorbis, or a site's WAV/FLAC/MP3
recordings through libsndfile), made mono at one sample rate and joined with the same gaps, so
the WAV lasts the clips' sum plus the gaps. `soundfile` and numpy are imported only here and
only when audio is asked for.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from counter_app.core.announcement import Announcement, announcement, clip_file, pack_clips
from counter_app.core.errors import ValidationError

RATE = 22050  # the default pack's rate; other recordings are resampled to it


@dataclass(frozen=True)
class Rendered:
    announcement: Announcement
    files: list[Path]
    rate: int
    clip_frames: list[int]
    gap_frames: list[int]
    wav: bytes

    @property
    def frames(self) -> int:
        return sum(self.clip_frames) + sum(self.gap_frames)

    @property
    def seconds(self) -> float:
        return self.frames / self.rate


def plan(
    code: str, counter: str, spoken: str | None = None, *, chime: bool = True, voice_dir: str | None = None
) -> tuple[Announcement, list[Path]]:
    """The clips of the call and the file that says each (the site's folder first)."""
    try:
        said = announcement(code, counter, spoken, chime=chime, available=pack_clips(voice_dir))
    except ValueError as exc:  # UnknownWord is one: a word the pack cannot say
        word = getattr(exc, "word", None)
        if word is not None:
            raise ValidationError("display.unknown_word", field="spoken", word=word) from None
        raise ValidationError("voice.bad_code", field="code", code=code) from None
    files = []
    for clip in said.clips:
        path = clip_file(clip, voice_dir)
        if path is None:
            raise ValidationError("voice.clip_missing", field="voice_dir", clip=clip)
        files.append(path)
    return said, files


def _decode(path: Path) -> tuple[Any, int]:
    import numpy as np
    import soundfile

    try:
        data, rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    except (soundfile.LibsndfileError, RuntimeError) as exc:
        raise ValidationError(
            "voice.clip_unreadable", field="voice_dir", path=str(path), detail=str(exc)
        ) from None
    mono = data.mean(axis=1)
    if rate != RATE and len(mono):  # linear resampling: plenty for speech on a hall speaker
        n = max(1, round(len(mono) * RATE / rate))
        mono = np.interp(np.linspace(0, len(mono) - 1, n), np.arange(len(mono)), mono).astype("float32")
    return mono, RATE


def render(
    code: str, counter: str, spoken: str | None = None, *, chime: bool = True, voice_dir: str | None = None
) -> Rendered:
    """The announcement as 16-bit mono WAV bytes."""
    import numpy as np
    import soundfile

    said, files = plan(code, counter, spoken, chime=chime, voice_dir=voice_dir)
    parts: list[Any] = []
    clip_frames: list[int] = []
    gap_frames: list[int] = []
    for i, path in enumerate(files):
        samples, _rate = _decode(path)
        parts.append(samples)
        clip_frames.append(len(samples))
        if i < len(said.gaps_ms):
            gap = round(said.gaps_ms[i] * RATE / 1000)
            parts.append(np.zeros(gap, dtype="float32"))
            gap_frames.append(gap)
    audio = np.concatenate(parts) if parts else np.zeros(0, dtype="float32")
    out = io.BytesIO()
    soundfile.write(out, np.clip(audio, -1.0, 1.0), RATE, format="WAV", subtype="PCM_16")
    return Rendered(said, files, RATE, clip_frames, gap_frames, out.getvalue())
