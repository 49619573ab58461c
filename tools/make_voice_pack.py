"""Generate the default Indonesian voice pack (resources/voice/id/*.ogg) with espeak-ng and sox.

Run once by a developer (`python tools/make_voice_pack.py`); the clips are committed, so the
program itself needs neither tool. Each clip is spoken by espeak-ng's Indonesian voice, trimmed
of leading and trailing silence, normalised to -1 dBFS and stored as mono 22.05 kHz Ogg Vorbis.
A site replaces any clip by recording its own under the same name (see docs/hall-display.md).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from counter_app.core.announcement import (  # noqa: E402
    CHIME,
    CLIPS,
    DIRECTION,
    LETTERS,
    OPENING,
)

OUT = ROOT / "resources" / "voice" / "id"
RATE = 22050
SPEED = 135  # words per minute: a little slower than espeak's default, for a hall with echo

# How each letter is named aloud in Indonesian.
LETTER_NAMES = dict(
    zip(
        LETTERS,
        "a be ce de e ef ge ha i je ka el em en o pe ki er es te u ve we eks ye zet".split(),
        strict=True,
    )
)
SPOKEN = {OPENING: "nomor antrean", DIRECTION: "silakan menuju", "bpjs": "be pe je es"}


def text_of(clip: str) -> str:
    if clip in LETTER_NAMES:
        return LETTER_NAMES[clip]
    return SPOKEN.get(clip, clip)


def run(*cmd: str) -> None:
    subprocess.run(cmd, check=True, capture_output=True)


def speak(text: str, target: Path, work: Path) -> None:
    raw = work / "raw.wav"
    run("espeak-ng", "-v", "id", "-s", str(SPEED), "-w", str(raw), text)
    # Trim silence at both ends (reverse, trim, reverse), then level and encode.
    run(
        "sox", str(raw), "-r", str(RATE), "-c", "1", str(target),
        "silence", "1", "0.02", "0.5%", "reverse", "silence", "1", "0.02", "0.5%", "reverse",
        "norm", "-1",
    )  # fmt: skip


def chime(target: Path, work: Path) -> None:
    """A two-note "ding-dong" (E6 then C6) with soft decays."""
    high, low = work / "high.wav", work / "low.wav"
    run("sox", "-n", "-r", str(RATE), "-c", "1", str(high), "synth", "0.45", "sine", "1318.5",
        "fade", "q", "0.005", "0.45", "0.4", "vol", "0.6")  # fmt: skip
    run("sox", "-n", "-r", str(RATE), "-c", "1", str(low), "synth", "0.8", "sine", "1046.5",
        "fade", "q", "0.005", "0.8", "0.75", "vol", "0.6")  # fmt: skip
    run("sox", str(high), str(low), str(target), "norm", "-3")


def main() -> int:
    for tool in ("espeak-ng", "sox"):
        if shutil.which(tool) is None:
            print(f"{tool} is needed (Debian: apt-get install espeak-ng sox)", file=sys.stderr)
            return 2
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for clip in CLIPS:
            target = OUT / f"{clip}.ogg"
            if clip == CHIME:
                chime(target, work)
            else:
                speak(text_of(clip), target, work)
            print(f"{clip:<18} {text_of(clip)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
