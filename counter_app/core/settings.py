"""Settings declared once: key, type, default and what it means. Stored in the Setting table."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SettingDef:
    key: str
    type: type
    default: Any
    description: str


SETTINGS: dict[str, SettingDef] = {
    s.key: s
    for s in [
        SettingDef("site_code", str, "PTK", "Site code, unique in the city (receipt numbers)."),
        SettingDef("site_name", str, "Mal Pelayanan Publik Kota Pontianak", "Site name."),
        SettingDef(
            "site_address",
            str,
            "Gedung Kapuas Indah Lt. 3, Jl. Kapten Marsan, Pontianak",
            "Site address printed on receipts.",
        ),
        SettingDef("site_contact", str, "WhatsApp 0811-5600-000", "Site complaint contact."),
        SettingDef("counter_code", str, "L01", "This PC's counter code."),
        SettingDef("timezone", str, "Asia/Pontianak", "IANA time zone of the site."),
        SettingDef("language", str, "id", "Default language: id or en."),
        SettingDef(
            "verify_base_url",
            str,
            "https://mpp.pontianak.go.id/verifikasi",
            "Base URL of the verify page; the QR holds <url>#<token>.",
        ),
        SettingDef("priority_cap", int, 3, "Priority calls in a row before a general one."),
        SettingDef("no_show_after_calls", int, 3, "Calls before a ticket may be marked no-show."),
        SettingDef(
            "no_show_grace_minutes",
            int,
            3,
            "Minutes after the first call before a ticket may be marked no-show.",
        ),
        SettingDef(
            "idle_lock_minutes",
            int,
            10,
            "Lock the counter window after this many idle minutes (0 = never).",
        ),
        SettingDef(
            "one_active_ticket_per_nik",
            bool,
            True,
            "Refuse a second active ticket for the same NIK and service on one day.",
        ),
        SettingDef("lockout_attempts", int, 5, "Failed logins before an account locks."),
        SettingDef("lockout_minutes", int, 15, "How long a locked account stays locked."),
        SettingDef("paper", str, "80mm", "Receipt paper: 80mm, 58mm or a6."),
        SettingDef("printer", str, "", "Printer name; empty = system default."),
        SettingDef("sync_server", str, "", "Central sync server URL."),
        SettingDef("sync_time", str, "21:00", "Nightly sync time (local)."),
        SettingDef("retention_days", int, 365 * 5, "Days to keep personal data (UU PDP)."),
    ]
}


def coerce(key: str, raw: str) -> Any:
    d = SETTINGS[key]
    if d.type is bool:
        return raw.strip().lower() in ("1", "true", "yes", "ya")
    return d.type(raw)
