"""The visitor-facing verify page (resources/web/verify.html) in a real headless Chromium.

Tokens are made here with `cryptography`, straight from the v1 format in DESIGN.md section 5,
on purpose without counter_app.core.token: the page and the Python module must both match the
spec, not each other's bugs.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import http.server
import json
import os
import re
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from counter_app.core.verify_page import (
    EMPTY_KEYRING,
    KEYRING_CLOSE,
    KEYRING_OPEN,
    keyring_json,
    render_verify_page,
    template,
)

CHROMIUM = os.environ.get("CHROMIUM_BIN", "/usr/bin/chromium")
CHROMIUM_TIMEOUT_S = 60
# 2026-11-30 00:53:20 UTC = 30-11-2026 07:53 WIB
ISSUED = 1_796_000_000
ISSUED_WIB = "30-11-2026 07:53 WIB"

FACT_IDS = ("fact-code", "fact-service", "fact-receipt", "fact-counter", "fact-site", "fact-issued")


# ---- a tiny, independent v1 token implementation ---------------------------------------------


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64u_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class Station:
    private: Ed25519PrivateKey
    site: str = "PTK"
    counter: str = "L01"

    @property
    def raw_public(self) -> bytes:
        return self.private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    @property
    def kid(self) -> str:
        return hashlib.sha256(self.raw_public).digest()[:8].hex()

    def keyring_entry(self) -> dict[str, str]:
        return {
            "kid": self.kid,
            "site": self.site,
            "counter": self.counter,
            "public_key": b64u(self.raw_public),
            "created_at": "2026-11-01T00:00:00+00:00",
        }

    def payload(self, **over: object) -> bytes:
        fields = {
            "version": "1",
            "kid": self.kid,
            "site": self.site,
            "counter": self.counter,
            "receipt_no": "PTK-20261130-0023",
            "code": "A023",
            "service": "KTP-EL",
            "issued": ISSUED,
        }
        fields.update(over)
        return "|".join(str(v) for v in fields.values()).encode("utf-8")

    def sign(self, payload: bytes) -> str:
        return b64u(payload) + "." + b64u(self.private.sign(payload))

    def token(self, **over: object) -> str:
        return self.sign(self.payload(**over))


def new_station(site: str = "PTK", counter: str = "L01") -> Station:
    return Station(Ed25519PrivateKey.generate(), site, counter)


def keyring(*stations: Station) -> dict[str, object]:
    return {"version": 1, "keys": [s.keyring_entry() for s in stations]}


B64_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def flip_payload_char(token: str) -> str:
    """Change one character of the payload part so it still parses (printable ASCII, same
    field layout) but says something else: only the signature can catch it."""
    head, sig = token.split(".")
    original = b64u_decode(head).decode()
    index = len(head) // 2
    for ch in B64_ALPHABET:
        if ch == head[index]:
            continue
        candidate = head[:index] + ch + head[index + 1 :]
        try:
            text = b64u_decode(candidate).decode("ascii")
        except UnicodeDecodeError:
            continue
        same_shape = text.count("|") == 7 and text.split("|")[:2] == original.split("|")[:2]
        if text.isprintable() and same_shape and b64u(text.encode()) == candidate:
            return candidate + "." + sig
    raise AssertionError("no harmless flip found")


def flip_signature_char(token: str) -> str:
    head, sig = token.split(".")
    index = len(sig) // 2  # not the last character: keeps the encoding canonical
    ch = "B" if sig[index] != "B" else "C"
    return head + "." + sig[:index] + ch + sig[index + 1 :]


# ---- Chromium ----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def chromium() -> str:
    if not os.path.exists(CHROMIUM):
        message = f"headless Chromium not found at {CHROMIUM} (set CHROMIUM_BIN or install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message + "; CI must run the browser tests")
        pytest.skip(message)
    return CHROMIUM


class _DomReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.body: dict[str, str | None] = {}
        self.texts: dict[str, str] = {}
        self._stack: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "body":
            self.body = a
        if tag in ("meta", "link", "br", "input", "img"):
            return
        self._stack.append(a.get("id"))
        if a.get("id"):
            self.texts.setdefault(a["id"] or "", "")

    def handle_endtag(self, tag: str) -> None:
        if self._stack and tag not in ("meta", "link", "br", "input", "img"):
            self._stack.pop()

    def handle_data(self, data: str) -> None:
        for ident in self._stack:
            if ident:
                self.texts[ident] += data


@dataclass
class Page:
    dom: str
    result: str | None
    reason: str | None
    lang: str | None
    texts: dict[str, str]

    def text(self, ident: str) -> str:
        return self.texts.get(ident, "").strip()


def open_page(chromium: str, url: str, tmp_path: Path) -> Page:
    profile = tempfile.mkdtemp(prefix="chromium-", dir=tmp_path)
    cmd = [
        chromium,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        "--dump-dom",
        "--virtual-time-budget=3000",
        url,
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=CHROMIUM_TIMEOUT_S, check=False)
    assert done.returncode == 0, f"chromium exited {done.returncode}: {done.stderr[-2000:]}"
    reader = _DomReader()
    reader.feed(done.stdout)
    assert reader.body, f"no <body> in chromium's output: {done.stdout[:500]!r} {done.stderr[-1000:]}"
    return Page(
        done.stdout,
        reader.body.get("data-result"),
        reader.body.get("data-reason"),
        reader.body.get("data-lang"),
        reader.texts,
    )


def write_page(folder: Path, ring: dict[str, object] | None) -> Path:
    """verify.html in `folder`: with `ring` embedded, or the shipped template when None."""
    folder.mkdir(parents=True, exist_ok=True)
    page = folder / "verify.html"
    page.write_text(template() if ring is None else render_verify_page(ring), encoding="utf-8")
    return page


@pytest.fixture
def station() -> Station:
    return new_station()


@pytest.fixture
def page_file(tmp_path: Path, station: Station) -> Path:
    return write_page(tmp_path / "site", keyring(station))


def file_url(path: Path, token: str | None, query: str = "") -> str:
    return path.as_uri() + query + ("" if token is None else "#" + token)


# ---- file:// with the keyring embedded ---------------------------------------------------------


@pytest.mark.browser
def test_genuine_token_shows_asli_and_facts(
    chromium: str, tmp_path: Path, station: Station, page_file: Path
) -> None:
    page = open_page(chromium, file_url(page_file, station.token()), tmp_path)

    assert (page.result, page.reason) == ("valid", "")
    assert page.text("verdict") == "ASLI"
    assert page.text("fact-code") == "A023"
    assert page.text("fact-service") == "KTP-EL"
    assert page.text("fact-receipt") == "PTK-20261130-0023"
    assert page.text("fact-counter") == "L01"
    assert page.text("fact-site") == "PTK"
    assert page.text("fact-issued") == ISSUED_WIB
    assert "SP4N-LAPOR! (lapor.go.id)" in page.text("t-complaint")


@pytest.mark.browser
def test_english_on_request(chromium: str, tmp_path: Path, station: Station, page_file: Path) -> None:
    page = open_page(chromium, file_url(page_file, station.token(), "?lang=en"), tmp_path)

    assert (page.result, page.lang) == ("valid", "en")
    assert page.text("verdict") == "GENUINE"
    assert page.text("t-code") == "Queue number"
    assert page.text("fact-issued") == ISSUED_WIB


@pytest.mark.browser
@pytest.mark.parametrize(
    ("tamper", "reason"),
    [(flip_payload_char, "bad_signature"), (flip_signature_char, "bad_signature")],
    ids=["payload", "signature"],
)
def test_tampered_token_is_invalid(
    chromium: str, tmp_path: Path, station: Station, page_file: Path, tamper, reason: str
) -> None:
    token = station.token()
    bad = tamper(token)
    assert bad != token

    page = open_page(chromium, file_url(page_file, bad), tmp_path)

    assert (page.result, page.reason) == ("invalid", reason)
    assert page.text("verdict") == "TIDAK VALID"
    assert page.text("reason").startswith("Tanda tangan tidak cocok")
    assert page.text("fact-code") == ""  # no facts from a token that failed


@pytest.mark.browser
def test_unknown_key_is_invalid(chromium: str, tmp_path: Path, page_file: Path) -> None:
    stranger = new_station()
    page = open_page(chromium, file_url(page_file, stranger.token()), tmp_path)

    assert (page.result, page.reason) == ("invalid", "unknown_key")
    assert page.text("reason").startswith("Kunci tidak dikenal")


@pytest.mark.browser
def test_no_token_is_invalid(chromium: str, tmp_path: Path, page_file: Path) -> None:
    page = open_page(chromium, file_url(page_file, None), tmp_path)

    assert (page.result, page.reason) == ("invalid", "no_token")
    assert page.text("reason").startswith("Tidak ada token")


@pytest.mark.browser
@pytest.mark.parametrize("payload", [None, b"2", b"2|whatever a later version carries"])
def test_unsupported_version(
    chromium: str, tmp_path: Path, station: Station, page_file: Path, payload: bytes | None
) -> None:
    token = station.token(version="2") if payload is None else station.sign(payload)

    page = open_page(chromium, file_url(page_file, token), tmp_path)

    assert (page.result, page.reason) == ("invalid", "unsupported_version")
    assert page.text("reason").startswith("Versi tidak didukung")


def _malformed_tokens(station: Station) -> dict[str, str]:
    good = station.token()
    head, sig = good.split(".")
    seven_fields = "|".join(station.payload().decode().split("|")[:7]).encode()
    return {
        "one-part": head,
        "three-parts": good + "." + sig,
        "padding": head + "==." + sig,
        "standard-alphabet": head + "." + sig[:10] + "+" + sig[11:],
        "short-signature": head + "." + sig[:-4],
        # 64 bytes = 86 characters; the last one carries 2 bits, so its low 4 bits must be 0
        "non-canonical-tail": head + "." + sig[:-1] + B64_ALPHABET[B64_ALPHABET.index(sig[-1]) + 1],
        "seven-fields": station.sign(seven_fields),
        "bad-kid": station.token(kid="NOT-A-KID"),
        "bad-time": station.token(issued="12.5"),
        "empty-field": station.token(code=""),
        "outer-space": station.token(code=" A023"),
        "eleven-digit-time": station.token(issued=10_000_000_000),
        "non-canonical-time": station.token(issued="01796000000"),
        "non-numeric-version": station.token(version="v1"),
        "not-utf8": station.sign(station.payload().replace(b"A023", b"A\xff23")),
    }


@pytest.mark.browser
@pytest.mark.parametrize(
    "case",
    [
        "one-part",
        "three-parts",
        "padding",
        "standard-alphabet",
        "short-signature",
        "non-canonical-tail",
        "seven-fields",
        "bad-kid",
        "bad-time",
        "empty-field",
        "outer-space",
        "eleven-digit-time",
        "non-canonical-time",
        "non-numeric-version",
        "not-utf8",
    ],
)
def test_malformed_token(chromium: str, tmp_path: Path, station: Station, page_file: Path, case: str) -> None:
    token = _malformed_tokens(station)[case]

    page = open_page(chromium, file_url(page_file, token), tmp_path)

    assert (page.result, page.reason) == ("invalid", "malformed")
    assert page.text("reason").startswith("Format rusak")


@pytest.mark.browser
def test_key_of_another_counter_cannot_vouch_for_this_one(
    chromium: str, tmp_path: Path, station: Station, page_file: Path
) -> None:
    page = open_page(chromium, file_url(page_file, station.token(counter="L02")), tmp_path)

    assert (page.result, page.reason) == ("invalid", "unknown_key")


@pytest.mark.browser
def test_keyring_entry_whose_kid_does_not_match_its_key_is_ignored(
    chromium: str, tmp_path: Path, station: Station
) -> None:
    other = new_station()
    entry = station.keyring_entry() | {"public_key": b64u(other.raw_public)}
    page_path = write_page(tmp_path / "site", {"version": 1, "keys": [entry]})

    page = open_page(chromium, file_url(page_path, other.sign(station.payload())), tmp_path)

    assert (page.result, page.reason) == ("invalid", "unknown_key")


@pytest.mark.browser
def test_markup_in_fields_is_shown_as_text(chromium: str, tmp_path: Path) -> None:
    sneaky = new_station(site='</script><b id="x">PTK</b>', counter="L01")
    page_path = write_page(tmp_path / "site", keyring(sneaky))

    page = open_page(chromium, file_url(page_path, sneaky.token(receipt_no="<i>1</i>")), tmp_path)

    assert page.result == "valid"
    assert page.text("fact-site") == '</script><b id="x">PTK</b>'
    assert page.text("fact-receipt") == "<i>1</i>"
    assert "<b " not in page.dom and "<i>" not in page.dom


@pytest.mark.browser
def test_template_without_keyring_from_file_cannot_check(
    chromium: str, tmp_path: Path, station: Station
) -> None:
    page_path = write_page(tmp_path / "site", None)

    page = open_page(chromium, file_url(page_path, station.token()), tmp_path)

    assert (page.result, page.reason) == ("error", "no_keyring")
    assert page.text("verdict") == "TIDAK DAPAT DIPERIKSA"


# ---- over HTTP: the keyring fetched from keyring.json next to the page ---------------------------


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def http_root(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    root = tmp_path / "www"
    root.mkdir()
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield root, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.mark.browser
def test_served_page_fetches_keyring_json(
    chromium: str, tmp_path: Path, station: Station, http_root: tuple[Path, str]
) -> None:
    root, base = http_root
    write_page(root / "v", None)  # the shipped page: no keys embedded
    (root / "v" / "keyring.json").write_text(json.dumps(keyring(station)), encoding="utf-8")

    good = open_page(chromium, f"{base}/v/verify.html#{station.token()}", tmp_path)
    forged = open_page(chromium, f"{base}/v/verify.html#{flip_signature_char(station.token())}", tmp_path)
    stranger = open_page(chromium, f"{base}/v/verify.html#{new_station().token()}", tmp_path)

    assert good.result == "valid"
    assert [good.text(i) for i in FACT_IDS] == [
        "A023",
        "KTP-EL",
        "PTK-20261130-0023",
        "L01",
        "PTK",
        ISSUED_WIB,
    ]
    assert (forged.result, forged.reason) == ("invalid", "bad_signature")
    assert (stranger.result, stranger.reason) == ("invalid", "unknown_key")


@pytest.mark.browser
def test_served_page_with_embedded_keyring_and_newer_key_in_keyring_json(
    chromium: str, tmp_path: Path, station: Station, http_root: tuple[Path, str]
) -> None:
    root, base = http_root
    newer = new_station(counter="L02")
    write_page(root, keyring(station))  # embedded: only the old key
    (root / "keyring.json").write_text(json.dumps(keyring(station, newer)), encoding="utf-8")

    old_page = open_page(chromium, f"{base}/verify.html#{station.token()}", tmp_path)
    new_page = open_page(chromium, f"{base}/verify.html#{newer.token()}", tmp_path)

    assert old_page.result == "valid"
    assert (new_page.result, new_page.text("fact-counter")) == ("valid", "L02")


@pytest.mark.browser
def test_served_page_without_keyring_json_cannot_check(
    chromium: str, tmp_path: Path, station: Station, http_root: tuple[Path, str]
) -> None:
    root, base = http_root
    write_page(root, None)

    page = open_page(chromium, f"{base}/verify.html#{station.token()}", tmp_path)

    assert (page.result, page.reason) == ("error", "no_keyring")


# ---- render_verify_page (no browser) -------------------------------------------------------------


def _split_at_block(page: str) -> tuple[str, str, str]:
    start = page.index(KEYRING_OPEN) + len(KEYRING_OPEN)
    end = page.index(KEYRING_CLOSE, start)
    return page[:start], page[start:end], page[end:]


def _embedded_block(page: str) -> str:
    return _split_at_block(page)[1]


def test_template_ships_the_empty_keyring_placeholder() -> None:
    page = template()
    assert page.count(KEYRING_OPEN) == 1
    assert json.loads(_embedded_block(page)) == EMPTY_KEYRING
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page, re.I)  # nothing external


def test_render_embeds_the_keyring_verbatim(station: Station) -> None:
    ring = keyring(station, new_station("BPN", "L07"))

    page = render_verify_page(ring)

    assert json.loads(_embedded_block(page)) == ring
    assert page.count(KEYRING_OPEN) == 1
    # only the block changed
    before, _, after = _split_at_block(page)
    assert (before, after) == _split_at_block(template())[::2]


def test_render_cannot_be_broken_out_of_the_script_block() -> None:
    ring = {
        "version": 1,
        "keys": [
            {
                "kid": "0" * 16,
                "site": "</script><script>alert(1)</script><!--",
                "counter": "&amp;>",
                "public_key": "AAAA",
                "created_at": "x\u2028y",
            }
        ],
    }

    block = keyring_json(ring)
    page = render_verify_page(ring)

    assert "<" not in block and ">" not in block and "&" not in block
    assert block.isascii()
    assert json.loads(_embedded_block(page)) == ring


@pytest.mark.parametrize(
    "bad",
    [
        None,
        [],
        {"keys": []},
        {"version": 2, "keys": []},
        {"version": 1},
        {"version": 1, "keys": {}},
        {"version": 1, "keys": ["x"]},
        {"version": 1, "keys": [{"kid": "0" * 16}]},
        {"version": 1, "keys": [{"public_key": "AAAA"}]},
    ],
)
def test_render_refuses_a_keyring_of_the_wrong_shape(bad: object) -> None:
    with pytest.raises(ValueError):
        render_verify_page(bad)  # type: ignore[arg-type]
