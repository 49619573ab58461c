"""`counter-app server …`: run the sync server, or manage its devices from the terminal.

    counter-app server [--db-url URL] [--host H] [--port P] [--admin-token-file F] [--api-docs]
                       [--log-file F]
    counter-app server add-device NAME --site CODE --counter CODE [--publisher] [--replace]
                                                                  → the token, alone on stdout
    counter-app server bind-device NAME --site CODE --counter CODE   (a device of an old store)
    counter-app server revoke-device NAME                             (and its keys)
    counter-app server devices

The store is `--db-url` (or `$COUNTER_APP_SERVER_DB_URL`), by default a SQLite file in the data
folder. The admin token (for `POST /api/v1/devices` over HTTP) comes from `--admin-token-file`
or `$COUNTER_APP_SERVER_ADMIN_TOKEN`; without one, devices are managed from this command only.
Each request is logged (never its body or headers) to `<data folder>/logs/server.log`, or to
`--log-file` (or `$COUNTER_APP_SERVER_LOG_FILE`). Nothing here imports FastAPI until the server
actually starts.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any, TextIO

from counter_app.core.errors import ValidationError
from counter_app.core.i18n import t

ENV_DB_URL = "COUNTER_APP_SERVER_DB_URL"
ENV_ADMIN_TOKEN = "COUNTER_APP_SERVER_ADMIN_TOKEN"
ENV_API_DOCS = "COUNTER_APP_SERVER_API_DOCS"  # "1": serve /docs, /redoc and the OpenAPI schema
ENV_LOG_FILE = "COUNTER_APP_SERVER_LOG_FILE"
SERVER_LOG = "server.log"  # in <data folder>/logs/, beside the program's loket.log
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8470
ACTIONS = ("serve", "add-device", "bind-device", "revoke-device", "devices")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The `server` sub-command's options (for the CLI's parser)."""
    parser.add_argument("action", nargs="?", default="serve", choices=ACTIONS)
    parser.add_argument("name", nargs="?", help=t("cli.help.server_name"))
    parser.add_argument("--db-url", metavar="URL", help=t("cli.help.server_db_url"))
    parser.add_argument("--host", default=DEFAULT_HOST)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--admin-token-file", metavar="FILE", help=t("cli.help.server_admin_token"))
    parser.add_argument("--publisher", action="store_true", help=t("cli.help.server_publisher"))
    parser.add_argument("--replace", action="store_true", help=t("cli.help.server_replace"))
    parser.add_argument("--site", metavar="CODE", help=t("cli.help.server_site"))
    parser.add_argument("--counter", metavar="CODE", help=t("cli.help.server_counter"))
    parser.add_argument("--api-docs", action="store_true", default=None, help=t("cli.help.server_api_docs"))
    parser.add_argument("--log-file", metavar="FILE", help=t("cli.help.server_log_file"))


def db_url(args: argparse.Namespace, data_dir: Path) -> str:
    from counter_app.server.store import default_url

    return getattr(args, "db_url", None) or os.environ.get(ENV_DB_URL) or default_url(data_dir)


def admin_token(args: argparse.Namespace) -> str | None:
    path = getattr(args, "admin_token_file", None)
    if path:
        try:
            text = Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ValidationError(
                "server.admin_token_file",
                field="admin_token_file",
                path=str(path),
                error=exc.strerror or str(exc),
            ) from None
        return text or None
    return os.environ.get(ENV_ADMIN_TOKEN) or None


def api_docs(args: argparse.Namespace) -> bool:
    if getattr(args, "api_docs", None):
        return True
    return os.environ.get(ENV_API_DOCS, "").strip().lower() in ("1", "true", "yes")


