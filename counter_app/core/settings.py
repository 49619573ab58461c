"""Settings declared once: every key of the Setting table, its type, default, check and meaning.

The table below is the only list of keys. `counter_app.store.settings` refuses to read or write a
key that is not in it and stores a value only after its declaration's `normalise` accepted it;
`services.site_settings` lets a user change the `editable` ones (permission and audit there);
`Context.setting` serves the ones that are not `internal` (program state such as the last sync,
the login throttle or the hub's event sequence is read fresh from the store, never cached).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any, NamedTuple
from urllib.parse import urlparse

from counter_app.core.errors import ValidationError
from counter_app.core.i18n import LANGUAGES
from counter_app.core.paper import RECEIPT_PAPERS

Check = Callable[[str, str], str]  # (key, stripped text) → the text to store, or ValidationError


class UndeclaredSetting(KeyError):
    """A key read or written that the table below does not declare: a bug, not bad input."""


class SettingDef(NamedTuple):  # not a dataclass: building one costs every start ~0.6 ms (issue 16)
    key: str
    type: type  # str, int, bool, or dict (a JSON object kept as text)
    default: Any  # None: unset (internal state only)
    description_en: str
    description_id: str
    choices: tuple[str, ...] = ()  # the allowed texts, when there is a fixed list
    check: Check | None = None  # a rule beyond the type and the choices
    editable: bool = True  # a user may change it in the settings (services.site_settings)
    internal: bool = False  # state the program keeps, not a setting: never in Context.setting
    maximum: int | None = None  # for int: the largest allowed (the smallest is always 0)
    message: str = ""  # the message key when a choice or the maximum is not met

    def description(self, lang: str = "id") -> str:
        return self.description_en if lang == "en" else self.description_id

    def default_text(self) -> str | None:
        """The default as the table would store it (None: unset)."""
        if self.default is None:
            return None
        if self.type is bool:
            return "1" if self.default else "0"
        if self.type is dict:
            return json.dumps(self.default)
        return str(self.default)

    def normalise(self, raw: str) -> str:
        """The text to store for `raw`, or ValidationError(field=key)."""
        text = str(raw).strip()
        if self.type is int:
            try:
                number = int(text)
            except ValueError:
                raise ValidationError("settings.number", field=self.key) from None
            if number < 0:
                raise ValidationError("settings.number", field=self.key)
            if self.maximum is not None and number > self.maximum:
                raise ValidationError(self.message or "settings.value", field=self.key, key=self.key)
            text = str(number)
        elif self.type is bool:
            text = "1" if text.lower() in _TRUE else "0"
        elif self.type is dict:
            try:
                value = json.loads(text) if text else {}
            except ValueError:
                raise ValidationError("settings.value", field=self.key, key=self.key) from None
            if not isinstance(value, dict):
                raise ValidationError("settings.value", field=self.key, key=self.key)
        if self.choices and text not in self.choices:
            raise ValidationError(self.message or "settings.value", field=self.key, key=self.key)
        return self.check(self.key, text) if self.check is not None else text


_TRUE = ("1", "true", "yes", "ya")
_CODE = re.compile(r"[A-Z0-9]{1,8}")
_TIME = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")


def _code(key: str, text: str) -> str:
    code = text.upper()
    if not _CODE.fullmatch(code):
        raise ValidationError("setup.code", field=key, value=text)
    return code


def _required(key: str, text: str) -> str:
    if not text:
        raise ValidationError("settings.required", field=key)
    return text


def _clock_time(key: str, text: str) -> str:
    if not _TIME.fullmatch(text):
        raise ValidationError("settings.time", field=key)
    return text


def _url(key: str, text: str) -> str:
    """Empty, or an http(s) address."""
    if text:
        url = urlparse(text)
        if url.scheme not in ("http", "https") or not url.netloc:
            raise ValidationError("settings.url", field=key)
    return text


def _timezone(key: str, text: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError("settings.timezone", field=key) from None
    return text


def _instant(key: str, text: str) -> str:
    """An ISO date-time (the sync client's stamps)."""
    try:
        datetime.fromisoformat(text)
    except ValueError:
        raise ValidationError("settings.value", field=key, key=key) from None
    return text


def _deadline_rules(key: str, text: str) -> str:
    from counter_app.core.deadlines import parse_rules  # its own, whole check

    parse_rules(text)
    return text


def _s(key: str, kind: type, default: Any, en: str, id_: str, **more: Any) -> SettingDef:
    return SettingDef(key, kind, default, en, id_, **more)


def _state(key: str, kind: type, en: str, id_: str, **more: Any) -> SettingDef:
    """Internal state: unset until the program first writes it; no user edits it."""
    return SettingDef(key, kind, more.pop("default", None), en, id_, editable=False, internal=True, **more)


SETTINGS: dict[str, SettingDef] = {
    s.key: s
    for s in [
        # ---- the site and this PC ---------------------------------------------------------
        _s(
            "site_code",
            str,
            "PTK",
            "Site code, unique in the city (receipt numbers).",
            "Kode lokasi, unik di kota (nomor struk).",
            check=_code,
        ),
        _s(
            "site_name",
            str,
            "Mal Pelayanan Publik Kota Pontianak",
            "Site name.",
            "Nama lokasi.",
            check=_required,
        ),
        _s(
            "site_address",
            str,
            "Gedung Kapuas Indah Lt. 3, Jl. Kapten Marsan, Pontianak",
            "Site address printed on receipts.",
            "Alamat lokasi yang dicetak di struk.",
        ),
        _s(
            "site_contact",
            str,
            "WhatsApp 0811-5600-000",
            "Site complaint contact.",
            "Kontak pengaduan lokasi.",
        ),
        _s("counter_code", str, "L01", "This PC's counter code.", "Kode loket PC ini.", check=_code),
        _s(
            "timezone",
            str,
            "Asia/Pontianak",
            "IANA time zone of the site.",
            "Zona waktu IANA lokasi.",
            check=_timezone,
        ),
        _s(
            "language",
            str,
            "id",
            "Default language: id or en.",
            "Bahasa bawaan: id atau en.",
            choices=LANGUAGES,
            message="settings.language",
        ),
        _s(
            "verify_base_url",
            str,
            "https://mpp.pontianak.go.id/verifikasi",
            "Base URL of the verify page; the QR holds <url>#<token>.",
            "Alamat dasar halaman verifikasi; QR memuat <url>#<token>.",
            check=_url,
        ),
        # ---- the queue ----------------------------------------------------------------------
        _s(
            "priority_cap",
            int,
            3,
            "Priority calls in a row before a general one.",
            "Panggilan prioritas berturut-turut sebelum satu panggilan umum.",
        ),
        _s(
            "no_show_after_calls",
            int,
            3,
            "Calls before a ticket may be marked no-show.",
            "Jumlah panggilan sebelum nomor antrean boleh ditandai tidak hadir.",
        ),
        _s(
            "no_show_grace_minutes",
            int,
            3,
            "Minutes after the first call before a ticket may be marked no-show.",
            "Menit sejak panggilan pertama sebelum nomor antrean boleh ditandai tidak hadir.",
        ),
        _s(
            "one_active_ticket_per_nik",
            bool,
            True,
            "Refuse a second active ticket for the same NIK and service on one day.",
            "Tolak nomor antrean aktif kedua untuk NIK dan layanan yang sama pada hari yang sama.",
        ),
        # ---- accounts -----------------------------------------------------------------------
        _s(
            "idle_lock_minutes",
            int,
            10,
            "Lock the counter window after this many idle minutes (0 = never).",
            "Kunci jendela loket setelah sekian menit tanpa aktivitas (0 = tidak pernah).",
        ),
        _s(
            "lockout_attempts",
            int,
            5,
            "Failed logins before an account locks.",
            "Jumlah gagal masuk sebelum akun dikunci.",
        ),
        _s(
            "lockout_minutes",
            int,
            15,
            "How long a locked account stays locked.",
            "Lama akun tetap terkunci (menit).",
        ),
        # ---- printing -----------------------------------------------------------------------
        _s(
            "paper",
            str,
            "80mm",
            "Receipt paper: 80mm, 58mm or a6.",
            "Kertas struk: 80mm, 58mm atau a6.",
            choices=tuple(RECEIPT_PAPERS),
            message="settings.paper",
        ),
        _s(
            "printer",
            str,
            "",
            "Printer name; empty = system default.",
            "Nama printer; kosong = printer bawaan sistem.",
        ),
        # ---- sync ---------------------------------------------------------------------------
        _s(
            "sync_server",
            str,
            "",
            "Central sync server URL.",
            "Alamat server sinkronisasi pusat.",
            check=_url,
        ),
        _s(
            "sync_time",
            str,
            "21:00",
            "Nightly sync time (local).",
            "Jam sinkronisasi malam (waktu setempat).",
            check=_clock_time,
        ),
        # ---- personal data (UU PDP) -----------------------------------------------------------
        _s(
            "retention_days",
            int,
            365 * 5,
            "Days to keep personal data (UU PDP).",
            "Lama data pribadi disimpan, dalam hari (UU PDP).",
        ),
        # ---- changed through its own use cases (services/site_calendar.py), not the settings --
        _s(
            "complaint_deadlines",
            dict,
            {},
            "The site's overrides of the complaint deadlines and working calendar (JSON).",
            "Penyesuaian lokasi atas tenggat pengaduan dan kalender kerja (JSON).",
            check=_deadline_rules,
            editable=False,
        ),
        # ---- internal state: written by the program ------------------------------------------
        _state(
            "last_sync",
            str,
            "The last successful nightly sync, local time as shown.",
            "Sinkronisasi malam terakhir yang berhasil, waktu setempat seperti ditampilkan.",
        ),
        _state(
            "sync_last_at",
            str,
            "When the last sync started (ISO).",
            "Waktu mulai sinkronisasi terakhir (ISO).",
            check=_instant,
        ),
        _state(
            "sync_last_ok_at",
            str,
            "When the last successful sync finished (ISO).",
            "Waktu selesai sinkronisasi terakhir yang berhasil (ISO).",
            check=_instant,
        ),
        _state(
            "sync_last_result", dict, "The last sync's outcome (JSON).", "Hasil sinkronisasi terakhir (JSON)."
        ),
        _state(
            "sync_pull_version",
            int,
            "The reference data version last pulled.",
            "Versi data rujukan yang terakhir ditarik.",
            default=0,
        ),
        _state(
            "auth.throttle",
            dict,
            "Failed logins per source and unknown user (JSON).",
            "Gagal masuk per sumber dan per nama tak dikenal (JSON).",
        ),
        _state(
            "last_site_event",
            int,
            "The last site event from the hub applied here.",
            "Peristiwa lokasi terakhir dari hub yang sudah diterapkan di sini.",
            default=0,
        ),
        _state("live_device", str, "This PC's device name at the hub.", "Nama perangkat PC ini di hub."),
        _state(
            "live_site",
            str,
            "The site the hub binds this device to.",
            "Lokasi tempat hub mengikat perangkat ini.",
        ),
        _state(
            "live_counter",
            str,
            "The counter the hub binds this device to.",
            "Loket tempat hub mengikat perangkat ini.",
        ),
        _state(
            "offline_block",
            int,
            "This device's block of offline codes (0–89).",
            "Blok kode luring perangkat ini (0–89).",
            maximum=89,
        ),
        _state(
            "counter_break",
            str,
            "'1' while this counter is on a break (no calls).",
            "'1' selama loket ini istirahat (tidak memanggil).",
            choices=("", "1"),
        ),
        _state(
            "live_released",
            dict,
            "Offline tickets this device released to the site's queue (JSON: uuid → confirmed).",
            "Nomor antrean luring yang dilepas perangkat ini ke antrean lokasi (JSON: uuid → dikonfirmasi).",
        ),
        _state(
            "live_counter_states",
            dict,
            "Each counter's last state from the hub's events (JSON: counter → state, since).",
            "Keadaan terakhir tiap loket dari peristiwa hub (JSON: loket → keadaan, sejak).",
        ),
        _state(
            "privacy_last_purge",
            dict,
            "The last retention purge: when, the cut-off, counts (JSON).",
            "Pembersihan retensi terakhir: kapan, batas, jumlah (JSON).",
        ),
    ]
}

EDITABLE = tuple(k for k, d in SETTINGS.items() if d.editable)


def declared(key: str) -> SettingDef:
    """The declaration of `key`; UndeclaredSetting if there is none."""
    try:
        return SETTINGS[key]
    except KeyError:
        raise UndeclaredSetting(key) from None


def coerce(key: str, raw: str) -> Any:
    """A stored text as its declared type."""
    d = declared(key)
    if d.type is bool:
        return raw.strip().lower() in _TRUE
    if d.type is dict:
        return json.loads(raw) if raw.strip() else {}
    return d.type(raw)
