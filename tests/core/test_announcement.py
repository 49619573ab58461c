"""The hall announcement's clip sequence, and the default voice pack that plays it."""

from __future__ import annotations

from pathlib import Path

import pytest

from counter_app.core.announcement import (
    CHIME,
    CLIPS,
    DEFAULT_PACK,
    UnknownWord,
    announcement,
    call_sequence,
    clip_file,
    default_counter_words,
    gaps_ms,
    pack_clips,
    spoken_name_words,
)
from counter_app.core.paths import resource

CASES = [
    ("A023", "L03", "chime nomor-antrean a dua puluh tiga silakan-menuju loket tiga"),
    ("A001", "L01", "chime nomor-antrean a satu silakan-menuju loket satu"),
    ("C100", "L12", "chime nomor-antrean c seratus silakan-menuju loket dua belas"),
    ("B011", "L10", "chime nomor-antrean b sebelas silakan-menuju loket sepuluh"),
    ("D999", "L2", "chime nomor-antrean d sembilan ratus sembilan puluh sembilan silakan-menuju loket dua"),
    (
        "K1234",
        "L40",
        "chime nomor-antrean k seribu dua ratus tiga puluh empat silakan-menuju loket empat puluh",
    ),
]


@pytest.mark.parametrize(("code", "counter", "expected"), CASES)
def test_call_sequence(code: str, counter: str, expected: str) -> None:
    assert call_sequence(code, default_counter_words(counter)) == expected.split()


def test_spoken_counter_names() -> None:
    assert spoken_name_words("Loket Imigrasi 2") == ["loket", "imigrasi", "dua"]
    assert spoken_name_words("meja 11") == ["meja", "sebelas"]
    with pytest.raises(UnknownWord) as info:
        spoken_name_words("loket kapuas 1")
    assert info.value.word == "kapuas"


def test_without_chime_and_gaps() -> None:
    seq = call_sequence("A023", ["loket", "tiga"], chime=False)
    assert seq[0] == "nomor-antrean"
    pauses = gaps_ms(call_sequence("A023", ["loket", "tiga"]))
    assert len(pauses) == len(call_sequence("A023", ["loket", "tiga"])) - 1
    assert pauses[0] > pauses[-1]  # the chime rings out before the words


def test_every_sequence_word_has_a_clip() -> None:
    for n in range(1, 1000):
        for clip in call_sequence(f"A{n:03d}", default_counter_words(f"L{n % 41 or 1}")):
            assert clip in CLIPS


@pytest.mark.parametrize("clip", CLIPS)
def test_default_pack_clip_is_sound(clip: str) -> None:
    """Every committed clip exists, decodes, is not silent, and is a sane length for a word
    (decoded in Python with libsndfile: no sox needed)."""
    soundfile = pytest.importorskip("soundfile")
    np = pytest.importorskip("numpy")
    path = resource("voice", "id", f"{clip}.ogg")
    assert path.is_file(), f"missing clip {path}"
    data, rate = soundfile.read(str(path), always_2d=True)
    seconds = len(data) / rate
    assert 0.1 <= seconds <= (2.0 if clip != CHIME else 2.5), f"{clip}: {seconds:.2f} s"
    rms = float(np.sqrt(np.mean(data**2)))
    assert rms > 0.02, f"{clip} is (nearly) silent: RMS {rms}"
    # trimmed: the sound starts and ends within 60 ms of the file's ends (no dead air)
    loud = np.flatnonzero(np.abs(data).max(axis=1) > 0.01)
    assert loud[0] / rate < 0.06 and (len(data) - loud[-1]) / rate < 0.06, clip


def test_announcement_is_the_sequence_and_its_gaps() -> None:
    said = announcement("A023", "L03", "Loket Imigrasi 2")
    assert said.clips == "chime nomor-antrean a dua puluh tiga silakan-menuju loket imigrasi dua".split()
    assert said.gaps_ms == gaps_ms(said.clips)
    assert announcement("A023", "L03").clips[-2:] == ["loket", "tiga"]
    assert announcement("A023", "L03", chime=False).clips[0] == "nomor-antrean"
    with pytest.raises(UnknownWord):
        announcement("A023", "L03", "loket kapuas")


def test_a_sites_folder_overrides_clip_by_clip(tmp_path: Path) -> None:
    (tmp_path / "loket.wav").write_bytes(b"RIFF")
    (tmp_path / "kapuas.mp3").write_bytes(b"ID3")
    (tmp_path / "Not-A-Clip.ogg").write_bytes(b"")
    assert clip_file("loket", tmp_path) == tmp_path / "loket.wav"
    assert clip_file("tiga", tmp_path) == DEFAULT_PACK / "tiga.ogg"
    assert clip_file("../etc/passwd", tmp_path) is None
    assert clip_file("kapuas") is None
    available = pack_clips(tmp_path)
    assert "kapuas" in available and set(CLIPS) <= available
    assert announcement("A001", "L01", "loket kapuas 1", available=available).clips[-3:] == [
        "loket",
        "kapuas",
        "satu",
    ]
