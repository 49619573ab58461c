"""The visitor's receipt as PDF bytes: a fixed ReportLab canvas layout from a plain snapshot.

The snapshot (built by services/receipts.py and stored unchanged for reprints) is a plain dict:
``lang, site_name, site_address, site_contact, code, receipt_no, counter, service_code,
service_name_id, service_name_en, agency, issued_local, name_masked, priority_label,
people_ahead, wait_minutes, requirements (list of str), completion, fee (int Rupiah), token,
verify_url``. Missing optional fields are simply not printed.

Text goes through `canvas.drawString` only (never Paragraph markup), so a name like
``<b>&amp;`` prints literally; every line is wrapped with `stringWidth` to the paper's width.
"""

from __future__ import annotations

import bisect
import io
import math
import operator
import zlib
from collections.abc import Callable, Iterable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import qrcode
import qrcode.base
import qrcode.exceptions
import qrcode.LUT
import qrcode.util
from PIL import Image
from qrcode.constants import ERROR_CORRECT_M
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfgen import canvas as rl_canvas

from counter_app.core import formats, paper as paper_sizes
from counter_app.core.i18n import t, tn
from counter_app.core.numbering import code_number, is_offline_number

# The house fonts (DejaVu, embedded as a subset so any Unicode name prints the same on every PC).
from counter_app.documents.base import FONT, FONT_BOLD, register_fonts

PRINTER_DPI = 203  # thermal receipt printers: 8 dots per mm
DOT = 72.0 / PRINTER_DPI  # one printer dot, in points
# 4 dots (0.5 mm): 3 dots smear on thermal paper, and a 3-dot module is 1.8 pixels when the PDF is
# rendered at 120 dpi (a preview, a cheap printer) — too few to decode reliably (A040 did not).
MIN_MODULE_DOTS = 4
QR_BORDER = 4  # quiet zone, in modules (the QR standard's minimum)

LAPOR = "SP4N-LAPOR! lapor.go.id"


@dataclass(frozen=True)
class Paper:
    name: str
    width: float
    height: float | None  # None: a roll, the page is as long as the content
    margin: float  # left/right: the printable width of the roll (80 mm → 72 mm)
    scale: float  # font scale
    qr_width: float  # target QR width (quiet zone included)
    side_qr: bool = False  # QR beside the details (A6: a fixed page, so save height)


def _paper(name: str, margin: float, scale: float, qr_width: float, *, side_qr: bool = False) -> Paper:
    """The receipt layout on one paper of the table in core/paper.py (its size in points)."""
    size = paper_sizes.PAPERS[name]
    height = None if size.height_mm is None else size.height_mm * mm
    return Paper(name, size.width_mm * mm, height, margin, scale, qr_width, side_qr)


# One layout per receipt paper of the table (tests check the two lists agree).
PAPERS: dict[str, Paper] = {
    "80mm": _paper("80mm", 4 * mm, 1.0, 40 * mm),
    "58mm": _paper("58mm", 5 * mm, 0.82, 34 * mm),
    "a6": _paper("a6", 7 * mm, 0.92, 30 * mm, side_qr=True),
}
DEFAULT_PAPER = paper_sizes.DEFAULT_RECEIPT_PAPER
TOP = 4 * mm
BOTTOM = 6 * mm  # roll: room for the cutter


def text_width(text: str, font: str, size: float) -> float:
    return pdfmetrics.stringWidth(text, font, size)


def wrap_text(text: str, font: str, size: float, width: float) -> list[str]:
    """Greedy word wrap to `width` points; a word longer than a line is cut between letters."""
    lines: list[str] = []
    current = ""
    for word in str(text).split():
        candidate = f"{current} {word}" if current else word
        if text_width(candidate, font, size) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
            current = ""
        while text_width(word, font, size) > width:
            cut = _fit_chars(word, font, size, width)
            lines.append(word[:cut])
            word = word[cut:]
        current = word
    if current:
        lines.append(current)
    return lines


def _fit_chars(word: str, font: str, size: float, width: float) -> int:
    """How many leading characters of `word` fit in `width` (at least one, to make progress).

    Prefers to cut just after a hyphen or slash (`PTK-L01-20261130-` / `A004`).
    """
    lo, hi = 1, len(word)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if text_width(word[:mid], font, size) <= width:
            lo = mid
        else:
            hi = mid - 1
    soft = max(word.rfind("-", 0, lo), word.rfind("/", 0, lo))
    return soft + 1 if soft > 0 else lo


# ---- layout -----------------------------------------------------------------------------


