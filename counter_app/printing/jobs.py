"""Print a finished document, or keep it where the user can find it.

The caller has already committed whatever the printout records (a ticket, a receipt snapshot):
nothing here touches the database. The PDF is first saved under
`<data_dir>/printouts/<YYYYMMDD>/<name>.pdf` (owner-only), then sent to the printer; if there is no printer
or printing fails, the saved file is the printout and the user is told where it is. So a ticket
is never lost, nor issued twice, because the printer was off.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from counter_app.core.files import atomic_write, make_private_dir
from counter_app.core.i18n import t
from counter_app.printing.qt_print import PrintError, print_pdf

PRINTOUTS = "printouts"


@dataclass(frozen=True)
class PrintOutcome:
    printed: bool
    printer: str | None  # the printer the job went to (None when it did not print)
    pdf_path: Path  # the kept copy, printed or not
    message: str  # for the user, in the current language; names the kept copy


def print_or_keep(
    pdf: bytes,
    *,
    data_dir: Path,
    name: str,
    printer: str | None,
    paper: str,
    day: date,
    copies: int = 1,
) -> PrintOutcome:
    """Save `pdf` as `<name>.pdf` in today's printouts folder, then print it on `printer`
    (None: the system's default). Printer problems are reported in the outcome, not raised.

    `day` is the folder's local day, from the caller's clock (the store's injected one), so a
    printout is never filed under another day than the receipt it is. Saving the same bytes under the
    same name again reuses the file; different bytes under a taken name get `-2`, `-3` … so an
    earlier printout is never overwritten.
    """
    folder = Path(data_dir) / PRINTOUTS / day.strftime("%Y%m%d")
    path = keep_pdf(pdf, folder, name)
    try:
        result = print_pdf(pdf, printer=printer, paper=paper, copies=copies, job_name=path.stem)
    except PrintError as exc:
        return PrintOutcome(
            printed=False,
            printer=None,
            pdf_path=path,
            message=t("print.kept", reason=exc.message(), path=str(path)),
        )
    return PrintOutcome(
        printed=True,
        printer=result.printer,
        pdf_path=path,
        message=t("print.sent", printer=result.printer, path=str(path)),
    )


def keep_pdf(pdf: bytes, folder: Path, name: str) -> Path:
    """Write `pdf` as `folder/<name>.pdf`, all or nothing and durably (`core.files.atomic_write`:
    owner-only, fsync of file and folder, no symlink or device replaced)."""
    make_private_dir(folder)
    stem = _safe_stem(name)
    for n in range(1, 1000):
        path = folder / (f"{stem}.pdf" if n == 1 else f"{stem}-{n}.pdf")
        if not path.exists() and not path.is_symlink():
            break
        if path.is_file() and not path.is_symlink() and path.read_bytes() == pdf:
            return path  # the very same printout, saved before
    else:  # pragma: no cover - a thousand different printouts under one name in one day
        raise FileExistsError(folder / f"{stem}.pdf")
    return atomic_write(path, pdf)


def _safe_stem(name: str) -> str:
    """A file name from `name`: letters, digits, `.`, `_` and `-` only; no leading dot."""
    stem = name[:-4] if name.lower().endswith(".pdf") else name
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("._") or "printout"
    return stem[:120]
