"""The server's request log: one line per request into the program's log (`core/logs.py`).

Each line holds the method, the path, the query with only known-harmless values, the status,
the duration, the client's address and the calling device's name once it authenticated. Never
a body (complaint texts, names, tokens in a device's payload) nor a header (the bearer token):
this middleware sees neither, it reads only the request line. An exception no handler answered
is a bug: its traceback goes to the log, and the client gets a bare 500 without it.
"""

from __future__ import annotations

import json
import logging
import time
from urllib.parse import parse_qsl, quote

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("loket.server")

# Query values shown as they are; any other parameter's value (e.g. a token a client put in a
# URL by mistake) is logged as "…".
SAFE_QUERY = frozenset({"since", "device", "date", "to", "site", "counter", "profile", "voice", "lang"})
STATE_DEVICE = "device"  # scope["state"] key the authentication dependency fills in


def safe_target(scope: Scope) -> str:
    """The request's path and query, with the values of unknown query parameters left out."""
    path = quote(scope.get("path", ""), safe="/:@!$&'()*+,;=-._~")
    raw = scope.get("query_string", b"").decode("latin-1")
    if not raw:
        return path
    parts = [
        f"{quote(k, safe='')}={quote(v, safe='') if k in SAFE_QUERY else '…'}"
        for k, v in parse_qsl(raw, keep_blank_values=True)
    ]
    return f"{path}?{'&'.join(parts)}"


class RequestLog:
    """ASGI middleware: log every HTTP request once it is answered (outermost of ours)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 0

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception:  # a bug in an endpoint: logged with its traceback, answered 500
            log.exception("unhandled error in %s %s", scope.get("method", "?"), safe_target(scope))
            if status == 0:  # nothing sent yet: the client still gets an answer
                status = 500
                body = json.dumps({"detail": "internal_error"}).encode()
                await send(
                    {
                        "type": "http.response.start",
                        "status": 500,
                        "headers": [(b"content-type", b"application/json")],
                    }
                )
                await send({"type": "http.response.body", "body": body})
        finally:
            client = scope.get("client")
            device = (scope.get("state") or {}).get(STATE_DEVICE) or "-"
            log.info(
                "%s %s %d %.1fms %s %s",
                scope.get("method", "?"),
                safe_target(scope),
                status,
                (time.perf_counter() - started) * 1000,
                client[0] if client else "-",
                device,
            )
