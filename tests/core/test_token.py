"""Receipt tokens v1: exact wire format, strict parsing, every failure reason, tamper-evidence."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from hypothesis import HealthCheck, given, settings, strategies as st

from counter_app.core import token as tk
from counter_app.core.errors import NoAnswer

ISSUED = datetime(2026, 11, 30, 1, 0, 5, tzinfo=UTC)  # 08:00:05 WIB
FIELDS = tk.ReceiptFields(
    site="PTK",
    counter="L01",
    receipt_no="PTK-L01-20261130-A023",
    code="A023",
    service="KTP",
    issued_at=ISSUED,
)
B64URL_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

# Fixed keys so failures reproduce; the seed bytes are arbitrary.
KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
OTHER = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def raw(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def keyring_for(*keys: Ed25519PrivateKey, site: str = "PTK", counter: str = "L01") -> dict:
    return tk.make_keyring(
        tk.keyring_entry(k.public_key(), site, counter, "2026-11-01T00:00:00+00:00") for k in keys
    )


def signed(payload: str, key: Ed25519PrivateKey = KEY) -> str:
    """A token for any payload text, bypassing sign_token's checks (to craft bad ones)."""
    data = payload.encode()
    return b64u(data) + "." + b64u(key.sign(data))


KID = hashlib.sha256(raw(KEY)).digest()[:8].hex()
RING = keyring_for(KEY)
TOKEN = tk.sign_token(KEY, FIELDS)


def reason(text: str, keyring: dict = RING) -> str:
    with pytest.raises(tk.TokenError) as info:
        tk.verify_token(text, keyring)
    return info.value.reason


# ---- the format -------------------------------------------------------------------------


def test_wire_format_is_exactly_v1() -> None:
    head, sig = TOKEN.split(".")
    payload = base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)).decode()
    assert payload == f"1|{KID}|PTK|L01|PTK-L01-20261130-A023|A023|KTP|{int(ISSUED.timestamp())}"
    assert tk.key_id(KEY.public_key()) == KID and len(KID) == 16
    signature = base64.urlsafe_b64decode(sig + "==")
    KEY.public_key().verify(signature, payload.encode())  # a plain Ed25519 signature
    assert "=" not in TOKEN and "+" not in TOKEN and "/" not in TOKEN


def test_round_trip() -> None:
    facts = tk.verify_token(TOKEN, RING)
    assert facts == tk.VerifiedReceipt(
        version=1,
        kid=KID,
        site="PTK",
        counter="L01",
        receipt_no="PTK-L01-20261130-A023",
        code="A023",
        service="KTP",
        issued_at=ISSUED,
    )
    assert facts.issued_at.tzinfo is not None and facts.issued_at.utcoffset().total_seconds() == 0


def test_keyring_document_shape() -> None:
    (entry,) = RING["keys"]
    assert RING["version"] == 1
    assert entry == {
        "kid": KID,
        "site": "PTK",
        "counter": "L01",
        "public_key": b64u(raw(KEY)),
        "created_at": "2026-11-01T00:00:00+00:00",
    }


@pytest.mark.parametrize(
    "text",
    [
        f"https://mpp.pontianak.go.id/verifikasi#{TOKEN}",
        f"http://localhost:8000/v?lang=en#{TOKEN}",
        f"#{TOKEN}",
        f"{TOKEN}\n",  # a USB scanner types Enter
        f"  {TOKEN}\r\n",
    ],
)
def test_url_and_scanner_forms_are_accepted(text: str) -> None:
    assert tk.verify_token(text, RING).code == "A023"


def test_preloaded_keyring_index_is_accepted() -> None:
    assert tk.verify_token(TOKEN, tk.load_keyring(RING)).receipt_no == "PTK-L01-20261130-A023"


def test_unicode_fields_survive() -> None:
    fields = tk.ReceiptFields("PTK", "LOKET-É", "PTK-É-1", "A001", "KTP", ISSUED)
    token = tk.sign_token(KEY, fields)
    ring = keyring_for(KEY, counter="LOKET-É")
    assert tk.verify_token(token, ring).counter == "LOKET-É"


