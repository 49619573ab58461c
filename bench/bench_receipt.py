"""Registration + signed receipt PDF, against a bare ReportLab + qrcode page of the same content.

    .venv/bin/python bench/bench_receipt.py [--n 300] [--paper 80mm|58mm|a6] [--quick]

Each iteration registers one visitor through services.tickets.register (a real store made by
services.setup.initialise in a temp dir: WAL, synchronous=FULL) and then asks
services.receipts.receipt_pdf for the PDF bytes (snapshot, Ed25519 token, stored Receipt row
and audit entry, layout with wrapping, QR, DejaVu subset embedding). The baseline, in the same
run and interleaved (alternating which goes first, so machine noise hits both alike), draws the
very same texts at fixed positions on a bare ReportLab canvas of the same size with the same
embedded fonts, plus a default `qrcode` image of the same URL: no store, no signing, no wrapping.

Targets (issue 16): median < 20 ms, and median ratio (ours ÷ baseline) <= 1.2. Exits 1 when
one is missed.
"""

from __future__ import annotations

import argparse
import io
import math
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from counter_app.core.clock import FixedClock  # noqa: E402
from counter_app.core.roles import Actor, Role  # noqa: E402
from counter_app.services import receipts, tickets  # noqa: E402
from counter_app.services.context import Context  # noqa: E402
from counter_app.services.setup import initialise  # noqa: E402
from counter_app.store.connection import close_db  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as C  # noqa: E402

TARGET_MEDIAN_MS = 20.0
TARGET_RATIO = 1.2
SERVICES = ("KTP", "NIB", "PASPOR", "PKB", "SKCK", "BPJSKES")
NAMES = ("Siti Aminah Rahayu", "Budi Santoso", "Nguyễn Thị Ánh", "Muhammad Rizky Pratama")


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[max(1, math.ceil(pct / 100 * len(ordered))) - 1]


def bare_page(snap: dict[str, Any], width: float, height: float) -> bytes:
    """The same content the plain way: fixed positions, no wrapping, qrcode's own image."""
    import qrcode
    from qrcode.constants import ERROR_CORRECT_M
    from reportlab.lib.units import mm
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    from counter_app.documents.receipt import FONT, FONT_BOLD, register_fonts

    register_fonts()
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(width, height), invariant=1, initialFontName=FONT)
    y = height - 12 * mm
    c.setFont(FONT_BOLD, 9.5)
    c.drawCentredString(width / 2, y, snap["site_name"])
    c.setFont(FONT, 7)
    c.drawCentredString(width / 2, y - 10, snap["site_address"])
    c.setFont(FONT_BOLD, 44)
    c.drawCentredString(width / 2, y - 60, snap["code"])
    c.setFont(FONT_BOLD, 10)
    c.drawCentredString(width / 2, y - 78, snap["service_name_id"])
    c.setFont(FONT, 7.5)
    c.drawCentredString(width / 2, y - 88, snap["agency"])
    y -= 104
    rows = [
        ("Loket", snap["counter"]),
        ("Waktu", snap["issued_local"]),
        ("Nama", snap["name_masked"]),
        ("No. tanda terima", snap["receipt_no"]),
        ("Di depan Anda", f"{snap['people_ahead']} orang"),
        ("Perkiraan tunggu", f"± {snap['wait_minutes']} menit"),
        ("Standar pelayanan", ""),
        *[("", r) for r in snap["requirements"]],
        ("Waktu penyelesaian", snap["completion"]),
        ("Biaya", f"Rp {snap['fee']:,}".replace(",", ".") if snap["fee"] else "Gratis"),
    ]
    for label, value in rows:
        c.setFont(FONT, 8)
        c.drawString(4 * mm, y, label)
        c.setFont(FONT_BOLD, 8)
        c.drawString(30 * mm, y, value)
        y -= 10
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=1, border=4)
    qr.add_data(snap["verify_url"])
    qr.make(fit=True)
    image = qr.make_image().get_image()
    side = 40 * mm
    c.drawImage(ImageReader(image), (width - side) / 2, y - side, side, side)
    y -= side + 12
    c.setFont(FONT_BOLD, 7.5)
    c.drawCentredString(width / 2, y, "Pindai untuk memeriksa keaslian tanda terima")
    c.setFont(FONT, 7)
    c.drawCentredString(width / 2, y - 10, "Simpan tanda terima ini sampai layanan Anda selesai.")
    complaint = f"Pengaduan: SP4N-LAPOR! lapor.go.id · {snap['site_contact']}"
    c.drawCentredString(width / 2, y - 20, complaint)
    c.showPage()
    c.save()
    return buf.getvalue()


_cpu: list[float] = []  # CPU ms of the last timed() call (less hurt by a busy machine)


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    cpu, start = time.process_time(), time.perf_counter()
    out = fn()
    _cpu[:] = [(time.process_time() - cpu) * 1000]
    return (time.perf_counter() - start) * 1000, out


