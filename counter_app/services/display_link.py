"""Where this site's hall display is: its URL on the hub, and a QR code of it (issue 13, point 5).

Qt-free, for the window's "open the hall display on a second screen" (later) and for
`counter-app display-url [--qr F.png]`, so a TV's browser or a Chromium kiosk can open it.
"""

from __future__ import annotations

import io
from urllib.parse import urlencode, urlparse

from counter_app.core.errors import ValidationError
from counter_app.services.context import Context

LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")


def display_url(ctx: Context, *, hub: str | None = None, profile: str | None = None) -> str:
    """`<hub>/display?site=S[&profile=P]`, from the counter's hub setting (or `hub`)."""
    base = (hub or ctx.setting("sync_server") or "").strip().rstrip("/")
    parsed = urlparse(base)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ValidationError("display.no_hub", field="hub")
    query = {"site": str(ctx.setting("site_code"))}
    if profile:
        query["profile"] = profile
    return f"{base}/display?{urlencode(query)}"


def is_loopback(url: str) -> bool:
    """A URL only this PC can open (a TV needs the PC's LAN address instead)."""
    return (urlparse(url).hostname or "") in LOOPBACK


def qr_png(url: str, box: int = 10) -> bytes:
    """A QR code of `url` as PNG bytes (error correction M: readable off a screen)."""
    import qrcode
    from qrcode.constants import ERROR_CORRECT_M

    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=box, border=4)
    code.add_data(url)
    code.make(fit=True)
    out = io.BytesIO()
    code.make_image(fill_color="black", back_color="white").save(out, format="PNG")
    return out.getvalue()
