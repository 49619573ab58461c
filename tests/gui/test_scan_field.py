"""Pindai: genuine receipts open their ticket; forged, foreign or old ones are refused clearly."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from counter_app.core import i18n
from counter_app.core.clock import FixedClock
from counter_app.gui.scan_field import ScanField
from counter_app.services import receipts, tickets
from counter_app.services.context import Context


def make(qtbot: Any, ctx: Context) -> tuple[ScanField, list[Any]]:
    field = ScanField(ctx)
    qtbot.addWidget(field)
    found: list[Any] = []
    field.ticket_found.connect(found.append)
    return field, found


def test_a_genuine_receipt_opens_its_ticket(qtbot: Any, ctx: Context, prompts: Any) -> None:
    ticket = tickets.register(ctx, service="KTP", name="Ani").ticket
    token = receipts.issue_receipt(ctx, ticket.id).token
    field, found = make(qtbot, ctx)
    assert field.scan("https://mpp.pontianak.go.id/verifikasi#" + token + "\n") is not None
    assert [t.id for t in found] == [ticket.id]
    assert field.result.kind == "ok"
    assert field.result.text() == "Nomor antrean asli: A001 (Menunggu)."


def test_forged_and_garbled_receipts_are_refused(qtbot: Any, ctx: Context, prompts: Any) -> None:
    ticket = tickets.register(ctx, service="KTP", name="Ani").ticket
    token = receipts.issue_receipt(ctx, ticket.id).token
    field, found = make(qtbot, ctx)
    head, sig = token.split(".")
    forged = head + "." + sig[:-2] + ("AA" if sig[-2:] != "AA" else "AB")
    assert field.scan(forged) is None
    assert field.result.kind == "error"
    assert field.result.text() in (i18n.t("receipt.verify.bad_signature"), i18n.t("receipt.verify.malformed"))
    assert field.scan("halo.dunia") is None
    assert field.result.text() == i18n.t("receipt.verify.malformed")
    assert found == []


def test_yesterdays_receipt_is_not_for_today(
    qtbot: Any, ctx: Context, clock: FixedClock, prompts: Any
) -> None:
    ticket = tickets.register(ctx, service="KTP", name="Ani").ticket
    token = receipts.issue_receipt(ctx, ticket.id).token
    clock.advance(days=1)
    field, found = make(qtbot, ctx)
    assert field.scan(token) is None
    assert field.result.text() == "Nomor antrean A001 bukan untuk hari ini (diterbitkan 30-11-2026)."
    assert found == []


def test_a_typed_code_opens_todays_ticket(qtbot: Any, ctx: Context, prompts: Any) -> None:
    tickets.register(ctx, service="KK", name="Ani")
    field, found = make(qtbot, ctx)
    qtbot.keyClicks(field.edit, "a001")
    qtbot.keyClick(field.edit, Qt.Key.Key_Return)
    assert field.edit.text() == ""
    assert [t.code for t in found] == ["A001"]
    assert field.scan("A999") is None
    assert field.result.text() == i18n.t("ticket.unknown", ref="A999")


def test_a_scan_into_the_name_field_still_opens_the_ticket(
    qtbot: Any, window: Any, ctx: Context, prompts: Any
) -> None:
    ticket = tickets.register(ctx, service="KTP", name="Ani Lestari").ticket
    token = receipts.issue_receipt(ctx, ticket.id).token
    panel = window.register_panel
    qtbot.keyClicks(panel.name_edit, "https://mpp.pontianak.go.id/verifikasi#" + token)
    qtbot.keyClick(panel.name_edit, Qt.Key.Key_Return)
    assert panel.name_edit.text() == ""
    assert window.serving_panel.ticket is not None
    assert window.serving_panel.ticket.id == ticket.id
    assert window.scan_field.result.kind == "ok"


def test_looks_like_scan() -> None:
    from counter_app.gui.scan_field import looks_like_scan

    assert not looks_like_scan("Siti Aminah")
    assert not looks_like_scan("A001")
    assert looks_like_scan("MXw" + "a" * 30 + "." + "b" * 86)
    assert looks_like_scan("https://x.id/v#" + "MXw" + "a" * 30 + "." + "b" * 86)