def one_receipt(ctx: Context, service: str, name: str, paper: str) -> tuple[float, float, bytes, str]:
    """(register ms, receipt_pdf ms, PDF bytes, ticket id) for one visitor."""
    t_reg, reg = timed(lambda: tickets.register(ctx, service=service, name=name))
    cpu = _cpu[0]
    t_pdf, pdf = timed(lambda: receipts.receipt_pdf(ctx, reg.ticket.id, paper=paper))
    _cpu[:] = [cpu + _cpu[0]]
    return t_reg, t_pdf, pdf, reg.ticket.id


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=300, help="measured iterations (default 300)")
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--paper", default="80mm", choices=["80mm", "58mm", "a6"])
    ap.add_argument("--quick", action="store_true", help="100 iterations")
    C.bench_args(ap)
    args = ap.parse_args(argv)
    n = 100 if args.quick else args.n

    import pypdf  # only to read back the page size once

    folder = Path(tempfile.mkdtemp(prefix="loket-bench-receipt-"))
    try:
        clock = FixedClock(datetime(2026, 11, 30, 8, 0, tzinfo=ZoneInfo("Asia/Pontianak")))
        initialise(folder / "data", by="bench", clock=clock)
        C.no_quotas(folder / "data")
        ctx = Context(folder / "data", Actor("bench", Role.ADMIN), clock)
        ours, reg_part, pdf_part, base = [], [], [], []
        ours_cpu, base_cpu = [], []
        sizes: list[int] = []
        for i in range(args.warmup + n):
            clock.advance(seconds=7)
            service, name = SERVICES[i % len(SERVICES)], NAMES[i % len(NAMES)]

            if i % 2 == 0:
                t_reg, t_pdf, pdf, tid = one_receipt(ctx, service, name, args.paper)
                c_ours = _cpu[0]
                snap = receipts.receipt_for(tid, ctx).snapshot
                page = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].mediabox
                t_base, _ = timed(lambda: bare_page(snap, float(page.width), float(page.height)))
                c_base = _cpu[0]
            else:
                # baseline first: the previous snapshot (same content shape, same page size)
                t_base, _ = timed(lambda: bare_page(snap, float(page.width), float(page.height)))
                c_base = _cpu[0]
                t_reg, t_pdf, pdf, tid = one_receipt(ctx, service, name, args.paper)
                c_ours = _cpu[0]
            if i >= args.warmup:
                ours.append(t_reg + t_pdf)
                reg_part.append(t_reg)
                pdf_part.append(t_pdf)
                base.append(t_base)
                ours_cpu.append(c_ours)
                base_cpu.append(c_base)
                sizes.append(len(pdf))
        close_db()
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    def row(label: str, values: list[float]) -> str:
        return (
            f"  {label:<34}{statistics.median(values):9.2f}{percentile(values, 99):9.2f}"
            f"{statistics.fmean(values):9.2f}"
        )

    med_ours, med_base = statistics.median(ours), statistics.median(base)
    ratio = med_ours / med_base
    render_ratio = statistics.median(pdf_part) / med_base
    kib = statistics.median(sizes) / 1024
    print(f"bench_receipt: {n} iterations, paper {args.paper}, PDF ~{kib:.1f} KiB")
    print(f"  {'(ms)':<34}{'median':>9}{'p99':>9}{'mean':>9}")
    print(row("register + receipt PDF (ours)", ours))
    print(row("  of which register", reg_part))
    print(row("  of which receipt_pdf", pdf_part))
    print(row("bare ReportLab + qrcode page", base))
    print(row("CPU time: ours", ours_cpu))
    print(row("CPU time: baseline", base_cpu))
    print(f"  ratio ours / baseline (median)    {ratio:6.2f}x   (target <= {TARGET_RATIO}x)")
    print(f"  ratio receipt_pdf / baseline      {render_ratio:6.2f}x")
    ok_time, ok_ratio = med_ours < TARGET_MEDIAN_MS, ratio <= TARGET_RATIO
    report = C.Report("bench_receipt", n=n, paper=args.paper, pdf_kib=round(kib, 1))
    report.add(
        "register + receipt PDF (median)",
        med_ours,
        "ms",
        target=f"< {TARGET_MEDIAN_MS:g} ms",
        ok=ok_time,
        baseline=med_base,
        ratio=ratio,
    )
    report.add(
        "register + receipt PDF / bare ReportLab + qrcode",
        ratio,
        "x",
        target=f"<= {TARGET_RATIO}x",
        ok=ok_ratio,
        baseline=med_base,
        ratio=ratio,
    )
    report.add("  of which register", statistics.median(reg_part), "ms")
    report.add(
        "  of which receipt_pdf", statistics.median(pdf_part), "ms", baseline=med_base, ratio=render_ratio
    )
    report.add("CPU ours / CPU baseline", statistics.median(ours_cpu) / statistics.median(base_cpu), "x")
    return report.finish(args.json)


if __name__ == "__main__":
    sys.exit(main())
