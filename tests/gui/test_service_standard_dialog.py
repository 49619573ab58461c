"""The service standard at the counter (issue 15, point 7): read with the visitor, printed A4."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pypdf import PdfReader

from counter_app.gui.register_panel import RegisterPanel
from counter_app.gui.service_standard_dialog import ServiceStandardDialog
from counter_app.services.context import Context


def test_the_standard_of_the_chosen_service_is_shown_and_printed(
    window: Any, qtbot: Any, ctx: Context
) -> None:
    panel: RegisterPanel = window.register_panel
    panel.service_picker.select(None)
    assert not panel.standard_button.isEnabled()  # no service chosen yet
    panel.service_picker.select("KTP")
    assert panel.standard_button.isEnabled()
    panel.standard_button.click()
    dialog = panel.standard_dialog
    assert isinstance(dialog, ServiceStandardDialog)
    qtbot.addWidget(dialog)
    assert "KTP-el (Rekam/Cetak)" in dialog.heading.text()
    assert dialog.values["product"].text() == "KTP-el"
    assert "Serahkan persyaratan di loket saat dipanggil" in dialog.values["procedure"].text()
    assert "08.00–15.00" in dialog.values["hours"].text()
    assert dialog.values["daily_quota"].text() == "60 pemohon per hari"
    assert dialog.values["fee_text"].text() == "Gratis"
    assert "sanggup menyelenggarakan pelayanan" in dialog.values["maklumat"].text()
    assert "UU No. 23 Tahun 2006" in dialog.values["legal_basis"].text()

    opened: list[Path] = []
    dialog.open_file = opened.append  # the system's PDF viewer is the edge
    dialog.print_button.click()
    assert opened and opened[0] == Path(ctx.data_dir) / "printouts" / "standar-pelayanan-KTP.pdf"
    text = "".join(page.extract_text() for page in PdfReader(opened[0]).pages)
    assert "KTP-el (Rekam/Cetak)" in text
    assert "STANDAR PELAYANAN" in text
    assert str(opened[0]) in dialog.status.full_text()
    dialog.close()


def test_markup_in_the_catalogue_is_shown_as_typed(qtbot: Any, ctx: Context, prompts: Any) -> None:
    dialog = ServiceStandardDialog(ctx, "KK")
    qtbot.addWidget(dialog)
    for label in dialog.values.values():
        assert label.textFormat().name == "PlainText"
