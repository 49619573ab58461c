"""Receipts end to end: register, issue once, print, scan the QR, verify; keys and keyrings."""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pypdf
import pypdfium2 as pdfium
import pytest
import zxingcpp

from counter_app.core import i18n, roles, token as tk
from counter_app.core.clock import FixedClock
from counter_app.core.errors import NotAllowed, ValidationError
from counter_app.core.roles import Permission, Role
from counter_app.services import journal, keys, receipts, tickets
from counter_app.services.context import Context
from counter_app.store.models import AuditLog, Receipt, Setting, Ticket

NIK = "6171010101900001"
PHONE = "081234567890"
PHONE_FORMS = ("081234567890", "6281234567890", "81234567890", "0812-3456-7890")
ROOT = Path(__file__).resolve().parents[2]


def reg(ctx: Context, service: str = "KTP", name: str = "Budi Santoso", **kw: str) -> Ticket:
    return tickets.register(ctx, service=service, name=name, **kw).ticket


def pdf_text(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(p.extract_text().split()) for p in reader.pages)


def pdf_streams(pdf: bytes) -> bytes:
    """Every stream of the PDF, decoded (content, fonts, image), for searching."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    out = []
    for number in range(1, int(reader.trailer["/Size"])):
        obj = reader.get_object(number)
        if isinstance(obj, pypdf.generic.StreamObject):
            out.append(obj.get_data())
    assert len(out) >= 4  # page content, two font files, the QR image (at least)
    return b"\n".join(out)


def scan(pdf: bytes) -> str:
    doc = pdfium.PdfDocument(pdf)
    try:
        image = doc[0].render(scale=203 / 72).to_pil()
    finally:
        doc.close()
    (result,) = zxingcpp.read_barcodes(image)
    return result.text


def audits(action: str) -> list[AuditLog]:
    return list(AuditLog.select().where(AuditLog.action == action).order_by(AuditLog.id))


# ---- the whole path ---------------------------------------------------------------------


def test_register_print_scan_verify(ctx: Context, clock: FixedClock) -> None:
    for _ in range(3):
        third = reg(ctx)
        clock.advance(minutes=1)
    text = pdf_text(receipts.receipt_pdf(ctx, third.id))
    for expected in ("A003", "2 orang", "± 20 menit"):
        assert expected in text, expected
    ticket = reg(ctx, name="Siti Aminah Rahayu", nik=NIK, phone=PHONE, phone_consent=True, priority="lansia")

    pdf = receipts.receipt_pdf(ctx, ticket.id)
    text = pdf_text(pdf)
    # The priority visitor is called first (issue 14, point 2): nobody ahead, never "± 0 menit".
    shown = ("A004", "KTP-el (Rekam/Cetak)", "Siti A***** R*****", "0 orang")
    for expected in shown:
        assert expected in text, expected
    assert "± 0" not in text
    snap = receipts.issue_receipt(ctx, ticket.id).snapshot
    assert (snap["people_ahead"], snap["wait_minutes"], snap["wait_text"]) == (0, None, "segera dipanggil")
    assert "Layanan khusus: Lansia" in text
    assert "Senin, 30 November 2026 08.03 WIB" in text  # Babel's id time: 08.03

    scanned = scan(pdf)
    assert scanned.startswith("https://mpp.pontianak.go.id/verifikasi#")
    facts = tk.verify_token(scanned, keys.local_keyring(ctx.data_dir))  # ASLI
    assert (facts.site, facts.counter, facts.receipt_no, facts.code, facts.service) == (
        "PTK",
        "L01",
        ticket.receipt_no,
        "A004",
        "KTP",
    )
    assert facts.issued_at == clock.now().replace(microsecond=0)

    result = receipts.verify(scanned, ctx)
    assert result["valid"] and result["matches_stored"] and result["status"] == "waiting"
    assert receipts.verify_message(result).startswith("ASLI: A004 (KTP), PTK/L01")


def test_no_nik_or_phone_anywhere(ctx: Context) -> None:
    ticket = reg(ctx, name="Siti Aminah", nik=NIK, phone=PHONE, phone_consent=True)
    pdf = receipts.receipt_pdf(ctx, ticket.id)
    text, streams = pdf_text(pdf), pdf_streams(pdf)
    receipt = Receipt.get(Receipt.ticket == ticket.id)
    stored = json.dumps(receipt.snapshot) + receipt.token
    payload = tk.parse_token(receipt.token)[0].decode()
    for secret in (NIK, NIK[:12], *PHONE_FORMS):
        for where, haystack in (("text", text), ("snapshot", stored), ("token", payload)):
            assert secret not in haystack, (secret, where)
        assert secret.encode() not in pdf and secret.encode() not in streams, secret
    assert not {"nik", "nik_masked", "phone", "name"} & set(receipt.snapshot)
    assert "6171**********01" not in text  # not even the masked NIK is printed


def test_issued_once_then_reused(ctx: Context, clock: FixedClock) -> None:
    ticket = reg(ctx)
    first = receipts.issue_receipt(ctx, ticket.id)
    clock.advance(minutes=30)
    reg(ctx)  # the queue changes: the stored receipt must not
    again = receipts.issue_receipt(ctx, ticket.code)  # today's code works as a reference
    assert again.id == first.id and again.token == first.token
    assert again.snapshot == first.snapshot
    assert Receipt.select().count() == 1
    (entry,) = audits("receipt.issue")
    assert entry.subject == ticket.id and entry.detail["kid"] == first.snapshot["kid"]
    assert journal.verify_chain()[0]
    # re-rendering the same document, unmarked, gives the same bytes
    assert receipts.receipt_pdf(ctx, ticket.id) == receipts.receipt_pdf(ctx, ticket.id)


def test_reprint_marks_counts_and_audits(ctx: Context, clock: FixedClock) -> None:
    ticket = reg(ctx)
    original = receipts.receipt_pdf(ctx, ticket.id)
    clock.advance(hours=2)
    copy = receipts.receipt_pdf(ctx, ticket.id, reprint=True)
    receipts.receipt_pdf(ctx, ticket.id, reprint=True)
    assert "CETAK ULANG" in pdf_text(copy) and "CETAK ULANG" not in pdf_text(original)
    assert pdf_text(copy).replace("CETAK ULANG ", "") == pdf_text(original)
    assert scan(copy) == scan(original)  # the same signed token
    assert Receipt.get(Receipt.ticket == ticket.id).reprint_count == 2
    assert [a.detail["count"] for a in audits("receipt.reprint")] == [1, 2]


def test_reprint_of_a_never_printed_receipt_is_the_first_print(ctx: Context) -> None:
    ticket = reg(ctx)
    pdf = receipts.receipt_pdf(ctx, ticket.id, reprint=True)
    assert "CETAK ULANG" not in pdf_text(pdf)
    assert Receipt.get(Receipt.ticket == ticket.id).reprint_count == 0
    assert len(audits("receipt.issue")) == 1 and not audits("receipt.reprint")


def test_permissions(staff_ctx: Context, monkeypatch: pytest.MonkeyPatch) -> None:
    ticket = reg(staff_ctx)
    receipts.receipt_pdf(staff_ctx, ticket.id)  # staff may issue and reprint
    receipts.receipt_pdf(staff_ctx, ticket.id, reprint=True)
    other = reg(staff_ctx)
    monkeypatch.setitem(roles.GRANTS, Role.STAFF, frozenset({Permission.SERVE}))
    with pytest.raises(NotAllowed):
        receipts.issue_receipt(staff_ctx, other.id)
    monkeypatch.setitem(roles.GRANTS, Role.STAFF, frozenset({Permission.REGISTER}))
    with pytest.raises(NotAllowed):
        receipts.receipt_pdf(staff_ctx, ticket.id, reprint=True)
    assert Receipt.get(Receipt.ticket == ticket.id).reprint_count == 1


def test_paper_from_setting_and_argument(ctx: Context) -> None:
    ticket = reg(ctx)

    def width(pdf: bytes) -> float:
        return float(pypdf.PdfReader(io.BytesIO(pdf)).pages[0].mediabox.width)

    assert width(receipts.receipt_pdf(ctx, ticket.id)) == pytest.approx(226.77, abs=0.01)
    a6 = receipts.receipt_pdf(ctx, ticket.id, paper="a6")
    assert width(a6) == pytest.approx(297.64, abs=0.01)
    Setting.insert(key="paper", value="58mm").on_conflict_replace().execute()
    ctx.reload_settings()
    assert width(receipts.receipt_pdf(ctx, ticket.id)) == pytest.approx(164.41, abs=0.01)
    with pytest.raises(ValidationError) as info:
        receipts.receipt_pdf(ctx, ticket.id, paper="A4")
    assert info.value.field == "paper"


def test_snapshot_fields(ctx: Context, clock: FixedClock) -> None:
    reg(ctx, service="PASPOR")
    clock.advance(minutes=2)
    ticket = reg(ctx, service="PASPOR", name="John Smith")
    snap = receipts.issue_receipt(ctx, ticket.id).snapshot
    assert json.loads(json.dumps(snap)) == snap  # plain JSON
    assert snap["code"] == "C002" and snap["service_code"] == "PASPOR"
    assert snap["fee"] == 350000 and snap["people_ahead"] == 1
    assert snap["wait_minutes"] == 15  # 1 ahead × 15 min ÷ 1 counter (L03)
    assert snap["verify_url"] == f"https://mpp.pontianak.go.id/verifikasi#{snap['token']}"
    assert snap["name_masked"] == "John S****"
    assert snap["issued_local"] == "Senin, 30 November 2026 08.02 WIB"
    assert "Rp350.000" in pdf_text(receipts.receipt_pdf(ctx, ticket.id))  # as on screen


def test_english_snapshot(ctx: Context) -> None:
    i18n.set_language("en")
    ticket = reg(ctx)
    snap = receipts.issue_receipt(ctx, ticket.id).snapshot
    assert snap["lang"] == "en" and snap["completion"] == "1 working day"
    assert snap["issued_local"] == "Monday, 30 November 2026 08:00 WIB"
    text = pdf_text(receipts.receipt_pdf(ctx, ticket.id))
    assert "QUEUE NUMBER" in text and "Electronic ID card" in text and "Free" in text


def test_wait_is_shared_by_the_counters_serving_it(ctx: Context, clock: FixedClock) -> None:
    from counter_app.store.models import Counter, CounterService

    Counter.create(code="L10", name="Loket 10", active=True)
    CounterService.create(counter="L10", service="KTP")
    for _ in range(4):
        reg(ctx)
        clock.advance(seconds=30)
    ticket = reg(ctx)
    snap = receipts.issue_receipt(ctx, ticket.id).snapshot
    assert snap["people_ahead"] == 4 and snap["wait_minutes"] == 20  # 4 × 10 ÷ 2


def test_verify_rejects_tampering_and_foreign_keys(ctx: Context, tmp_path: Path) -> None:
    ticket = reg(ctx)
    token = receipts.issue_receipt(ctx, ticket.id).token
    tampered = token[:10] + ("A" if token[10] != "A" else "B") + token[11:]
    with pytest.raises(tk.TokenError):
        receipts.verify(tampered, ctx)
    foreign = {"version": 1, "keys": []}
    with pytest.raises(tk.TokenError) as info:
        receipts.verify(token, ctx, keyring=foreign)
    assert info.value.reason == "unknown_key" and info.value.exit_code == 1
    # a keyring file, as `verify --keyring FILE` gets it
    path = tmp_path / "keyring.json"
    path.write_text(json.dumps(keys.export_keyring(ctx)))
    facts = receipts.verify(token, None, keyring=keys.load_keyring_file(path))
    assert facts["code"] == ticket.code and "matches_stored" not in facts
    path.write_text("{not json")
    with pytest.raises(tk.KeyringError):
        keys.load_keyring_file(path)


def test_receipts_module_does_not_load_reportlab() -> None:
    code = (
        "import sys, counter_app.services.receipts, counter_app.services.keys;"
        "print(any(m.startswith(('reportlab', 'qrcode')) for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "False"


# ---- keys -------------------------------------------------------------------------------


def test_setup_or_first_use_makes_the_station_key(data_dir: Path, ctx: Context) -> None:
    key = keys.station_key(ctx)
    folder = data_dir / "keys"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((folder / "station.key").stat().st_mode) == 0o600
    assert (folder / "station.key").read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert (folder / "station.pub").read_bytes().startswith(b"-----BEGIN PUBLIC KEY-----")
    assert (key.site, key.counter) == ("PTK", "L01")
    keys._cache.clear()
    assert keys.ensure_keys(data_dir, "PTK", "L01").kid == key.kid  # stable across runs


def test_key_is_never_overwritten(tmp_path: Path) -> None:
    first = keys.ensure_keys(tmp_path, "PTK", "L01")
    keys._cache.clear()
    (tmp_path / "keys" / "station.json").unlink()  # metadata lost: rebuilt, key kept
    second = keys.ensure_keys(tmp_path, "PTK", "L01")
    assert second.kid == first.kid
    assert not keys._write_exclusive(tmp_path / "keys" / "station.key", b"x", 0o600)


def test_export_keyring(ctx: Context) -> None:
    doc = keys.export_keyring(ctx)
    (entry,) = doc["keys"]
    assert doc["version"] == 1
    assert set(entry) == {"kid", "site", "counter", "public_key", "created_at"}
    assert entry["kid"] == keys.station_key(ctx).kid
    assert (entry["site"], entry["counter"]) == ("PTK", "L01")
    assert tk.load_keyring(doc)  # valid as published
    json.dumps(doc)


def test_pulled_keyring_joins_the_local_one(ctx: Context, tmp_path: Path) -> None:
    other_station = keys.ensure_keys(tmp_path / "other", "PTK", "L02")
    pulled = tk.make_keyring([other_station.entry()])
    assert keys.store_keyring(ctx.data_dir, pulled) == 1
    token = tk.sign_token(
        other_station.private_key,
        tk.ReceiptFields("PTK", "L02", "PTK-L02-20261130-B001", "B001", "NIB", ctx.clock.now()),
    )
    assert receipts.verify(token, ctx)["counter"] == "L02"
    kids = {e["kid"] for e in keys.local_keyring(ctx.data_dir)["keys"]}
    assert kids == {keys.station_key(ctx).kid, other_station.kid}
    with pytest.raises(tk.KeyringError):
        keys.store_keyring(ctx.data_dir, {"version": 1, "keys": [{"kid": "x"}]})
    # a damaged stored file does not stop this station's own receipts from verifying
    (ctx.data_dir / "keys" / "keyring.json").write_text('{"version": 1, "keys": [{"kid": 1}]}')
    ticket = reg(ctx)
    assert receipts.verify(receipts.issue_receipt(ctx, ticket.id).token, ctx)["valid"]


def test_moving_the_station_to_another_counter_retires_its_key(ctx: Context) -> None:
    ticket = reg(ctx)
    old_token = receipts.issue_receipt(ctx, ticket.id).token
    old_kid = keys.station_key(ctx).kid
    Setting.insert(key="counter_code", value="L05").on_conflict_replace().execute()
    moved = replace(ctx, _settings=None)
    new = keys.station_key(moved)
    assert new.kid != old_kid and new.counter == "L05"
    assert receipts.verify(old_token, moved)["counter"] == "L01"  # old receipts still verify
    exported = {e["kid"]: e["counter"] for e in keys.export_keyring(moved)["keys"]}
    assert exported == {old_kid: "L01", new.kid: "L05"}
    assert any(p.name.endswith(".retired") for p in (ctx.data_dir / "keys").iterdir())


def test_private_key_file_is_owner_only_even_with_a_loose_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        keys.ensure_keys(tmp_path, "PTK", "L01")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "keys" / "station.key").stat().st_mode) == 0o600


def test_backup_keeps_a_copy_of_the_station_keys(ctx, data_dir) -> None:
    """Losing the private key would leave printed receipts unverifiable: backups carry it."""
    import stat

    from counter_app.services.backup import backup

    backup(ctx)
    copy = data_dir / "backups" / "keys"
    originals = sorted(p.name for p in (data_dir / "keys").iterdir() if p.is_file())
    assert sorted(p.name for p in copy.iterdir()) == originals
    for name in originals:
        assert (copy / name).read_bytes() == (data_dir / "keys" / name).read_bytes()
    private = [p for p in copy.iterdir() if p.suffix == ".key"]
    assert private and all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in private)
    assert stat.S_IMODE(copy.stat().st_mode) == 0o700
