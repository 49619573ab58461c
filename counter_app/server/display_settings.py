"""The hall display's settings, kept in the hub's own database (table `display_config`).

One JSON document per site, set by the site's admin with `counter-app display set …` (on the
hub's machine, against its database) or `PATCH /api/v1/display/settings?site=S` (admin token):

    name           the MPP's name in the header ("Mal Pelayanan Publik Kota Pontianak")
    running_text   the *teks berjalan* along the bottom ("" = none)
    tz             the wall clock's zone (Asia/Jakarta|Pontianak → WIB, Makassar → WITA, …)
    voice          speak the calls at all; chime: the ding-dong first; speak_recalls: say a
                   recall again; volume 0..1
    voice_dir      a folder on the hub's machine with the site's own clips (same names as the
                   default pack, see core/announcement.CLIPS); a missing clip falls back
    recent         how many past calls the list shows (6..8)
    counters       counter code → {"label": shown, e.g. "Loket 3", "spoken": "loket imigrasi dua"}
    profiles       name → {"services": [...], "counters": [...], "recent", "voice",
                   "running_text"}: one TV shows only its agencies (`/display?profile=NAME`)

The logo (a PNG, at most LOGO_MAX bytes) is kept beside the document. The hub keeps no state
outside its database, so several hub copies serve the same settings. No FastAPI here: the
command line uses it too.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from counter_app.core.announcement import UnknownWord, pack_clips, spoken_name_words
from counter_app.core.errors import ValidationError
from counter_app.server.store import Store, Tx

LOGO_MAX = 512 * 1024
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
PROFILE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
MAX_TEXT = 1000

DEFAULTS: dict[str, Any] = {
    "name": "Mal Pelayanan Publik",
    "running_text": "",
    "tz": "Asia/Pontianak",
    "voice": True,
    "chime": True,
    "speak_recalls": True,
    "volume": 1.0,
    "voice_dir": "",
    "recent": 7,
    "counters": {},
    "profiles": {},
}
SCALARS = ("name", "running_text", "tz", "voice", "chime", "speak_recalls", "volume", "voice_dir", "recent")
PROFILE_KEYS = ("services", "counters", "recent", "voice", "running_text")

_TABLE = """CREATE TABLE IF NOT EXISTS display_config (
    site VARCHAR(64) PRIMARY KEY,
    doc TEXT NOT NULL,
    logo TEXT,
    updated_at VARCHAR(40) NOT NULL)"""


@dataclass(frozen=True)
class Config:
    site: str
    doc: dict[str, Any]
    has_logo: bool
    updated_at: str  # "" = never set: the defaults

    def __getitem__(self, key: str) -> Any:
        return self.doc[key]

    def profile(self, name: str | None) -> dict[str, Any]:
        if not name:
            return {}
        found = self.doc["profiles"].get(name)
        if found is None:
            raise ValidationError("display.profile_unknown", field="profile", profile=name)
        return dict(found)


def create_schema(store: Store) -> None:
    with store.transaction() as tx:
        tx.run(_TABLE)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _row(tx: Tx, site: str) -> Any:
    return tx.one("SELECT doc, logo IS NOT NULL, updated_at FROM display_config WHERE site = ?", (site,))


def load(store: Store, site: str) -> Config:
    """The site's settings over the defaults."""
    with store.transaction(write=False) as tx:
        row = _row(tx, site)
    if row is None:
        return Config(site, json.loads(json.dumps(DEFAULTS)), False, "")
    stored = json.loads(row[0])
    doc = {**json.loads(json.dumps(DEFAULTS)), **{k: v for k, v in stored.items() if k in DEFAULTS}}
    return Config(site, doc, bool(row[1]), str(row[2]))


def version(store: Store, site: str) -> str:
    """When the settings last changed ("" = never): streams poll it to send `site` events."""
    with store.transaction(write=False) as tx:
        row = tx.one("SELECT updated_at FROM display_config WHERE site = ?", (site,))
    return "" if row is None else str(row[0])


def logo(store: Store, site: str) -> bytes | None:
    with store.transaction(write=False) as tx:
        row = tx.one("SELECT logo FROM display_config WHERE site = ?", (site,))
    return None if row is None or row[0] is None else base64.b64decode(row[0])


# ---- checking -----------------------------------------------------------------------------


def _bool(key: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "ya", "on"):
        return True
    if text in ("0", "false", "no", "tidak", "off"):
        return False
    raise ValidationError("display.bad_bool", field=key, value=str(value))


def _text(key: str, value: Any, *, required: bool = False) -> str:
    text = str(value).strip()
    if len(text) > MAX_TEXT or "\x00" in text or (required and not text):
        raise ValidationError("display.bad_text", field=key, max=MAX_TEXT)
    return text


def _recent(value: Any) -> int:
    try:
        n = int(value)
    except (TypeError, ValueError):
        n = 0
    if not 6 <= n <= 8:
        raise ValidationError("display.bad_recent", field="recent", value=str(value))
    return n


def _codes(key: str, value: Any) -> list[str]:
    items = value if isinstance(value, list) else [v for v in str(value).split(",")]
    codes = [str(v).strip() for v in items if str(v).strip()]
    for code in codes:
        if not CODE.fullmatch(code):
            raise ValidationError("display.bad_code", field=key, value=code)
    return list(dict.fromkeys(codes))