@dataclass
class Op:
    """One drawing operation; `y` counts down from the page top (converted when drawing)."""

    kind: str  # text | line | box | image | emblem
    page: int
    x: float
    y: float
    w: float = 0.0
    h: float = 0.0
    text: str = ""
    font: str = FONT
    size: float = 0.0
    image: Any = None
    style: str = ""  # line: "dash"; box: "fill"; text: "white"


@dataclass
class Layout:
    paper: Paper
    width: float
    height: float  # of each page
    pages: int
    ops: list[Op] = field(default_factory=list)

    def texts(self) -> list[Op]:
        return [op for op in self.ops if op.kind == "text"]


class _Flow:
    """Places blocks top to bottom; on fixed-size paper a block that does not fit starts a page."""

    def __init__(self, paper: Paper) -> None:
        self.paper = paper
        self.left = paper.margin
        self.width = paper.width - 2 * paper.margin
        self.y = TOP
        self.page = 0
        self.ops: list[Op] = []

    def need(self, height: float) -> None:
        limit = self.paper.height
        if limit is not None and self.y + height > limit - BOTTOM and self.y > TOP:
            self.page += 1
            self.y = TOP

    def gap(self, points: float) -> None:
        self.y += points

    def _text(self, x: float, base: float, text: str, font: str, size: float, style: str = "") -> None:
        width = text_width(text, font, size)
        self.ops.append(Op("text", self.page, x, base, width, size, text, font, size, style=style))

    def lines(
        self,
        text: str,
        size: float,
        *,
        bold: bool = False,
        align: str = "left",
        indent: float = 0.0,
        leading: float = 1.22,
    ) -> None:
        font = FONT_BOLD if bold else FONT
        for line in wrap_text(text, font, size, self.width - indent):
            self.need(size * leading)
            self.y += size * leading
            if align == "center":
                x = self.left + (self.width - text_width(line, font, size)) / 2
            else:
                x = self.left + indent
            # baseline sits ~22 % of the size above the line's bottom (descenders)
            self._text(x, self.y - size * 0.22, line, font, size)

    def pair(self, label: str, value: str, size: float, col: float | None = None) -> None:
        """`label` in a left column `col` wide, `value` wrapped in the right one."""
        col = self.width * 0.42 if col is None else col
        label_lines = wrap_text(label, FONT, size, col - 2)
        value_lines = wrap_text(value, FONT_BOLD, size, self.width - col) or [""]
        rows = max(len(label_lines), len(value_lines))
        leading = size * 1.22
        self.need(rows * leading)
        for i in range(rows):
            self.y += leading
            base = self.y - size * 0.22
            if i < len(label_lines):
                self._text(self.left, base, label_lines[i], FONT, size)
            if i < len(value_lines) and value_lines[i]:
                self._text(self.left + col, base, value_lines[i], FONT_BOLD, size)

    def checklist(self, items: Iterable[str], size: float) -> None:
        box = size * 0.72
        indent = box + size * 0.5
        for item in items:
            lines = wrap_text(item, FONT, size, self.width - indent)
            self.need(len(lines) * size * 1.22)
            for i, line in enumerate(lines):
                self.y += size * 1.22
                base = self.y - size * 0.22
                if i == 0:  # an empty tick box the visitor can mark with a pen
                    self.ops.append(Op("box", self.page, self.left, base, box, box))
                self._text(self.left + indent, base, line, FONT, size)

    def rule(self, dashed: bool = True) -> None:
        self.need(3 * mm)
        self.y += 1.5 * mm
        self.ops.append(Op("line", self.page, self.left, self.y, self.width, style="dash" if dashed else ""))
        self.y += 1.5 * mm

    def banner(self, text: str, size: float) -> None:
        """White text on a black bar: the reprint mark, impossible to overlook."""
        height = size * 1.6
        self.need(height + 2)
        self.y += 1
        self.ops.append(Op("box", self.page, self.left, self.y + height, self.width, height, style="fill"))
        x = self.left + (self.width - text_width(text, FONT_BOLD, size)) / 2
        self._text(x, self.y + height - size * 0.5, text, FONT_BOLD, size, style="white")
        self.y += height + 1

    def label_column(self, labels: Iterable[str], size: float) -> float:
        """Wide enough for the longest label, but never more than 45 % of the line."""
        widest = max((text_width(x, FONT, size) for x in labels), default=0.0)
        return min(widest + size, self.width * 0.45)

    def emblem(self, size: float) -> None:
        self.need(size + 1 * mm)
        x = self.left + (self.width - size) / 2
        self.ops.append(Op("emblem", self.page, x, self.y + size, size, size))
        self.y += size + 1 * mm

    def image(self, image: Image.Image, side: float) -> None:
        """Centred; its corner on the printer's dot grid (counted from the page's top left, where
        a printer starts its raster), so each module covers whole dots, none split in two."""
        self.need(side)
        x = round((self.left + (self.width - side) / 2) / DOT) * DOT
        y = math.ceil(self.y / DOT - 1e-9) * DOT
        self.ops.append(Op("image", self.page, x, y + side, side, side, image=image))
        self.y = y + side


