"""Signed receipt tokens (DESIGN.md §5): compact, versioned, Ed25519, no personal data.

Format v1 (a contract: the browser verify page implements exactly this)::

    payload = "1|<kid>|<site>|<counter>|<receipt_no>|<code>|<service>|<issued_unix_seconds>"
    token   = b64url_nopad(utf8(payload)) + "." + b64url_nopad(ed25519_sign(utf8(payload)))

`kid` is the first 8 bytes of SHA-256 over the raw 32-byte public key, as 16 lowercase hex
characters. A keyring is ``{"version": 1, "keys": [{"kid", "site", "counter", "public_key",
"created_at"}]}`` with the public key as b64url_nopad of its raw 32 bytes.

Parsing is strict on purpose: every base64 part must re-encode to exactly the text given, so no
two different texts verify as the same receipt (changing any one character always fails).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

# cryptography (~18 ms to import) is imported where a key is used, not here: the window imports
# this module for the scan field and should not pay for it before a receipt is scanned.

from counter_app.core.errors import NoAnswer, ValidationError

VERSION = 1
KEYRING_VERSION = 1
SIGNATURE_LEN = 64
PUBLIC_KEY_LEN = 32
# A QR code holds a few hundred bytes comfortably; anything far longer is not ours.
MAX_TOKEN_LEN = 1024

REASONS = ("malformed", "unsupported_version", "unknown_key", "bad_signature")
REASON_KEYS = {
    "malformed": "receipt.verify.malformed",
    "unsupported_version": "receipt.verify.unsupported_version",
    "unknown_key": "receipt.verify.unknown_key",
    "bad_signature": "receipt.verify.bad_signature",
}

_B64URL = re.compile(r"[A-Za-z0-9_-]+")
_KID = re.compile(r"[0-9a-f]{16}")
# Canonical decimal (one text per number), at most 10 digits (datetime stays in range).
_UNSIGNED = re.compile(r"0|[1-9][0-9]{0,9}")


class TokenError(NoAnswer):
    """The text is not a genuine receipt; `reason` is one of REASONS (exit code 1 at the CLI)."""

    def __init__(self, reason: str, /, **params: Any) -> None:
        if reason not in REASONS:
            raise ValueError(f"unknown token error reason {reason!r}")
        super().__init__(REASON_KEYS[reason], **params)
        self.reason = reason


class KeyringError(ValidationError):
    """A keyring document that cannot be used (bad input: exit code 2)."""

    def __init__(self, detail: str) -> None:
        super().__init__("receipt.keyring.invalid", field="keyring", detail=detail)


@dataclass(frozen=True)
class ReceiptFields:
    """What a token asserts, besides the version and key id."""

    site: str
    counter: str
    receipt_no: str
    code: str
    service: str
    issued_at: datetime


@dataclass(frozen=True)
class VerifiedReceipt:
    version: int
    kid: str
    site: str
    counter: str
    receipt_no: str
    code: str
    service: str
    issued_at: datetime  # aware, UTC, whole seconds


@dataclass(frozen=True)
class KeyEntry:
    kid: str
    site: str
    counter: str
    public_key: Ed25519PublicKey
    created_at: str


# ---- encoding ---------------------------------------------------------------------------


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Strict: only the url-safe alphabet, no padding, and the canonical form of its bytes.

    Why the re-encode check: the last character of unpadded base64 carries spare bits that
    decoders ignore, so `...A` and `...B` can decode alike; we accept only the canonical one.
    """
    if not text or not _B64URL.fullmatch(text) or len(text) % 4 == 1:
        raise ValueError("not base64url")
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise ValueError("not base64url") from None
    if b64url_encode(data) != text:
        raise ValueError("non-canonical base64url")
    return data


def raw_public_key(public_key: Ed25519PublicKey) -> bytes:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    return public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id(public_key: Ed25519PublicKey | bytes) -> str:
    raw = public_key if isinstance(public_key, bytes) else raw_public_key(public_key)
    if len(raw) != PUBLIC_KEY_LEN:
        raise ValueError("an Ed25519 public key is 32 bytes")
    return hashlib.sha256(raw).digest()[:8].hex()


# ---- signing ----------------------------------------------------------------------------


def _check_field(name: str, value: str) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"token field {name} must be a non-empty string")
    if "|" in value:
        raise ValueError(f"token field {name} must not contain '|'")
    if value != value.strip() or any(not ch.isprintable() for ch in value):
        raise ValueError(f"token field {name} must be printable, without outer spaces")
    return value


def payload_text(kid: str, fields: ReceiptFields) -> str:
    if fields.issued_at.tzinfo is None:
        raise ValueError("issued_at must be timezone-aware")
    seconds = int(fields.issued_at.timestamp())
    if not 0 <= seconds <= 9_999_999_999:
        raise ValueError("issued_at out of range")
    parts = [
        str(VERSION),
        kid,
        _check_field("site", fields.site),
        _check_field("counter", fields.counter),
        _check_field("receipt_no", fields.receipt_no),
        _check_field("code", fields.code),
        _check_field("service", fields.service),
        str(seconds),
    ]
    return "|".join(parts)


def sign_token(private_key: Ed25519PrivateKey, fields: ReceiptFields) -> str:
    """The token text for `fields`, signed by `private_key` (whose kid goes in the payload)."""
    kid = key_id(private_key.public_key())
    payload = payload_text(kid, fields).encode("utf-8")
    return b64url_encode(payload) + "." + b64url_encode(private_key.sign(payload))