def voice_folder(text: str) -> str:
    """A voice pack folder: an existing directory (absolute path kept), or "" for the default."""
    text = text.strip()
    if not text:
        return ""
    folder = Path(text).expanduser()
    if not folder.is_dir():
        raise ValidationError("display.voice_dir_missing", field="voice_dir", path=text)
    return str(folder.resolve())


def check_scalar(key: str, value: Any) -> Any:
    if key in ("voice", "chime", "speak_recalls"):
        return _bool(key, value)
    if key == "volume":
        try:
            volume = float(value)
        except (TypeError, ValueError):
            volume = -1.0
        if not 0.0 <= volume <= 1.0:
            raise ValidationError("display.bad_volume", field=key, value=str(value))
        return volume
    if key == "recent":
        return _recent(value)
    if key == "tz":
        text = _text(key, value, required=True)
        try:
            ZoneInfo(text)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValidationError("settings.timezone", field=key) from None
        return text
    if key == "voice_dir":
        return voice_folder(_text(key, value))
    return _text(key, value, required=key == "name")


def _spoken(text: str, voice_dir: str) -> str:
    """A spoken counter name every word of which the site's voice pack can say."""
    try:
        spoken_name_words(text, pack_clips(voice_dir or None))
    except UnknownWord as exc:
        raise ValidationError("display.unknown_word", field="spoken", word=exc.word) from None
    return text


def check_changes(current: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """The new document: `current` with `changes` applied, every value checked. Keys:
    the scalars; `counters` {code: {"label", "spoken"} | None}; `profiles` {name: {...} | None}
    (None removes the entry; a given entry replaces the old one)."""
    doc = json.loads(json.dumps(dict(current)))
    unknown = set(changes) - set(DEFAULTS)
    if unknown:
        raise ValidationError("display.unknown_setting", field=sorted(unknown)[0], key=sorted(unknown)[0])
    for key in SCALARS:
        if key in changes:
            doc[key] = check_scalar(key, changes[key])
    for code, entry in dict(changes.get("counters") or {}).items():
        if not CODE.fullmatch(str(code)):
            raise ValidationError("display.bad_code", field="counter", value=str(code))
        if entry is None:
            doc["counters"].pop(code, None)
            continue
        if not isinstance(entry, Mapping) or set(entry) - {"label", "spoken"}:
            raise ValidationError("display.bad_counter", field="counter", value=str(code))
        merged = {**doc["counters"].get(code, {}), **entry}
        clean: dict[str, str] = {}
        if merged.get("label"):
            clean["label"] = _text("label", merged["label"])
        if merged.get("spoken"):
            clean["spoken"] = _spoken(_text("spoken", merged["spoken"]), doc["voice_dir"])
        if clean:
            doc["counters"][code] = clean
        else:
            doc["counters"].pop(code, None)
    for name, entry in dict(changes.get("profiles") or {}).items():
        if not PROFILE.fullmatch(str(name)):
            raise ValidationError("display.bad_profile", field="profile", value=str(name))
        if entry is None:
            doc["profiles"].pop(name, None)
            continue
        if not isinstance(entry, Mapping) or set(entry) - set(PROFILE_KEYS):
            raise ValidationError("display.bad_profile", field="profile", value=str(name))
        profile: dict[str, Any] = {}
        for key in ("services", "counters"):
            if entry.get(key):
                profile[key] = _codes(key, entry[key])
        if entry.get("recent") is not None:
            profile["recent"] = _recent(entry["recent"])
        if entry.get("voice") is not None:
            profile["voice"] = _bool("voice", entry["voice"])
        if entry.get("running_text") is not None:
            profile["running_text"] = _text("running_text", entry["running_text"])
        doc["profiles"][name] = profile
    return doc


def update(store: Store, site: str, changes: Mapping[str, Any]) -> Config:
    """Apply `changes` (checked as a whole first: a bad value changes nothing)."""
    if not CODE.fullmatch(site):
        raise ValidationError("display.bad_code", field="site", value=site)
    with store.transaction() as tx:
        row = _row(tx, site)
        current = DEFAULTS if row is None else {**DEFAULTS, **json.loads(row[0])}
        doc = check_changes(current, changes)
        text = json.dumps(doc, ensure_ascii=False, sort_keys=True)
        tx.run(
            "INSERT INTO display_config (site, doc, logo, updated_at) VALUES (?, ?, NULL, ?) "
            "ON CONFLICT (site) DO UPDATE SET doc = excluded.doc, updated_at = excluded.updated_at",
            (site, text, _now()),
        )
    return load(store, site)


def set_logo(store: Store, site: str, data: bytes | None) -> Config:
    """The MPP's logo (a PNG), or None to take it away."""
    if data is not None and (not data.startswith(PNG_MAGIC) or len(data) > LOGO_MAX):
        raise ValidationError("display.bad_logo", field="logo", max_kb=LOGO_MAX // 1024)
    encoded = None if data is None else base64.b64encode(data).decode("ascii")
    update(store, site, {})  # makes the row
    with store.transaction() as tx:
        tx.run("UPDATE display_config SET logo = ?, updated_at = ? WHERE site = ?", (encoded, _now(), site))
    return load(store, site)


def sites(store: Store) -> list[str]:
    """The sites the hub knows: those of its devices and of any display settings."""
    with store.transaction(write=False) as tx:
        rows = tx.all("SELECT site FROM device WHERE site IS NOT NULL UNION SELECT site FROM display_config")
    return sorted({str(r[0]) for r in rows if r[0]})