_FINDER_LIKE = ("10111010000", "00001011101")
_LIGHT = str.maketrans("01 ", "100")  # light modules as 1 bits, the line breaks still 0


def _runs_points(bits: int) -> int:
    """Sum of (length - 2) over the runs of 5 or more 1 bits: each run of length L has L - 4
    windows of five 1s in a row, and one top end."""
    windows = bits & (bits >> 1) & (bits >> 2) & (bits >> 3) & (bits >> 4)
    return windows.bit_count() + 2 * (windows & ~(windows >> 1)).bit_count()


def mask_penalty(modules: list[list[bool]]) -> int:
    """The QR mask penalty (ISO 18004 N1–N4), equal to `qrcode.util.lost_point`."""
    return _penalty(["".join("1" if m else "0" for m in row) for row in modules])


def _penalty(rows: list[str]) -> int:
    """Penalty of a symbol given as "0"/"1" row strings.

    Why our own: qrcode's pure-Python loops take ~10 ms per receipt for 8 masks; strings and
    big-integer bit operations give the same score in a fraction of that.
    """
    n = len(rows)
    cols = ["".join(col) for col in zip(*rows, strict=True)]
    # every row and column in one text, a space between lines: no run or pattern crosses it
    text = " ".join((*rows, *cols))
    # N1: runs of 5+ alike, 3 + (length - 5) each; dark runs are runs of 1 bits in the text
    # read as binary (a space as 0 ends a run), light runs the same in its inverse
    points = _runs_points(int(text.replace(" ", "0"), 2)) + _runs_points(int(text.translate(_LIGHT), 2))
    for pattern in _FINDER_LIKE:  # N3: 1:1:3:1:1 with 4 light beside (never overlaps)
        points += 40 * text.count(pattern)
    ints = [int(row, 2) for row in rows]
    inner = (1 << (n - 1)) - 1
    for a, b in zip(ints, ints[1:], strict=False):  # N2: 2x2 blocks of one colour
        dark = a & (a >> 1) & b & (b >> 1) & inner
        light = ~(a | (a >> 1) | b | (b >> 1)) & inner
        points += 3 * (dark.bit_count() + light.bit_count())
    dark_count = sum(row.bit_count() for row in ints)  # N4: balance of dark and light
    points += int(abs(dark_count / (n * n) * 100 - 50) / 5) * 10
    return points


@cache
def _mask_rows(n: int, pattern: int) -> tuple[int, ...]:
    """Per row, the bits that mask `pattern` inverts (as qrcode's map_data applies it)."""
    func = qrcode.util.mask_func(pattern)
    return tuple(int("".join("1" if func(r, c) else "0" for c in range(n)), 2) for r in range(n))


class _Recorder(list[Any]):
    """A row of modules that notes, in order, each cell map_data writes."""

    def __init__(self, row: int, cells: list[Any], log: list[tuple[int, int]]) -> None:
        super().__init__(cells)
        self.row, self.log = row, log

    def __setitem__(self, col: Any, value: Any) -> None:
        self.log.append((self.row, col))
        super().__setitem__(col, value)


class _Planner(qrcode.QRCode):  # type: ignore[misc]
    """Runs qrcode's own layout once to learn it: the function patterns and blank format area
    (as makeImpl(test=True) leaves them) and the order in which map_data fills the data cells."""

    modules: list[list[Any]]

    def map_data(self, data: Any, mask_pattern: int) -> None:
        self.fixed = [list(row) for row in self.modules]
        self.order: list[tuple[int, int]] = []
        self.modules = [_Recorder(r, row, self.order) for r, row in enumerate(self.modules)]
        super().map_data(data, mask_pattern)


