"""Screenshots of the hall display at 1920×1080 and 1366×768 from headless Chromium, into
docs/screenshots/ (`python tools/display_screenshots.py`).

A hub on a temporary SQLite store is given a morning's state — services of several agencies,
waiting tickets, the last calls — written straight into its live tables, then the page is opened
as a hall TV would open it and captured after its last call has flashed.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
for extra in (ROOT, ROOT / "tests"):
    sys.path.insert(0, str(extra))

from web.cdp import Browser  # noqa: E402

from counter_app.server import display_settings, live_store  # noqa: E402
from counter_app.server.app import create_app  # noqa: E402
from counter_app.server.embedded import ServerThread  # noqa: E402
from counter_app.server.store import open_store  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
SITE = "PTK"
SERVICES = [  # code, letter, name, waiting
    ("KTP", "A", "KTP-el & Kartu Keluarga", 12), ("PASPOR", "B", "Paspor (Imigrasi)", 7),
    ("SAMSAT", "C", "Pajak Kendaraan (Samsat)", 5), ("BPJS", "D", "BPJS Kesehatan", 3),
    ("IZIN", "E", "Perizinan Usaha", 0), ("PAJAK", "F", "Pajak Daerah", 2),
]  # fmt: skip
CALLS = [("A", 14, "L01"), ("C", 6, "L07"), ("B", 9, "L04"), ("A", 15, "L02"), ("D", 3, "L09"),
         ("B", 10, "L05"), ("A", 16, "L03"), ("B", 11, "L04")]  # fmt: skip


def fill(store: object) -> None:
    now = datetime.now(UTC).isoformat()
    day = datetime.now(ZoneInfo("Asia/Pontianak")).date().isoformat()
    services = {code: (letter, name) for code, letter, name, _n in SERVICES}
    with store.transaction() as tx:  # type: ignore[attr-defined]
        for code, letter, name, waiting in SERVICES:
            tx.run(
                "INSERT INTO reference_doc (kind, code, doc, version, device, updated_at) "
                f"VALUES ('service', ?, {tx.d.json_param}, 1, 'tool', ?)",
                (
                    code,
                    json.dumps(
                        {
                            "code": code,
                            "letter": letter,
                            "name_id": name,
                            "name_en": name,
                            "agency": "X",
                            "target_minutes": 30,
                            "completion_id": "",
                            "completion_en": "",
                            "fee": 0,
                        }
                    ),
                    now,
                ),
            )
            for n in range(waiting):
                tid = str(uuid.uuid4())
                tx.run(
                    "INSERT INTO live_ticket (id, site, day, code, letter, service, priority, status, counter, "
                    "device, queued_at, registered_at, first_called_at, holder, call_count, payload, updated_at) "
                    f"VALUES (?, ?, ?, ?, ?, ?, '', 'waiting', NULL, 'PTK-L10', ?, ?, NULL, NULL, 0, {tx.d.json_param}, ?)",
                    (tid, SITE, day, f"{letter}{40 + n:03d}", letter, code, now, now, "{}", now),
                )
        by_letter = {letter: code for code, (letter, _name) in services.items()}
        live_store.append_events(
            tx,
            SITE,
            [
                (
                    "PTK-" + counter,
                    "ticket",
                    str(uuid.uuid4()),
                    "call",
                    {
                        "code": f"{letter}{n:03d}",
                        "counter": counter,
                        "service": by_letter[letter],
                        "letter": letter,
                        "recall": False,
                    },
                )
                for letter, n, counter in CALLS
            ],
        )


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(f"sqlite:///{Path(tmp) / 'hub.sqlite3'}")
        store.add_device("PTK-L01", site=SITE, counter="L01")
        app = create_app(store)
        fill(store)
        display_settings.update(
            store,
            SITE,
            {
                "name": "Mal Pelayanan Publik Kota Pontianak",
                "running_text": "Selamat datang di MPP Kota Pontianak · Siapkan KTP-el asli dan fotokopi KK · "
                "Layanan buka Senin–Jumat 08.00–15.00 WIB · Pengaduan: SP4N-LAPOR! (lapor.go.id)",
                "counters": {"L04": {"label": "Loket Imigrasi 2", "spoken": "loket imigrasi dua"}},
            },
        )
        with ServerThread(app) as server, Browser(1920, 1080) as browser:
            for width, height in ((1920, 1080), (1366, 768)):
                browser.send(
                    "Emulation.setDeviceMetricsOverride",
                    {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
                )
                browser.goto(f"{server.url}/display?site={SITE}&voice=0")
                browser.wait_js("window.loketDisplay.stats.connected >= 1")
                time.sleep(1.5)
                path = OUT / f"display-{width}x{height}.png"
                browser.screenshot(path, width, height)
                print(path)
        store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
