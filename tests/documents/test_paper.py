"""One paper table (core/paper.py): the receipt layout, the receipt setting, the receipt service
and the Qt printing bridge read the same names and sizes, and a rendered receipt has the size
the table says."""

from __future__ import annotations

import io

import pypdf
import pytest
from reportlab.lib.units import mm

from counter_app.core import i18n, paper
from counter_app.documents import receipt
from counter_app.printing import qt_print
from counter_app.services import receipts, site_settings
from tests.documents.test_receipt_pdf import snapshot


def test_every_user_of_paper_names_reads_the_table() -> None:
    assert set(paper.RECEIPT_PAPERS) <= set(paper.PAPERS)
    assert paper.DEFAULT_RECEIPT_PAPER in paper.RECEIPT_PAPERS
    assert tuple(receipt.PAPERS) == paper.RECEIPT_PAPERS  # one layout per receipt paper
    assert receipt.DEFAULT_PAPER == paper.DEFAULT_RECEIPT_PAPER
    assert receipts.PAPERS == paper.RECEIPT_PAPERS
    assert site_settings.PAPERS == paper.RECEIPT_PAPERS
    assert set(qt_print.PAPERS) == set(paper.PAPERS)
    assert qt_print.ROLL_PAPERS == ("80mm", "58mm") == paper.ROLLS
    assert qt_print.SHEET_PAPERS == ("a6", "a5", "a4") == paper.SHEETS


def test_sizes_and_kinds() -> None:
    assert (paper.PAPERS["80mm"].width_mm, paper.PAPERS["80mm"].roll) == (80, True)
    assert (paper.PAPERS["a6"].width_mm, paper.PAPERS["a6"].height_mm) == (105, 148)
    assert (paper.PAPERS["a4"].width_mm, paper.PAPERS["a4"].height_mm) == (210, 297)


@pytest.mark.parametrize("name", paper.RECEIPT_PAPERS)
def test_the_labels_are_the_settings_screens_words(name: str) -> None:
    size = paper.PAPERS[name]
    assert size.label("id") == i18n.t(f"gui.settings.paper.{name}", lang="id")
    assert size.label("en") == i18n.t(f"gui.settings.paper.{name}", lang="en")


@pytest.mark.parametrize("name", paper.RECEIPT_PAPERS)
def test_a_receipt_has_the_size_of_its_paper(name: str) -> None:
    size = paper.PAPERS[name]
    page = pypdf.PdfReader(io.BytesIO(receipt.render_receipt(snapshot(), paper=name))).pages[0]
    assert float(page.mediabox.width) == pytest.approx(size.width_mm * mm, abs=0.01)
    if size.height_mm is not None:
        assert float(page.mediabox.height) == pytest.approx(size.height_mm * mm, abs=0.01)
    else:  # a roll is as long as its content, well past a few centimetres
        assert float(page.mediabox.height) > 60 * mm
