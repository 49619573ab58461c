"""A real CUPS print queue, `LoketPDF`, backed by cups-pdf: printed pages come back as PDFs.

Needs the Debian packages `cups` and `printer-driver-cups-pdf` (CI installs them). With no init
system nothing starts cupsd, so the session fixture starts `cupsd -f` itself when no scheduler
answers, and stops it at the end of the session; a scheduler that was already running is left
alone. The queue is added with `lpadmin` (and removed again if this session added it).

Where cups-pdf writes is set by `Out` in /etc/cups/cups-pdf.conf (Debian: `${HOME}/PDF`, the
home of the user who sent the job, so /root/PDF as root); anonymous jobs go to `AnonDirName`.

Without cupsd the tests that need the queue are skipped, except under CI, where they fail.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

QUEUE = "LoketPDF"
CUPS_PDF_CONF = Path("/etc/cups/cups-pdf.conf")
SBIN = ("/usr/sbin", "/usr/local/sbin", "/sbin")
APT_HINT = "apt-get install cups printer-driver-cups-pdf"


def _tool(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    for folder in SBIN:
        candidate = Path(folder, name)
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return None


def _unavailable(reason: str) -> None:
    """No CUPS here: skip on a developer's machine, fail in CI (where it must work)."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so this is an error; CI must `{APT_HINT}`)")
    pytest.skip(f"{reason}; install with `{APT_HINT}` (as root) to run the printing tests")


def _run(*args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=False)


def _scheduler_running(lpstat: str) -> bool:
    try:
        return "scheduler is running" in _run(lpstat, "-r", timeout=10).stdout
    except subprocess.TimeoutExpired:
        return False


def _cups_pdf_model(lpinfo: str) -> str:
    """The cups-pdf PPD as `lpinfo -m` names it (Debian: lsb/usr/cups-pdf/CUPS-PDF_opt.ppd)."""
    models = [line.split()[0] for line in _run(lpinfo, "-m").stdout.splitlines() if line.strip()]
    pdf = [m for m in models if "cups-pdf" in m.lower()]
    for wanted in ("CUPS-PDF_opt.ppd", "CUPS-PDF_noopt.ppd"):
        for model in pdf:
            if model.endswith(wanted):
                return model
    if pdf:
        return pdf[0]
    _unavailable("cupsd runs but has no cups-pdf driver (`lpinfo -m | grep -i cups-pdf` is empty)")
    raise AssertionError("unreachable")


def _output_dirs(user: str) -> list[Path]:
    """Every folder cups-pdf may write a job of `user` to, the configured one first."""
    entry = pwd.getpwnam(user)
    settings: dict[str, str] = {}
    if CUPS_PDF_CONF.is_file():
        for line in CUPS_PDF_CONF.read_text(encoding="utf-8", errors="replace").splitlines():
            match = re.match(r"\s*(Out|AnonDirName)\s+(\S.*?)\s*$", line)
            if match:
                settings[match.group(1)] = match.group(2)

    def expand(text: str) -> Path:
        return Path(text.replace("${HOME}", entry.pw_dir).replace("${USER}", user))

    dirs = [
        expand(settings.get("Out", "/var/spool/cups-pdf/${USER}")),
        Path(entry.pw_dir, "PDF"),
        expand(settings.get("AnonDirName", "/var/spool/cups-pdf/ANONYMOUS")),
        Path("/var/spool/cups-pdf", user),
    ]
    return list(dict.fromkeys(dirs))


@dataclass
class CupsQueue:
    """The test queue and where its printouts land."""

    name: str
    out_dirs: list[Path]
    produced: list[Path] = field(default_factory=list)

    @staticmethod
    def job_name() -> str:
        """A job title cups-pdf keeps in the output file's name (it mangles other characters)."""
        return f"loket-test-{uuid.uuid4().hex[:12]}"

    def wait_for_output(self, job_name: str, timeout: float = 30) -> Path:
        """The finished PDF of the job titled `job_name` (poll, at most `timeout` seconds)."""
        deadline = time.monotonic() + timeout
        last_size = -1
        while time.monotonic() < deadline:
            found = [p for d in self.out_dirs if d.is_dir() for p in d.glob(f"{job_name}*.pdf")]
            if found:
                path = found[0]
                size = path.stat().st_size
                # cups-pdf writes the file while Ghostscript runs: wait until it is complete.
                if size > 0 and size == last_size and b"%%EOF" in path.read_bytes()[-1024:]:
                    if path not in self.produced:
                        self.produced.append(path)
                    return path
                last_size = size
            time.sleep(0.25)
        lpstat = _tool("lpstat")
        jobs = _run(lpstat, "-W", "all", "-o", self.name).stdout if lpstat else "?"
        raise AssertionError(
            f"no output for job {job_name!r} within {timeout:.0f} s in "
            f"{', '.join(map(str, self.out_dirs))}; jobs: {jobs.strip() or 'none'}"
            " (see /var/log/cups/error_log)"
        )


@pytest.fixture(scope="session")
def cups_queue(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CupsQueue]:
    cupsd, lpstat, lpadmin, lpinfo = (_tool(n) for n in ("cupsd", "lpstat", "lpadmin", "lpinfo"))
    if not (cupsd and lpstat and lpadmin and lpinfo):
        _unavailable("CUPS is not installed (cupsd, lpstat, lpadmin or lpinfo not found)")
    assert cupsd and lpstat and lpadmin and lpinfo
    if not Path("/usr/lib/cups/backend/cups-pdf").exists():
        _unavailable("the cups-pdf backend is not installed (/usr/lib/cups/backend/cups-pdf)")

    started: subprocess.Popen[bytes] | None = None
    if not _scheduler_running(lpstat):
        if os.geteuid() != 0:
            _unavailable("cupsd is not running, and only root can start it")
        log = tmp_path_factory.mktemp("cupsd") / "cupsd.log"
        with open(log, "wb") as sink:
            started = subprocess.Popen([cupsd, "-f"], stdout=sink, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while not _scheduler_running(lpstat):
            if started.poll() is not None or time.monotonic() > deadline:
                _stop(started)
                text = log.read_text(errors="replace")
                pytest.fail(f"`cupsd -f` did not start (exit {started.returncode}): {text}")
            time.sleep(0.2)

    created = False
    queue: CupsQueue | None = None
    try:
        existed = _run(lpstat, "-p", QUEUE).returncode == 0
        model = _cups_pdf_model(lpinfo)
        added = _run(lpadmin, "-p", QUEUE, "-v", "cups-pdf:/", "-E", "-m", model)
        if added.returncode != 0 and not existed:  # e.g. not root and not in group lpadmin
            _unavailable(f"`lpadmin -p {QUEUE} -v cups-pdf:/ -E -m {model}` failed: {added.stderr}")
        created = not existed
        user = pwd.getpwuid(os.geteuid()).pw_name
        queue = CupsQueue(QUEUE, _output_dirs(user))
        yield queue
    finally:
        if queue is not None:
            for path in queue.produced:
                path.unlink(missing_ok=True)
        if created:
            _run(lpadmin, "-x", QUEUE)
        if started is not None:
            _stop(started)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