@cache
def _placement(version: int) -> tuple[Callable[[str], tuple[str, ...]], int, tuple[int, ...]]:
    """Once per process and version: (picks the symbol's cells, row by row, out of the data
    bits + "0" + "1"; how many data cells; per row the data cells as bits)."""
    planner = _Planner(version=version, error_correction=ERROR_CORRECT_M)
    planner.data_cache = [0]  # the layout does not depend on the data
    planner.makeImpl(True, 0)
    n, count = planner.modules_count, len(planner.order)
    where = {cell: k for k, cell in enumerate(planner.order)}
    index = [
        where[(r, c)] if planner.fixed[r][c] is None else count + (1 if planner.fixed[r][c] else 0)
        for r in range(n)
        for c in range(n)
    ]
    region = tuple(
        int("".join("1" if planner.fixed[r][c] is None else "0" for c in range(n)), 2) for r in range(n)
    )
    return operator.itemgetter(*index), count, region


class _Bits:
    """qrcode's BitBuffer as one integer: `put` appends its `length` low bits at once, not bit by
    bit (qrcode's put_bit loop was ~2 ms a receipt)."""

    __slots__ = ("length", "value")

    def __init__(self) -> None:
        self.value = 0
        self.length = 0

    def put(self, num: int, length: int) -> None:
        self.value = (self.value << length) | (num & ((1 << length) - 1))
        self.length += length

    def put_bit(self, bit: bool) -> None:
        self.put(1 if bit else 0, 1)

    def __len__(self) -> int:
        return self.length


def _write(data: Any, bits: _Bits) -> None:
    """`QRData.write`, with the byte mode's bytes appended in one step."""
    if data.mode == qrcode.util.MODE_8BIT_BYTE:
        bits.put(int.from_bytes(data.data, "big"), 8 * len(data.data))
    else:
        data.write(bits)


@cache
def _ec_table(ec_count: int) -> tuple[int, ...]:
    """For each byte value f: f × the Reed–Solomon generator's coefficients after the leading 1,
    as one `ec_count`-byte integer (the generator is qrcode's own). Built once per process."""
    if ec_count in qrcode.LUT.rsPoly_LUT:
        generator = list(qrcode.LUT.rsPoly_LUT[ec_count])
    else:
        poly = qrcode.base.Polynomial([1], 0)
        for i in range(ec_count):
            poly = poly * qrcode.base.Polynomial([1, qrcode.base.gexp(i)], 0)
        generator = [poly[i] for i in range(len(poly))]
    exp, log = qrcode.base.EXP_TABLE, qrcode.base.LOG_TABLE
    rows = [0]
    for f in range(1, 256):
        row = 0
        for g in generator[1:]:
            row = (row << 8) | (exp[(log[g] + log[f]) % 255] if g else 0)
        rows.append(row)
    return tuple(rows)


def _ec_bytes(data: list[int], ec_count: int) -> list[int]:
    """The block's error correction bytes: the remainder of data·x^ec by the generator, as
    qrcode's Polynomial division gives it, computed as a shift register over whole bytes."""
    table = _ec_table(ec_count)
    top = 8 * (ec_count - 1)
    keep = (1 << (8 * ec_count)) - 1
    rem = 0
    for byte in data:
        rem = ((rem << 8) & keep) ^ table[(rem >> top) ^ byte]
    return list(rem.to_bytes(ec_count, "big"))


