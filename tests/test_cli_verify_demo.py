"""`counter-app verify` after `make run` (issue 14, point 12): the README shows the demo's data
folder, a missing store says how to point at another one, and the issue time reads in the
site's zone (WIB) with or without a store — never as UTC ISO."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pypdfium2 as pdfium
import zxingcpp

from tests.test_cli import ok_json, run, store  # noqa: F401 (the fixture)

ROOT = Path(__file__).resolve().parents[1]


def qr_text(pdf: Path) -> str:
    doc = pdfium.PdfDocument(pdf.read_bytes())
    try:
        (result,) = zxingcpp.read_barcodes(doc[0].render(scale=203 / 72).to_pil())
        return result.text
    finally:
        doc.close()


def test_verify_with_a_keyring_and_no_store_prints_wib(store: Path, tmp_path: Path) -> None:
    receipt = tmp_path / "a.pdf"
    ok_json(store, "register", "--service", "KTP", "--name", "Siti Aminah", "--receipt", str(receipt))
    keyring = tmp_path / "keyring.json"
    ok_json(store, "keys", "export", "--out", str(keyring))
    text = qr_text(receipt)

    nowhere = tmp_path / "no-store-here"
    proc = run(nowhere, "verify", text, "--keyring", str(keyring))
    assert proc.returncode == 0, proc.stderr
    assert re.search(r"\d{2}[:.]\d{2} WIB", proc.stdout), proc.stdout
    assert "+00:00" not in proc.stdout and not re.search(r"\d{4}-\d{2}-\d{2}T", proc.stdout)
    assert not nowhere.exists()  # verify with a keyring makes no store

    data = json.loads(run(nowhere, "--json", "verify", text, "--keyring", str(keyring)).stdout)
    assert data["issued_at"].endswith("+00:00")  # the machine-readable time stays UTC ISO
    assert data["issued_local"].endswith(" WIB")

    with_store = run(store, "verify", text)
    assert with_store.returncode == 0 and " WIB" in with_store.stdout


def test_missing_store_names_the_way_to_another_data_folder(tmp_path: Path) -> None:
    proc = run(tmp_path / "empty", "verify", "abc")
    assert proc.returncode == 2
    assert "--data-dir" in proc.stderr and "COUNTER_APP_DATA_DIR" in proc.stderr


def test_readme_gives_the_demo_folder_for_the_cli() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "counter-app --data-dir demo-data verify" in readme
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    run_target = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    assert "--data-dir $(DEMO_DIR)" in run_target and "COUNTER_APP_DATA_DIR" in run_target
