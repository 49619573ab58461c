"""Where this site's hall display is: its URL on the hub, and a QR code of it (issue 13, point 5).

Qt-free, for the window's "open the hall display on a second screen" (gui/hall_display.py) and
for `counter-app display-url [--qr F.png]`, so a TV's browser or a Chromium kiosk can open it.

Also the hall display's settings as the window's admin tab sees them (issue 13, point 6): they
live in the hub's database, so this PC reads and changes them through the hub's admin API
(`GET`/`PATCH /api/v1/display/settings`) with the hub's admin token, kept in this data folder's
secrets/ (0600). One path for both a one-PC site (the hub on 127.0.0.1) and a LAN hub; the
services layer may not import the hub's own modules anyway (DESIGN.md section 2).
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlparse

from counter_app.core.errors import Exit, LoketError, ValidationError
from counter_app.core.files import atomic_write, make_private_dir
from counter_app.core.roles import Permission
from counter_app.services.context import Context, secret_path

if TYPE_CHECKING:  # httpx costs ~0.4 s to import: only the admin's hub requests need it
    import httpx

ADMIN_TOKEN_FILE = "hub-admin.token"
SETTINGS_PATH = "/api/v1/display/settings"
TIMEOUT_S = 5.0

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


# ---- the hall display's settings, on the hub (admin) -----------------------------------------


class HubUnreachable(LoketError):
    """The hub did not answer (or answered something that is not its API)."""

    exit_code = Exit.NO


def _hub(ctx: Context) -> str:
    base = (ctx.setting("sync_server") or "").strip().rstrip("/")
    parsed = urlparse(base)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ValidationError("display.no_hub", field="hub")
    return base


def hub_admin_token(ctx: Context) -> str | None:
    try:
        text = secret_path(ctx.data_dir, ADMIN_TOKEN_FILE).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return text or None


def save_hub_admin_token(ctx: Context, token: str) -> None:
    """Keep the hub's admin token (from `counter-app server --admin-token-file F`), owner-only."""
    ctx.actor.require(Permission.MANAGE_SETTINGS)
    token = token.strip()
    if len(token) < 16 or any(c.isspace() for c in token):
        raise ValidationError("display.bad_admin_token", field="admin_token")
    path = secret_path(ctx.data_dir, ADMIN_TOKEN_FILE)
    make_private_dir(path.parent)
    atomic_write(path, (token + "\n").encode("utf-8"))


def _request(
    ctx: Context, method: str, body: Mapping[str, Any] | None, transport: httpx.BaseTransport | None
) -> dict[str, Any]:
    ctx.actor.require(Permission.MANAGE_SETTINGS)  # the tab is hidden from others; this is the check
    base = _hub(ctx)
    token = hub_admin_token(ctx)
    if token is None:
        raise ValidationError("display.no_admin_token", field="admin_token")
    site = str(ctx.setting("site_code"))
    import httpx

    try:
        with httpx.Client(timeout=TIMEOUT_S, transport=transport) as client:
            answer = client.request(
                method,
                base + SETTINGS_PATH,
                params={"site": site},
                json=body,
                headers={"Authorization": f"Bearer {token}"},
            )
    except httpx.HTTPError as exc:
        raise HubUnreachable("display.hub_unreachable", hub=base, detail=type(exc).__name__) from None
    if answer.status_code in (401, 403):
        raise ValidationError("display.admin_refused", field="admin_token", hub=base)
    if answer.status_code == 422:
        detail = answer.json().get("detail")
        if isinstance(detail, dict):  # the hub's own check: {detail: key, field, message}
            raise ValidationError(
                "display.hub_refused",
                field=detail.get("field") or None,
                message=str(detail.get("message") or detail.get("detail")),
            )
        raise ValidationError("display.hub_refused", message=str(detail))
    if answer.status_code != 200:
        raise HubUnreachable("display.hub_unreachable", hub=base, detail=f"HTTP {answer.status_code}")
    return dict(answer.json())


def hub_display_settings(ctx: Context, *, transport: httpx.BaseTransport | None = None) -> dict[str, Any]:
    """This site's display settings as the hub keeps them (admin only)."""
    return _request(ctx, "GET", None, transport)


def _volume(value: Any) -> float:
    try:
        volume = float(str(value).strip().replace(",", "."))  # 0,8 as an Indonesian writes it
    except ValueError:
        volume = -1.0
    if not 0.0 <= volume <= 1.0:
        raise ValidationError("display.bad_volume", field="volume", value=str(value))
    return volume


def check_display_changes(changes: Mapping[str, Any]) -> dict[str, Any]:
    """What this PC can check before asking the hub (which checks all again, as a whole)."""
    clean = dict(changes)
    if "volume" in clean:
        clean["volume"] = _volume(clean["volume"])
    if "recent" in clean:
        try:
            recent = int(clean["recent"])
        except (TypeError, ValueError):
            recent = 0
        if not 6 <= recent <= 8:
            raise ValidationError("display.bad_recent", field="recent", value=str(clean["recent"]))
        clean["recent"] = recent
    return clean


def save_hub_display_settings(
    ctx: Context, changes: Mapping[str, Any], *, transport: httpx.BaseTransport | None = None
) -> dict[str, Any]:
    """Change the hub's display settings (admin only). A bad value changes nothing: checked here
    first, then the hub refuses the whole change (422) with the field it is about."""
    ctx.actor.require(Permission.MANAGE_SETTINGS)
    return _request(ctx, "PATCH", check_display_changes(changes), transport)
