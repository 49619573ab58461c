"""The visitor-facing verify page with a keyring embedded, ready to publish as one file.

`resources/web/verify.html` is a self-contained page (inline CSS and JavaScript) that checks a
receipt token (DESIGN.md section 5) in the phone's browser with WebCrypto Ed25519. It reads the
keyring from the block

    <script type="application/json" id="keyring">{"version":1,"keys":[]}</script>

and, when served over http(s), also from `keyring.json` next to the page. `render_verify_page`
replaces the content of that block with the given keyring so the page also works from
`file://` or any static host without a neighbouring file. Used by `counter-app keys export
--page` and by the sync server.
"""

from __future__ import annotations

import json
from typing import Any

from counter_app.core.paths import resource

TEMPLATE = ("web", "verify.html")
KEYRING_OPEN = '<script type="application/json" id="keyring">'
KEYRING_CLOSE = "</script>"
EMPTY_KEYRING = {"version": 1, "keys": []}


def template() -> str:
    """The page as shipped (with the empty keyring placeholder)."""
    return resource(*TEMPLATE).read_text(encoding="utf-8")


def keyring_json(keyring: dict[str, Any]) -> str:
    """`keyring` as JSON that is safe inside an HTML <script> block.

    Pure ASCII; every `<`, `>` and `&` is written as a \\u escape (they can only occur inside
    JSON strings, where the escape means the same character), so no `</script>` or `<!--` can
    appear in the block.
    """
    _check_keyring(keyring)
    text = json.dumps(keyring, ensure_ascii=True, separators=(",", ":"), sort_keys=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def render_verify_page(keyring: dict[str, Any]) -> str:
    """verify.html with `keyring` ({"version": 1, "keys": [...]}) embedded.

    Raises ValueError when the keyring does not have the v1 shape or the template lacks the
    placeholder block (exactly one is required).
    """
    page = template()
    if page.count(KEYRING_OPEN) != 1:
        raise ValueError("verify.html must contain exactly one keyring block")
    start = page.index(KEYRING_OPEN) + len(KEYRING_OPEN)
    end = page.index(KEYRING_CLOSE, start)
    return page[:start] + keyring_json(keyring) + page[end:]


def _check_keyring(keyring: Any) -> None:
    if not isinstance(keyring, dict) or keyring.get("version") != 1:
        raise ValueError("keyring must be a dict with version 1")
    keys = keyring.get("keys")
    if not isinstance(keys, list):
        raise ValueError("keyring['keys'] must be a list")
    for key in keys:
        if not isinstance(key, dict):
            raise ValueError("each keyring entry must be a dict")
        for field in ("kid", "public_key"):
            if not isinstance(key.get(field), str) or not key[field]:
                raise ValueError(f"keyring entry without {field!r}")
