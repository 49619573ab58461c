"""The daily summary's documents saved as files: all or nothing, each written atomically.

`write_files` renders every requested document (services/daily_report.py) before it writes
any, then saves each through core/files.atomic_write (temporary file, fsync, rename, fsync of
the folder); `save` is that write for one file whose folder may not exist yet (the printouts
folder). daily_report.file_stem suggests their names.
"""

from __future__ import annotations

from pathlib import Path

from counter_app.core.errors import ValidationError
from counter_app.core.files import atomic_write
from counter_app.services import daily_report
from counter_app.services.daily_report import DailyFigures


def write_files(
    figures: DailyFigures,
    *,
    pdf: Path | None = None,
    xlsx: Path | None = None,
    csv: Path | None = None,
    lang: str = "id",
) -> dict[str, str]:
    """Render every requested document first, then write each with `save` (atomic, durable).
    All or nothing: if rendering or any write fails, no file of this call is left behind (a
    file that cannot be written is a `ValidationError`, `report.write_failed`).
    Returns {"pdf"|"xlsx"|"csv": path}."""
    rendered: list[tuple[str, Path, bytes]] = []
    if pdf is not None:
        rendered.append(("pdf", Path(pdf), daily_report.report_pdf(figures, lang)))
    if xlsx is not None:
        rendered.append(("xlsx", Path(xlsx), daily_report.report_xlsx(figures, lang)))
    if csv is not None:
        rendered.append(("csv", Path(csv), daily_report.report_csv(figures)))
    written: dict[str, str] = {}
    created: list[Path] = []  # rolled back on failure (a replaced file cannot be restored)
    for kind, path, data in rendered:
        existed = path.exists()
        try:
            save(path, data)
        except OSError as exc:
            for done in created:
                done.unlink(missing_ok=True)
            raise ValidationError(
                "report.write_failed", field=kind, path=str(path), error=exc.strerror or str(exc)
            ) from exc
        written[kind] = str(path)
        if not existed:
            created.append(path)
    return written


def save(path: Path, data: bytes) -> Path:
    """Write `data` to `path` whole or not at all (owner-only), making its folder if needed."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return atomic_write(path, data)
