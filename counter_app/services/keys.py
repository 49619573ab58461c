"""The station's Ed25519 signing key in <data_dir>/keys/, and the keyring it verifies against.

Files in `keys/` (folder 0700):

* `station.key` — private key, PKCS#8 PEM, mode 0600, created once with O_EXCL;
* `station.pub` — public key, SubjectPublicKeyInfo PEM (for people and other tools);
* `station.json` — which site and counter the key speaks for, and since when;
* `retired.json` — this station's earlier keys (kept so receipts they signed still verify);
* `keyring.json` — keys of other stations, pulled by sync (replaced as a whole).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    load_pem_private_key,
)

from counter_app.core import token as tokens
from counter_app.core.clock import Clock, SystemClock
from counter_app.core.errors import LoketError
from counter_app.core.files import atomic_write, make_private_dir
from counter_app.services.context import Context, create_exclusive, read_secret

KEYS_DIR = "keys"
PRIVATE_FILE = "station.key"
PUBLIC_FILE = "station.pub"
META_FILE = "station.json"
RETIRED_FILE = "retired.json"
KEYRING_FILE = "keyring.json"


class KeyFileError(LoketError):
    """The station key file is missing, empty or damaged (exit 2, names the file)."""


@dataclass(frozen=True)
class StationKey:
    private_key: Ed25519PrivateKey
    kid: str
    site: str
    counter: str
    created_at: str

    def entry(self) -> dict[str, str]:
        return tokens.keyring_entry(self.private_key.public_key(), self.site, self.counter, self.created_at)


# Receipts sign on every issue: keep the parsed key while its file is unchanged.
_cache: dict[str, tuple[tuple[int, int], StationKey]] = {}


def keys_dir(data_dir: Path) -> Path:
    return Path(data_dir) / KEYS_DIR


def _write_exclusive(path: Path, data: bytes, mode: int) -> bool:
    """Create `path` with `data` whole and durably; False if it already exists (someone else
    made it first). A kill or power cut can leave no empty or half-written key."""
    return create_exclusive(path, data, mode)


def _write_replace(path: Path, data: bytes, mode: int = 0o644) -> None:
    atomic_write(path, data, mode=mode)


def _json_bytes(doc: Any) -> bytes:
    return (json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")


def _read_json(path: Path) -> Any:
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except FileNotFoundError:
        return None


def load_private_file(path: Path) -> Ed25519PrivateKey:
    """The station's private key; a missing, empty or malformed file is a clear error naming
    it and the copy in backups/keys/, never a PEM traceback or a silently new key."""
    backup = Path(path).parent.parent / "backups" / "keys" / Path(path).name
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise KeyFileError("keys.missing", path=str(path), backup=str(backup)) from None
    except OSError as exc:
        raise KeyFileError(
            "keys.unreadable", path=str(path), backup=str(backup), detail=exc.strerror
        ) from None
    try:
        key = load_pem_private_key(data, password=None)
    except (ValueError, TypeError):
        key = None
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyFileError("keys.damaged", path=str(path), backup=str(backup))
    return key


def check_keys(data_dir: Path) -> None:
    """At start: the NIK secret and the station key are there and sound. Missing, empty or
    malformed is a clear error (exit 2) naming the file and its copy under backups/."""
    read_secret(data_dir, "nik.key")
    load_private_file(keys_dir(data_dir) / PRIVATE_FILE)


def _private_pem(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())


def _public_pem(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)


def _stamp(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_mtime_ns, st.st_ino


def ensure_keys(data_dir: Path, site: str, counter: str, *, clock: Clock | None = None) -> StationKey:
    """The station's key for `site`/`counter`, created on first use.

    If the station was re-assigned to another site or counter, the old key is retired (kept
    in the local keyring, its private file renamed) and a new one made: a key only vouches for
    the site and counter it was made for.
    """
    folder = keys_dir(data_dir)
    private_path = folder / PRIVATE_FILE
    meta_path = folder / META_FILE
    cached = _cache.get(str(folder))
    if cached is not None and private_path.exists():
        stamp, key = cached
        if stamp == _stamp(private_path) and (key.site, key.counter) == (site, counter):
            return key
    make_private_dir(folder)
    clock = clock or SystemClock()

    if not private_path.exists():
        if meta_path.exists():
            # the key this station has signed with is gone: making a new one silently would
            # orphan every receipt already printed (restore it from backups/keys/ instead)
            load_private_file(private_path)
        _write_exclusive(private_path, _private_pem(Ed25519PrivateKey.generate()), 0o600)
    private_key = load_private_file(private_path)
    kid = tokens.key_id(private_key.public_key())

    meta = _read_json(meta_path)
    if not isinstance(meta, dict) or meta.get("kid") != kid:
        meta = {
            "kid": kid,
            "site": site,
            "counter": counter,
            "created_at": clock.now().isoformat(timespec="seconds"),
        }
        _write_replace(meta_path, _json_bytes(meta))
    elif (meta.get("site"), meta.get("counter")) != (site, counter):
        _retire(folder, private_key, meta)
        return ensure_keys(data_dir, site, counter, clock=clock)

    _write_exclusive(folder / PUBLIC_FILE, _public_pem(private_key), 0o644)
    key = StationKey(private_key, kid, str(meta["site"]), str(meta["counter"]), meta["created_at"])
    _cache[str(folder)] = (_stamp(private_path), key)
    return key


def _retire(folder: Path, private_key: Ed25519PrivateKey, meta: dict[str, Any]) -> None:
    old = tokens.keyring_entry(
        private_key.public_key(), str(meta["site"]), str(meta["counter"]), meta["created_at"]
    )
    retired = _read_json(folder / RETIRED_FILE) or {"version": 1, "keys": []}
    doc = tokens.make_keyring([*retired.get("keys", []), old])
    _write_replace(folder / RETIRED_FILE, _json_bytes(doc))
    kid = old["kid"]
    for name in (PRIVATE_FILE, PUBLIC_FILE, META_FILE):
        path = folder / name
        if path.exists():
            os.replace(path, folder / f"{name}.{kid}.retired")
    _cache.pop(str(folder), None)


def station_key(ctx: Context) -> StationKey:
    """This PC's key for its configured site and counter."""
    return ensure_keys(ctx.data_dir, ctx.setting("site_code"), ctx.setting("counter_code"), clock=ctx.clock)