@pytest.mark.parametrize("name", ["site", "counter", "receipt_no", "code", "service"])
@pytest.mark.parametrize("bad", ["A|B", "", " A", "A\n", "A\x00"])
def test_signing_refuses_unsafe_fields(name: str, bad: str) -> None:
    fields = tk.ReceiptFields(**{**FIELDS.__dict__, name: bad})
    with pytest.raises(ValueError):
        tk.sign_token(KEY, fields)


def test_signing_refuses_naive_time() -> None:
    with pytest.raises(ValueError):
        naive = tk.ReceiptFields(**{**FIELDS.__dict__, "issued_at": datetime(2026, 1, 1)})
        tk.sign_token(KEY, naive)


# ---- each reason ------------------------------------------------------------------------


def test_unknown_key() -> None:
    assert reason(TOKEN, keyring_for(OTHER)) == "unknown_key"
    assert reason(TOKEN, {}) == "unknown_key"


def test_key_only_vouches_for_its_own_site_and_counter() -> None:
    assert reason(TOKEN, keyring_for(KEY, counter="L02")) == "unknown_key"
    assert reason(TOKEN, keyring_for(KEY, site="SKW")) == "unknown_key"


def test_bad_signature_from_another_key() -> None:
    payload = TOKEN.split(".")[0]
    data = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    forged = payload + "." + b64u(OTHER.sign(data))
    assert reason(forged) == "bad_signature"


def test_bad_signature_after_changing_a_field() -> None:
    head, sig = TOKEN.split(".")
    payload = base64.urlsafe_b64decode(head + "=" * (-len(head) % 4))
    altered = payload.replace(b"|A023|", b"|A001|")
    assert reason(b64u(altered) + "." + sig) == "bad_signature"


def test_unsupported_version() -> None:
    text = signed(f"2|{KID}|PTK|L01|R|A001|KTP|1796000000")
    assert reason(text) == "unsupported_version"
    with pytest.raises(tk.TokenError) as info:
        tk.verify_token(text, RING)
    assert "2" in info.value.message("id")


@pytest.mark.parametrize(
    "payload",
    [
        f"1|{KID}|PTK|L01|R|A001|KTP",  # 7 fields
        f"1|{KID}|PTK|L01|R|A001|KTP|1796000000|x",  # 9 fields
        f"1|{KID.upper()}|PTK|L01|R|A001|KTP|1796000000",  # kid not lowercase hex
        f"1|{KID[:-1]}|PTK|L01|R|A001|KTP|1796000000",
        f"1|{KID}|PTK|L01|R|A001|KTP|01796000000",  # leading zero: two texts, one time
        f"1|{KID}|PTK|L01|R|A001|KTP|-1",
        f"1|{KID}|PTK|L01|R|A001|KTP|1e9",
        f"1|{KID}|PTK|L01|R|A001|KTP|99999999999",  # past year 2286
        f"1|{KID}||L01|R|A001|KTP|1796000000",  # empty field
        f"1|{KID}| PTK|L01|R|A001|KTP|1796000000",  # padded field
        f"01|{KID}|PTK|L01|R|A001|KTP|1796000000",  # non-canonical version
        f"v1|{KID}|PTK|L01|R|A001|KTP|1796000000",
        "",
    ],
)
def test_malformed_payloads(payload: str) -> None:
    assert reason(signed(payload) if payload else ".") == "malformed"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "hello",
        "https://example.org/verify#",
        "https://example.org/verify",
        TOKEN.replace(".", ""),
        TOKEN + ".",
        TOKEN + "." + TOKEN.split(".")[1],
        TOKEN + "=",  # padding is not part of the format
        TOKEN.split(".")[0] + "==." + TOKEN.split(".")[1],
        "+" + TOKEN[1:],  # standard base64 alphabet is not url-safe
        TOKEN[:5] + "/" + TOKEN[6:],
        TOKEN.split(".")[0] + "." + TOKEN.split(".")[1][:-2],  # signature too short
        TOKEN.split(".")[0] + "." + b64u(b"\0" * 65),  # signature too long
        TOKEN[:-1] + " " + TOKEN[-1],
        "A" * 2000 + "." + "B" * 86,
        b64u(b"\xff\xfe|x") + "." + b64u(b"\0" * 64),  # not UTF-8
    ],
)
def test_malformed_texts(text: str) -> None:
    assert reason(text) == "malformed"


