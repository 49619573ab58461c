"""`counter-app display …`: the hall display's settings on the hub (admin, on the hub's machine).

    counter-app display show --site PTK [--db-url URL]
    counter-app display set --site PTK [--name T] [--running-text T] [--tz Z] [--voice on|off]
        [--chime on|off] [--speak-recalls on|off] [--volume 0..1] [--voice-dir DIR] [--recent 6..8]
    counter-app display set --site PTK --counter L03 [--label "Loket 3"] [--spoken "loket imigrasi tiga"]
    counter-app display profile NAME --site PTK [--services KTP,KK] [--counters L01,L02]
        [--recent N] [--voice on|off] [--running-text T]       (`--remove` deletes it)
    counter-app display logo --site PTK (--file LOGO.png | --remove)
    counter-app display sites

The store is the hub's (`--db-url`, `$COUNTER_APP_SERVER_DB_URL`, or the data folder's SQLite
file), as for `counter-app server`. A bad value is refused (exit 2) and nothing changes. The
same settings are served at `GET/PATCH /api/v1/display/settings?site=S` with the admin token.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any, TextIO

from counter_app.core.errors import ValidationError
from counter_app.core.i18n import t

ACTIONS = ("show", "set", "profile", "logo", "sites")
_SCALAR_OPTIONS = {
    "name": "title",
    "running_text": "running_text",
    "tz": "tz",
    "voice": "voice",
    "chime": "chime",
    "speak_recalls": "speak_recalls",
    "volume": "volume",
    "voice_dir": "voice_dir",
    "recent": "recent",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=ACTIONS)
    parser.add_argument("profile_name", nargs="?", metavar="PROFILE")
    parser.add_argument("--db-url", metavar="URL", help=t("cli.help.server_db_url"))
    parser.add_argument("--site", metavar="CODE")
    parser.add_argument("--name", dest="title", metavar="TEXT")
    parser.add_argument("--running-text", metavar="TEXT")
    parser.add_argument("--tz", metavar="ZONE")
    parser.add_argument("--voice", choices=("on", "off"))
    parser.add_argument("--chime", choices=("on", "off"))
    parser.add_argument("--speak-recalls", choices=("on", "off"))
    parser.add_argument("--volume", metavar="0..1")
    parser.add_argument("--voice-dir", metavar="DIR")
    parser.add_argument("--recent", metavar="6..8")
    parser.add_argument("--counter", metavar="CODE")
    parser.add_argument("--label", metavar="TEXT")
    parser.add_argument("--spoken", metavar="WORDS")
    parser.add_argument("--services", metavar="A,B")
    parser.add_argument("--counters", metavar="L01,L02")
    parser.add_argument("--file", metavar="LOGO.png")
    parser.add_argument("--remove", action="store_true")


def changes_of(args: argparse.Namespace) -> dict[str, Any]:
    """The settings document changes the options ask for (checked by display_settings)."""
    if args.action == "profile":
        if not args.profile_name:
            raise ValidationError("display.profile_required", field="profile")
        if args.remove:
            return {"profiles": {args.profile_name: None}}
        entry = {
            "services": args.services,
            "counters": args.counters,
            "recent": args.recent,
            "voice": args.voice,
            "running_text": args.running_text,
        }
        return {"profiles": {args.profile_name: {k: v for k, v in entry.items() if v is not None}}}
    changes = {
        key: getattr(args, option)
        for key, option in _SCALAR_OPTIONS.items()
        if getattr(args, option) is not None
    }
    if args.counter:
        entry = {k: getattr(args, k) for k in ("label", "spoken") if getattr(args, k) is not None}
        changes["counters"] = {args.counter: None if args.remove else entry}
    elif args.label is not None or args.spoken is not None:
        raise ValidationError("display.counter_required", field="counter")
    return changes


def run(args: argparse.Namespace, data_dir: Path, *, as_json: bool, out: TextIO) -> int:
    from counter_app.server import display_settings
    from counter_app.server.command import db_url
    from counter_app.server.store import open_store

    if args.action != "sites" and not args.site:
        raise ValidationError("display.site_required", field="site")
    logo: bytes | None = None
    if args.action == "logo" and not args.remove:
        if not args.file:
            raise ValidationError("display.logo_required", field="file")
        try:
            logo = Path(args.file).expanduser().read_bytes()
        except OSError as exc:
            raise ValidationError(
                "display.logo_unreadable", field="file", path=args.file, detail=exc.strerror or str(exc)
            ) from None
    changes = changes_of(args) if args.action in ("set", "profile") else {}
    store = open_store(db_url(args, data_dir))
    try:
        display_settings.create_schema(store)
        if args.action == "sites":
            data: Any = display_settings.sites(store)
            text = "\n".join(data)
        else:
            if args.action in ("set", "profile"):
                config = display_settings.update(store, args.site, changes)
            elif args.action == "logo":
                config = display_settings.set_logo(store, args.site, logo)
            else:
                config = display_settings.load(store, args.site)
            data = {"site": args.site, **config.doc, "logo": config.has_logo, "updated_at": config.updated_at}
            text = json.dumps(data, ensure_ascii=False, indent=2)
    finally:
        store.close()
    if as_json:
        json.dump(data, out, ensure_ascii=False, indent=2)
        out.write("\n")
    else:
        out.write(text + "\n")
    return 0