def setup_log(args: argparse.Namespace, data_dir: Path) -> Path | None:
    """The server's log: `--log-file`, `$COUNTER_APP_SERVER_LOG_FILE`, else the data folder's
    `logs/server.log` (or the fallbacks of core/logs.py). A chosen file that cannot be opened
    is bad input (exit 2) rather than a server running without its log."""
    from counter_app.core import logs

    chosen = getattr(args, "log_file", None) or os.environ.get(ENV_LOG_FILE) or None
    try:
        return logs.setup_logging(data_dir, name=SERVER_LOG, log_file=Path(chosen) if chosen else None)
    except OSError as exc:
        raise ValidationError(
            "server.log_file", field="log_file", path=str(chosen), error=exc.strerror or str(exc)
        ) from None


def run(args: argparse.Namespace, data_dir: Path, *, as_json: bool = False, out: TextIO | None = None) -> int:
    """Carry out `counter-app server …`; returns the exit code (LoketErrors propagate)."""
    out = out or sys.stdout
    from counter_app.server.store import open_store

    action = args.action
    site, counter = getattr(args, "site", None), getattr(args, "counter", None)
    if action in ("add-device", "bind-device", "revoke-device") and not args.name:
        raise ValidationError("server.device_name_required", field="name")
    # A new device is bound to its site and counter (the only keys it may publish);
    # with --replace the binding it has is kept.
    needs_binding = action == "bind-device" or (
        action == "add-device" and (not args.replace or site or counter)
    )
    if needs_binding and not (site and counter):
        raise ValidationError("server.binding_required", field="counter" if site else "site")
    store = open_store(db_url(args, data_dir))
    try:
        if action == "add-device":
            token = store.add_device(
                args.name, site=site, counter=counter, publisher=args.publisher, replace=args.replace
            )
            _emit(out, as_json, {"device": args.name, "token": token}, token)
        elif action == "bind-device":
            device = store.bind_device(args.name, site, counter)
            _emit(
                out,
                as_json,
                device.to_json(),
                t("server.device_bound_done", name=args.name, site=device.site, counter=device.counter),
            )
        elif action == "revoke-device":
            revoked = store.revoke_device(args.name)
            _emit(
                out,
                as_json,
                {"device": args.name, "revoked": True, "keys_revoked": revoked},
                t("server.device_revoked_done", name=args.name, keys=revoked),
            )
        elif action == "devices":
            devices = store.devices()
            lines = [
                f"{d.name:<24}{(d.site or '?') + '/' + (d.counter or '?'):<16}"
                f"{'publisher' if d.publisher else '':<11}"
                f"{'REVOKED' if d.revoked else 'active':<9}{d.stored_through:>10}  {d.last_push_at or '-'}"
                for d in devices
            ]
            _emit(out, as_json, [d.to_json() for d in devices], "\n".join(lines))
        else:
            token = admin_token(args)
            setup_log(args, data_dir)
            return serve(store, host=args.host, port=args.port, admin_token=token, api_docs=api_docs(args))
    finally:
        store.close()
    return 0


def _emit(out: TextIO, as_json: bool, data: Any, text: str) -> None:
    if as_json:
        json.dump(data, out, ensure_ascii=False, indent=2)
        out.write("\n")
    elif text:
        out.write(text + "\n")
    out.flush()


def serve(store: Any, *, host: str, port: int, admin_token: str | None = None, api_docs: bool = False) -> int:
    """Run uvicorn in the foreground until interrupted."""
    try:
        import uvicorn

        from counter_app.server.app import create_app
    except ImportError as exc:  # installed without the `server` extra
        raise ValidationError("server.missing_extra", detail=str(exc)) from None

    import logging

    from counter_app.core import logs

    app = create_app(store, admin_token=admin_token, api_docs=api_docs)
    print(t("server.listening", url=f"http://{host}:{port}", store=store.display_url), file=sys.stderr)
    logging.getLogger("loket.server").info(
        "listening on http://%s:%d, store %s, log %s", host, port, store.display_url, logs.log_path()
    )
    # access_log off: uvicorn's line holds the whole query string; ours (server/request_log.py)
    # leaves unknown query values out and goes to the log file.
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="info",
        access_log=False,
        ws="none",
        lifespan="off",
        server_header=False,
        proxy_headers=True,
        timeout_graceful_shutdown=3,
    )  # open event streams
    return 0
