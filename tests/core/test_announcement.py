"""The hall announcement's clip sequence, and the default voice pack that plays it."""

from __future__ import annotations

import subprocess
import shutil

import pytest

from counter_app.core.announcement import (
    CHIME,
    CLIPS,
    UnknownWord,
    call_sequence,
    default_counter_words,
    gaps_ms,
    spoken_name_words,
)
from counter_app.core.paths import resource

CASES = [
    ("A023", "L03", "chime nomor-antrean a dua puluh tiga silakan-menuju loket tiga"),
    ("A001", "L01", "chime nomor-antrean a satu silakan-menuju loket satu"),
    ("C100", "L12", "chime nomor-antrean c seratus silakan-menuju loket dua belas"),
    ("B011", "L10", "chime nomor-antrean b sebelas silakan-menuju loket sepuluh"),
    ("D999", "L2", "chime nomor-antrean d sembilan ratus sembilan puluh sembilan "
     "silakan-menuju loket dua"),
    ("K1234", "L40", "chime nomor-antrean k seribu dua ratus tiga puluh empat "
     "silakan-menuju loket empat puluh"),
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


@pytest.mark.skipif(shutil.which("sox") is None, reason="sox measures the clips")
@pytest.mark.parametrize("clip", CLIPS)
def test_default_pack_clip_is_sound(clip: str) -> None:
    """Every committed clip exists, is not silent, and is a sane length to say one word."""
    path = resource("voice", "id", f"{clip}.ogg")
    assert path.is_file(), f"missing clip {path}"
    seconds = float(subprocess.run(["soxi", "-D", str(path)], capture_output=True, text=True,
                                   check=True).stdout)
    assert 0.1 <= seconds <= (2.0 if clip != CHIME else 2.5)
    stats = subprocess.run(["sox", str(path), "-n", "stat"], capture_output=True, text=True,
                           check=True).stderr
    rms = float(next(line for line in stats.splitlines() if line.startswith("RMS     amplitude"))
                .split(":")[1])
    assert rms > 0.02, f"{clip} is (nearly) silent: RMS {rms}"
