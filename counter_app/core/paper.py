"""The paper sizes Loket prints on, in one table: the receipt layout, the receipt setting and
the Qt printing bridge all read it (names as the CLI spells them: `--paper 80mm|58mm|a6`).

A roll (thermal receipt paper) has a width and no height: the page is as long as what is
printed on it. A sheet has both. Sizes are in millimetres.
"""

from __future__ import annotations

from typing import NamedTuple


class PaperSize(NamedTuple):  # not a dataclass: building one costs every start ~0.4 ms
    name: str
    width_mm: float
    height_mm: float | None  # None: a roll
    label_id: str
    label_en: str

    @property
    def roll(self) -> bool:
        return self.height_mm is None

    def label(self, lang: str) -> str:
        return self.label_en if lang == "en" else self.label_id


PAPERS: dict[str, PaperSize] = {
    p.name: p
    for p in (
        PaperSize("80mm", 80, None, "Gulungan 80 mm", "80 mm roll"),
        PaperSize("58mm", 58, None, "Gulungan 58 mm", "58 mm roll"),
        PaperSize("a6", 105, 148, "A6", "A6"),
        PaperSize("a5", 148, 210, "A5", "A5"),
        PaperSize("a4", 210, 297, "A4", "A4"),
    )
}

ROLLS = tuple(name for name, p in PAPERS.items() if p.roll)
SHEETS = tuple(name for name, p in PAPERS.items() if not p.roll)

# What a receipt can be laid out on (documents/receipt.py has a layout for each); reports are A4.
RECEIPT_PAPERS = ("80mm", "58mm", "a6")
DEFAULT_RECEIPT_PAPER = "80mm"