# ---- keyrings ---------------------------------------------------------------------------


def keyring_entry(public_key: Ed25519PublicKey, site: str, counter: str, created_at: str) -> dict[str, str]:
    """One key as published in a keyring document."""
    return {
        "kid": key_id(public_key),
        "site": site,
        "counter": counter,
        "public_key": b64url_encode(raw_public_key(public_key)),
        "created_at": created_at,
    }


def make_keyring(entries: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """A keyring document; later entries with a kid already seen are dropped."""
    seen: dict[str, dict[str, Any]] = {}
    for entry in entries:
        seen.setdefault(str(entry["kid"]), dict(entry))
    return {"version": KEYRING_VERSION, "keys": sorted(seen.values(), key=lambda e: e["kid"])}


def load_keyring(doc: Mapping[str, Any], *, strict: bool = True) -> dict[str, KeyEntry]:
    """Validate a keyring document and index it by kid (the first entry of a kid wins).

    strict: raise KeyringError for any unusable entry (reading a file, storing a pulled
    keyring). Not strict: skip such entries, as the browser verify page does, so one damaged
    entry cannot stop every other receipt from verifying. A document that is not a v1 keyring
    at all is refused either way.
    """
    if not isinstance(doc, Mapping) or doc.get("version") != KEYRING_VERSION:
        raise KeyringError("version must be 1")
    keys = doc.get("keys")
    if not isinstance(keys, list):
        raise KeyringError("'keys' must be a list")
    out: dict[str, KeyEntry] = {}
    for i, item in enumerate(keys):
        try:
            entry = _key_entry(i, item)
        except KeyringError:
            if strict:
                raise
            continue
        out.setdefault(entry.kid, entry)
    return out


def _key_entry(i: int, item: Any) -> KeyEntry:
    if not isinstance(item, Mapping):
        raise KeyringError(f"key {i} is not an object")
    try:
        kid, site, counter = (str(item[name]) for name in ("kid", "site", "counter"))
        raw = b64url_decode(str(item["public_key"]))
    except (KeyError, ValueError) as exc:
        raise KeyringError(f"key {i}: {exc}") from None
    if len(raw) != PUBLIC_KEY_LEN:
        raise KeyringError(f"key {i}: public key must be 32 bytes")
    # The kid is derived, never trusted: a mislabelled entry could shadow another key.
    if key_id(raw) != kid:
        raise KeyringError(f"key {i}: kid does not match the public key")
    created = str(item.get("created_at", ""))
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    return KeyEntry(kid, site, counter, Ed25519PublicKey.from_public_bytes(raw), created)


def _index(keyring: Mapping[str, Any]) -> Mapping[str, KeyEntry]:
    if not keyring:
        return {}
    if all(isinstance(v, KeyEntry) for v in keyring.values()):
        return keyring  # already indexed by load_keyring
    return load_keyring(keyring, strict=False)


# ---- verifying --------------------------------------------------------------------------


def extract_token(text: str) -> str:
    """The token in a scanned text: the bare token, or the fragment of `<url>#<token>`."""
    text = text.strip()  # a scanner types a trailing Enter; phones may add spaces
    if "#" in text:
        text = text.split("#", 1)[1]
    return text


def parse_token(text: str) -> tuple[bytes, bytes, list[str]]:
    """(payload bytes, signature, payload fields) of a well-formed token; no key needed."""
    token = extract_token(text)
    if len(token) > MAX_TOKEN_LEN or token.count(".") != 1:
        raise TokenError("malformed")
    head, sig_text = token.split(".")
    try:
        payload = b64url_decode(head)
        signature = b64url_decode(sig_text)
        fields = payload.decode("utf-8").split("|")
    except (ValueError, UnicodeDecodeError):
        raise TokenError("malformed") from None
    if len(signature) != SIGNATURE_LEN:
        raise TokenError("malformed")
    if not _UNSIGNED.fullmatch(fields[0]):
        raise TokenError("malformed")
    if int(fields[0]) != VERSION:
        raise TokenError("unsupported_version", version=fields[0])
    if len(fields) != 8 or not _KID.fullmatch(fields[1]) or not _UNSIGNED.fullmatch(fields[7]):
        raise TokenError("malformed")
    if any(not f or f != f.strip() for f in fields[2:7]):
        raise TokenError("malformed")
    return payload, signature, fields


def verify_token(text: str, keyring: Mapping[str, Any]) -> VerifiedReceipt:
    """Check a scanned text against a keyring (document or load_keyring index).

    Raises TokenError with reason malformed / unsupported_version / unknown_key /
    bad_signature. A key only vouches for its own site and counter.
    """
    payload, signature, fields = parse_token(text)
    kid = fields[1]
    entry = _index(keyring).get(kid)
    if entry is None:
        raise TokenError("unknown_key", kid=kid)
    from cryptography.exceptions import InvalidSignature

    try:
        entry.public_key.verify(signature, payload)
    except InvalidSignature:
        raise TokenError("bad_signature") from None
    # Why after the signature: a counter's key must not vouch for another counter or site.
    if (fields[2], fields[3]) != (entry.site, entry.counter):
        raise TokenError("unknown_key", kid=kid)
    return VerifiedReceipt(
        version=VERSION,
        kid=kid,
        site=fields[2],
        counter=fields[3],
        receipt_no=fields[4],
        code=fields[5],
        service=fields[6],
        issued_at=datetime.fromtimestamp(int(fields[7]), UTC),
    )
