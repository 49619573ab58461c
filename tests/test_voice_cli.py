"""`counter-app voice`: the announcement the hall display plays, as clip names and as audio."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile

from counter_app.core.announcement import DEFAULT_PACK, announcement

ROOT = Path(__file__).resolve().parents[1]
ENV = {k: v for k, v in os.environ.items() if k != "COUNTER_APP_DATA_DIR"} | {"PYTHONPATH": str(ROOT)}
RATE = 22050


def voice(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "counter_app", "--data-dir", str(tmp_path / "data"), "--json", "voice", *args],
        cwd=ROOT,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def frames_at_rate(path: Path) -> int:
    """A clip's length in frames at the announcement's rate (read independently of the app)."""
    info = soundfile.info(str(path))
    return round(info.frames * RATE / info.samplerate)


@pytest.mark.parametrize(("code", "counter", "spoken"), [
    ("A023", "L03", None),
    ("K1234", "L40", None),
    ("B011", "L02", "loket imigrasi 2"),
])  # fmt: skip
def test_json_lists_the_clips_the_display_plays(
    tmp_path: Path, code: str, counter: str, spoken: str | None
) -> None:
    done = voice(tmp_path, "--code", code, "--counter", counter, *(["--spoken", spoken] if spoken else []))
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    expected = announcement(code, counter, spoken)
    assert doc["clips"] == expected.clips
    assert doc["gaps_ms"] == expected.gaps_ms
    assert doc["files"] == [str(DEFAULT_PACK / f"{c}.ogg") for c in expected.clips]


def test_out_is_the_clips_and_the_gaps(tmp_path: Path) -> None:
    out = tmp_path / "call.wav"
    done = voice(tmp_path, "--code", "A023", "--counter", "L03", "--out", str(out))
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    data, rate = soundfile.read(str(out))
    assert rate == RATE and data.ndim == 1
    clips = sum(frames_at_rate(Path(f)) for f in doc["files"])
    gaps = sum(round(ms * RATE / 1000) for ms in doc["gaps_ms"])
    assert len(data) == clips + gaps == doc["frames"]
    assert np.sqrt(np.mean(data**2)) > 0.02  # sound, not silence


def test_a_sites_own_clip_replaces_the_default(tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    pack.mkdir()
    # the site recorded its own "loket" at 44.1 kHz stereo, and a word the default pack lacks
    t = np.linspace(0, 0.5, int(44100 * 0.5), endpoint=False)
    tone = 0.5 * np.sin(2 * np.pi * 440 * t)
    soundfile.write(str(pack / "loket.wav"), np.stack([tone, tone], axis=1), 44100)
    soundfile.write(str(pack / "kapuas.wav"), tone, 44100)
    out = tmp_path / "call.wav"
    done = voice(
        tmp_path,
        "--code",
        "A023",
        "--counter",
        "L03",
        "--spoken",
        "loket kapuas 1",
        "--voice-dir",
        str(pack),
        "--out",
        str(out),
    )
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert doc["clips"][-3:] == ["loket", "kapuas", "satu"]
    assert doc["files"][-3:] == [
        str(pack / "loket.wav"),
        str(pack / "kapuas.wav"),
        str(DEFAULT_PACK / "satu.ogg"),
    ]
    clips = sum(frames_at_rate(Path(f)) for f in doc["files"])
    assert len(soundfile.read(str(out))[0]) == clips + sum(round(ms * RATE / 1000) for ms in doc["gaps_ms"])


@pytest.mark.parametrize("args", [
    ["--code", "023", "--counter", "L03"],
    ["--code", "A023", "--counter", "L03", "--spoken", "loket kapuas 1"],
    ["--code", "A023", "--counter", "L03", "--voice-dir", "/nonexistent/pack"],
])  # fmt: skip
def test_bad_input_is_refused_and_nothing_written(tmp_path: Path, args: list[str]) -> None:
    out = tmp_path / "call.wav"
    done = voice(tmp_path, *args, "--out", str(out))
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert not out.exists()
    assert "Traceback" not in done.stderr


def test_display_url_and_its_qr_code(tmp_path: Path) -> None:
    import zxingcpp
    from PIL import Image

    def app(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "counter_app", "--data-dir", str(tmp_path / "data"), *args],
            cwd=ROOT,
            env=ENV,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    assert (
        app(
            "init",
            "--site",
            "PTK",
            "--counter",
            "L01",
            "--admin",
            "admin",
            "--admin-password",
            "rahasia-admin-1",
        ).returncode
        == 0
    )
    none = app("display-url")
    assert none.returncode == 2 and "--hub" in none.stderr  # no hub configured yet: said how
    qr = tmp_path / "tv.png"
    done = app(
        "--json", "display-url", "--hub", "http://127.0.0.1:8470/", "--profile", "imigrasi", "--qr", str(qr)
    )
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert doc["url"] == "http://127.0.0.1:8470/display?site=PTK&profile=imigrasi"
    assert doc["loopback"] is True
    assert [r.text for r in zxingcpp.read_barcodes(Image.open(qr))] == [doc["url"]]