def local_keyring(data_dir: Path) -> dict[str, Any]:
    """Own key (if made), own retired keys, then keys pulled by sync; one entry per kid."""
    folder = keys_dir(data_dir)
    entries: list[dict[str, Any]] = []
    meta = _read_json(folder / META_FILE)
    if (folder / PRIVATE_FILE).exists() and isinstance(meta, dict):
        key = load_private_file(folder / PRIVATE_FILE)
        entries.append(
            tokens.keyring_entry(
                key.public_key(), str(meta["site"]), str(meta["counter"]), meta["created_at"]
            )
        )
    for name in (RETIRED_FILE, KEYRING_FILE):
        entries.extend(_usable_entries(_read_json(folder / name)))
    return tokens.make_keyring(entries)


def _usable_entries(doc: Any) -> list[dict[str, Any]]:
    """The valid entries of a stored keyring; a damaged one must not stop the others."""
    if not isinstance(doc, dict) or not isinstance(doc.get("keys"), list):
        return []
    out = []
    for entry in doc["keys"]:
        try:
            tokens.load_keyring({"version": tokens.KEYRING_VERSION, "keys": [entry]})
        except tokens.KeyringError:
            continue
        out.append(dict(entry))
    return out


def store_keyring(data_dir: Path, doc: dict[str, Any]) -> int:
    """Replace the pulled keyring (for sync) after validating it; returns the number of keys."""
    index = tokens.load_keyring(doc)
    folder = make_private_dir(keys_dir(data_dir))
    _write_replace(folder / KEYRING_FILE, _json_bytes(tokens.make_keyring(doc["keys"])))
    return len(index)


def export_keyring(ctx: Context) -> dict[str, Any]:
    """The keyring to publish for the verify page: this station's keys and those it knows."""
    station_key(ctx)
    return local_keyring(ctx.data_dir)


def load_keyring_file(path: Path) -> dict[str, Any]:
    """A keyring JSON file (e.g. `verify --keyring FILE`), validated."""
    try:
        with open(path, encoding="utf-8") as fh:
            doc = json.load(fh)
    except (OSError, ValueError) as exc:
        raise tokens.KeyringError(f"{path}: {exc}") from None
    except RecursionError:  # JSON nested thousands deep: not a keyring
        raise tokens.KeyringError(f"{path}: JSON nested too deeply") from None
    tokens.load_keyring(doc)
    keyring: dict[str, Any] = doc
    return keyring