def create_data(version: int, error_correction: int, data_list: list[Any]) -> list[int]:
    """`qrcode.util.create_data` (same codewords, same errors), without its per-bit buffer and
    pure-Python polynomial division."""
    bits = _Bits()
    for data in data_list:
        bits.put(data.mode, 4)
        bits.put(len(data), qrcode.util.length_in_bits(data.mode, version))
        _write(data, bits)
    rs_blocks = qrcode.base.rs_blocks(version, error_correction)
    bit_limit = sum(block.data_count * 8 for block in rs_blocks)
    if len(bits) > bit_limit:
        raise qrcode.exceptions.DataOverflowError(
            f"Code length overflow. Data size ({len(bits)}) > size available ({bit_limit})"
        )
    bits.put(0, min(bit_limit - len(bits), 4))  # terminator
    if len(bits) % 8:
        bits.put(0, 8 - len(bits) % 8)
    codewords = list(bits.value.to_bytes(len(bits) // 8, "big"))
    pads = (qrcode.util.PAD0, qrcode.util.PAD1)
    codewords.extend(pads[i % 2] for i in range((bit_limit - len(bits)) // 8))

    blocks: list[tuple[list[int], list[int]]] = []
    offset = 0
    for block in rs_blocks:
        dc = codewords[offset : offset + block.data_count]
        offset += block.data_count
        blocks.append((dc, _ec_bytes(dc, block.total_count - block.data_count)))
    out: list[int] = []
    for part in (0, 1):  # data codewords interleaved, then the error correction ones
        for i in range(max(len(b[part]) for b in blocks)):
            out.extend(b[part][i] for b in blocks if i < len(b[part]))
    return out


class _QRCode(qrcode.QRCode):  # type: ignore[misc]
    """qrcode's encoder with a faster, equivalent choice of mask and codewords.

    Lays the data out once (mask 0), then derives the other seven masks by flipping only the
    data modules whose mask bit differs, instead of eight full layouts; the codewords come from
    `create_data` above (tests compare both with qrcode's).
    """

    data_cache: list[int] | None

    def best_fit(self, start: int | None = None) -> int:
        """qrcode's best_fit, counting the bits with `_Bits`."""
        start = 1 if start is None else start
        qrcode.util.check_version(start)
        mode_sizes = qrcode.util.mode_sizes_for_version(start)
        bits = _Bits()
        for data in self.data_list:
            bits.put(data.mode, 4)
            bits.put(len(data), mode_sizes[data.mode])
            _write(data, bits)
        self.version = bisect.bisect_left(
            qrcode.util.BIT_LIMIT_TABLE[self.error_correction], len(bits), start
        )
        if self.version == 41:
            raise qrcode.exceptions.DataOverflowError()
        if mode_sizes is not qrcode.util.mode_sizes_for_version(self.version):
            self.best_fit(start=self.version)
        version: int = self.version
        return version

    def _masked_rows(self) -> tuple[int, list[str]]:
        """(best mask, its rows as "0"/"1" strings), format area still blank."""
        if self.data_cache is None:
            self.data_cache = create_data(self.version, self.error_correction, self.data_list)
        n = self.modules_count = self.version * 4 + 17
        place, data_bits, region = _placement(self.version)
        # the unmasked symbol: each data bit where qrcode's map_data puts it, remainder bits 0
        stream = "".join(format(byte, "08b") for byte in self.data_cache)[:data_bits]
        cells = "".join(place(stream.ljust(data_bits, "0") + "01"))
        base = [int(cells[r * n : (r + 1) * n], 2) for r in range(n)]
        best: tuple[int, list[str]] | None = None
        best_points = -1
        for pattern in range(8):
            flips = _mask_rows(n, pattern)
            rows = [format(row ^ (f & d), f"0{n}b") for row, f, d in zip(base, flips, region, strict=True)]
            points = _penalty(rows)
            if best_points < 0 or points < best_points:
                best, best_points = (pattern, rows), points
        assert best is not None
        return best

    def best_mask_pattern(self) -> int:
        return self._masked_rows()[0]

    def make(self, fit: bool = True) -> None:
        if fit or self.version is None:
            self.best_fit(start=self.version)
        if self.data_cache is None:  # makeImpl takes these instead of util.create_data's
            self.data_cache = create_data(self.version, self.error_correction, self.data_list)
        if self.mask_pattern is not None:
            self.makeImpl(False, self.mask_pattern)
            return
        pattern, rows = self._masked_rows()
        # the chosen layout is already computed: add the real format (and version) bits
        self.modules = [[bit == "1" for bit in row] for row in rows]
        self.setup_type_info(False, pattern)
        if self.version >= 7:
            self.setup_type_number(False)


def qr_matrix_image(text: str) -> Image.Image:
    """The QR symbol (error correction M, quiet zone included) as one pixel per module."""
    qr = _QRCode(error_correction=ERROR_CORRECT_M, box_size=1, border=QR_BORDER)
    qr.add_data(text)
    qr.make(fit=True)
    n = qr.modules_count
    side = n + 2 * QR_BORDER
    white = b"\xff" * QR_BORDER
    rows = [b"\xff" * side] * QR_BORDER
    for row in qr.modules:
        rows.append(white + bytes(0 if dark else 255 for dark in row) + white)
    rows.extend([b"\xff" * side] * QR_BORDER)
    return Image.frombytes("L", (side, side), b"".join(rows))


def qr_side(modules: int, paper: Paper, room: float | None = None) -> float:
    """Whole printer dots per module (crisp on 203 dpi), never fewer than MIN_MODULE_DOTS, near
    the target width; a very long text shrinks the modules to fit `room` rather than overflow."""
    dots = max(MIN_MODULE_DOTS, math.floor(paper.qr_width / (modules * DOT)))
    if room is not None:
        dots = max(1, min(dots, math.floor(room / (modules * DOT))))
    return modules * dots * DOT


def layout(snapshot: Mapping[str, Any], paper: str = DEFAULT_PAPER, reprint: bool = False) -> Layout:
    """Where everything goes; drawing is a separate, mechanical step (and testable without PDF)."""
    register_fonts()
    if paper not in PAPERS:
        raise ValueError(f"unknown paper {paper!r}")
    p = PAPERS[paper]
    s = p.scale
    lang = snapshot.get("lang") or "id"

    def L(key: str, **params: Any) -> str:
        return t(key, lang=lang, **params)

    f = _Flow(p)
    f.emblem(12 * mm * s)
    f.lines(snapshot.get("site_name", ""), 9.5 * s, bold=True, align="center")
    if snapshot.get("site_address"):
        f.lines(snapshot["site_address"], 7 * s, align="center")
    if reprint:
        f.gap(1.5 * mm)
        f.banner(L("receipt.reprint"), 11 * s)
    f.rule(dashed=False)
    f.lines(L("receipt.title"), 8 * s, bold=True, align="center")
    code = str(snapshot.get("code", ""))
    big = (36 if p.side_qr else 44) * s
    while big > 12 and text_width(code, FONT_BOLD, big) > f.width:
        big -= 2
    f.gap(1 * mm)
    f.lines(code, big, bold=True, align="center", leading=1.0)
    number = code_number(code)
    if number is not None and is_offline_number(number):  # issued while the hub was cut off
        f.lines(L("receipt.offline"), 7.5 * s, bold=True, align="center")
    f.gap(1.5 * mm)
    service_name = snapshot.get("service_name_en" if lang == "en" else "service_name_id", "")
    f.lines(service_name or snapshot.get("service_code", ""), 10 * s, bold=True, align="center")
    if snapshot.get("agency"):
        f.lines(snapshot["agency"], 7.5 * s, align="center")
    if snapshot.get("priority_label"):
        f.gap(1 * mm)
        priority = f"{L('receipt.priority')}: {snapshot['priority_label']}"
        f.lines(priority, 8.5 * s, bold=True, align="center")
    f.rule()

    size = 8 * s
    rows: list[tuple[str, str]] = [
        (L("receipt.counter"), str(snapshot.get("counter", ""))),
        (L("receipt.time"), str(snapshot.get("issued_local", ""))),
    ]
    if snapshot.get("name_masked"):
        rows.append((L("receipt.name"), str(snapshot["name_masked"])))
    rows.append((L("receipt.receipt_no"), str(snapshot.get("receipt_no", ""))))
    if snapshot.get("people_ahead") is not None:
        rows.append(
            (
                L("receipt.people_ahead"),
                tn("receipt.people_ahead_value", int(snapshot["people_ahead"]), lang=lang),
            )
        )
    if snapshot.get("wait_minutes") is not None:
        rows.append((L("receipt.wait"), L("receipt.wait_value", minutes=snapshot["wait_minutes"])))
    elif snapshot.get("wait_text"):  # nobody ahead: "segera dipanggil", never "± 0 menit"
        rows.append((L("receipt.wait"), str(snapshot["wait_text"])))

    url = snapshot.get("verify_url") or snapshot.get("token")
    qr = qr_matrix_image(str(url)) if url else None
    side = qr_side(qr.width, p, p.width - 2 * p.margin) if qr is not None else 0.0
    caption_size = 7.5 * s

    def details() -> None:
        col = f.label_column([r[0] for r in rows], size)
        for label, value in rows:
            f.pair(label, value, size, col)

    beside = qr is not None and p.side_qr
    if qr is not None and beside:
        # details on the left, QR and its caption on the right, both from the same top
        gutter = 3 * mm
        caption = wrap_text(L("receipt.scan"), FONT_BOLD, caption_size * 0.9, side)
        f.need(side + len(caption) * caption_size * 1.1 + 2 * mm)
        start = (len(f.ops), f.y, f.page)
        full = f.width
        f.width = full - side - gutter
        details()
        left_bottom = f.y
        f.y = start[1] + 1 * mm
        f.left, f.width = p.margin + full - side, side
        f.image(qr, side)
        f.lines(L("receipt.scan"), caption_size * 0.9, bold=True, align="center", leading=1.1)
        f.left, f.width = p.margin, full
        f.y = max(f.y, left_bottom)
        if f.page != start[2]:  # too long to sit beside the QR: undo, stack them instead
            del f.ops[start[0] :]
            f.y, f.page = start[1], start[2]
            beside = False
    if not beside:
        details()
    f.rule()

    f.lines(L("receipt.standard"), 8.5 * s, bold=True)
    requirements = list(snapshot.get("requirements") or [])
    if requirements:
        f.lines(f"{L('receipt.requirements')}:", 7.5 * s)
        f.checklist(requirements, 7.5 * s)
    tail = []
    if snapshot.get("completion"):
        tail.append((L("receipt.completion"), str(snapshot["completion"])))
    if snapshot.get("completion_date_text"):  # from working days, by the site's calendar
        tail.append((L("receipt.completion_date"), str(snapshot["completion_date_text"])))
    # A tax or levy assessed case by case is "sesuai ketetapan", never "Gratis".
    fee_text = (
        L("receipt.fee_assessed")
        if snapshot.get("fee_kind") == "assessed"
        else formats.fee_text(int(snapshot.get("fee") or 0), lang=lang)
    )
    tail.append((L("receipt.fee"), fee_text))
    col = f.label_column([r[0] for r in tail], 7.5 * s)
    for label, value in tail:
        f.pair(label, value, 7.5 * s, col)

    if qr is not None and not beside:
        f.rule()
        f.gap(1 * mm)
        f.image(qr, side)
        f.gap(1 * mm)
        f.lines(L("receipt.scan"), caption_size, bold=True, align="center")
    f.rule()
    f.lines(L("receipt.keep"), 7 * s, align="center")
    complaint = f"{L('receipt.complaint')}: {LAPOR}"
    if snapshot.get("site_contact"):
        complaint += f" · {snapshot['site_contact']}"
    f.lines(complaint, 7 * s, align="center")

    pages = f.page + 1
    # a roll feeds whole dot lines: a page of whole dots keeps the QR on the dot grid whether a
    # renderer counts rows from the top or from the bottom
    height = p.height if p.height is not None else math.ceil((f.y + BOTTOM) / DOT - 1e-9) * DOT
    return Layout(p, p.width, height, pages, f.ops)


# ---- drawing ----------------------------------------------------------------------------


def _draw_emblem(c: rl_canvas.Canvas, x: float, y: float, size: float) -> None:
    """A plain civic emblem (ring, pediment, four columns, steps): prints well in one colour."""
    s = size
    c.setLineWidth(s * 0.05)
    c.circle(x + s / 2, y + s / 2, s * 0.46, stroke=1, fill=0)
    path = c.beginPath()
    path.moveTo(x + s * 0.20, y + s * 0.62)
    path.lineTo(x + s * 0.80, y + s * 0.62)
    path.lineTo(x + s * 0.50, y + s * 0.80)
    path.close()
    c.drawPath(path, stroke=0, fill=1)
    for col in (0.27, 0.40, 0.53, 0.66):
        c.rect(x + s * col, y + s * 0.32, s * 0.07, s * 0.27, stroke=0, fill=1)
    c.rect(x + s * 0.22, y + s * 0.25, s * 0.56, s * 0.05, stroke=0, fill=1)
    c.rect(x + s * 0.18, y + s * 0.19, s * 0.64, s * 0.04, stroke=0, fill=1)


def _draw_modules(c: rl_canvas.Canvas, image: Image.Image, x: float, y: float, module: float) -> None:
    """The QR's dark modules as filled rectangles, one per horizontal run (`y`: the bottom edge).

    Why not drawImage: a renderer samples an upscaled bitmap by its own rounding (pdfium, which
    QtPdf prints with, makes some 4-dot modules 3 or 5 dots wide); rectangles whose edges lie on
    the dot grid fill whole dots at 203 dpi and still cover the right area at any lower dpi."""
    width, rows = image.width, image.height
    data = image.tobytes()
    path = c.beginPath()
    for row in range(rows):
        line = data[row * width : (row + 1) * width]
        top = y + (rows - row) * module
        col = 0
        while col < width:
            if line[col] >= 128:
                col += 1
                continue
            start = col
            while col < width and line[col] < 128:
                col += 1
            path.rect(x + start * module, top - module, (col - start) * module, module)
    c.setFillGray(0)
    c.drawPath(path, stroke=0, fill=1)


# ---- the fonts' subsets, made once per process ---------------------------------------------
#
# ReportLab cuts each embedded font down to the glyphs a document uses and compresses that
# (~35 KB per font): 2-3 ms of a receipt. Receipts use nearly the same glyphs every time (the
# name is masked to initials), so the subset of a given glyph list and its compressed bytes are
# kept and used again; the PDF is byte for byte what ReportLab makes. Only while a receipt is
# drawn: other documents (and the benchmark's bare page) get ReportLab's own path.

_REUSE_SUBSETS: ContextVar[bool] = ContextVar("receipt_reuse_subsets", default=False)
_SUBSETS: dict[tuple[str, tuple[int, ...]], tuple[bytes, bytes]] = {}  # -> (font file, compressed)
_SUBSETS_KEPT = 32  # a few distinct glyph lists a day; ~50 KB each


class _AlreadyCompressed:
    """The Flate filter for a stream whose content is zlib.compress'd already, as ReportLab's
    PDFZCompress would have done it."""

    pdfname = "FlateDecode"

    def encode(self, text: bytes) -> bytes:
        return text

    def decode(self, encoded: bytes) -> bytes:
        return zlib.decompress(encoded)


_ALREADY_COMPRESSED = _AlreadyCompressed()


def _subset(face: Any, make: Callable[[Any], bytes], subset: Any) -> tuple[bytes, bytes]:
    key = (str(face.filename), tuple(subset))
    entry = _SUBSETS.get(key)
    if entry is None:
        raw = make(subset)
        entry = (raw, zlib.compress(raw))  # what PDFZCompress.encode does with the bytes
        if len(_SUBSETS) >= _SUBSETS_KEPT:
            del _SUBSETS[next(iter(_SUBSETS))]
        _SUBSETS[key] = entry
    return entry


def _reuse_subsets(font_name: str) -> None:
    """Wrap the font's face (once) so that, while `_REUSE_SUBSETS` is on, a subset already made
    is taken from `_SUBSETS`, compressed form included."""
    face = pdfmetrics.getFont(font_name).face
    if getattr(face, "_receipt_subsets", False):
        return
    make, add = face.makeSubset, face.addSubsetObjects

    def make_subset(subset: Any) -> bytes:
        return _subset(face, make, subset)[0] if _REUSE_SUBSETS.get() else make(subset)

    def add_subset_objects(doc: Any, fontname: str, subset: Any) -> Any:
        ref = add(doc, fontname, subset)  # its makeSubset is make_subset above
        if _REUSE_SUBSETS.get() and doc.compression:
            stream = doc.idToObject.get(f"fontFile:{face.filename}({fontname})")
            raw, packed = _subset(face, make, subset)
            if isinstance(stream, pdfdoc.PDFStream) and stream.content is raw:
                if stream.filters == [pdfdoc.PDFZCompress]:
                    stream.content, stream.filters = packed, [_ALREADY_COMPRESSED]
        return ref

    face.makeSubset, face.addSubsetObjects = make_subset, add_subset_objects
    face._receipt_subsets = True


def draw(lay: Layout, title: str = "") -> bytes:
    for font in (FONT, FONT_BOLD):
        _reuse_subsets(font)
    reuse = _REUSE_SUBSETS.set(True)
    try:
        return _draw(lay, title)
    finally:
        _REUSE_SUBSETS.reset(reuse)


def _draw(lay: Layout, title: str) -> bytes:
    buf = io.BytesIO()
    # invariant: no timestamp or random id inside, so the same snapshot gives the same bytes
    c = rl_canvas.Canvas(
        buf,
        pagesize=(lay.width, lay.height),
        invariant=1,
        pageCompression=1,
        initialFontName=FONT,  # else Helvetica is referenced (unembedded) on every page
    )
    if title:
        c.setTitle(title)
    c.setCreator("Loket")
    height = lay.height
    handlers: dict[str, Callable[[Op], None]] = {}

    def text(op: Op) -> None:
        if op.style == "white":
            c.setFillGray(1)
        c.setFont(op.font, op.size)
        c.drawString(op.x, height - op.y, op.text)
        if op.style == "white":
            c.setFillGray(0)

    def line(op: Op) -> None:
        c.setLineWidth(0.6)
        if op.style == "dash":
            c.setDash(2, 2)
        c.line(op.x, height - op.y, op.x + op.w, height - op.y)
        c.setDash()

    def box(op: Op) -> None:
        c.setLineWidth(0.6)
        c.rect(op.x, height - op.y, op.w, op.h, stroke=1, fill=1 if op.style == "fill" else 0)

    def image(op: Op) -> None:
        _draw_modules(c, op.image, op.x, height - op.y, op.w / op.image.width)

    def emblem(op: Op) -> None:
        _draw_emblem(c, op.x, height - op.y, op.w)

    handlers.update(text=text, line=line, box=box, image=image, emblem=emblem)
    for page in range(lay.pages):
        if page:
            c.showPage()
        for op in lay.ops:
            if op.page == page:
                handlers[op.kind](op)
    c.showPage()
    c.save()
    return buf.getvalue()


def render_receipt(snapshot: Mapping[str, Any], paper: str = DEFAULT_PAPER, reprint: bool = False) -> bytes:
    """The receipt as PDF bytes; `reprint` adds the CETAK ULANG mark and nothing else."""
    lay = layout(snapshot, paper, reprint)
    lang = snapshot.get("lang") or "id"
    return draw(lay, f"{t('receipt.title', lang=lang)} {snapshot.get('code', '')}".strip())