def test_trailing_base64_bits_must_be_zero() -> None:
    """64 signature bytes leave 4 spare bits in the last character: only one spelling is valid."""
    head, sig = TOKEN.split(".")
    last = B64URL_ALPHABET.index(sig[-1])
    assert last % 16 == 0  # canonical: spare bits zero
    for spare in range(1, 16):
        twin = sig[:-1] + B64URL_ALPHABET[last + spare]
        assert base64.urlsafe_b64decode(twin + "==") == base64.urlsafe_b64decode(sig + "==")
        assert reason(f"{head}.{twin}") == "malformed"


def test_error_is_a_no_answer_with_messages() -> None:
    with pytest.raises(NoAnswer) as info:
        tk.verify_token(TOKEN, {})
    err = info.value
    assert isinstance(err, tk.TokenError) and err.exit_code == 1
    assert err.key == "receipt.verify.unknown_key"
    for why in tk.REASONS:
        message = tk.TokenError(why, kid=KID, version="2").message("id")
        assert message and not message.startswith("receipt.")
        assert tk.TokenError(why, kid=KID, version="2").message("en") != message


# ---- tamper-evidence --------------------------------------------------------------------


def test_every_single_character_substitution_fails() -> None:
    """Exhaustive: each position, each other base64url character (and the dot)."""
    for i, original in enumerate(TOKEN):
        for replacement in B64URL_ALPHABET + ".":
            if replacement == original:
                continue
            tampered = TOKEN[:i] + replacement + TOKEN[i + 1 :]
            with pytest.raises(tk.TokenError):
                tk.verify_token(tampered, RING)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_flipping_any_character_fails(data: st.DataObject) -> None:
    url = f"https://mpp.pontianak.go.id/verifikasi#{TOKEN}"
    start = url.index("#") + 1
    i = data.draw(st.integers(min_value=start, max_value=len(url) - 1), label="position")
    replacement = data.draw(st.characters(codec="utf-8").filter(lambda ch: ch != url[i]), label="replacement")
    tampered = url[:i] + replacement + url[i + 1 :]
    with pytest.raises(tk.TokenError):
        tk.verify_token(tampered, RING)


@settings(max_examples=200, deadline=None)
@given(
    site=st.text(st.characters(codec="utf-8", exclude_characters="|"), min_size=1, max_size=12),
    number=st.integers(min_value=1, max_value=9999),
    seconds=st.integers(min_value=0, max_value=9_999_999_999),
)
def test_any_valid_fields_round_trip(site: str, number: int, seconds: int) -> None:
    fields = tk.ReceiptFields(
        site, "L01", f"R-{number}", f"A{number:03d}", "KTP", datetime.fromtimestamp(seconds, UTC)
    )
    try:
        token = tk.sign_token(KEY, fields)
    except ValueError:
        return  # unprintable or space-padded site: refused at signing, never issued
    facts = tk.verify_token(token, keyring_for(KEY, site=site))
    assert (facts.site, facts.code, int(facts.issued_at.timestamp())) == (
        site,
        f"A{number:03d}",
        seconds,
    )


# ---- keyrings ---------------------------------------------------------------------------


def test_keyring_validation() -> None:
    good = RING["keys"][0]
    with pytest.raises(tk.KeyringError):
        tk.load_keyring({"version": 2, "keys": []})
    with pytest.raises(tk.KeyringError):
        tk.load_keyring({"version": 1, "keys": "nope"})
    lying = {**good, "kid": tk.key_id(OTHER.public_key())}
    with pytest.raises(tk.KeyringError):
        tk.load_keyring({"version": 1, "keys": [lying]})
    with pytest.raises(tk.KeyringError):
        tk.load_keyring({"version": 1, "keys": [{**good, "public_key": b64u(b"x" * 31)}]})
    # lenient (as the browser page): bad entries are skipped, good ones still verify
    mixed = {"version": 1, "keys": [lying, {"junk": 1}, good]}
    assert list(tk.load_keyring(mixed, strict=False)) == [KID]
    assert tk.verify_token(TOKEN, mixed).code == "A023"


def test_make_keyring_keeps_the_first_entry_of_a_kid() -> None:
    a = tk.keyring_entry(KEY.public_key(), "PTK", "L01", "x")
    b = tk.keyring_entry(KEY.public_key(), "PTK", "L09", "y")
    assert tk.make_keyring([a, b])["keys"] == [a]
